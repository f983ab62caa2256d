// Conformance cases for the memory_recall family (HMT's cross-attention recall) against the
// references.
//
// Tolerances (the bounds of include/mempipe/ops/memory_recall.h, u = 2^-24), per element:
//   memory_recall_scores: (h + 2)·u·|scale|·Σ_t |q_t·K_it| — f32 FMA sums in any order plus the
//                         final scale product.
//   memory_recall_read:   weights (n + 128)·u·a_ref + 1e-37 — the polynomial exp (≈ 2 ulp), the
//                         f32 subtraction s_i − m (≤ 104·u relative in e^(s−m) before underflow),
//                         the f32 sum of n terms and the division; P (2n + 128)·u·Σ_i a_i·|M_ij| +
//                         1e-37·(1 + Σ_i |M_ij|) — the weights' error plus an f32 sum of n
//                         products; the 1e-37 terms admit weights that are f32 denormals or 0.
//   memory_recall_key and the fused memory_recall on integer-valued inputs: exact (bf16 x and W
//                         hold small integers whose sums stay below 2^24, so every product and sum
//                         is exact; the only rounding is the scale product, one rounding in both).
//   memory_recall (fused) == its three ops called in sequence, bit for bit, on each backend.
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "conformance.h"
#include "mempipe/core/dtype.h"
#include "mempipe/core/error.h"
#include "mempipe/ops/memory_recall.h"

