// Conformance cases for the neural_memory family (include/mempipe/ops/neural_memory.h):
// neural_memory_forward, neural_memory_grad and neural_memory_update, cpu against ref over
// adversarial shapes, a finite-difference check of the reference gradient, hand-checked goldens and
// bad input.
//
// Tolerances (the ttt cases' reasoning, tests/ops/ttt_cases.cpp). cpu runs f32 GEMMs and an f32
// gelu against an f64 oracle. We bound each output's error by c·K·2^-24·M, K the total reduction
// length along its path (d + dh, plus n for the weight gradients), M the magnitude of the same
// computation on |inputs| (the ref op on |x|, |W| and, for the gradient, −|v| so that p − v
// becomes |p| + |v|): every partial sum of the true computation is bounded by M. gelu adds a few
// ulps of gelu(|z|) (≥ |z|/2) and passes z's error on with slope |gelu'| ≤ 1.13; gelu'(z) may be up
// to 2.26 × gelu'(|z|) (≥ 1/2) and passes z's error on with |gelu''| ≤ 2φ(0) ≈ 0.8, i.e. relative
// ≤ 1.6·|z|_abs, |z|_abs ≲ 0.4·√d ≤ 3.2 for our inputs (keys in ±1, N(0, 1/fan_in) weights).
// c = 8 covers these factors; the observed error is ≤ 1/20 of the bound over every case here
// (rounding errors add up like a random walk, √K rather than K).
#include <cmath>
#include <string>
#include <vector>

#include "conformance.h"
#include "mempipe/core/error.h"
#include "mempipe/ops/neural_memory.h"
#include "ttt_case_util.h"

