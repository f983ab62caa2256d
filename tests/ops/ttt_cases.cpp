// Conformance cases for the ttt family (include/mempipe/ops/ttt.h): ttt_apply, ttt_loss_forward,
// ttt_grad, ttt_newton_schulz5, ttt_update (both matmul precisions), hand-checked goldens and bad
// input. ttt_forward and the independent reference step are in ttt_step_cases.cpp.
//
// Tolerances. The cpu kernels run f32 GEMMs against an f64 oracle. For ops built from matmuls and
// SwiGLU pointwise maps we bound the error by c·K·2^-24·M per element, where K is the total
// reduction length along the path (d + dh, plus n for the weight gradients) and M the magnitude of
// the same computation on |inputs| (the ref op run on absolute values: every partial sum of the
// true computation is bounded by it, up to the factor ≤ 2.2 between |silu'(z)| and silu'(|z|)).
// c = 8 covers the f32 rounding of each stage, σ's few-ulp error and that factor.
// Bf16 matmuls (TttMatmul::Bf16): products of bf16 operands are exact in f32, so the same bound
// holds, except that an intermediate fed to a matmul (h, the rate-scaled backward rows) rounds to
// bf16 from slightly different f32 / f64 values and may land one bf16 ulp (2^-8 relative) apart;
// each such term can move an output by ≤ 2^-8 of its share of M: + kFlip·u·M (kFlip = 2^16), ×4
// for the backward (the silu' factor above).
#include <cmath>
#include <string>
#include <vector>

#include "conformance.h"
#include "mempipe/core/error.h"
#include "mempipe/ops/ttt.h"
#include "ttt_case_util.h"