namespace mempipe::test {
namespace {

constexpr double kU = 1.0 / (1 << 24);
constexpr double kTiny = 1e-37;
constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// |got − want| ≤ bound[i]; NaN ↔ NaN, ±∞ ↔ the same ±∞.
void expect_bounded(const float* want, const float* got, const std::vector<double>& bound,
                    const std::string& what) {
    expect_within_bound(
        want, got, bound.size(), [&](size_t i) { return bound[i]; }, what);
}

std::vector<double> scores_bound(const float* q, const float* k, int64_t n, int64_t h,
                                 float scale) {
    std::vector<double> b(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
        double s = 0;
        for (int64_t t = 0; t < h; ++t) s += std::fabs(double(q[t]) * k[i * h + t]);
        b[size_t(i)] = double(h + 2) * kU * std::fabs(scale) * s + kTiny;
    }
    return b;
}

void check_read(const float* a_ref, const float* a_got, const float* p_ref, const float* p_got,
                const float* mem, int64_t n, int64_t d, const std::string& what) {
    std::vector<double> ba(static_cast<size_t>(n)), bp(static_cast<size_t>(d));
    for (int64_t i = 0; i < n; ++i) ba[size_t(i)] = double(n + 128) * kU * a_ref[i] + kTiny;
    for (int64_t j = 0; j < d; ++j) {
        double s = 0, m = 0;
        for (int64_t i = 0; i < n; ++i) {
            const double a = std::isfinite(a_ref[i]) ? a_ref[i] : 0.0;
            s += a * std::fabs(mem[i * d + j]);
            m += std::fabs(mem[i * d + j]);
        }
        bp[size_t(j)] = double(2 * n + 128) * kU * s + kTiny * (1 + m);
    }
    if (a_got) expect_bounded(a_ref, a_got, ba, what + " weights");
    expect_bounded(p_ref, p_got, bp, what + " P");
}

void run_scores(CaseContext& ctx, int64_t n, int64_t h, int mis) {
    Guarded<float> q(size_t(h), mis * 4), k(size_t(n * h), mis * 4);
    Guarded<float> want(size_t(n), mis * 4), got(size_t(n), mis * 4);
    ctx.rng.fill_normal({q.data(), q.size()});
    ctx.rng.fill_normal({k.data(), k.size()});
    const float scale = memory_recall_scale(h, h);
    ref::memory_recall_scores(q.data(), k.data(), n, h, scale, want.data());
    cpu::memory_recall_scores(q.data(), k.data(), n, h, scale, got.data());
    expect_bounded(want.data(), got.data(), scores_bound(q.data(), k.data(), n, h, scale),
                   "scores");
    want.check_guards("scores ref");
    got.check_guards("scores cpu");
}

void run_read(CaseContext& ctx, int64_t n, int64_t d, int mis, float spread, bool with_weights) {
    Guarded<float> s(size_t(n), mis * 4), mem(size_t(n * d), mis * 4), init(size_t(d), mis * 4);
    Guarded<float> wa(size_t(n), mis * 4), ga(size_t(n), mis * 4);
    Guarded<float> wp(size_t(d), mis * 4), gp(size_t(d), mis * 4);
    ctx.rng.fill_normal({s.data(), s.size()}, spread);
    ctx.rng.fill_normal({mem.data(), mem.size()});
    ctx.rng.fill_normal({init.data(), init.size()});
    ref::memory_recall_read(s.data(), mem.data(), n, d, init.data(), wa.data(), wp.data());
    cpu::memory_recall_read(s.data(), mem.data(), n, d, init.data(),
                            with_weights ? ga.data() : nullptr, gp.data());
    check_read(wa.data(), with_weights ? ga.data() : nullptr, wp.data(), gp.data(), mem.data(), n,
               d, "read");
    if (with_weights) {
        double sum = 0;
        for (int64_t i = 0; i < n; ++i) sum += ga[size_t(i)];
        if (n > 0) {
            EXPECT_NEAR(sum, 1.0, double(n + 128) * kU) << "the weights sum to 1";
        }
    }
    for (auto* b : {&wa, &ga}) b->check_guards("weights");
    wp.check_guards("P ref");
    gp.check_guards("P cpu");
}

// Integer-valued bf16 weights [n × k] in [−r, r] and their f32 values.
std::vector<uint16_t> int_bf16(CaseContext& ctx, int64_t count, int r) {
    std::vector<uint16_t> w(static_cast<size_t>(count));
    for (auto& x : w) x = f32_to_bf16(float(ctx.rng.uniform_int(-r, r)));
    return w;
}

void fill_int(CaseContext& ctx, float* x, int64_t count, int r) {
    for (int64_t i = 0; i < count; ++i) x[i] = float(ctx.rng.uniform_int(-r, r));
}

void run_key(CaseContext& ctx, int64_t n, int64_t d, int64_t h, int mis) {
    const auto w = int_bf16(ctx, h * d, 4);
    const LinearWeights wk = LinearWeights::bf16(w.data(), h, d);
    Guarded<float> mem(size_t(n * d), mis * 4), want(size_t(n * h), mis * 4),
        got(size_t(n * h), mis * 4);
    fill_int(ctx, mem.data(), n * d, 8);
    ref::memory_recall_key(mem.data(), n, wk, want.data());
    cpu::memory_recall_key(mem.data(), n, wk, got.data());
    expect_equal(want.data(), got.data(), want.size(), "keys (integer-valued: exact)");
    want.check_guards("keys ref");
    got.check_guards("keys cpu");
}

void run_fused(CaseContext& ctx, int64_t n, int64_t d, int64_t h, int mis) {
    const auto w = int_bf16(ctx, h * d, 2);
    const LinearWeights wq = LinearWeights::bf16(w.data(), h, d);
    Guarded<float> s(size_t(d), mis * 4), keys(size_t(n * h), mis * 4), mem(size_t(n * d), mis * 4);
    fill_int(ctx, s.data(), d, 3);
    fill_int(ctx, keys.data(), n * h, 3);
    ctx.rng.fill_normal({mem.data(), mem.size()});
    const float scale = memory_recall_scale(d, h);
    Guarded<float> wa(size_t(n), mis * 4), ga(size_t(n), mis * 4), wp(size_t(d), mis * 4),
        gp(size_t(d), mis * 4);
    ref::memory_recall(s.data(), wq, keys.data(), mem.data(), n, scale, nullptr, wa.data(),
                       wp.data());
    cpu::memory_recall(s.data(), wq, keys.data(), mem.data(), n, scale, nullptr, ga.data(),
                       gp.data());
    check_read(wa.data(), ga.data(), wp.data(), gp.data(), mem.data(), n, d, "fused");
    // Each backend's fused call equals its three ops in sequence.
    std::vector<float> q(static_cast<size_t>(h)), sc(static_cast<size_t>(n)),
        a(static_cast<size_t>(n)), p(static_cast<size_t>(d));
    for (bool ref_backend : {true, false}) {
        if (ref_backend) {
            ref::linear(s.data(), wq, nullptr, q.data(), 1);
            ref::memory_recall_scores(q.data(), keys.data(), n, h, scale, sc.data());
            ref::memory_recall_read(sc.data(), mem.data(), n, d, nullptr, a.data(), p.data());
        } else {
            cpu::linear(s.data(), wq, nullptr, q.data(), 1);
            cpu::memory_recall_scores(q.data(), keys.data(), n, h, scale, sc.data());
            cpu::memory_recall_read(sc.data(), mem.data(), n, d, nullptr, a.data(), p.data());
        }
        const std::string who = ref_backend ? "ref" : "cpu";
        expect_equal(ref_backend ? wa.data() : ga.data(), a.data(), a.size(), who + " weights");
        expect_equal(ref_backend ? wp.data() : gp.data(), p.data(), p.size(), who + " P");
    }
    for (auto* b : {&wa, &ga, &wp, &gp}) b->check_guards("fused outputs");
}

void scores_cases(std::vector<OpCase>& out) {
    for (int64_t n : {1, 2, 7, 16, 17, 33, 100, 301})
        for (int64_t h : {1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 129, 513})
            for (int mis : {0, 1}) {
                if (mis && h % 2 == 0) continue;
                out.push_back({"memory_recall_scores",
                               "n=" + std::to_string(n) + ",h=" + std::to_string(h) +
                                   ",misalign=" + std::to_string(mis),
                               [=](CaseContext& ctx) { run_scores(ctx, n, h, mis); }});
            }
    out.push_back({"memory_recall_scores", "n=100,h=4096",
                   [](CaseContext& ctx) { run_scores(ctx, 100, 4096, 0); }});
    // Enough work for two thread chunks (kRecallGrain), with a misaligned odd h.
    out.push_back({"memory_recall_scores", "n=1031,h=517,misalign=1",
                   [](CaseContext& ctx) { run_scores(ctx, 1031, 517, 1); }});
    out.push_back({"memory_recall_scores", "empty", [](CaseContext& ctx) {
                       run_scores(ctx, 0, 17, 0);
                       run_scores(ctx, 5, 0, 0);  // h = 0: every score is 0
                   }});
    out.push_back({"memory_recall_scores", "special", [](CaseContext& ctx) {
                       const int64_t n = 4, h = 17;
                       std::vector<float> q(h, 1.0f), k(n * h, 1.0f), want(n), got(n);
                       k[0] = kNaN;      // row 0: NaN
                       k[h + 3] = kInf;  // row 1: +∞
                       k[2 * h] = kInf;  // row 2: ∞ − ∞ = NaN
                       k[2 * h + 1] = -kInf;
                       ref::memory_recall_scores(q.data(), k.data(), n, h, 0.25f, want.data());
                       cpu::memory_recall_scores(q.data(), k.data(), n, h, 0.25f, got.data());
                       EXPECT_TRUE(std::isnan(want[0]) && std::isnan(got[0]));
                       EXPECT_EQ(want[1], kInf);
                       EXPECT_EQ(got[1], kInf);
                       EXPECT_TRUE(std::isnan(want[2]) && std::isnan(got[2]));
                       EXPECT_EQ(want[3], 17 * 0.25f);
                       EXPECT_EQ(got[3], 17 * 0.25f);
                   }});
}

void read_cases(std::vector<OpCase>& out) {
    for (int64_t n : {1, 2, 3, 15, 16, 17, 64, 100, 301})
        for (int64_t d : {1, 7, 15, 16, 17, 63, 64, 65, 129, 1031})
            for (int mis : {0, 1}) {
                if (mis && d % 2 == 0) continue;
                out.push_back({"memory_recall_read",
                               "n=" + std::to_string(n) + ",d=" + std::to_string(d) +
                                   ",misalign=" + std::to_string(mis),
                               [=](CaseContext& ctx) { run_read(ctx, n, d, mis, 2.0f, true); }});
            }
    out.push_back({"memory_recall_read", "n=300,d=4096",
                   [](CaseContext& ctx) { run_read(ctx, 300, 4096, 0, 2.0f, false); }});
    // Scores spread over ~±150: most weights underflow to f32 denormals or 0.
    out.push_back({"memory_recall_read", "wide_spread",
                   [](CaseContext& ctx) { run_read(ctx, 65, 33, 1, 60.0f, true); }});
    out.push_back({"memory_recall_read", "no_weights",
                   [](CaseContext& ctx) { run_read(ctx, 17, 65, 0, 1.0f, false); }});
    out.push_back({"memory_recall_read", "d=0",
                   [](CaseContext& ctx) { run_read(ctx, 9, 0, 0, 1.0f, true); }});
    out.push_back(
        {"memory_recall_read", "n=0 initial", [](CaseContext& ctx) {
             // The first segment: nothing cached, P = the initial memory (or 0).
             const int64_t d = 33;
             Guarded<float> init(d, 4), p(d, 4), w(1, 4);
             ctx.rng.fill_normal({init.data(), init.size()});
             for (bool ref_backend : {true, false}) {
                 w[0] = 123.0f;
                 if (ref_backend)
                     ref::memory_recall_read(nullptr, nullptr, 0, d, init.data(), w.data(),
                                             p.data());
                 else
                     cpu::memory_recall_read(nullptr, nullptr, 0, d, init.data(), w.data(),
                                             p.data());
                 expect_equal(init.data(), p.data(), size_t(d), "P = initial");
                 EXPECT_EQ(w[0], 123.0f) << "weights untouched";
                 if (ref_backend)
                     ref::memory_recall_read(nullptr, nullptr, 0, d, nullptr, nullptr, p.data());
                 else
                     cpu::memory_recall_read(nullptr, nullptr, 0, d, nullptr, nullptr, p.data());
                 for (int64_t j = 0; j < d; ++j) EXPECT_EQ(p[size_t(j)], 0.0f);
             }
             p.check_guards("P");
         }});
    out.push_back(
        {"memory_recall_read", "special", [](CaseContext& ctx) {
             const int64_t n = 5, d = 19;
             std::vector<float> mem(n * d), a(n), p(d), ra(n), rp(d);
             ctx.rng.fill_normal({mem.data(), mem.size()});
             auto both = [&](std::vector<float> s) {
                 ref::memory_recall_read(s.data(), mem.data(), n, d, nullptr, ra.data(), rp.data());
                 cpu::memory_recall_read(s.data(), mem.data(), n, d, nullptr, a.data(), p.data());
             };
             auto all_nan = [](const std::vector<float>& v) {
                 for (float x : v)
                     if (!std::isnan(x)) return false;
                 return true;
             };
             for (float bad : {kNaN, kInf}) {
                 both({0.5f, bad, -1.0f, 2.0f, 0.0f});
                 EXPECT_TRUE(all_nan(ra) && all_nan(rp) && all_nan(a) && all_nan(p))
                     << bad << " poisons every weight and P";
             }
             both({-kInf, -kInf, -kInf, -kInf, -kInf});
             EXPECT_TRUE(all_nan(ra) && all_nan(a) && all_nan(p)) << "all −∞";
             both({-kInf, 1.0f, -kInf, 1.0f, -kInf});  // −∞ alone: weight 0
             for (auto* w : {&ra, &a}) {
                 EXPECT_EQ((*w)[0], 0.0f);
                 EXPECT_NEAR((*w)[1], 0.5f, 1e-6);
             }
             mem[2 * d + 4] = kInf;  // an ∞ in M reaches P (here 0·∞ = NaN)
             both({0.0f, 0.0f, 0.0f, 0.0f, 0.0f});
             EXPECT_EQ(rp[4], kInf);
             EXPECT_EQ(p[4], kInf);
             both({-kInf, 0.0f, -kInf, 0.0f, 0.0f});
             EXPECT_TRUE(std::isnan(rp[4]) && std::isnan(p[4])) << "0·∞";
         }});
}

void key_and_fused_cases(std::vector<OpCase>& out) {
    for (int64_t n : {0, 1, 3})
        for (int64_t d : {1, 17, 33, 65})
            for (int64_t h : {1, 15, 17, 64})
                out.push_back({"memory_recall_key",
                               "n=" + std::to_string(n) + ",d=" + std::to_string(d) +
                                   ",h=" + std::to_string(h),
                               [=](CaseContext& ctx) { run_key(ctx, n, d, h, 1); }});
    for (int64_t n : {0, 1, 2, 17, 100})
        for (int64_t d : {1, 17, 63, 129})
            for (int64_t h : {1, 16, 33})
                out.push_back({"memory_recall",
                               "n=" + std::to_string(n) + ",d=" + std::to_string(d) +
                                   ",h=" + std::to_string(h),
                               [=](CaseContext& ctx) { run_fused(ctx, n, d, h, 1); }});
    out.push_back({"memory_recall", "golden", [](CaseContext&) {
                       // d = h = 2, Wq = I, K = I (two entries), S = (1, 0), scale 1/√2:
                       // s = (1/√2, 0), a = (e^(1/√2), 1) / (e^(1/√2) + 1) = (0.669761, 0.330239)
                       // (computed by hand), P = a0·M0 + a1·M1 with M0 = (2, 0), M1 = (0, −4).
                       const std::vector<uint16_t> eye = {f32_to_bf16(1), 0, 0, f32_to_bf16(1)};
                       const LinearWeights wq = LinearWeights::bf16(eye.data(), 2, 2);
                       const float s[2] = {1, 0}, keys[4] = {1, 0, 0, 1}, mem[4] = {2, 0, 0, -4};
                       const float scale = memory_recall_scale(2, 2);
                       EXPECT_FLOAT_EQ(scale, 0.70710678f);
                       for (bool ref_backend : {true, false}) {
                           float a[2], p[2];
                           if (ref_backend)
                               ref::memory_recall(s, wq, keys, mem, 2, scale, nullptr, a, p);
                           else
                               cpu::memory_recall(s, wq, keys, mem, 2, scale, nullptr, a, p);
                           EXPECT_NEAR(a[0], 0.669761, 1e-6);
                           EXPECT_NEAR(a[1], 0.330239, 1e-6);
                           EXPECT_NEAR(p[0], 2 * 0.669761, 2e-6);
                           EXPECT_NEAR(p[1], -4 * 0.330239, 4e-6);
                       }
                   }});
    out.push_back({"memory_recall", "scale_rule", [](CaseContext&) {
                       // HMT's code: /h when d ≥ 4096 and h ≥ 4096 (not generating), else /√h.
                       EXPECT_EQ(memory_recall_scale(4096, 4096), 1.0f / 4096);
                       EXPECT_EQ(memory_recall_scale(4096, 8192), 1.0f / 8192);
                       EXPECT_EQ(memory_recall_scale(4095, 4096), 1.0f / 64);
                       EXPECT_EQ(memory_recall_scale(4096, 1024), 1.0f / 32);
                       EXPECT_EQ(memory_recall_scale(4096, 4096, RecallScale::InvSqrtH), 1.0f / 64);
                       EXPECT_EQ(memory_recall_scale(7, 0), 1.0f);
                   }});
    out.push_back(
        {"memory_recall", "bad_args", [](CaseContext&) {
             float x[4] = {};
             auto usage = [](auto fn) {
                 try {
                     fn();
                     ADD_FAILURE() << "expected a usage error";
                 } catch (const Error& e) {
                     EXPECT_EQ(e.kind(), ErrorKind::Usage) << e.what();
                 }
             };
             usage([&] { cpu::memory_recall_scores(x, x, -1, 2, 1, x); });
             usage([&] { cpu::memory_recall_scores(nullptr, x, 2, 2, 1, x); });
             usage([&] { ref::memory_recall_read(x, nullptr, 2, 2, nullptr, x, x); });
             usage([&] { cpu::memory_recall_read(x, x, 2, 2, nullptr, x, nullptr); });
             const uint16_t w[4] = {};
             usage([&] { cpu::memory_recall_key(nullptr, 1, LinearWeights::bf16(w, 2, 2), x); });
             usage([&] {
                 cpu::memory_recall(nullptr, LinearWeights::bf16(w, 2, 2), x, x, 1, 1, nullptr, x,
                                    x);
             });
         }});
}

static CaseRegistrar reg_scores(scores_cases);
static CaseRegistrar reg_read(read_cases);
static CaseRegistrar reg_fused(key_and_fused_cases);

}  // namespace
}  // namespace mempipe::test