namespace mempipe::test {
namespace {

using ttt::absolute;
using ttt::expect_bounded;
using ttt::fill;
using ttt::P;

std::string shape_params(int64_t n, NeuralMemoryShape s, size_t mis) {
    return P("n", n) + "," + P("d", s.d) + "," + P("dh", s.dh) + (mis ? ",misalign" : "");
}

// W1: [d × dh] ~ N(0, 1/d), W2: [dh × d] ~ N(0, 1/dh) in guarded buffers.
struct Memory {
    Guarded<float> w1, w2;
    Memory(NeuralMemoryShape s, size_t mis)
        : w1(size_t(s.d * s.dh), mis), w2(size_t(s.dh * s.d), mis) {}
    void fill_normal(Rng& rng, NeuralMemoryShape s) {
        const float a = 1.0f / std::sqrt(float(s.d)), b = 1.0f / std::sqrt(float(s.dh));
        for (size_t i = 0; i < w1.size(); ++i) w1[i] = rng.normal() * a;
        for (size_t i = 0; i < w2.size(); ++i) w2[i] = rng.normal() * b;
    }
    void check(const std::string& what) const {
        w1.check_guards(what + ".w1");
        w2.check_guards(what + ".w2");
    }
};

const int64_t kDims[] = {1, 3, 16, 17, 33, 64};
const int64_t kTokens[] = {0, 1, 5, 31, 64};

// ---- neural_memory_forward --------------------------------------------------------------------
void run_forward(CaseContext& ctx, int64_t n, NeuralMemoryShape s, size_t mis, bool nan_row) {
    Memory w(s, mis);
    w.fill_normal(ctx.rng, s);
    Guarded<float> x(size_t(n * s.d), mis), out(size_t(n * s.d), mis), want(size_t(n * s.d));
    fill(ctx.rng, x, -1.0f, 1.0f);
    if (nan_row) x[0] = NAN;
    ref::neural_memory_forward(x.data(), n, s, w.w1.data(), w.w2.data(), want.data());
    cpu::neural_memory_forward(x.data(), n, s, w.w1.data(), w.w2.data(), out.data());
    out.check_guards("forward out");
    w.check("forward w");
    x.check_guards("forward x");
    if (nan_row) {  // row 0 is NaN throughout, the other rows finite
        for (int64_t c = 0; c < s.d; ++c)
            EXPECT_TRUE(std::isnan(out[size_t(c)])) << "out[" << c << "]";
        expect_finite(out.data() + s.d, out.size() - size_t(s.d), "forward out rows ≥ 1");
    } else {
        expect_finite(out.data(), out.size(), "forward out");
    }
    const std::vector<float> xa = absolute(x.data(), x.size()),
                             a1 = absolute(w.w1.data(), w.w1.size()),
                             a2 = absolute(w.w2.data(), w.w2.size());
    std::vector<float> mag(out.size());
    ref::neural_memory_forward(xa.data(), n, s, a1.data(), a2.data(), mag.data());
    expect_bounded(want.data(), out.data(), mag.data(), out.size(), 8.0 * double(s.d + s.dh + 8),
                   "forward out");
}

void forward_cases(std::vector<OpCase>& out) {
    for (int64_t d : kDims)
        for (int64_t dh : kDims)
            for (int64_t n : kTokens) {
                const NeuralMemoryShape s{d, dh};
                const size_t mis = (n + d + dh) % 2 ? 4 : 0;
                out.push_back({"neural_memory_forward", shape_params(n, s, mis),
                               [=](CaseContext& c) { run_forward(c, n, s, mis, false); }});
            }
    // More than one row block (kRowBlock = 1024) and enough work for the threaded GEMM.
    out.push_back({"neural_memory_forward", "n=1031,d=48,dh=40,blocks", [](CaseContext& c) {
                       run_forward(c, 1031, {48, 40}, 4, false);
                   }});
    out.push_back({"neural_memory_forward", "n=5,d=17,dh=9,nan", [](CaseContext& c) {
                       run_forward(c, 5, {17, 9}, 4, true);
                   }});
    // d = dh = 1, W1 = 1, W2 = 2, x = 1: 2·gelu(1) = 2·Φ(1) = 1.68268949 (Φ(1) = 0.84134475).
    out.push_back({"neural_memory_forward", "golden_1x1", [](CaseContext&) {
                       const float x = 1, w1 = 1, w2 = 2;
                       float a = 0, b = 0;
                       ref::neural_memory_forward(&x, 1, {1, 1}, &w1, &w2, &a);
                       cpu::neural_memory_forward(&x, 1, {1, 1}, &w1, &w2, &b);
                       EXPECT_NEAR(a, 1.68268949, 1e-7);  // one f32 rounding of 1.68
                       EXPECT_NEAR(b, 1.68268949, 4e-7);  // + f32 erf and products
                   }});
}

// ---- neural_memory_grad -----------------------------------------------------------------------
void run_grad(CaseContext& ctx, int64_t n, NeuralMemoryShape s, size_t mis, bool nan_key) {
    Memory w(s, mis), got(s, mis), want(s, 0);
    w.fill_normal(ctx.rng, s);
    Guarded<float> k(size_t(n * s.d), mis), v(size_t(n * s.d), mis), lr(size_t(n), mis);
    fill(ctx.rng, k, -1.0f, 1.0f);
    fill(ctx.rng, v, -1.0f, 1.0f);
    fill(ctx.rng, lr, 0.0f, 0.1f);
    if (nan_key) k[0] = NAN;
    for (size_t i = 0; i < got.w1.size(); ++i) got.w1[i] = got.w2[i] = 12345.0f;  // overwritten
    ref::neural_memory_grad(k.data(), v.data(), lr.data(), n, s, w.w1.data(), w.w2.data(),
                            want.w1.data(), want.w2.data());
    cpu::neural_memory_grad(k.data(), v.data(), lr.data(), n, s, w.w1.data(), w.w2.data(),
                            got.w1.data(), got.w2.data());
    got.check("grad g");
    w.check("grad w");
    if (n == 0) {  // no tokens: zero gradients
        for (size_t i = 0; i < got.w1.size(); ++i) {
            EXPECT_EQ(got.w1[i], 0.0f) << "g1[" << i << "]";
            EXPECT_EQ(got.w2[i], 0.0f) << "g2[" << i << "]";
            EXPECT_EQ(want.w1[i], 0.0f) << "ref g1[" << i << "]";
            EXPECT_EQ(want.w2[i], 0.0f) << "ref g2[" << i << "]";
        }
        return;
    }
    if (nan_key) {  // a NaN key poisons z and a of its token, hence every weight's gradient
        for (size_t i = 0; i < got.w2.size(); ++i)
            EXPECT_TRUE(std::isnan(got.w2[i])) << "g2[" << i << "]";
    } else {
        expect_finite(got.w1.data(), got.w1.size(), "g1");
        expect_finite(got.w2.data(), got.w2.size(), "g2");
    }
    const std::vector<float> ka = absolute(k.data(), k.size()),
                             a1 = absolute(w.w1.data(), w.w1.size()),
                             a2 = absolute(w.w2.data(), w.w2.size());
    std::vector<float> vneg = absolute(v.data(), v.size());
    for (float& x : vneg) x = -x;
    std::vector<float> m1(got.w1.size()), m2(got.w2.size());
    ref::neural_memory_grad(ka.data(), vneg.data(), lr.data(), n, s, a1.data(), a2.data(),
                            m1.data(), m2.data());
    const double ck = 8.0 * double(n + s.d + s.dh + 8);
    expect_bounded(want.w1.data(), got.w1.data(), m1.data(), m1.size(), ck, "g1");
    expect_bounded(want.w2.data(), got.w2.data(), m2.data(), m2.size(), ck, "g2");
}

void grad_cases(std::vector<OpCase>& out) {
    for (int64_t d : kDims)
        for (int64_t dh : kDims)
            for (int64_t n : kTokens) {
                const NeuralMemoryShape s{d, dh};
                const size_t mis = (n + d + dh) % 2 ? 0 : 4;
                out.push_back({"neural_memory_grad", shape_params(n, s, mis),
                               [=](CaseContext& c) { run_grad(c, n, s, mis, false); }});
            }
    // Two row blocks accumulated into the gradients, threaded GEMMs.
    out.push_back({"neural_memory_grad", "n=1100,d=40,dh=48,blocks", [](CaseContext& c) {
                       run_grad(c, 1100, {40, 48}, 4, false);
                   }});
    out.push_back({"neural_memory_grad", "n=5,d=17,dh=9,nan", [](CaseContext& c) {
                       run_grad(c, 5, {17, 9}, 0, true);
                   }});
    // d = dh = 1, k = 0.5, v = 0.5, lr = 0.5, W1 = 2, W2 = −1: z = 1, a = gelu(1) = 0.84134475,
    // p = −a, e = 2·0.5·(p − v) = −1.34134475, g2 = a·e = −1.12853335,
    // g1 = k·(e·W2)·gelu'(1) = 0.5·1.34134475·(Φ(1) + φ(1) = 1.08331547) = 0.72654976.
    out.push_back({"neural_memory_grad", "golden_1x1", [](CaseContext&) {
                       const float k = 0.5f, v = 0.5f, lr = 0.5f, w1 = 2, w2 = -1;
                       for (int pass = 0; pass < 2; ++pass) {
                           float g1 = 0, g2 = 0;
                           (pass ? cpu::neural_memory_grad : ref::neural_memory_grad)(
                               &k, &v, &lr, 1, {1, 1}, &w1, &w2, &g1, &g2);
                           const double tol = pass ? 4e-7 : 1e-7;  // ref: one f32 rounding
                           EXPECT_NEAR(g1, 0.72654976, tol) << (pass ? "cpu" : "ref");
                           EXPECT_NEAR(g2, -1.12853335, tol) << (pass ? "cpu" : "ref");
                       }
                   }});
}

// The loss of the header, ℓ(W) = Σ_i lr_i·(1/d)·‖gelu(k_i·W1)·W2 − v_i‖², in f64 from f64
// weights (independent of the ops).
double loss(const std::vector<double>& w1, const std::vector<double>& w2, const float* k,
            const float* v, const float* lr, int64_t n, NeuralMemoryShape s) {
    double total = 0;
    for (int64_t i = 0; i < n; ++i) {
        std::vector<double> a(static_cast<size_t>(s.dh));
        for (int64_t j = 0; j < s.dh; ++j) {
            double z = 0;
            for (int64_t t = 0; t < s.d; ++t)
                z += double(k[i * s.d + t]) * w1[size_t(t * s.dh + j)];
            a[size_t(j)] = 0.5 * z * (1.0 + std::erf(z / std::sqrt(2.0)));
        }
        double sq = 0;
        for (int64_t c = 0; c < s.d; ++c) {
            double p = 0;
            for (int64_t j = 0; j < s.dh; ++j) p += a[size_t(j)] * w2[size_t(j * s.d + c)];
            sq += (p - double(v[i * s.d + c])) * (p - double(v[i * s.d + c]));
        }
        total += double(lr[i]) * sq / double(s.d);
    }
    return total;
}

// Central differences (ℓ(W + h) − ℓ(W − h)) / 2h for every entry of W1 and W2 against the ref
// gradient: truncation O(h²·ℓ''') ≈ 1e-10 and cancellation ≈ 1e-16·ℓ/h ≈ 1e-11 at h = 1e-5, plus
// the gradient's f32 rounding (6e-8 relative): 1e-6 relative (to max(|g|, ‖g‖∞/100), so that
// near-zero entries are judged on the gradient's scale) leaves a wide margin and catches a wrong
// factor or a missing term.
void finite_difference_case(CaseContext& ctx) {
    const NeuralMemoryShape s{3, 4};
    const int64_t n = 2;
    std::vector<float> k(size_t(n * s.d)), v(size_t(n * s.d)), lr{0.7f, 1.3f};
    std::vector<float> w1(size_t(s.d * s.dh)), w2(size_t(s.dh * s.d)), g1(w1.size()), g2(w2.size());
    for (float& x : k) x = ctx.rng.uniform(-1.0f, 1.0f);
    for (float& x : v) x = ctx.rng.uniform(-1.0f, 1.0f);
    for (float& x : w1) x = ctx.rng.normal() * 0.6f;
    for (float& x : w2) x = ctx.rng.normal() * 0.5f;
    ref::neural_memory_grad(k.data(), v.data(), lr.data(), n, s, w1.data(), w2.data(), g1.data(),
                            g2.data());
    const double h = 1e-5;
    for (int which = 0; which < 2; ++which) {
        const std::vector<float>& g = which ? g2 : g1;
        double gmax = 0;
        for (float x : g) gmax = std::max(gmax, std::fabs(double(x)));
        ASSERT_GT(gmax, 1e-3) << "degenerate test data";
        for (size_t e = 0; e < g.size(); ++e) {
            std::vector<double> a1(w1.begin(), w1.end()), a2(w2.begin(), w2.end());
            std::vector<double>& p = which ? a2 : a1;
            const double base = p[e];
            p[e] = base + h;
            const double up = loss(a1, a2, k.data(), v.data(), lr.data(), n, s);
            p[e] = base - h;
            const double down = loss(a1, a2, k.data(), v.data(), lr.data(), n, s);
            const double fd = (up - down) / (2.0 * h);
            const double scale = std::max(std::fabs(double(g[e])), gmax / 100.0);
            EXPECT_LE(std::fabs(fd - double(g[e])), 1e-6 * scale)
                << (which ? "g2[" : "g1[") << e << "]: fd " << fd << " grad " << g[e];
        }
    }
}

// ---- neural_memory_update ---------------------------------------------------------------------
// Bounds with u = 2^-24 (a rounding moves x by ≤ u·|x|). S: cpu rounds η·S, then η·S − g (no FMA at
// the baseline ISA), ref rounds η·S − g once: ≤ u·|ηS| + 2u·|S'| ≤ 3u·(|ηS| + |g|). W: cpu rounds
// 1 − α, (1 − α)·W and the sum, ref the sum: ≤ 2u·(1 − α)|W| + 2u·|W'| ≤ 4u·((1 − α)|W| + |S'|),
// plus the difference of the two S' it adds.
void run_update(CaseContext& ctx, NeuralMemoryShape s, size_t mis, bool nan_grad) {
    const size_t count = size_t(s.d * s.dh);
    Memory wr(s, mis), wc(s, mis), sr(s, mis), sc(s, mis), g(s, mis);
    wr.fill_normal(ctx.rng, s);
    for (Memory* m : {&sr, &g})
        for (Guarded<float>* b : {&m->w1, &m->w2}) fill(ctx.rng, *b, -0.05f, 0.05f);
    if (nan_grad) g.w2[count / 2] = NAN;
    for (size_t i = 0; i < count; ++i) {
        wc.w1[i] = wr.w1[i];
        wc.w2[i] = wr.w2[i];
        sc.w1[i] = sr.w1[i];
        sc.w2[i] = sr.w2[i];
    }
    const std::vector<float> w1_0(wr.w1.data(), wr.w1.data() + count),
        w2_0(wr.w2.data(), wr.w2.data() + count), s1_0(sr.w1.data(), sr.w1.data() + count),
        s2_0(sr.w2.data(), sr.w2.data() + count);
    const float eta = ctx.rng.uniform(0.0f, 1.0f), alpha = ctx.rng.uniform(0.0f, 1.0f);
    ref::neural_memory_update(s, wr.w1.data(), wr.w2.data(), sr.w1.data(), sr.w2.data(),
                              g.w1.data(), g.w2.data(), eta, alpha);
    cpu::neural_memory_update(s, wc.w1.data(), wc.w2.data(), sc.w1.data(), sc.w2.data(),
                              g.w1.data(), g.w2.data(), eta, alpha);
    for (const Memory* m : {&wc, &sc, &g}) m->check("update");
    constexpr double kU = 1.0 / 16777216.0;
    auto check = [&](const float* w0, const float* s0, const float* gg, const float* wref,
                     const float* sref, const float* wgot, const float* sgot, const char* what) {
        for (size_t i = 0; i < count; ++i) {
            if (std::isnan(gg[i])) {  // the NaN stays in its element
                EXPECT_TRUE(std::isnan(sgot[i]) && std::isnan(wgot[i])) << what << "[" << i << "]";
                continue;
            }
            const double ms = double(eta) * std::fabs(double(s0[i])) + std::fabs(double(gg[i]));
            const double ts = 3.0 * kU * ms;
            const double tw = 4.0 * kU *
                                  ((1.0 - double(alpha)) * std::fabs(double(w0[i])) +
                                   std::fabs(double(sref[i]))) +
                              ts + 1e-30;
            ASSERT_LE(std::fabs(double(sgot[i]) - double(sref[i])), ts + 1e-30)
                << what << " S[" << i << "]";
            ASSERT_LE(std::fabs(double(wgot[i]) - double(wref[i])), tw)
                << what << " W[" << i << "]";
        }
    };
    check(w1_0.data(), s1_0.data(), g.w1.data(), wr.w1.data(), sr.w1.data(), wc.w1.data(),
          sc.w1.data(), "w1");
    check(w2_0.data(), s2_0.data(), g.w2.data(), wr.w2.data(), sr.w2.data(), wc.w2.data(),
          sc.w2.data(), "w2");
    if (!nan_grad) {
        expect_finite(wc.w2.data(), count, "w2");
        expect_finite(sc.w2.data(), count, "s2");
    }
}

void update_cases(std::vector<OpCase>& out) {
    for (int64_t d : kDims)
        for (int64_t dh : kDims) {
            const NeuralMemoryShape s{d, dh};
            const size_t mis = (d + dh) % 2 ? 4 : 0;
            out.push_back({"neural_memory_update",
                           P("d", d) + "," + P("dh", dh) + (mis ? ",misalign" : ""),
                           [=](CaseContext& c) { run_update(c, s, mis, false); }});
        }
    // Enough weights (2 × 2·10⁵) for the threaded loop.
    out.push_back({"neural_memory_update", "d=512,dh=400,threaded", [](CaseContext& c) {
                       run_update(c, {512, 400}, 4, false);
                   }});
    out.push_back({"neural_memory_update", "d=17,dh=33,nan", [](CaseContext& c) {
                       run_update(c, {17, 33}, 0, true);
                   }});
    // η = 0.9, α = 0.1, d = 1, dh = 2: S' = 0.9·S − g, W' = 0.9·W + S' by hand:
    //   W1 = {1, −2}, S1 = {0.5, 1}, g1 = {0.25, −0.5} → S1' = {0.2, 1.4}, W1' = {1.1, −0.4};
    //   W2 = {0.5, 4}, S2 = {−1, 0}, g2 = {0.1, 2}     → S2' = {−1.0, −2}, W2' = {−0.55, 1.6}.
    out.push_back(
        {"neural_memory_update", "golden", [](CaseContext&) {
             for (int pass = 0; pass < 2; ++pass) {
                 float w1[2] = {1, -2}, s1[2] = {0.5f, 1}, w2[2] = {0.5f, 4}, s2[2] = {-1, 0};
                 const float g1[2] = {0.25f, -0.5f}, g2[2] = {0.1f, 2};
                 (pass ? cpu::neural_memory_update : ref::neural_memory_update)(
                     {1, 2}, w1, w2, s1, s2, g1, g2, 0.9f, 0.1f);
                 // 0.9f and 0.1f are 2e-8 relative off 0.9 and 0.1; a few f32 roundings.
                 const float ws1[2] = {0.2f, 1.4f}, ww1[2] = {1.1f, -0.4f}, ws2[2] = {-1.0f, -2.0f},
                             ww2[2] = {-0.55f, 1.6f};
                 const std::string who = pass ? "cpu " : "ref ";
                 expect_close(ws1, s1, 2, 0.0, 1e-6, who + "s1");
                 expect_close(ww1, w1, 2, 0.0, 1e-6, who + "w1");
                 expect_close(ws2, s2, 2, 0.0, 1e-6, who + "s2");
                 expect_close(ww2, w2, 2, 0.0, 1e-6, who + "w2");
             }
         }});
}

// ---- costs and bad input ----------------------------------------------------------------------
void misc_cases(std::vector<OpCase>& out) {
    out.push_back({"neural_memory_grad", "finite_difference", finite_difference_case});
    out.push_back({"neural_memory_forward", "cost", [](CaseContext&) {
                       const NeuralMemoryShape s{8, 32};
                       const OpCost f = neural_memory_forward_cost(10, s);
                       EXPECT_DOUBLE_EQ(f.flops, 4.0 * 10 * 8 * 32 + 20.0 * 10 * 32);
                       EXPECT_DOUBLE_EQ(f.bytes_read, (10.0 * 8 + 2.0 * 8 * 32) * 4);
                       EXPECT_DOUBLE_EQ(f.bytes_written, 10.0 * 8 * 4);
                       const OpCost g = neural_memory_grad_cost(10, s);
                       EXPECT_DOUBLE_EQ(g.flops, 10.0 * 10 * 8 * 32 + 30.0 * 10 * 32);
                       EXPECT_DOUBLE_EQ(g.bytes_read, (2.0 * 10 * 8 + 10 + 2.0 * 8 * 32) * 4);
                       EXPECT_DOUBLE_EQ(g.bytes_written, 2.0 * 8 * 32 * 4);
                       const OpCost u = neural_memory_update_cost(s);
                       EXPECT_DOUBLE_EQ(u.flops, 5.0 * 2 * 8 * 32);
                       EXPECT_DOUBLE_EQ(u.bytes_read, 3.0 * 2 * 8 * 32 * 4);
                       EXPECT_DOUBLE_EQ(u.bytes_written, 2.0 * 2 * 8 * 32 * 4);
                   }});
    out.push_back({"neural_memory_forward", "bad_input", [](CaseContext&) {
                       float x[4] = {};
                       for (int pass = 0; pass < 2; ++pass) {
                           auto fwd =
                               pass ? cpu::neural_memory_forward : ref::neural_memory_forward;
                           auto grad = pass ? cpu::neural_memory_grad : ref::neural_memory_grad;
                           auto upd = pass ? cpu::neural_memory_update : ref::neural_memory_update;
                           EXPECT_THROW(fwd(x, 1, {0, 1}, x, x, x), Error);
                           EXPECT_THROW(fwd(x, 1, {1, 0}, x, x, x), Error);
                           EXPECT_THROW(fwd(x, -1, {1, 1}, x, x, x), Error);
                           EXPECT_THROW(fwd(nullptr, 1, {1, 1}, x, x, x), Error);
                           EXPECT_THROW(fwd(x, 1, {1, 1}, nullptr, x, x), Error);
                           EXPECT_THROW(fwd(x, 1, {1, 1}, x, x, nullptr), Error);
                           EXPECT_NO_THROW(fwd(nullptr, 0, {1, 1}, x, x, nullptr));
                           EXPECT_THROW(grad(x, x, nullptr, 1, {1, 1}, x, x, x, x), Error);
                           EXPECT_THROW(grad(x, nullptr, x, 1, {1, 1}, x, x, x, x), Error);
                           EXPECT_THROW(grad(x, x, x, 1, {1, 1}, x, x, nullptr, x), Error);
                           EXPECT_THROW(grad(x, x, x, 1, {0, 1}, x, x, x, x), Error);
                           EXPECT_NO_THROW(grad(nullptr, nullptr, nullptr, 0, {1, 1}, x, x, x, x));
                           EXPECT_THROW(upd({1, 1}, x, x, x, x, x, x, NAN, 0.1f), Error);
                           EXPECT_THROW(upd({1, 1}, x, x, x, x, x, x, 0.9f, INFINITY), Error);
                           EXPECT_THROW(upd({1, 1}, x, x, nullptr, x, x, x, 0.9f, 0.1f), Error);
                           EXPECT_THROW(upd({0, 1}, x, x, x, x, x, x, 0.9f, 0.1f), Error);
                       }
                   }});
}

void all_neural_memory_cases(std::vector<OpCase>& out) {
    forward_cases(out);
    grad_cases(out);
    update_cases(out);
    misc_cases(out);
}
CaseRegistrar reg(all_neural_memory_cases);

}  // namespace
}  // namespace mempipe::test
