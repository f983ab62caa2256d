// Conformance cases for silu_mul, gelu (Erf, Tanh) and embedding_lookup against the references.
//
// Tolerances (the bounds stated in include/mempipe/ops/activation.h, u = 2^-24), per element:
//   silu_mul:  8u·|ref| + 1e-37 + 2^-148·(|g| + 1)·|u| — the f32 kernel rounds e^−|g| (polynomial
//              exp, ≈ 1 ulp), 1 + e, the division and up to three products: ≤ ~6u; for g < −87.3
//              σ(g) is a denormal f32 (absolute error ≤ 2^-149), which the last term admits.
//   gelu Erf:  2e-6·|ref| + 1e-37 — the erfc approximation (< 1.2e-7), f32 Horner of its polynomial
//              (~10u absolute in the exponent) and two exps; the exponent −x²/2 is split exactly.
//   gelu Tanh: (2e-6 + 4u·|a|)·|ref| + 1e-37 — as above plus the f32 rounding of the exponent a.
//   embedding_lookup: exact (bf16 → f32 widening is exact).
// The grid cases sweep x over [−16, 16] in steps of 2^-9 so the bounds are checked where the
// approximations are worst (tails, the erfc switch at 0), not only on N(0, 1) samples.
#include <cmath>
#include <cstring>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "conformance.h"
#include "mempipe/core/dtype.h"
#include "mempipe/core/error.h"
#include "mempipe/ops/activation.h"

