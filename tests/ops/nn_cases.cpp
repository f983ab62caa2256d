// Conformance cases for the nn family (include/mempipe/ops/nn.h): linear_bf16, layer_norm,
// rms_norm, rope (+ inv_freq tables), hadamard128, round_bf16.
#include <bit>
#include <cmath>
#include <string>
#include <vector>

#include "conformance.h"
#include "mempipe/core/dtype.h"
#include "mempipe/core/error.h"
#include "mempipe/ops/nn.h"

namespace mempipe::test {
namespace {

std::string P(const char* fmt_name, int64_t a) {
    return std::string(fmt_name) + "=" + std::to_string(a);
}

// ---- linear_bf16 ------------------------------------------------------------------------------
void run_linear(CaseContext& ctx, int64_t m, int64_t k, int64_t n, bool bias, bool integer,
                size_t misalign) {
    Guarded<float> x(size_t(m * k), misalign), b(size_t(n), misalign);
    Guarded<uint16_t> w(size_t(n * k), misalign ? 2 : 0);
    Guarded<float> y_ref(size_t(m * n)), y(size_t(m * n), misalign);
    for (int64_t i = 0; i < m * k; ++i)
        x[size_t(i)] = integer ? float(ctx.rng.uniform_int(-8, 8)) : ctx.rng.uniform(-2.0f, 2.0f);
    for (int64_t i = 0; i < n * k; ++i)
        w[size_t(i)] =
            f32_to_bf16(integer ? float(ctx.rng.uniform_int(-8, 8)) : ctx.rng.uniform(-1.0f, 1.0f));
    for (int64_t i = 0; i < n; ++i)
        b[size_t(i)] = integer ? float(ctx.rng.uniform_int(-100, 100)) : ctx.rng.uniform(-1, 1);
    const float* bp = bias ? b.data() : nullptr;
    ref::linear_bf16(x.data(), w.data(), bp, y_ref.data(), m, k, n);
    cpu::linear_bf16(x.data(), w.data(), bp, y.data(), m, k, n);
    y.check_guards("linear y");
    expect_finite(y.data(), y.size(), "linear y");
    if (integer) {
        // Integer-valued inputs: every partial sum is an integer < 2^24, exact in any f32 order.
        expect_equal(y_ref.data(), y.data(), y.size(), "linear y (integer inputs)");
        return;
    }
    // f32 accumulation of exact products: |err| ≤ (k+1)·2^-24·(Σ|x·w| + |bias|) (standard summation
    // bound).
    for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j) {
            double mag = bias ? std::fabs(b[size_t(j)]) : 0.0;
            for (int64_t t = 0; t < k; ++t)
                mag += std::fabs(x[size_t(i * k + t)] * bf16_to_f32(w[size_t(j * k + t)]));
            double tol = double(k + 2) * std::ldexp(mag, -24) + 1e-30;
            double r = y_ref[size_t(i * n + j)], g = y[size_t(i * n + j)];
            if (!(std::fabs(r - g) <= tol)) {
                ADD_FAILURE() << "linear y[" << i << "," << j << "]: ref " << r << " got " << g
                              << " tol " << tol;
                return;
            }
        }
}

void linear_cases(std::vector<OpCase>& out) {
    for (int64_t m : {1, 2, 3, 4, 5, 8, 9})
        for (int64_t k : {1, 15, 16, 17, 31, 63, 64, 65, 129, 1031})
            for (int64_t n : {1, 3, 4, 5, 17}) {
                bool misalign = (m + k + n) % 3 == 0;
                out.push_back({"linear_bf16", P("m", m) + "," + P("k", k) + "," + P("n", n),
                               [=](CaseContext& c) {
                                   run_linear(c, m, k, n, n % 2 == 1, false, misalign ? 4 : 0);
                               }});
            }
    for (int64_t m : {1, 4, 7, 64})
        out.push_back({"linear_bf16", P("m", m) + ",k=255,n=33,integer",
                       [=](CaseContext& c) { run_linear(c, m, 255, 33, true, true, 4); }});
    // Large enough to be split across threads (grain is ≥ 256 K multiply-adds per chunk).
    out.push_back({"linear_bf16", "m=1,k=1536,n=600,threads",
                   [](CaseContext& c) { run_linear(c, 1, 1536, 600, true, false, 0); }});
    out.push_back({"linear_bf16", "m=64,k=129,n=70,threads",
                   [](CaseContext& c) { run_linear(c, 64, 129, 70, false, false, 4); }});
    out.push_back({"linear_bf16", "empty", [](CaseContext& c) {
                       run_linear(c, 0, 5, 3, true, false, 0);
                       run_linear(c, 3, 5, 0, true, false, 0);
                       run_linear(c, 3, 0, 4, true, true, 0);  // k = 0: y = bias
                       run_linear(c, 3, 0, 4, false, true, 0);
                   }});
    out.push_back({"linear_bf16", "bad_args", [](CaseContext&) {
                       float y[1];
                       EXPECT_THROW(cpu::linear_bf16(nullptr, nullptr, nullptr, y, 1, 4, 1), Error);
                       EXPECT_THROW(cpu::linear_bf16(nullptr, nullptr, nullptr, y, -1, 4, 1),
                                    Error);
                   }});
}

// ---- norms --------------------------------------------------------------------------------------
void run_norm(CaseContext& ctx, bool layer, int64_t rows, int64_t dim, bool beta, bool in_place,
              size_t misalign) {
    Guarded<float> x{size_t(rows * dim), misalign}, g{size_t(dim)}, bt{size_t(dim), misalign};
    Guarded<float> y_ref(size_t(rows * dim)), y(size_t(rows * dim), misalign);
    for (size_t i = 0; i < x.size(); ++i)
        x[i] = 1.5f + ctx.rng.normal();  // offset: the mean matters
    for (size_t i = 0; i < g.size(); ++i) g[i] = ctx.rng.uniform(0.5f, 1.5f);
    for (size_t i = 0; i < bt.size(); ++i) bt[i] = ctx.rng.uniform(-1.0f, 1.0f);
    const float eps = 1e-6f;
    float* dst = in_place ? x.data() : y.data();
    if (layer) {
        ref::layer_norm(x.data(), g.data(), beta ? bt.data() : nullptr, y_ref.data(), rows, dim,
                        eps);
        cpu::layer_norm(x.data(), g.data(), beta ? bt.data() : nullptr, dst, rows, dim, eps);
    } else {
        ref::rms_norm(x.data(), g.data(), y_ref.data(), rows, dim, eps);
        cpu::rms_norm(x.data(), g.data(), dst, rows, dim, eps);
    }
    y.check_guards("norm y");
    x.check_guards("norm x");
    // f32 sums over ≤ 7168 elements in ≥ 8 lanes (≤ ~900 sequential adds): relative error of mean,
    // var and the inverse root ≲ 1e-6·sqrt-ish growth; outputs are O(1), so 2e-5 abs + rel covers
    // it.
    expect_close(y_ref.data(), dst, size_t(rows * dim), 2e-5, 2e-5,
                 layer ? "layer_norm" : "rms_norm");
}

void norm_cases(std::vector<OpCase>& out) {
    for (bool layer : {true, false})
        for (int64_t rows : {1, 3})
            for (int64_t dim : {1, 2, 15, 16, 17, 31, 32, 33, 64, 65, 128, 129, 1031, 7168}) {
                const char* op = layer ? "layer_norm" : "rms_norm";
                out.push_back({op, P("rows", rows) + "," + P("dim", dim), [=](CaseContext& c) {
                                   run_norm(c, layer, rows, dim, dim % 2 == 0, false,
                                            dim % 3 == 0 ? 4 : 0);
                               }});
            }
    for (bool layer : {true, false}) {
        const char* op = layer ? "layer_norm" : "rms_norm";
        out.push_back({op, "rows=5,dim=128,in_place",
                       [=](CaseContext& c) { run_norm(c, layer, 5, 128, true, true, 0); }});
        out.push_back({op, "empty", [=](CaseContext& c) {
                           run_norm(c, layer, 0, 128, true, false, 0);
                           run_norm(c, layer, 3, 0, true, false, 0);
                       }});
    }
    out.push_back(
        {"layer_norm", "golden", [](CaseContext&) {
             // x = [1, 2, 3, 4]: mean 2.5, biased var 1.25; gamma = 1, beta = 0.5, eps = 0.
             float x[4] = {1, 2, 3, 4}, g[4] = {1, 1, 1, 1}, b[4] = {0.5f, 0.5f, 0.5f, 0.5f}, y[4];
             cpu::layer_norm(x, g, b, y, 1, 4, 0.0f);
             const double s = 1.0 / std::sqrt(1.25);
             float want[4] = {float(-1.5 * s + 0.5), float(-0.5 * s + 0.5), float(0.5 * s + 0.5),
                              float(1.5 * s + 0.5)};
             expect_close(want, y, 4, 1e-6, 1e-6, "layer_norm golden");
             cpu::rms_norm(x, g, y, 1, 4, 0.0f);  // rms = sqrt(30/4)
             const double r = 1.0 / std::sqrt(7.5);
             float want_rms[4] = {float(r), float(2 * r), float(3 * r), float(4 * r)};
             expect_close(want_rms, y, 4, 1e-6, 1e-6, "rms_norm golden");
         }});
}

// ---- rope
// -----------------------------------------------------------------------------------------
void run_rope(CaseContext& ctx, RopeStyle style, int64_t rows, int64_t stride, int64_t rot,
              int64_t pos, size_t misalign) {
    std::vector<float> inv =
        rot > 0 ? rope_inv_freq_yarn(rot, 10000.0, 40.0, 32.0, 1.0, 4096) : std::vector<float>{};
    Guarded<float> a(size_t(rows * stride), misalign), b(size_t(rows * stride));
    for (size_t i = 0; i < a.size(); ++i) a[i] = b[i] = ctx.rng.normal();
    ref::rope(b.data(), rows, stride, rot, pos, inv.data(), style);
    cpu::rope(a.data(), rows, stride, rot, pos, inv.data(), style);
    a.check_guards("rope x");
    // Same cos/sin table and exact f64 products with a single rounding: bit-identical.
    expect_equal(b.data(), a.data(), a.size(), "rope x");
}

void rope_cases(std::vector<OpCase>& out) {
    for (RopeStyle st : {RopeStyle::NeoX, RopeStyle::Interleaved})
        for (int64_t rot : {2, 4, 16, 62, 64})
            for (int64_t extra : {0, 3, 64})
                for (int64_t pos : {0, 1, 4095, 163839}) {
                    int64_t rows = rot == 64 ? 64 : 3;
                    std::string name = std::string(st == RopeStyle::NeoX ? "neox" : "interleaved") +
                                       "," + P("rot", rot) + "," + P("stride", rot + extra) + "," +
                                       P("pos", pos);
                    out.push_back({"rope", name, [=](CaseContext& c) {
                                       run_rope(c, st, rows, rot + extra, rot, pos,
                                                extra == 3 ? 4 : 0);
                                   }});
                }
    out.push_back({"rope", "empty", [](CaseContext& c) {
                       run_rope(c, RopeStyle::NeoX, 0, 64, 64, 5, 0);
                       run_rope(c, RopeStyle::NeoX, 3, 8, 0, 5, 0);
                   }});
    out.push_back(
        {"rope", "bad_args", [](CaseContext&) {
             float x[8] = {}, f[4] = {};
             EXPECT_THROW(cpu::rope(x, 1, 8, 3, 0, f, RopeStyle::NeoX), Error);  // odd rot_dim
             EXPECT_THROW(cpu::rope(x, 1, 4, 8, 0, f, RopeStyle::NeoX), Error);  // rot > stride
             EXPECT_THROW(rope_inv_freq(5, 10000.0), Error);
         }});
    out.push_back(
        {"rope", "golden_4dim", [](CaseContext& c) {
             // inv_freq for d = 4, theta = 100: [1, 0.1]. Position 1: angles 1 and 0.1.
             std::vector<float> inv = rope_inv_freq(4, 100.0);
             EXPECT_EQ(inv[0], 1.0f);
             EXPECT_EQ(inv[1], 0.1f);
             const double c1 = 0.5403023058681398, s1 = 0.8414709848078965;   // cos 1, sin 1
             const double c2 = 0.9950041652780258, s2 = 0.09983341664682815;  // cos .1, sin .1
             // NeoX pairs (x0, x2) at angle 1 and (x1, x3) at angle 0.1.
             float want_neox[4] = {float(1 * c1 - 3 * s1), float(2 * c2 - 4 * s2),
                                   float(1 * s1 + 3 * c1), float(2 * s2 + 4 * c2)};
             // Interleaved pairs (x0, x1) at angle 1 and (x2, x3) at angle 0.1.
             float want_il[4] = {float(1 * c1 - 2 * s1), float(1 * s1 + 2 * c1),
                                 float(3 * c2 - 4 * s2), float(3 * s2 + 4 * c2)};
             for (int level = 0; level < 2; ++level) {
                 float xn[4] = {1, 2, 3, 4}, xi[4] = {1, 2, 3, 4};
                 if (level == 0) {
                     ref::rope(xn, 1, 4, 4, 1, inv.data(), RopeStyle::NeoX);
                     ref::rope(xi, 1, 4, 4, 1, inv.data(), RopeStyle::Interleaved);
                 } else {
                     cpu::rope(xn, 1, 4, 4, 1, inv.data(), RopeStyle::NeoX);
                     cpu::rope(xi, 1, 4, 4, 1, inv.data(), RopeStyle::Interleaved);
                 }
                 // cos/sin are rounded to f32 first: a few ulp of the O(5) outputs.
                 expect_close(want_neox, xn, 4, 0, 2e-6, "rope neox golden");
                 expect_close(want_il, xi, 4, 0, 2e-6, "rope interleaved golden");
                 EXPECT_GT(std::fabs(xn[1] - xi[1]), 0.1f) << "NeoX and interleaved must differ";
             }
             (void)c;
         }});
    out.push_back(
        {"rope", "golden_yarn_ds32", [](CaseContext&) {
             // DeepSeek-V3 precompute_freqs_cis (torch, f32) for d = 64, theta 1e4, factor 40,
             // beta_fast 32, beta_slow 1, original 4096: correction range [10, 23].
             std::vector<float> f = rope_inv_freq_yarn(64, 10000.0, 40.0, 32.0, 1.0, 4096);
             ASSERT_EQ(f.size(), 32u);
             const struct {
                 int i;
                 uint32_t bits;
             } want[] = {{0, 1065353216u},  {1, 1061157137u}, {10, 1030116802u}, {11, 1025492410u},
                         {16, 1001666905u}, {22, 960132947u}, {23, 940299378u},  {31, 912243280u}};
             for (auto [i, bits] : want) {
                 // torch's f32 pow may differ from our f64 pow by one ulp.
                 int64_t d = int64_t(std::bit_cast<uint32_t>(f[size_t(i)])) - int64_t(bits);
                 EXPECT_LE(std::llabs(d), 1) << "yarn inv_freq[" << i << "] = " << f[size_t(i)];
             }
         }});
    out.push_back(
        {"rope", "golden_llama31", [](CaseContext&) {
             // transformers' _compute_llama3_parameters (torch, f32) for Llama-3.1-8B: d = 128,
             // theta 5e5, factor 8, low_freq_factor 1, high_freq_factor 4, original 8192. Index 20
             // keeps its frequency (wavelength 379 < 2048), 30 / 32 / 33 are blended (2948, 4443,
             // 5454), 35 / 40 / 63 are divided by 8 (8219 > 8192).
             std::vector<float> f = rope_inv_freq_llama3(128, 500000.0, 8.0, 1.0, 4.0, 8192);
             ASSERT_EQ(f.size(), 64u);
             const struct {
                 int i;
                 uint32_t bits;
             } want[] = {{0, 1065353216u}, {20, 1015523779u}, {30, 984863005u},
                         {32, 973706706u}, {33, 967045384u},  {35, 952658054u},
                         {37, 948239807u}, {40, 940558584u},  {63, 883213055u}};
             for (auto [i, bits] : want) {
                 // torch's f32 pow may differ from our f64 pow by one ulp before the scaling,
                 // and the blend (its weight is a function of the frequency) amplifies that to
                 // a few ulp (observed: 3 at index 33).
                 int64_t d = int64_t(std::bit_cast<uint32_t>(f[size_t(i)])) - int64_t(bits);
                 EXPECT_LE(std::llabs(d), 4) << "llama3 inv_freq[" << i << "] = " << f[size_t(i)];
             }
             EXPECT_THROW(rope_inv_freq_llama3(128, 500000.0, 8.0, 4.0, 1.0, 8192), Error);
             EXPECT_THROW(rope_inv_freq_llama3(128, 500000.0, 0.5, 1.0, 4.0, 8192), Error);
         }});
}

// ---- hadamard128
// ------------------------------------------------------------------------------------
void hadamard_cases(std::vector<OpCase>& out) {
    for (int64_t rows : {1, 2, 3, 17, 64, 65})
        for (size_t mis : {size_t(0), size_t(4)})
            out.push_back({"hadamard128", P("rows", rows) + ",misalign=" + std::to_string(mis),
                           [=](CaseContext& c) {
                               Guarded<float> a(size_t(rows * 128), mis);
                               std::vector<float> b(size_t(rows * 128));
                               double sum_abs = 0;
                               for (size_t i = 0; i < a.size(); ++i)
                                   b[i] = a[i] = c.rng.normal(), sum_abs += std::fabs(a[i]);
                               ref::hadamard128(b.data(), rows);
                               cpu::hadamard128(a.data(), rows);
                               a.check_guards("hadamard x");
                               // 7 f32 butterfly stages + the scale: each output's error ≤
                               // 8·2^-24·128^-0.5·Σ_row|x|; per-row Σ|x| ≈ 102 for N(0,1):
                               // 8·6e-8·0.088·102 ≈ 4.3e-6 → atol 1e-5.
                               expect_close(b.data(), a.data(), a.size(), 0, 1e-5, "hadamard128");
                           }});
    out.push_back({"hadamard128", "golden", [](CaseContext& c) {
                       const float s = float(1.0 / std::sqrt(128.0));
                       // Row j of the Sylvester matrix: H·e_j = 128^-0.5·(−1)^popcount(i & j).
                       // Build H by transforming the identity (H is symmetric).
                       std::vector<float> h(128 * 128, 0.0f);
                       for (int j = 0; j < 128; ++j) h[size_t(j * 128 + j)] = 1.0f;
                       cpu::hadamard128(h.data(), 128);
                       for (int j = 0; j < 128; ++j)
                           for (int i = 0; i < 128; ++i) {
                               float want = (std::popcount(unsigned(i & j)) & 1) ? -s : s;
                               ASSERT_EQ(h[size_t(j * 128 + i)], want)
                                   << "H[" << j << "," << i << "]";
                           }
                       // e0 → all 128^-0.5.
                       for (int i = 0; i < 128; ++i) EXPECT_EQ(h[size_t(i)], s);
                       // H·H = I within 1e-6 (one more transform of H).
                       cpu::hadamard128(h.data(), 128);
                       for (int j = 0; j < 128; ++j)
                           for (int i = 0; i < 128; ++i)
                               ASSERT_NEAR(h[size_t(j * 128 + i)], i == j ? 1.0f : 0.0f, 1e-6)
                                   << j << "," << i;
                       // Orthogonality preserves the norm (f32 rounding only).
                       std::vector<float> v(128 * 4);
                       for (float& e : v) e = c.rng.normal();
                       std::vector<float> w = v;
                       cpu::hadamard128(w.data(), 4);
                       for (int r = 0; r < 4; ++r) {
                           double n0 = 0, n1 = 0;
                           for (int i = 0; i < 128; ++i)
                               n0 += double(v[size_t(r * 128 + i)]) * v[size_t(r * 128 + i)],
                                   n1 += double(w[size_t(r * 128 + i)]) * w[size_t(r * 128 + i)];
                           EXPECT_NEAR(n1 / n0, 1.0, 1e-6);
                       }
                   }});
    out.push_back({"hadamard128", "empty", [](CaseContext&) {
                       cpu::hadamard128(nullptr, 0);
                       ref::hadamard128(nullptr, 0);
                       EXPECT_THROW(cpu::hadamard128(nullptr, 1), Error);
                   }});
}

// ---- round_bf16
// ----------------------------------------------------------------------------------------
void round_cases(std::vector<OpCase>& out) {
    out.push_back({"round_bf16", "golden", [](CaseContext&) {
                       float x[7] = {1.0f + 0x1p-8f,             // tie → even (1.0)
                                     1.0f + 0x1p-7f + 0x1p-8f,   // tie → even (1 + 2^-6)
                                     1.0f + 0x1p-8f + 0x1p-20f,  // above the tie → up
                                     -3.0f,
                                     INFINITY,
                                     NAN,
                                     0x1p-130f};
                       round_bf16(x, 7);
                       EXPECT_EQ(x[0], 1.0f);
                       EXPECT_EQ(x[1], 1.0f + 0x1p-6f);
                       EXPECT_EQ(x[2], 1.0f + 0x1p-7f);
                       EXPECT_EQ(x[3], -3.0f);
                       EXPECT_EQ(x[4], INFINITY);
                       EXPECT_TRUE(std::isnan(x[5]));
                       EXPECT_EQ(x[6], 0x1p-130f);  // subnormal with few bits: exact
                       round_bf16(nullptr, 0);
                   }});
}

void all(std::vector<OpCase>& out) {
    linear_cases(out);
    norm_cases(out);
    rope_cases(out);
    hadamard_cases(out);
    round_cases(out);
}

static CaseRegistrar reg(all);

}  // namespace
}  // namespace mempipe::test
