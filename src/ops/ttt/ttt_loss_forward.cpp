// ref::ttt_loss_forward: G = k·W1ᵀ, U = k·W3ᵀ (the loss forward with the keys), in f64.
#include "ops/ttt/ttt_internal.h"

namespace mempipe::ref {

void ttt_loss_forward(const float* k, int64_t n, TttShape s, TttConstWeights w, float* gate_pre,
                      float* up, TttMatmul mm) {
    using namespace ttt_detail;
    check_loss_forward_args(k, n, s, w, gate_pre, up);
    const int64_t d = s.d, dh = s.dh;
    const std::vector<double> w1 = operands(w.w1, dh * d, mm), w3 = operands(w.w3, dh * d, mm),
                              kr = operands(k, n * d, mm);
    for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < dh; ++j) {
            double g = 0, u = 0;
            for (int64_t t = 0; t < d; ++t) {
                g += w1[size_t(j * d + t)] * kr[size_t(i * d + t)];
                u += w3[size_t(j * d + t)] * kr[size_t(i * d + t)];
            }
            gate_pre[i * dh + j] = float(g);
            up[i * dh + j] = float(u);
        }
}

}  // namespace mempipe::ref
