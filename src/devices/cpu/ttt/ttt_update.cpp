// cpu::ttt_update: momentum, Muon (f32 GEMMs), W ← W + step and the row renormalisation.
#include <cmath>

#include "devices/cpu/ttt/ttt_kernels.h"
#include "mempipe/core/error.h"
#include "mempipe/core/parallel.h"
#include "ops/ttt/ttt_internal.h"

namespace mempipe::cpu {

namespace {

void update_one(const cpu_ttt::Kernels& kern, float* w, float* step, float* mom, const float* norms,
                int64_t rows, int64_t cols, float beta, bool use_muon) {
    const int64_t count = rows * cols;
    if (mom)
        for (int64_t e = 0; e < count; ++e) {
            step[e] = step[e] + beta * mom[e];
            mom[e] = step[e];
        }
    if (use_muon) cpu_ttt::newton_schulz5(kern, step, rows, cols);
    parallel_for(rows, 16, [&](int64_t r0, int64_t r1) {
        for (int64_t i = r0; i < r1; ++i) {
            float* wr = w + i * cols;
            const float* sr = step + i * cols;
            double sq = 0;
            for (int64_t j = 0; j < cols; ++j) {
                wr[j] += sr[j];
                sq += double(wr[j]) * double(wr[j]);
            }
            const float scale = float(double(norms[i]) / (std::sqrt(sq) + kTttRenormEps));
            for (int64_t j = 0; j < cols; ++j) wr[j] *= scale;
        }
    });
}

}  // namespace

void ttt_update(TttShape s, TttWeights w, TttWeights grads, TttWeights momentum, const float* norms,
                float beta, bool use_muon, TttMatmul mm) {
    using namespace ttt_detail;
    const bool has_mom = check_update_args(s, w, grads, momentum, norms, beta);
    if (s.d == 0 || s.dh == 0) return;
    const cpu_ttt::Kernels kern = cpu_ttt::pick_kernels(mm);
    update_one(kern, w.w1, grads.w1, has_mom ? momentum.w1 : nullptr, norms, s.dh, s.d, beta,
               use_muon);
    update_one(kern, w.w3, grads.w3, has_mom ? momentum.w3 : nullptr, norms + s.dh, s.dh, s.d, beta,
               use_muon);
    update_one(kern, w.w2, grads.w2, has_mom ? momentum.w2 : nullptr, norms + 2 * s.dh, s.d, s.dh,
               beta, use_muon);
}

}  // namespace mempipe::cpu
