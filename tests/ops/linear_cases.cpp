// Conformance cases for the linear family (include/mempipe/ops/linear.h): cpu::linear and
// cpu::linear_x_bf16 against ref:: for every weight format (bf16; int8 per row and groups of
// 32/64/128; int4 symmetric and with zero points, groups of 32/64/128) at every SIMD level, on
// shapes around the SIMD widths, the GEMV/GEMM switch (m = 1..70) and the GEMM's block sizes (bf16
// also with weights prepacked by cpu::linear_pack), plus the weight quantisers, golden values of
// the packings, NaN/Inf rows and bad arguments.
#include <algorithm>
#include <bit>
#include <cmath>
#include <string>
#include <vector>

#include "conformance.h"
#include "mempipe/core/dtype.h"
#include "mempipe/core/error.h"
#include "mempipe/ops/dense_retrieval.h"
#include "mempipe/ops/linear.h"

namespace mempipe::test {
namespace {

struct Config {
    LinearFormat format;
    int64_t group;  // int8: 0 = per row
    bool zeros;     // int4 with zero points
    std::string name() const {
        std::string s(linear_format_name(format));
        if (format != LinearFormat::Bf16) s += group ? ",g" + std::to_string(group) : ",row";
        if (format == LinearFormat::Int4) s += zeros ? ",asym" : ",sym";
        return s;
    }
};

std::vector<Config> all_configs() {
    std::vector<Config> v = {{LinearFormat::Bf16, 0, false}};
    for (int64_t g : {0, 32, 64, 128}) v.push_back({LinearFormat::Int8, g, false});
    for (bool z : {false, true})
        for (int64_t g : {32, 64, 128}) v.push_back({LinearFormat::Int4, g, z});
    return v;
}

// How the inputs are drawn: random reals (tolerance check) or integers that make every partial
// sum exact (bit-identical check).
enum class Fill { Random, Exact };

// Weights of one format in guarded, optionally misaligned buffers, with an independent decoder.
struct TestWeights {
    Config cfg;
    int64_t n, k, groups;
    Guarded<uint16_t> wb;
    Guarded<int8_t> w8;
    Guarded<uint8_t> w4;
    Guarded<float> sc;
    Guarded<uint8_t> z;

    TestWeights(const Config& c, int64_t n_, int64_t k_, size_t mis, Rng& rng, Fill fill)
        : cfg(c),
          n(n_),
          k(k_),
          groups(c.format == LinearFormat::Bf16 ? 0
                 : c.group                      ? (k_ + c.group - 1) / c.group
                                                : 1),
          wb(c.format == LinearFormat::Bf16 ? size_t(n_ * k_) : 0, mis ? 2 : 0),
          w8(c.format == LinearFormat::Int8 ? size_t(n_ * k_) : 0, mis ? 1 : 0),
          w4(c.format == LinearFormat::Int4 ? size_t(n_ * ((k_ + 1) / 2)) : 0, mis ? 1 : 0),
          sc(size_t(n_ * groups), mis ? 4 : 0),
          z(c.zeros ? size_t(n_ * groups) : 0, mis ? 3 : 0) {
        const bool exact = fill == Fill::Exact;
        for (size_t i = 0; i < wb.size(); ++i)
            wb[i] = f32_to_bf16(exact ? float(rng.uniform_int(-8, 8)) : rng.uniform(-1.0f, 1.0f));
        for (size_t i = 0; i < w8.size(); ++i) w8[i] = int8_t(rng.uniform_int(-127, 127));
        for (size_t i = 0; i < w4.size(); ++i) w4[i] = uint8_t(rng.uniform_int(0, 255));
        // Exact: scales 0.5, 1, 2 keep every f32 partial sum a representable multiple of 0.5.
        for (size_t i = 0; i < sc.size(); ++i)
            sc[i] =
                exact ? std::ldexp(1.0f, int(rng.uniform_int(-1, 1))) : rng.uniform(0.001f, 0.02f);
        for (size_t i = 0; i < z.size(); ++i) z[i] = uint8_t(rng.uniform_int(0, 15));
    }

