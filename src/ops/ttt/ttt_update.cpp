// ref::ttt_update: momentum, Muon, W ← W + step and the row renormalisation, in f64 per weight
// (the Newton–Schulz step rounds to f32 once, as the op ttt_newton_schulz5 does).
#include <cmath>

#include "mempipe/core/error.h"
#include "ops/ttt/ttt_internal.h"

namespace mempipe::ref {

namespace {

void update_one(float* w, float* step, float* mom, const float* norms, int64_t rows, int64_t cols,
                float beta, bool use_muon, TttMatmul mm) {
    const int64_t count = rows * cols;
    if (mom) {
        for (int64_t e = 0; e < count; ++e) {
            step[e] = float(double(step[e]) + double(beta) * double(mom[e]));
            mom[e] = step[e];
        }
    }
    if (use_muon) ttt_newton_schulz5(step, rows, cols, mm);
    for (int64_t i = 0; i < rows; ++i) {
        std::vector<double> row(static_cast<size_t>(cols));
        double sq = 0;
        for (int64_t j = 0; j < cols; ++j) {
            row[size_t(j)] = double(w[i * cols + j]) + double(step[i * cols + j]);
            sq += row[size_t(j)] * row[size_t(j)];
        }
        const double scale = double(norms[i]) / (std::sqrt(sq) + kTttRenormEps);
        for (int64_t j = 0; j < cols; ++j) w[i * cols + j] = float(row[size_t(j)] * scale);
    }
}

}  // namespace

void ttt_update(TttShape s, TttWeights w, TttWeights grads, TttWeights momentum, const float* norms,
                float beta, bool use_muon, TttMatmul mm) {
    using namespace ttt_detail;
    const bool has_mom = check_update_args(s, w, grads, momentum, norms, beta);
    if (s.d == 0 || s.dh == 0) return;
    update_one(w.w1, grads.w1, has_mom ? momentum.w1 : nullptr, norms, s.dh, s.d, beta, use_muon,
               mm);
    update_one(w.w3, grads.w3, has_mom ? momentum.w3 : nullptr, norms + s.dh, s.dh, s.d, beta,
               use_muon, mm);
    update_one(w.w2, grads.w2, has_mom ? momentum.w2 : nullptr, norms + 2 * s.dh, s.d, s.dh, beta,
               use_muon, mm);
}

}  // namespace mempipe::ref