namespace mempipe::test {
namespace {

using namespace ttt;

constexpr double kFlip = 65536.0;  // one bf16 ulp, 2^-8, in units of u = 2^-24
std::string mm_param(TttMatmul mm) {
    return mm == TttMatmul::Bf16 ? ",bf16" : "";
}

// ---- ttt_apply --------------------------------------------------------------------------------
void run_apply(CaseContext& ctx, int64_t n, TttShape s, size_t mis, bool nan_row,
               TttMatmul mm = TttMatmul::F32) {
    Weights w(s, mis);
    w.fill(ctx.rng, s);
    Guarded<float> q(size_t(n * s.d), mis), out(size_t(n * s.d), mis), want(size_t(n * s.d));
    fill(ctx.rng, q, -1.0f, 1.0f);
    if (nan_row && n > 0 && s.d > 0) q[0] = NAN;
    ref::ttt_apply(q.data(), n, s, w.view(), want.data(), mm);
    cpu::ttt_apply(q.data(), n, s, w.view(), out.data(), mm);
    out.check_guards("ttt_apply out");
    w.check("ttt_apply w");
    if (!nan_row) expect_finite(out.data(), out.size(), "ttt_apply out");
    std::vector<float> qa = absolute(q.data(), q.size()), a1 = absolute(w.w1.data(), w.w1.size()),
                       a3 = absolute(w.w3.data(), w.w3.size()),
                       a2 = absolute(w.w2.data(), w.w2.size()), mag(out.size());
    ref::ttt_apply(qa.data(), n, s, {a1.data(), a3.data(), a2.data()}, mag.data(), mm);
    const double flip = mm == TttMatmul::Bf16 ? kFlip : 0.0;
    expect_bounded(want.data(), out.data(), mag.data(), out.size(),
                   8.0 * double(s.d + s.dh + 8) + flip, "ttt_apply out");
}

const TttShape kShapes[] = {{1, 1},   {3, 5},   {8, 8},   {15, 17}, {16, 16}, {17, 15},
                            {31, 33}, {32, 32}, {33, 31}, {63, 65}, {64, 64}, {65, 63}};

void apply_cases(std::vector<OpCase>& out) {
    for (TttShape s : kShapes)
        for (int64_t n : {1, 2, 7, 16, 17, 33}) {
            const size_t mis = (n + s.d) % 3 == 0 ? 4 : 0;
            out.push_back({"ttt_apply", shape_params(n, s, mis),
                           [=](CaseContext& c) { run_apply(c, n, s, mis, false); }});
        }
    // More than one row block (kRowBlock = 1024) and enough work for the threaded GEMM.
    out.push_back({"ttt_apply", "n=1031,d=48,dh=40,blocks", [](CaseContext& c) {
                       run_apply(c, 1031, {48, 40}, 4, false);
                   }});
    for (TttShape s : {TttShape{1, 1}, TttShape{17, 15}, TttShape{33, 64}, TttShape{64, 65}})
        for (int64_t n : {1, 15, 16, 100}) {
            const size_t mis = n % 2 ? 4 : 0;
            out.push_back({"ttt_apply", shape_params(n, s, mis) + ",bf16", [=](CaseContext& c) {
                               run_apply(c, n, s, mis, false, TttMatmul::Bf16);
                           }});
        }
    out.push_back({"ttt_apply", "n=5,d=17,dh=9,nan", [](CaseContext& c) {
                       run_apply(c, 5, {17, 9}, 0, true);
                   }});
    out.push_back({"ttt_apply", "empty", [](CaseContext& c) {
                       run_apply(c, 0, {8, 8}, 0, false);
                       run_apply(c, 3, {0, 8}, 0, false);
                       run_apply(c, 3, {8, 0}, 0, false);
                   }});
}

// ---- ttt_loss_forward -------------------------------------------------------------------------
void run_loss_forward(CaseContext& ctx, int64_t n, TttShape s, size_t mis, bool integer,
                      TttMatmul mm = TttMatmul::F32) {
    Weights w(s, mis);
    w.fill(ctx.rng, s);
    Guarded<float> k(size_t(n * s.d), mis), g(size_t(n * s.dh), mis), u(size_t(n * s.dh), mis);
    std::vector<float> gw(g.size()), uw(u.size());
    fill(ctx.rng, k, -1.0f, 1.0f);
    if (integer) {
        for (size_t i = 0; i < k.size(); ++i) k[i] = float(ctx.rng.uniform_int(-4, 4));
        for (size_t i = 0; i < w.w1.size(); ++i) w.w1[i] = float(ctx.rng.uniform_int(-4, 4));
        for (size_t i = 0; i < w.w3.size(); ++i) w.w3[i] = float(ctx.rng.uniform_int(-4, 4));
    }
    ref::ttt_loss_forward(k.data(), n, s, w.view(), gw.data(), uw.data(), mm);
    cpu::ttt_loss_forward(k.data(), n, s, w.view(), g.data(), u.data(), mm);
    g.check_guards("gate_pre");
    u.check_guards("up");
    expect_finite(g.data(), g.size(), "gate_pre");
    if (integer) {
        // Integer products and partial sums below 2^24: exact in any summation order.
        expect_equal(gw.data(), g.data(), g.size(), "gate_pre (integer inputs)");
        expect_equal(uw.data(), u.data(), u.size(), "up (integer inputs)");
        return;
    }
    std::vector<float> ka = absolute(k.data(), k.size()), a1 = absolute(w.w1.data(), w.w1.size()),
                       a3 = absolute(w.w3.data(), w.w3.size()), mg(g.size()), mu(u.size());
    ref::ttt_loss_forward(ka.data(), n, s, {a1.data(), a3.data(), w.w2.data()}, mg.data(),
                          mu.data(), mm);
    // Plain f32 dot products: |err| ≤ (d + 2)·u·Σ|w·k|.
    expect_bounded(gw.data(), g.data(), mg.data(), g.size(), double(s.d + 2), "gate_pre");
    expect_bounded(uw.data(), u.data(), mu.data(), u.size(), double(s.d + 2), "up");
}

void loss_forward_cases(std::vector<OpCase>& out) {
    for (TttShape s : kShapes)
        for (int64_t n : {1, 15, 31, 64, 65}) {
            const size_t mis = (n + s.dh) % 2 == 0 ? 4 : 0;
            out.push_back({"ttt_loss_forward", shape_params(n, s, mis),
                           [=](CaseContext& c) { run_loss_forward(c, n, s, mis, false); }});
        }
    for (TttMatmul mm : {TttMatmul::F32, TttMatmul::Bf16})
        out.push_back(
            {"ttt_loss_forward", "n=300,d=257,dh=40,integer" + mm_param(mm), [=](CaseContext& c) {
                 run_loss_forward(c, 300, {257, 40}, 4, true, mm);
             }});
    // Bf16: operands are inputs, rounded alike on both sides; products exact: the f32 bound holds.
    for (TttShape s : {TttShape{15, 17}, TttShape{64, 33}})
        for (int64_t n : {1, 17, 64}) {
            out.push_back(
                {"ttt_loss_forward", shape_params(n, s, 4) + ",bf16",
                 [=](CaseContext& c) { run_loss_forward(c, n, s, 4, false, TttMatmul::Bf16); }});
        }
    out.push_back({"ttt_loss_forward", "empty", [](CaseContext& c) {
                       run_loss_forward(c, 0, {5, 3}, 0, false);
                       run_loss_forward(c, 4, {0, 3}, 0, false);
                   }});
}

// ---- ttt_grad ---------------------------------------------------------------------------------
void run_grad(CaseContext& ctx, int64_t n, TttShape s, size_t mis, bool given_forward,
              TttMatmul mm = TttMatmul::F32) {
    Weights w(s, mis), got(s, mis), want(s, 0);
    w.fill(ctx.rng, s);
    Guarded<float> k(size_t(n * s.d), mis), v(size_t(n * s.d), mis);
    Guarded<float> lr1(size_t(n), mis), lr3(size_t(n), mis), lr2(size_t(n), mis);
    fill(ctx.rng, k, -1.0f, 1.0f);
    fill(ctx.rng, v, -1.0f, 1.0f);
    fill(ctx.rng, lr1, 0.0f, 0.1f);
    fill(ctx.rng, lr3, 0.0f, 0.1f);
    fill(ctx.rng, lr2, 0.0f, 0.1f);
    const TttRates lr{lr1.data(), lr3.data(), lr2.data()};
    std::vector<float> g(size_t(n * s.dh)), u(size_t(n * s.dh));
    const float* gp = nullptr;
    const float* up = nullptr;
    if (given_forward) {
        ref::ttt_loss_forward(k.data(), n, s, w.view(), g.data(), u.data(), mm);
        gp = g.data();
        up = u.data();
    }
    ref::ttt_grad(k.data(), v.data(), lr, n, s, w.view(), gp, up, want.view(), mm);
    cpu::ttt_grad(k.data(), v.data(), lr, n, s, w.view(), gp, up, got.view(), mm);
    got.check("ttt_grad grads");
    expect_finite(got.w1.data(), got.w1.size(), "grads.w1");
    std::vector<float> ka = absolute(k.data(), k.size()), va = absolute(v.data(), v.size()),
                       a1 = absolute(w.w1.data(), w.w1.size()),
                       a3 = absolute(w.w3.data(), w.w3.size()),
                       a2 = absolute(w.w2.data(), w.w2.size());
    Weights mag(s, 0);
    ref::ttt_grad(ka.data(), va.data(), lr, n, s, {a1.data(), a3.data(), a2.data()}, nullptr,
                  nullptr, mag.view(), mm);
    const double ck = 8.0 * double(n + s.d + s.dh + 8) + (mm == TttMatmul::Bf16 ? 4 * kFlip : 0);
    expect_bounded(want.w1.data(), got.w1.data(), mag.w1.data(), got.w1.size(), ck, "grads.w1");
    expect_bounded(want.w3.data(), got.w3.data(), mag.w3.data(), got.w3.size(), ck, "grads.w3");
    expect_bounded(want.w2.data(), got.w2.data(), mag.w2.data(), got.w2.size(), ck, "grads.w2");
}

void grad_cases(std::vector<OpCase>& out) {
    for (TttShape s : kShapes)
        for (int64_t n : {1, 3, 16, 17, 64}) {
            const size_t mis = (n + s.d) % 2 == 1 ? 4 : 0;
            const bool given = (n + s.dh) % 2 == 0;
            out.push_back({"ttt_grad", shape_params(n, s, mis) + (given ? ",given_forward" : ""),
                           [=](CaseContext& c) { run_grad(c, n, s, mis, given); }});
        }
    // Two row blocks accumulated, threaded GEMMs.
    out.push_back({"ttt_grad", "n=1100,d=40,dh=48,blocks", [](CaseContext& c) {
                       run_grad(c, 1100, {40, 48}, 4, false);
                   }});
    out.push_back({"ttt_grad", "n=1100,d=40,dh=48,blocks,given_forward", [](CaseContext& c) {
                       run_grad(c, 1100, {40, 48}, 0, true);
                   }});
    out.push_back({"ttt_grad", "n=1100,d=40,dh=48,blocks,bf16", [](CaseContext& c) {
                       run_grad(c, 1100, {40, 48}, 4, false, TttMatmul::Bf16);
                   }});
    for (TttShape s : {TttShape{1, 1}, TttShape{17, 15}, TttShape{33, 64}, TttShape{64, 65}})
        for (int64_t n : {1, 16, 17, 100}) {
            const size_t mis = n % 2 ? 4 : 0;
            const bool given = n % 3 == 1;
            out.push_back(
                {"ttt_grad", shape_params(n, s, mis) + (given ? ",given_forward" : "") + ",bf16",
                 [=](CaseContext& c) { run_grad(c, n, s, mis, given, TttMatmul::Bf16); }});
        }
    out.push_back({"ttt_grad", "empty", [](CaseContext& c) {
                       run_grad(c, 0, {5, 3}, 0, false);  // n = 0: zero steps
                       run_grad(c, 4, {0, 3}, 0, false);
                   }});
}

// ---- ttt_newton_schulz5 -----------------------------------------------------------------------
// Bf16 matmuls: each iteration rounds X, A and B to bf16 from f32 (cpu) or f64 (ref) values that
// differ slightly, so operands land one bf16 ulp (2^-8 relative) apart now and then, and the
// iteration amplifies small singular directions (slope ≈ 4.1 at 0, five times): elementwise
// differences reach 1e-2 and mean nothing. We check ‖cpu − ref‖_F ≤ 5% of ‖ref‖_F (≤ 1% observed
// over seeds up to 384 × 384), which catches broken plumbing (a missing transpose or iteration
// moves it by tens of %). The iteration itself is the one the F32 cases check tightly, and the
// bf16 GEMM is checked tightly by the Bf16 apply / grad cases.
constexpr double kNsRelBf16 = 0.05;

void run_ns(CaseContext& ctx, int64_t rows, int64_t cols, size_t mis,
            TttMatmul mm = TttMatmul::F32) {
    Guarded<float> x(size_t(rows * cols), mis);
    for (size_t i = 0; i < x.size(); ++i) x[i] = ctx.rng.normal();
    std::vector<float> want(x.data(), x.data() + x.size());
    ref::ttt_newton_schulz5(want.data(), rows, cols, mm);
    cpu::ttt_newton_schulz5(x.data(), rows, cols, mm);
    x.check_guards("ttt_newton_schulz5 x");
    expect_finite(x.data(), x.size(), "ttt_newton_schulz5 x");
    // The iteration's polynomials have slopes ≤ ~4.1 on [0, 1.2], so the f32 GEMM error
    // (≈ (r + c)·u relative to ‖X‖ ≤ 1 per iteration) grows at most geometrically; entries are
    // ≤ ~1.2 in magnitude. 2e-5 is 20× what f32 gives (≤ 7e-7 observed up to 384 × 384) and
    // far below what a wrong coefficient or a missing transpose moves (≥ 1e-2).
    if (mm == TttMatmul::Bf16)
        expect_rel_frobenius(want.data(), x.data(), x.size(), kNsRelBf16, "ttt_newton_schulz5 x");
    else
        expect_close(want.data(), x.data(), x.size(), 0.0, 2e-5, "ttt_newton_schulz5 x");
}

void ns_cases(std::vector<OpCase>& out) {
    const std::pair<int64_t, int64_t> shapes[] = {{1, 1},   {2, 3},   {3, 2},   {15, 17},
                                                  {17, 15}, {16, 16}, {31, 33}, {33, 31},
                                                  {64, 64}, {65, 33}, {33, 65}, {130, 129}};
    for (auto [r, c] : shapes)
        out.push_back({"ttt_newton_schulz5", P("rows", r) + "," + P("cols", c),
                       [=](CaseContext& ctx) { run_ns(ctx, r, c, (r + c) % 2 ? 4 : 0); }});
    for (auto [r, c] : shapes)
        out.push_back({"ttt_newton_schulz5", P("rows", r) + "," + P("cols", c) + ",bf16",
                       [=](CaseContext& ctx) { run_ns(ctx, r, c, 0, TttMatmul::Bf16); }});
    out.push_back({"ttt_newton_schulz5", "empty", [](CaseContext& ctx) {
                       run_ns(ctx, 0, 5, 0);
                       run_ns(ctx, 5, 0, 0);
                   }});
    // Hand-checked: diag(3, 4) has singular values 3, 4 (‖X‖_F = 5); each iteration maps every
    // normalised singular value σ → aσ + bσ³ + cσ⁵, from 0.6 and 0.8 to 1.01862865 and 1.00563213
    // (evaluated by hand in f64 with the five coefficient triples).
    out.push_back({"ttt_newton_schulz5", "golden_diag", [](CaseContext&) {
                       float x[4] = {3, 0, 0, 4}, y[4] = {3, 0, 0, 4};
                       const float want[4] = {1.01862865f, 0, 0, 1.00563213f};
                       ref::ttt_newton_schulz5(x, 2, 2);
                       cpu::ttt_newton_schulz5(y, 2, 2);
                       expect_close(want, x, 4, 1e-6, 1e-7, "ref golden");
                       expect_close(want, y, 4, 2e-6, 1e-6, "cpu golden");  // f32 iteration
                   }});
}

// ---- ttt_update -------------------------------------------------------------------------------
void run_update(CaseContext& ctx, TttShape s, bool momentum, bool muon, size_t mis,
                TttMatmul mm = TttMatmul::F32) {
    Weights w0(s, 0), wr(s, mis), wc(s, mis), gr(s, mis), gc(s, mis), mr(s, mis), mc(s, mis);
    w0.fill(ctx.rng, s);
    std::vector<float> norms(size_t(2 * s.dh + s.d));
    ttt_row_norms(s, w0.view(), norms.data());
    wr.fill(ctx.rng, s);  // the current weights differ from those the norms were taken from
    for (Weights* x : {&gr, &mr})
        for (Guarded<float>* m : {&x->w1, &x->w3, &x->w2}) fill(ctx.rng, *m, -0.05f, 0.05f);
    for (auto [from, to] : {std::pair{&wr, &wc}, std::pair{&gr, &gc}, std::pair{&mr, &mc}}) {
        std::copy(from->w1.data(), from->w1.data() + from->w1.size(), to->w1.data());
        std::copy(from->w3.data(), from->w3.data() + from->w3.size(), to->w3.data());
        std::copy(from->w2.data(), from->w2.data() + from->w2.size(), to->w2.data());
    }
    const std::vector<float> old_w1(wr.w1.data(), wr.w1.data() + wr.w1.size());
    const float beta = 0.7f;
    ref::ttt_update(s, wr.view(), gr.view(), momentum ? mr.view() : TttWeights{}, norms.data(),
                    beta, muon, mm);
    cpu::ttt_update(s, wc.view(), gc.view(), momentum ? mc.view() : TttWeights{}, norms.data(),
                    beta, muon, mm);
    for (Weights* x : {&wc, &gc, &mc}) x->check("ttt_update");
    expect_finite(wc.w1.data(), wc.w1.size(), "w1");
    // Without Muon: a few f32 roundings of O(1) values (≤ 1e-6 relative to the row scale). With
    // Muon: the step carries the Newton–Schulz tolerance above (2e-5 absolute on entries ≤ 1.2),
    // and adding it to W (then scaling rows by ≤ ~1) moves entries by at most that.
    if (muon && mm == TttMatmul::Bf16) {  // Bf16 only changes Muon's matmuls: kNsRelBf16
        expect_rel_frobenius(wr.w1.data(), wc.w1.data(), wc.w1.size(), kNsRelBf16, "w1");
        expect_rel_frobenius(wr.w3.data(), wc.w3.data(), wc.w3.size(), kNsRelBf16, "w3");
        expect_rel_frobenius(wr.w2.data(), wc.w2.data(), wc.w2.size(), kNsRelBf16, "w2");
        expect_rel_frobenius(gr.w2.data(), gc.w2.data(), gc.w2.size(), kNsRelBf16, "step w2");
    } else {
        const double atol = muon ? 2e-5 : 2e-6, rtol = muon ? 0.0 : 2e-6;
        expect_close(wr.w1.data(), wc.w1.data(), wc.w1.size(), rtol, atol, "w1");
        expect_close(wr.w3.data(), wc.w3.data(), wc.w3.size(), rtol, atol, "w3");
        expect_close(wr.w2.data(), wc.w2.data(), wc.w2.size(), rtol, atol, "w2");
        expect_close(gr.w2.data(), gc.w2.data(), gc.w2.size(), rtol, atol, "applied step w2");
    }
    if (momentum)  // the momentum state S + β·M (|S|, |M| ≤ 0.05, β = 0.7): two f32 roundings of
                   // values ≤ 0.085 differ from one f64 rounding by ≤ 2·2^-24·0.085 ≈ 1e-8
        expect_close(mr.w1.data(), mc.w1.data(), mc.w1.size(), 0.0, 1.2e-8, "momentum w1");
    // The renormalisation gives each row the norm r·‖w‖/(‖w‖ + 1e-5), where w = W + step is the
    // row before it (rebuilt from the old weights and cpu's applied step).
    for (int64_t i = 0; i < s.dh; ++i) {
        double sq_pre = 0, sq = 0;
        for (int64_t j = 0; j < s.d; ++j) {
            const size_t e = size_t(i * s.d + j);
            const double pre = double(old_w1[e]) + double(gc.w1[e]);
            sq_pre += pre * pre;
            sq += double(wc.w1[e]) * double(wc.w1[e]);
        }
        const double want = norms[size_t(i)] * std::sqrt(sq_pre) / (std::sqrt(sq_pre) + 1e-5);
        EXPECT_NEAR(std::sqrt(sq), want, 1e-5 * want + 1e-7) << "row " << i;
    }
}

void update_cases(std::vector<OpCase>& out) {
    for (TttShape s : {TttShape{1, 1}, TttShape{3, 5}, TttShape{16, 16}, TttShape{17, 15},
                       TttShape{33, 64}, TttShape{65, 65}})
        for (int mode = 0; mode < 4; ++mode) {
            const bool mom = mode & 1, muon = mode & 2;
            const size_t mis = (s.d + mode) % 2 ? 4 : 0;
            out.push_back({"ttt_update",
                           P("d", s.d) + "," + P("dh", s.dh) + (mom ? ",momentum" : "") +
                               (muon ? ",muon" : "") + (mis ? ",misalign" : ""),
                           [=](CaseContext& c) { run_update(c, s, mom, muon, mis); }});
        }
    for (TttShape s : {TttShape{3, 5}, TttShape{33, 64}, TttShape{65, 65}})
        out.push_back({"ttt_update", P("d", s.d) + "," + P("dh", s.dh) + ",momentum,muon,bf16",
                       [=](CaseContext& c) { run_update(c, s, true, true, 4, TttMatmul::Bf16); }});
    out.push_back({"ttt_update", "empty", [](CaseContext& c) {
                       run_update(c, {0, 4}, true, true, 0);
                       run_update(c, {4, 0}, true, true, 0);
                   }});
}

// ---- goldens and bad input --------------------------------------------------------------------
// d = dh = 1, W1 = W3 = W2 = 1, k = v = 1, all rates 1: G = U = 1, σ(1) = 0.73105858,
// silu(1) = 0.73105858, silu'(1) = σ(1)·(1 + (1 − σ(1))) = 0.92767051, dH = v·W2 = 1, so
// grads.w2 = v·silu(1)·U = 0.73105858, grads.w3 = dH·silu(1)·k = 0.73105858,
// grads.w1 = dH·U·silu'(1)·k = 0.92767051. Apply with W1 = 1, W3 = 2, W2 = 3 at q = 1:
// 3·silu(1)·2 = 4.38635147.
void golden_cases(std::vector<OpCase>& out) {
    out.push_back({"ttt_grad", "golden_1x1", [](CaseContext&) {
                       const float one = 1.0f;
                       const TttRates lr{&one, &one, &one};
                       for (int pass = 0; pass < 2; ++pass) {
                           float g1 = 0, g3 = 0, g2 = 0;
                           (pass ? cpu::ttt_grad : ref::ttt_grad)(
                               &one, &one, lr, 1, {1, 1}, {&one, &one, &one}, nullptr, nullptr,
                               {&g1, &g3, &g2}, TttMatmul::F32);
                           EXPECT_NEAR(g1, 0.92767051, 1e-6) << (pass ? "cpu" : "ref");
                           EXPECT_NEAR(g3, 0.73105858, 1e-6) << (pass ? "cpu" : "ref");
                           EXPECT_NEAR(g2, 0.73105858, 1e-6) << (pass ? "cpu" : "ref");
                       }
                   }});
    out.push_back({"ttt_apply", "golden_1x1", [](CaseContext&) {
                       const float q = 1, w1 = 1, w3 = 2, w2 = 3;
                       float a = 0, b = 0;
                       ref::ttt_apply(&q, 1, {1, 1}, {&w1, &w3, &w2}, &a);
                       cpu::ttt_apply(&q, 1, {1, 1}, {&w1, &w3, &w2}, &b);
                       EXPECT_NEAR(a, 4.38635147, 1e-6);
                       EXPECT_NEAR(b, 4.38635147, 2e-6);
                   }});
    out.push_back(
        {"ttt_apply", "bad_input", [](CaseContext&) {
             float x[4] = {};
             EXPECT_THROW(cpu::ttt_apply(x, -1, {1, 1}, {x, x, x}, x), Error);
             EXPECT_THROW(cpu::ttt_apply(x, 1, {1, -2}, {x, x, x}, x), Error);
             EXPECT_THROW(cpu::ttt_apply(x, 1, {1, 1}, {x, nullptr, x}, x), Error);
             EXPECT_THROW(ref::ttt_apply(nullptr, 1, {1, 1}, {x, x, x}, x), Error);
             const TttRates lr{x, x, x};
             EXPECT_THROW(cpu::ttt_grad(x, x, lr, 1, {1, 1}, {x, x, x}, x, nullptr, {x, x, x}),
                          Error);
             EXPECT_THROW(cpu::ttt_grad(x, x, {x, nullptr, x}, 1, {1, 1}, {x, x, x}, nullptr,
                                        nullptr, {x, x, x}),
                          Error);
             EXPECT_THROW(cpu::ttt_update({1, 1}, {x, x, x}, {x, x, x}, {x, x, x}, x, NAN, false),
                          Error);
             TttSequence seq{x, x, x, lr, nullptr, 1, 0, false};
             EXPECT_THROW(cpu::ttt_forward(seq, {1, 1}, {x, x, x}, x), Error);
             EXPECT_THROW(ttt_update_chunks(5, 0), Error);
         }});
    out.push_back({"ttt_forward", "update_chunks", [](CaseContext&) {
                       // range(0, n − chunk, chunk) of the LaCT loop: every chunk but the last.
                       EXPECT_EQ(ttt_update_chunks(0, 4), 0);
                       EXPECT_EQ(ttt_update_chunks(4, 4), 0);
                       EXPECT_EQ(ttt_update_chunks(5, 4), 1);
                       EXPECT_EQ(ttt_update_chunks(8, 4), 1);
                       EXPECT_EQ(ttt_update_chunks(9, 4), 2);
                       EXPECT_EQ(ttt_update_chunks(4096, 2048), 1);
                   }});
}

void all_ttt_cases(std::vector<OpCase>& out) {
    apply_cases(out);
    loss_forward_cases(out);
    grad_cases(out);
    ns_cases(out);
    update_cases(out);
    golden_cases(out);
}
CaseRegistrar reg(all_ttt_cases);

}  // namespace
}  // namespace mempipe::test