namespace mempipe::test {
namespace {

constexpr double kU = 1.0 / (1 << 24);
constexpr double kTiny = 1e-37;  // denormal-range results may flush to ±0
constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// |got − ref| ≤ rtol_i·|ref| + kTiny, NaN ↔ NaN, ±∞ ↔ same ±∞; rtol_i = rtol(i).
template <class Rtol>
void expect_within(const float* want, const float* got, size_t n, Rtol rtol, const float* x,
                   const std::string& what) {
    expect_within_bound(
        want, got, n, [&](size_t i) { return rtol(i) * std::fabs(double(want[i])) + kTiny; }, what,
        [&](size_t i) { return "(x = " + std::to_string(x[i]) + ")"; });
}

double silu_rtol(float g, float u, float want) {
    double extra = want != 0
                       ? std::ldexp(1.0, -148) * (std::fabs(g) + 1) * std::fabs(u) / std::fabs(want)
                       : 0.0;
    return 8.0 * kU + extra;
}

double tanh_exponent(float x) {
    double v = x;
    return 2.0 * std::sqrt(2.0 / M_PI) * (v + 0.044715 * v * v * v);
}

double gelu_rtol(GeluKind kind, float x) {
    return kind == GeluKind::Erf ? 2e-6 : 2e-6 + 4.0 * kU * std::fabs(tanh_exponent(x));
}

const char* kind_name(GeluKind k) {
    return k == GeluKind::Erf ? "erf" : "tanh";
}

const std::vector<float>& special_values() {
    static const std::vector<float> v = {0.0f,    -0.0f,  1.0f,   -1.0f,  kInf,    -kInf,
                                         kNaN,    88.0f,  -88.0f, 89.0f,  -89.0f,  100.0f,
                                         -100.0f, 1e30f,  -1e30f, 1e-40f, -1e-40f, 1e-30f,
                                         -13.0f,  -14.0f, 13.0f,  5.5f,   -5.5f,   20.0f};
    return v;
}

// Inputs: N(0, σ) with σ = 3 so both tails of the activations are exercised.
void silu_case(CaseContext& ctx, int64_t n, size_t mis, bool in_place) {
    Guarded<float> g(size_t(n), mis * 4), u(size_t(n), mis * 4), out(size_t(n), mis * 4);
    ctx.rng.fill_normal({g.data(), g.size()}, 3.0f);
    ctx.rng.fill_normal({u.data(), u.size()}, 1.0f);
    std::vector<float> want(static_cast<size_t>(n)), x(g.data(), g.data() + n);
    ref::silu_mul(g.data(), u.data(), want.data(), n);
    float* dst = in_place ? g.data() : out.data();
    cpu::silu_mul(g.data(), u.data(), dst, n);
    expect_within(
        want.data(), dst, size_t(n), [&](size_t i) { return silu_rtol(x[i], u[i], want[i]); },
        x.data(), "out");
    g.check_guards("gate");
    out.check_guards("out");
    for (int64_t i = 0; i < n; ++i) ASSERT_TRUE(std::isfinite(dst[i])) << i;
}

void gelu_case(CaseContext& ctx, int64_t n, size_t mis, GeluKind kind, bool in_place) {
    Guarded<float> x(size_t(n), mis * 4), out(size_t(n), mis * 4);
    ctx.rng.fill_normal({x.data(), x.size()}, 3.0f);
    std::vector<float> want(static_cast<size_t>(n)), xs(x.data(), x.data() + n);
    ref::gelu(x.data(), want.data(), n, kind);
    float* dst = in_place ? x.data() : out.data();
    cpu::gelu(x.data(), dst, n, kind);
    expect_within(
        want.data(), dst, size_t(n), [&](size_t i) { return gelu_rtol(kind, xs[i]); }, xs.data(),
        "out");
    x.check_guards("x");
    out.check_guards("out");
    for (int64_t i = 0; i < n; ++i) ASSERT_TRUE(std::isfinite(dst[i])) << i;
}

void silu_cases(std::vector<OpCase>& out) {
    std::vector<int64_t> sizes = adversarial_sizes();
    sizes.push_back(100003);  // several thread chunks
    for (int64_t n : sizes)
        for (bool in_place : {false, true}) {
            size_t mis = size_t(n % 2);
            out.push_back({"silu_mul",
                           "n=" + std::to_string(n) + ",misalign=" + std::to_string(mis) +
                               (in_place ? ",in_place" : ""),
                           [=](CaseContext& ctx) { silu_case(ctx, n, mis, in_place); }});
        }
    // Every special gate value against every special up value (NaN, ±∞, overflowing e^−g, ±0).
    out.push_back({"silu_mul", "special", [](CaseContext&) {
                       const std::vector<float>& s = special_values();
                       std::vector<float> g, u;
                       for (float a : s)
                           for (float b : s) g.push_back(a), u.push_back(b);
                       std::vector<float> want(g.size()), got(g.size());
                       ref::silu_mul(g.data(), u.data(), want.data(), int64_t(g.size()));
                       cpu::silu_mul(g.data(), u.data(), got.data(), int64_t(g.size()));
                       expect_within(
                           want.data(), got.data(), g.size(),
                           [&](size_t i) { return silu_rtol(g[i], u[i], want[i]); }, g.data(),
                           "out");
                       EXPECT_TRUE(std::isnan(want[5 * s.size() + 2]));  // silu(−∞)·1 = NaN
                   }});
    out.push_back({"silu_mul", "grid", [](CaseContext&) {
                       std::vector<float> g, u;
                       for (int i = -16 * 512; i <= 16 * 512; ++i)
                           g.push_back(float(i) / 512.0f), u.push_back(1.0f);
                       std::vector<float> want(g.size()), got(g.size());
                       ref::silu_mul(g.data(), u.data(), want.data(), int64_t(g.size()));
                       cpu::silu_mul(g.data(), u.data(), got.data(), int64_t(g.size()));
                       expect_within(
                           want.data(), got.data(), g.size(),
                           [&](size_t i) { return silu_rtol(g[i], u[i], want[i]); }, g.data(),
                           "out");
                   }});
    // Golden values: silu(1)·2 = 2/(1 + e^−1), silu(0) = 0, silu(−1)·1 = −1/(1 + e).
    out.push_back({"silu_mul", "golden", [](CaseContext&) {
                       float g[3] = {1.0f, 0.0f, -1.0f}, u[3] = {2.0f, 5.0f, 1.0f}, o[3];
                       cpu::silu_mul(g, u, o, 3);
                       EXPECT_NEAR(o[0], 1.4621171572600098, 4e-7);
                       EXPECT_EQ(o[1], 0.0f);
                       EXPECT_NEAR(o[2], -0.2689414213699951, 1e-7);
                   }});
    out.push_back({"silu_mul", "bad_args", [](CaseContext&) {
                       float a[4] = {};
                       EXPECT_THROW(cpu::silu_mul(a, a, a, -1), Error);
                       EXPECT_THROW(cpu::silu_mul(nullptr, a, a, 4), Error);
                       EXPECT_THROW(ref::silu_mul(a, a, nullptr, 4), Error);
                       cpu::silu_mul(nullptr, nullptr, nullptr, 0);  // n = 0 is fine
                   }});
}

void gelu_cases(std::vector<OpCase>& out) {
    std::vector<int64_t> sizes = adversarial_sizes();
    sizes.push_back(100003);
    for (GeluKind kind : {GeluKind::Erf, GeluKind::Tanh}) {
        std::string kn = std::string("kind=") + kind_name(kind);
        for (int64_t n : sizes)
            for (bool in_place : {false, true}) {
                size_t mis = size_t(n % 2);
                out.push_back({"gelu",
                               kn + ",n=" + std::to_string(n) + ",misalign=" + std::to_string(mis) +
                                   (in_place ? ",in_place" : ""),
                               [=](CaseContext& ctx) { gelu_case(ctx, n, mis, kind, in_place); }});
            }
        out.push_back({"gelu", kn + ",grid", [=](CaseContext&) {
                           std::vector<float> x;
                           for (int i = -16 * 512; i <= 16 * 512; ++i) x.push_back(float(i) / 512);
                           std::vector<float> want(x.size()), got(x.size());
                           ref::gelu(x.data(), want.data(), int64_t(x.size()), kind);
                           cpu::gelu(x.data(), got.data(), int64_t(x.size()), kind);
                           expect_within(
                               want.data(), got.data(), x.size(),
                               [&](size_t i) { return gelu_rtol(kind, x[i]); }, x.data(), "out");
                       }});
        out.push_back({"gelu", kn + ",special", [=](CaseContext&) {
                           const std::vector<float>& x = special_values();
                           std::vector<float> want(x.size()), got(x.size());
                           ref::gelu(x.data(), want.data(), int64_t(x.size()), kind);
                           cpu::gelu(x.data(), got.data(), int64_t(x.size()), kind);
                           expect_within(
                               want.data(), got.data(), x.size(),
                               [&](size_t i) { return gelu_rtol(kind, x[i]); }, x.data(), "out");
                           EXPECT_EQ(got[4], kInf);          // gelu(+∞) = +∞
                           EXPECT_TRUE(std::isnan(got[5]));  // gelu(−∞) = −∞·0
                           EXPECT_TRUE(std::isnan(got[6]));
                       }});
    }
    // Golden values (mpmath): gelu_erf(1) = 0.8413447460685429, gelu_erf(−2) = −0.0455002638963584;
    // gelu_tanh(1) = 0.8411919906082768, gelu_tanh(−2) = −0.0454023059786281.
    out.push_back({"gelu", "golden", [](CaseContext&) {
                       float x[2] = {1.0f, -2.0f}, e[2], t[2];
                       cpu::gelu(x, e, 2, GeluKind::Erf);
                       cpu::gelu(x, t, 2, GeluKind::Tanh);
                       EXPECT_NEAR(e[0], 0.8413447460685429, 2e-7);
                       EXPECT_NEAR(e[1], -0.0455002638963584, 2e-8);
                       EXPECT_NEAR(t[0], 0.8411919906082768, 2e-7);
                       EXPECT_NEAR(t[1], -0.0454023059122249, 2e-8);
                   }});
    out.push_back({"gelu", "bad_args", [](CaseContext&) {
                       float a[4] = {};
                       EXPECT_THROW(cpu::gelu(a, a, -2, GeluKind::Erf), Error);
                       EXPECT_THROW(cpu::gelu(nullptr, a, 4, GeluKind::Tanh), Error);
                       EXPECT_THROW(ref::gelu(a, nullptr, 4, GeluKind::Erf), Error);
                       cpu::gelu(nullptr, nullptr, 0, GeluKind::Erf);
                   }});
}

void embedding_cases(std::vector<OpCase>& out) {
    for (int64_t vocab : {1, 17, 1000})
        for (int64_t dim : {1, 15, 16, 17, 64, 65, 129})
            for (int64_t m : {0, 1, 7, 33}) {
                size_t mis = size_t((vocab + dim + m) % 2);
                std::string p = "vocab=" + std::to_string(vocab) + ",dim=" + std::to_string(dim) +
                                ",m=" + std::to_string(m) + ",misalign=" + std::to_string(mis);
                out.push_back({"embedding_lookup", p, [=](CaseContext& ctx) {
                                   Guarded<uint16_t> table(size_t(vocab * dim), mis * 2);
                                   ctx.rng.fill_bf16_normal({table.data(), table.size()});
                                   if (vocab * dim > 3) table[3] = 0x7fc0;  // a NaN is copied
                                   Guarded<int32_t> ids(size_t(m), mis * 4);
                                   for (int64_t r = 0; r < m; ++r)
                                       ids[size_t(r)] = int32_t(ctx.rng.uniform_int(0, vocab - 1));
                                   if (m > 1) ids[1] = int32_t(vocab - 1);
                                   std::vector<float> want(size_t(m * dim));
                                   Guarded<float> got(size_t(m * dim), mis * 4);
                                   ref::embedding_lookup(table.data(), vocab, dim, ids.data(), m,
                                                         want.data());
                                   cpu::embedding_lookup(table.data(), vocab, dim, ids.data(), m,
                                                         got.data());
                                   expect_equal(want.data(), got.data(), want.size(), "out");
                                   got.check_guards("out");
                                   for (int64_t r = 0; r < m; ++r)
                                       for (int64_t i = 0; i < dim; ++i) {
                                           uint16_t b = table[size_t(ids[size_t(r)] * dim + i)];
                                           float want = bf16_to_f32(b);
                                           float have = got[size_t(r * dim + i)];
                                           ASSERT_TRUE(std::memcmp(&want, &have, 4) == 0)
                                               << "row " << r << " dim " << i;
                                       }
                               }});
            }
    // Large gather: several thread chunks.
    out.push_back({"embedding_lookup", "vocab=5000,dim=256,m=700", [](CaseContext& ctx) {
                       std::vector<uint16_t> table(5000 * 256);
                       ctx.rng.fill_bf16_normal(table);
                       std::vector<int32_t> ids(700);
                       for (auto& id : ids) id = int32_t(ctx.rng.uniform_int(0, 4999));
                       std::vector<float> want(700 * 256), got(700 * 256);
                       ref::embedding_lookup(table.data(), 5000, 256, ids.data(), 700, want.data());
                       cpu::embedding_lookup(table.data(), 5000, 256, ids.data(), 700, got.data());
                       expect_equal(want.data(), got.data(), want.size(), "out");
                   }});
    // An id outside [0, vocab) is a usage error naming its position, and nothing is written.
    out.push_back(
        {"embedding_lookup", "bad_ids", [](CaseContext&) {
             std::vector<uint16_t> table(10 * 4, 0x3f80);
             for (int32_t bad : {-1, 10, 1 << 30}) {
                 std::vector<int32_t> ids = {0, 9, bad, 1};
                 std::vector<float> o(16, 5.0f);
                 for (int which = 0; which < 2; ++which) {
                     try {
                         if (which == 0)
                             cpu::embedding_lookup(table.data(), 10, 4, ids.data(), 4, o.data());
                         else
                             ref::embedding_lookup(table.data(), 10, 4, ids.data(), 4, o.data());
                         ADD_FAILURE() << "id " << bad << " accepted";
                     } catch (const Error& e) {
                         EXPECT_EQ(e.kind(), ErrorKind::Usage);
                         EXPECT_NE(std::string(e.what()).find("position 2"), std::string::npos)
                             << e.what();
                     }
                     for (float f : o) EXPECT_EQ(f, 5.0f);
                 }
             }
             float o[4];
             int32_t id = 0;
             EXPECT_THROW(cpu::embedding_lookup(nullptr, 10, 4, &id, 1, o), Error);
             EXPECT_THROW(cpu::embedding_lookup(table.data(), 10, 4, nullptr, 1, o), Error);
             EXPECT_THROW(cpu::embedding_lookup(table.data(), 10, -4, &id, 1, o), Error);
             cpu::embedding_lookup(nullptr, 0, 4, nullptr, 0, nullptr);  // m = 0
         }});
}

void all_activation_cases(std::vector<OpCase>& out) {
    silu_cases(out);
    gelu_cases(out);
    embedding_cases(out);
}

static CaseRegistrar reg(all_activation_cases);

}  // namespace
}  // namespace mempipe::test