    LinearWeights view() const {
        switch (cfg.format) {
            case LinearFormat::Bf16:
                return LinearWeights::bf16(wb.data(), n, k);
            case LinearFormat::Int8:
                return LinearWeights::int8(w8.data(), sc.data(), n, k, cfg.group);
            case LinearFormat::Int4:
                break;
        }
        return LinearWeights::int4(w4.data(), sc.data(), cfg.zeros ? z.data() : nullptr, n, k,
                                   cfg.group);
    }
    int64_t group_of(int64_t t) const { return cfg.group ? t / cfg.group : 0; }
    // Integer weight q − z (the test's own reading of the documented packing).
    int32_t code(int64_t j, int64_t t) const {
        if (cfg.format == LinearFormat::Int8) return w8[size_t(j * k + t)];
        const uint8_t byte = w4[size_t(j * ((k + 1) / 2) + t / 2)];
        const int32_t q = t % 2 == 0 ? byte & 0xF : byte >> 4;
        return q - (cfg.zeros ? int32_t(z[size_t(j * groups + group_of(t))]) : 8);
    }
    float scale(int64_t j, int64_t t) const { return sc[size_t(j * groups + group_of(t))]; }
    void check_guards() const {
        wb.check_guards("w bf16");
        w8.check_guards("w int8");
        w4.check_guards("w int4");
        sc.check_guards("scales");
        z.check_guards("zeros");
    }
};

// |y − y_ref| within the documented bound, element by element (x finite).
void check_tolerance(const TestWeights& tw, const float* x, const float* bias, const float* ref,
                     const float* got, int64_t m) {
    const int64_t n = tw.n, k = tw.k;
    std::vector<int8_t> xq(size_t(std::max<int64_t>(1, k)));
    std::vector<double> xr(static_cast<size_t>(k));
    int bad = 0;
    for (int64_t i = 0; i < m && bad < 5; ++i) {
        float sx = 0;
        if (tw.cfg.format == LinearFormat::Bf16) {
            for (int64_t t = 0; t < k; ++t) xr[size_t(t)] = bf16_to_f32(f32_to_bf16(x[i * k + t]));
        } else {
            ref::quant_int8_rows(x + i * k, 1, k, xq.data(), &sx);
        }
        for (int64_t j = 0; j < n && bad < 5; ++j) {
            double mag = bias ? std::fabs(double(bias[j])) : 0.0, tol;
            if (tw.cfg.format == LinearFormat::Bf16) {
                for (int64_t t = 0; t < k; ++t)
                    mag += std::fabs(xr[size_t(t)] * double(bf16_to_f32(tw.wb[size_t(j * k + t)])));
                // f32 sum of k exact products (+ bias): standard summation bound.
                tol = double(k + 2) * std::ldexp(mag, -24);
            } else {
                double s = 0;
                for (int64_t t = 0; t < k; ++t)
                    s += std::fabs(double(tw.scale(j, t)) * double(xq[size_t(t)]) *
                                   double(tw.code(j, t)));
                mag += double(sx) * s;
                // Exact integer partial sums, each converted, scaled and added in f32, then × s_x
                // and + bias: at most k + 8 roundings of magnitude ≤ M.
                tol = double(k + 8) * std::ldexp(mag, -24);
            }
            const double r = ref[i * n + j], g = got[i * n + j];
            if (!(std::fabs(r - g) <= tol + 1e-37)) {
                ADD_FAILURE() << "y[" << i << "," << j << "]: ref " << r << " got " << g
                              << " |diff| " << std::fabs(r - g) << " tol " << tol;
                ++bad;
            }
        }
    }
}

struct RunOptions {
    Fill fill = Fill::Random;
    bool bias = true;
    size_t misalign = 0;
    bool x_bf16 = false;  // call linear_x_bf16 with x rounded to bf16
    bool packed = false;  // bf16: pass weights prepacked by cpu::linear_pack
};

std::string suffix(const RunOptions& o) {
    return o.packed ? ",packed" : "";
}

// The configurations of a case list, each with the options it runs under: every format with
// `base`, then bf16 once more with prepacked weights.
std::vector<std::pair<Config, RunOptions>> with_packed(const std::vector<Config>& configs,
                                                       RunOptions base) {
    std::vector<std::pair<Config, RunOptions>> v;
    for (const Config& c : configs) v.push_back({c, base});
    RunOptions p = base;
    p.packed = true;
    for (const Config& c : configs)
        if (c.format == LinearFormat::Bf16) v.push_back({c, p});
    return v;
}

void run_linear(CaseContext& ctx, const Config& cfg, int64_t m, int64_t k, int64_t n,
                RunOptions o) {
    TestWeights tw(cfg, n, k, o.misalign, ctx.rng, o.fill);
    Guarded<float> x(size_t(m * k), o.misalign), b(size_t(n), o.misalign);
    Guarded<float> y_ref(size_t(m * n)), y(size_t(m * n), o.misalign);
    const bool exact = o.fill == Fill::Exact;
    for (int64_t i = 0; i < m; ++i)
        for (int64_t t = 0; t < k; ++t) {
            float v = ctx.rng.uniform(-2.0f, 2.0f);
            if (exact && cfg.format == LinearFormat::Bf16) v = float(ctx.rng.uniform_int(-8, 8));
            // Int exact: integers with one ±127 per row, so s_x = 1 and xq = x.
            if (exact && cfg.format != LinearFormat::Bf16)
                v = t == (i * 7) % k ? (i % 2 ? -127.0f : 127.0f)
                                     : float(ctx.rng.uniform_int(-20, 20));
            x[size_t(i * k + t)] = o.x_bf16 ? bf16_to_f32(f32_to_bf16(v)) : v;
        }
    for (int64_t j = 0; j < n; ++j)
        b[size_t(j)] = exact ? float(ctx.rng.uniform_int(-100, 100)) : ctx.rng.uniform(-1.0f, 1.0f);
    const std::vector<float> x_before(x.data(), x.data() + x.size());
    const float* bp = o.bias ? b.data() : nullptr;
    LinearWeights w = tw.view();
    LinearPacked pk;
    if (o.packed) {
        pk = cpu::linear_pack(w);
        w.packed = &pk;
    }
    if (o.x_bf16) {
        std::vector<uint16_t> xb(x.size());
        for (size_t i = 0; i < xb.size(); ++i) xb[i] = f32_to_bf16(x[i]);
        ref::linear_x_bf16(xb.data(), w, bp, y_ref.data(), m);
        cpu::linear_x_bf16(xb.data(), w, bp, y.data(), m);
    } else {
        ref::linear(x.data(), w, bp, y_ref.data(), m);
        cpu::linear(x.data(), w, bp, y.data(), m);
    }
    y.check_guards("y");
    x.check_guards("x");
    tw.check_guards();
    EXPECT_TRUE(std::equal(x_before.begin(), x_before.end(), x.data())) << "x was modified";
    expect_finite(y.data(), y.size(), "y");
    if (exact) {
        expect_equal(y_ref.data(), y.data(), y.size(), "y (exact inputs)");
    } else {
        check_tolerance(tw, x.data(), bp, y_ref.data(), y.data(), m);
    }
}

std::string shape(int64_t m, int64_t k, int64_t n) {
    return "m=" + std::to_string(m) + ",k=" + std::to_string(k) + ",n=" + std::to_string(n);
}

struct Shape {
    int64_t m, k, n;
};

void linear_shape_cases(std::vector<OpCase>& out) {
    // GEMV (m < 16) and GEMM shapes around SIMD widths (16 f32, 32 bf16, 64 int8 per register),
    // group sizes, the tile sizes (16 × 16, 32-row blocks) and primes.
    const Shape shapes[] = {
        {1, 1, 1},    {1, 15, 3},   {1, 16, 17},   {1, 17, 16},    {1, 31, 33},   {1, 32, 31},
        {1, 33, 65},  {1, 63, 5},   {1, 64, 64},   {1, 65, 7},     {1, 127, 9},   {1, 128, 33},
        {1, 129, 17}, {1, 257, 31}, {1, 1031, 13}, {2, 65, 17},    {3, 129, 5},   {4, 100, 33},
        {5, 33, 65},  {7, 200, 9},  {8, 64, 32},   {9, 257, 11},   {15, 130, 17}, {16, 64, 16},
        {16, 33, 17}, {17, 65, 31}, {31, 129, 33}, {32, 128, 32},  {33, 31, 65},  {47, 257, 48},
        {64, 96, 50}, {65, 100, 3}, {70, 513, 40}, {33, 1031, 15}, {16, 1, 1},
    };
    for (const auto& [cfg, base] : with_packed(all_configs(), {}))
        for (size_t s = 0; s < std::size(shapes); ++s) {
            const Shape sh = shapes[s];
            RunOptions o = base;
            o.misalign = s % 3 == 1 ? 4 : 0;
            o.bias = s % 4 != 2;
            out.push_back({"linear",
                           cfg.name() + "," + shape(sh.m, sh.k, sh.n) +
                               (o.misalign ? ",misalign" : "") + (o.bias ? "" : ",nobias") +
                               suffix(o),
                           [=](CaseContext& c) { run_linear(c, cfg, sh.m, sh.k, sh.n, o); }});
        }
    // Large enough for 2 threads, several 256-column C blocks, several k-blocks of 256 (the
    // driver's) and of 640 (the AMX bf16 GEMM's; k = 1500 ends in a partial one), the AMX bf16
    // GEMM's Cᵀ blocks of 256 weight rows (n = 600: 300 rows per thread), and (m = 520) two row
    // chunks of 512.
    const Shape big[] = {
        {1, 4099, 600}, {3, 700, 257}, {33, 530, 300}, {40, 1500, 600}, {520, 70, 40}};
    for (const auto& [cfg, o] : with_packed(all_configs(), {}))
        for (const Shape& sh : big)
            out.push_back({"linear",
                           cfg.name() + "," + shape(sh.m, sh.k, sh.n) + ",blocks" + suffix(o),
                           [=](CaseContext& c) { run_linear(c, cfg, sh.m, sh.k, sh.n, o); }});
}

void linear_stream_cases(std::vector<OpCase>& out) {
    // An output above 4 MiB: the AMX bf16 GEMM writes it with non-temporal stores (y misaligned
    // here, so each row has a scalar head); two row chunks of 512, a partial last weight block.
    RunOptions base;
    base.misalign = 4;
    for (const auto& [cfg, o] : with_packed({{LinearFormat::Bf16, 0, false}}, base))
        out.push_back({"linear", "bf16,m=520,k=33,n=2017,stream" + suffix(o),
                       [=](CaseContext& c) { run_linear(c, cfg, 520, 33, 2017, o); }});
}

void linear_m_sweep_cases(std::vector<OpCase>& out) {
    // Every m across the GEMV/GEMM switch (16) and the 32-row tile pairs.
    const Config sweep[] = {{LinearFormat::Bf16, 0, false},
                            {LinearFormat::Int8, 32, false},
                            {LinearFormat::Int4, 64, true}};
    for (const auto& [cfg, o] : with_packed({std::begin(sweep), std::end(sweep)}, {}))
        for (int64_t m = 1; m <= 70; ++m)
            out.push_back({"linear", cfg.name() + "," + shape(m, 97, 35) + ",sweep" + suffix(o),
                           [=](CaseContext& c) { run_linear(c, cfg, m, 97, 35, o); }});
}

void linear_exact_cases(std::vector<OpCase>& out) {
    // Integer-valued inputs: every partial sum is exact, so all levels must match the reference
    // bit for bit (a dropped or doubled term cannot hide in a tolerance).
    const Shape shapes[] = {{1, 255, 33}, {4, 129, 17}, {15, 64, 31}, {16, 200, 48}, {37, 321, 33}};
    RunOptions exact;
    exact.fill = Fill::Exact;
    for (const auto& [cfg, base] : with_packed(all_configs(), exact))
        for (const Shape& sh : shapes) {
            RunOptions o = base;
            o.misalign = sh.m % 2 ? 4 : 0;
            out.push_back({"linear",
                           cfg.name() + "," + shape(sh.m, sh.k, sh.n) + ",exact" + suffix(o),
                           [=](CaseContext& c) { run_linear(c, cfg, sh.m, sh.k, sh.n, o); }});
        }
}

void linear_x_bf16_cases(std::vector<OpCase>& out) {
    RunOptions xb;
    xb.x_bf16 = true;
    for (const auto& [cfg, o] :
         with_packed({Config{LinearFormat::Bf16, 0, false}, Config{LinearFormat::Int8, 0, false},
                      Config{LinearFormat::Int4, 32, true}},
                     xb))
        for (const Shape& sh : {Shape{1, 77, 19}, Shape{20, 130, 33}})
            out.push_back({"linear_x_bf16", cfg.name() + "," + shape(sh.m, sh.k, sh.n) + suffix(o),
                           [=](CaseContext& c) { run_linear(c, cfg, sh.m, sh.k, sh.n, o); }});
}

// Non-finite values: a NaN/Inf row of x gives a NaN row (integer formats) or what f64 gives
// (bf16); a NaN scale gives a NaN column; an Inf weight gives ±Inf / NaN as in f64.
void run_nonfinite(CaseContext& ctx, const Config& cfg, int64_t m, int64_t k, int64_t n) {
    TestWeights tw(cfg, n, k, 0, ctx.rng, Fill::Random);
    Guarded<float> x(size_t(m * k)), y_ref(size_t(m * n)), y(size_t(m * n));
    for (size_t i = 0; i < x.size(); ++i) x[i] = ctx.rng.uniform(-2.0f, 2.0f);
    x[size_t(1 * k + k / 2)] = std::nanf("");
    x[size_t(2 * k + k / 3)] = -INFINITY;
    if (cfg.format == LinearFormat::Bf16) {
        tw.wb[size_t(3 * k + 1)] = f32_to_bf16(INFINITY);  // column 3: ±Inf where x̂ ≠ 0
    } else {
        tw.sc[size_t(4 * tw.groups)] = std::nanf("");  // column 4: NaN
    }
    const LinearWeights w = tw.view();
    ref::linear(x.data(), w, nullptr, y_ref.data(), m);
    cpu::linear(x.data(), w, nullptr, y.data(), m);
    y.check_guards("y");
    for (int64_t j = 0; j < n; ++j) {
        EXPECT_TRUE(std::isnan(y[size_t(1 * n + j)])) << "NaN row of x, column " << j;
        if (cfg.format != LinearFormat::Bf16) {
            EXPECT_TRUE(std::isnan(y[size_t(2 * n + j)])) << "Inf row of x, column " << j;
        }
    }
    for (int64_t i = 0; i < m; ++i) {
        if (cfg.format != LinearFormat::Bf16) {
            EXPECT_TRUE(std::isnan(y[size_t(i * n + 4)])) << "NaN scale, row " << i;
        }
        for (int64_t j = 0; j < n; ++j) {
            const float r = y_ref[size_t(i * n + j)], g = y[size_t(i * n + j)];
            if (!std::isfinite(r) || !std::isfinite(g)) {
                EXPECT_TRUE(std::isnan(r) ? std::isnan(g) : r == g)
                    << "y[" << i << "," << j << "]: ref " << r << " got " << g;
            }
        }
    }
}

void linear_special_cases(std::vector<OpCase>& out) {
    for (const Config& cfg : all_configs())
        for (int64_t m : {4, 20}) {
            out.push_back({"linear", cfg.name() + ",m=" + std::to_string(m) + ",nonfinite",
                           [=](CaseContext& c) { run_nonfinite(c, cfg, m, 100, 21); }});
        }
    for (const Config& cfg : all_configs())
        out.push_back({"linear", cfg.name() + ",empty", [=](CaseContext& c) {
                           run_linear(c, cfg, 0, 64, 16, {});
                           run_linear(c, cfg, 3, 64, 0, {});
                           run_linear(c, cfg, 20, 64, 0, {});
                           run_linear(c, cfg, 3, 0, 5, {});  // k = 0: y = bias
                           run_linear(c, cfg, 20, 0, 5, {});
                       }});
    out.push_back({"linear", "bf16,golden", [](CaseContext&) {
                       // y = [1, 2] · [[1, 0.5], [−1, 2]]ᵀ + [0.25, 0] = [2.25, 3].
                       const float x[2] = {1, 2}, bias[2] = {0.25f, 0};
                       const uint16_t w[4] = {f32_to_bf16(1), f32_to_bf16(0.5f), f32_to_bf16(-1),
                                              f32_to_bf16(2)};
                       float y[2];
                       cpu::linear(x, LinearWeights::bf16(w, 2, 2), bias, y, 1);
                       EXPECT_EQ(y[0], 2.25f);
                       EXPECT_EQ(y[1], 3.0f);
                   }});
    out.push_back(
        {"linear_pack", "golden_layout", [](CaseContext& c) {
             // n = 17, k = 33: 2 row blocks × 2 k-steps; tile (b, s) row r holds
             // W[16b + r, 32s .. 32s + 31], zero past n and k.
             const int64_t n = 17, k = 33;
             std::vector<uint16_t> w(size_t(n * k));
             for (uint16_t& v : w) v = uint16_t(c.rng.uniform_int(1, 60000));
             const LinearPacked p = cpu::linear_pack(LinearWeights::bf16(w.data(), n, k));
             ASSERT_EQ(p.tiles.size(), size_t(2 * 2 * 512));
             EXPECT_EQ(p.source, static_cast<const void*>(w.data()));
             EXPECT_EQ(p.n, n);
             EXPECT_EQ(p.k, k);
             for (int64_t b = 0; b < 2; ++b)
                 for (int64_t s = 0; s < 2; ++s)
                     for (int64_t r = 0; r < 16; ++r)
                         for (int64_t t = 0; t < 32; ++t) {
                             const int64_t j = 16 * b + r, col = 32 * s + t;
                             const uint16_t want = j < n && col < k ? w[size_t(j * k + col)] : 0;
                             ASSERT_EQ(p.tiles[size_t(((b * 2 + s) * 16 + r) * 32 + t)], want)
                                 << "tile (" << b << "," << s << ") row " << r << " column " << t;
                         }
         }});
    out.push_back({"linear", "int4,golden_packing", [](CaseContext&) {
                       // Bytes 0x9A, 0x7F hold elements t = 0..3 as nibbles low, high, low, high:
                       // q = [10, 9, 15, 7]; symmetric (z = 8), scale 0.5 → W = [1, 0.5, 3.5,
                       // −0.5].
                       const uint8_t packed[2] = {0x9A, 0x7F};
                       const float scale = 0.5f;
                       const LinearWeights w =
                           LinearWeights::int4(packed, &scale, nullptr, 1, 4, 32);
                       float deq[4];
                       linear_dequantize(w, deq);
                       const float want[4] = {1, 0.5f, 3.5f, -0.5f};
                       expect_equal(want, deq, 4, "int4 dequantised");
                       // x = [1, 2, 3, 4]: s = 4/127, xq = RNE(x/s) = [32, 64, 95, 127] (63.5 → 64,
                       // even): y = s · 0.5 · (32·2 + 64·1 + 95·7 − 127) = s · 333.
                       const float x[4] = {1, 2, 3, 4};
                       float y;
                       cpu::linear(x, w, nullptr, &y, 1);
                       const double want_y = double(4.0f / 127.0f) * 333.0;
                       EXPECT_NEAR(y, want_y, 1e-6 * want_y);
                       // Zero point 3 instead: c = q − 3 = [7, 6, 12, 4].
                       const uint8_t zero = 3;
                       const LinearWeights wz =
                           LinearWeights::int4(packed, &scale, &zero, 1, 4, 32);
                       cpu::linear(x, wz, nullptr, &y, 1);
                       const double want_z =
                           double(4.0f / 127.0f) * 0.5 * (32 * 7 + 64 * 6 + 95 * 12 + 127 * 4);
                       EXPECT_NEAR(y, want_z, 1e-6 * want_z);
                   }});
}

// Quantisers: round trip within half a step; documented codes on a hand-made row.
void linear_quantize_cases(std::vector<OpCase>& out) {
    for (int64_t group : {0, 32, 64, 128})
        out.push_back({"linear_quantize_int8", "g=" + std::to_string(group), [=](CaseContext& c) {
                           const int64_t n = 7, k = 301;
                           std::vector<float> w(size_t(n * k)), back(w.size());
                           for (float& v : w) v = c.rng.normal();
                           const int64_t G = group ? (k + group - 1) / group : 1;
                           std::vector<int8_t> q(w.size());
                           std::vector<float> s(size_t(n * G));
                           linear_quantize_int8(w.data(), n, k, group, q.data(), s.data());
                           linear_dequantize(LinearWeights::int8(q.data(), s.data(), n, k, group),
                                             back.data());
                           for (size_t i = 0; i < w.size(); ++i) {
                               const double step =
                                   s[size_t((i / k) * G + (group ? (i % k) / group : 0))];
                               ASSERT_LE(std::fabs(w[i] - back[i]), 0.5 * step * (1 + 1e-5) + 1e-7)
                                   << "element " << i;
                           }
                       }});
    for (bool sym : {true, false})
        for (int64_t group : {32, 64, 128})
            out.push_back(
                {"linear_quantize_int4",
                 std::string(sym ? "sym" : "asym") + ",g=" + std::to_string(group),
                 [=](CaseContext& c) {
                     const int64_t n = 5, k = 257, G = (k + group - 1) / group;
                     std::vector<float> w(size_t(n * k)), back(w.size());
                     for (float& v : w) v = c.rng.normal() + (sym ? 0.0f : 0.7f);
                     std::vector<uint8_t> packed(size_t(n * ((k + 1) / 2))), zeros(size_t(n * G));
                     std::vector<float> s(size_t(n * G));
                     linear_quantize_int4(w.data(), n, k, group, sym, packed.data(), s.data(),
                                          sym ? nullptr : zeros.data());
                     const LinearWeights lw = LinearWeights::int4(
                         packed.data(), s.data(), sym ? nullptr : zeros.data(), n, k, group);
                     linear_dequantize(lw, back.data());
                     for (size_t i = 0; i < w.size(); ++i) {
                         const double step = s[size_t((i / k) * G + (i % k) / group)];
                         ASSERT_LE(std::fabs(w[i] - back[i]), 0.5 * step * (1 + 1e-5) + 1e-6)
                             << "element " << i;
                     }
                     // Padding nibble of the odd last element is zero.
                     for (int64_t j = 0; j < n; ++j)
                         EXPECT_EQ(packed[size_t(j * 129 + 128)] >> 4, 0);
                 }});
    out.push_back({"linear_quantize_int4", "golden", [](CaseContext&) {
                       // Symmetric: amax 3.5 → scale 0.5, q = RNE(w/0.5) + 8.
                       const float w[4] = {1, 0.5f, 3.5f, -0.5f};
                       uint8_t packed[2];
                       float s;
                       linear_quantize_int4(w, 1, 4, 32, true, packed, &s, nullptr);
                       EXPECT_EQ(s, 0.5f);
                       EXPECT_EQ(packed[0], 0x9A);
                       EXPECT_EQ(packed[1], 0x7F);
                   }});
}

void linear_bad_arg_cases(std::vector<OpCase>& out) {
    out.push_back(
        {"linear", "bad_args", [](CaseContext&) {
             const float x[64] = {};
             float y[64];
             const uint16_t wb[64] = {};
             const int8_t w8[64] = {};
             const float s[8] = {1, 1, 1, 1, 1, 1, 1, 1};
             const uint8_t z[8] = {};
             auto bf = LinearWeights::bf16(wb, 2, 32);
             EXPECT_THROW(cpu::linear(nullptr, bf, nullptr, y, 1), Error);  // x null
             EXPECT_THROW(cpu::linear(x, bf, nullptr, nullptr, 1), Error);  // y null
             EXPECT_THROW(cpu::linear(x, bf, nullptr, y, -1), Error);
             EXPECT_THROW(cpu::linear(x, LinearWeights::bf16(nullptr, 2, 32), nullptr, y, 1),
                          Error);
             EXPECT_THROW(cpu::linear(x, LinearWeights::bf16(wb, -2, 32), nullptr, y, 1), Error);
             auto bad_bf = bf;
             bad_bf.scales = s;  // bf16 takes no scales
             EXPECT_THROW(cpu::linear(x, bad_bf, nullptr, y, 1), Error);
             EXPECT_THROW(cpu::linear(x, LinearWeights::int8(w8, nullptr, 2, 32), nullptr, y, 1),
                          Error);  // no scales
             EXPECT_THROW(cpu::linear(x, LinearWeights::int8(w8, s, 2, 32, 48), nullptr, y, 1),
                          Error);  // group 48
             auto i8z = LinearWeights::int8(w8, s, 2, 32, 32);
             i8z.zeros = z;  // int8 is symmetric
             EXPECT_THROW(cpu::linear(x, i8z, nullptr, y, 1), Error);
             const uint8_t w4[32] = {};
             EXPECT_THROW(
                 cpu::linear(x, LinearWeights::int4(w4, s, nullptr, 2, 32, 0), nullptr, y, 1),
                 Error);  // int4 needs a group
             EXPECT_THROW(
                 cpu::linear(x, LinearWeights::int4(w4, s, nullptr, 2, 32, 256), nullptr, y, 1),
                 Error);
             EXPECT_THROW(
                 cpu::linear(x, LinearWeights::int8(w8, s, 1, kLinearMaxIntK + 1), nullptr, y, 1),
                 Error);  // k too large for integer weights
             EXPECT_THROW(ref::linear(nullptr, bf, nullptr, y, 1), Error);
             // Prepacked weights: only bf16, only for the matrix they were made from.
             EXPECT_THROW(cpu::linear_pack(LinearWeights::int8(w8, s, 2, 32)), Error);
             const LinearPacked pk = cpu::linear_pack(bf);
             auto other = LinearWeights::bf16(wb + 32, 1, 32);
             other.packed = &pk;  // another matrix
             EXPECT_THROW(cpu::linear(x, other, nullptr, y, 1), Error);
             auto resized = LinearWeights::bf16(wb, 2, 16);
             resized.packed = &pk;  // same data, other shape
             EXPECT_THROW(cpu::linear(x, resized, nullptr, y, 1), Error);
             auto i8p = LinearWeights::int8(w8, s, 2, 32);
             i8p.packed = &pk;
             EXPECT_THROW(cpu::linear(x, i8p, nullptr, y, 1), Error);
             LinearPacked hollow;  // right identity, no tiles
             hollow.source = wb;
             hollow.n = 2;
             hollow.k = 32;
             auto bad_tiles = bf;
             bad_tiles.packed = &hollow;
             EXPECT_THROW(cpu::linear(x, bad_tiles, nullptr, y, 1), Error);
             auto good = bf;
             good.packed = &pk;
             EXPECT_NO_THROW(cpu::linear(x, good, nullptr, y, 1));
             EXPECT_THROW(cpu::linear_pack(good), Error);  // already packed
             std::vector<int8_t> q(64);
             float sc[2];
             EXPECT_THROW(linear_quantize_int8(x, 1, 64, 16, q.data(), sc), Error);
             const float inf[2] = {1, INFINITY};
             EXPECT_THROW(linear_quantize_int8(inf, 1, 2, 0, q.data(), sc), Error);
             uint8_t p[1];
             EXPECT_THROW(linear_quantize_int4(x, 1, 2, 32, false, p, sc, nullptr), Error);
             EXPECT_THROW(linear_quantize_int4(x, 1, 2, 0, true, p, sc, nullptr), Error);
         }});
    out.push_back({"linear", "cost", [](CaseContext&) {
                       LinearWeights w;
                       w.format = LinearFormat::Int4;
                       w.n = 4096;
                       w.k = 4096;
                       w.group = 128;
                       const OpCost c = linear_cost(1, w);
                       EXPECT_DOUBLE_EQ(c.flops, 2.0 * 4096 * 4096);
                       // Nibbles + one f32 scale per 128 weights.
                       const double wbytes = 4096.0 * 2048 + 4.0 * 4096 * 32;
                       EXPECT_DOUBLE_EQ(c.bytes_shared, wbytes + 4.0 * 4096);
                       EXPECT_DOUBLE_EQ(c.bytes_read, wbytes + 4.0 * 4096 + 4.0 * 4096);
                       EXPECT_DOUBLE_EQ(c.bytes_written, 4.0 * 4096);
                       EXPECT_EQ(c.compute_dtype, DType::I8);
                       const OpCost b =
                           linear_cost(512, LinearWeights::bf16(nullptr, 4096, 4096), DType::BF16);
                       EXPECT_DOUBLE_EQ(b.bytes_shared, 2.0 * 4096 * 4096 + 4.0 * 4096);
                       EXPECT_DOUBLE_EQ(b.bytes_read - b.bytes_shared, 2.0 * 512 * 4096);
                       EXPECT_EQ(b.compute_dtype, DType::BF16);
                       // Batched: the weights are read once however many sequences.
                       EXPECT_DOUBLE_EQ(batched(c, 8).bytes_read,
                                        wbytes + 4.0 * 4096 + 8 * 4.0 * 4096);
                   }});
}

void linear_cases(std::vector<OpCase>& out) {
    linear_shape_cases(out);
    linear_m_sweep_cases(out);
    linear_stream_cases(out);
    linear_exact_cases(out);
    linear_x_bf16_cases(out);
    linear_special_cases(out);
    linear_quantize_cases(out);
    linear_bad_arg_cases(out);
}

static CaseRegistrar reg(linear_cases);

}  // namespace
}  // namespace mempipe::test
