// Helpers shared by the ttt conformance cases (ttt_cases.cpp, ttt_step_cases.cpp).
#pragma once

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "conformance.h"
#include "mempipe/ops/ttt.h"

namespace mempipe::test::ttt {

constexpr double kU = 1.0 / 16777216.0;  // 2^-24

inline std::string P(const char* name, int64_t v) {
    return std::string(name) + "=" + std::to_string(v);
}
inline std::string shape_params(int64_t n, TttShape s, size_t mis) {
    return P("n", n) + "," + P("d", s.d) + "," + P("dh", s.dh) + (mis ? ",misalign" : "");
}

// One head's weights in guarded buffers, N(0, 1/fan_in) as LaCT initialises them.
struct Weights {
    Guarded<float> w1, w3, w2;
    Weights(TttShape s, size_t mis)
        : w1(size_t(s.dh * s.d), mis), w3(size_t(s.dh * s.d), mis), w2(size_t(s.d * s.dh), mis) {}
    void fill(Rng& rng, TttShape s) {
        const float a = 1.0f / std::sqrt(float(std::max<int64_t>(1, s.d)));
        const float b = 1.0f / std::sqrt(float(std::max<int64_t>(1, s.dh)));
        for (size_t i = 0; i < w1.size(); ++i) w1[i] = rng.normal() * a;
        for (size_t i = 0; i < w3.size(); ++i) w3[i] = rng.normal() * a;
        for (size_t i = 0; i < w2.size(); ++i) w2[i] = rng.normal() * b;
    }
    TttWeights view() { return {w1.data(), w3.data(), w2.data()}; }
    void check(const std::string& what) {
        w1.check_guards(what + ".w1");
        w3.check_guards(what + ".w3");
        w2.check_guards(what + ".w2");
    }
};

inline void fill(Rng& rng, Guarded<float>& g, float lo, float hi) {
    for (size_t i = 0; i < g.size(); ++i) g[i] = rng.uniform(lo, hi);
}
inline std::vector<float> absolute(const float* x, size_t n) {
    std::vector<float> a(n);
    for (size_t i = 0; i < n; ++i) a[i] = std::fabs(x[i]);
    return a;
}

// |got − ref| ≤ c·K·u·mag per element (mag from the ref op on |inputs|); a NaN matches only a
// NaN and ±∞ only the same ±∞ (the shared expect_within_bound).
inline void expect_bounded(const float* ref, const float* got, const float* mag, size_t n,
                           double c_k, const std::string& what) {
    expect_within_bound(
        ref, got, n, [&](size_t i) { return c_k * kU * double(mag[i]) + 1e-30; }, what);
}

// ‖got − ref‖_F ≤ tol·‖ref‖_F (for results whose elementwise error is not meaningful).
inline void expect_rel_frobenius(const float* ref, const float* got, size_t n, double tol,
                                 const std::string& what) {
    double num = 0, den = 0;
    for (size_t i = 0; i < n; ++i) {
        const double d = double(got[i]) - double(ref[i]);
        num += d * d;
        den += double(ref[i]) * double(ref[i]);
    }
    EXPECT_LE(std::sqrt(num), tol * std::sqrt(den) + 1e-30) << what;
}

}  // namespace mempipe::test::ttt
