// ref::ttt_grad: the descent steps −∂L/∂W of L = −Σ_i lr_i·⟨f_W(k_i), v_i⟩, one rate per weight,
// in f64 (ttt.h has the formulas; matmul operands rounded to bf16 under TttMatmul::Bf16).
#include "mempipe/core/error.h"
#include "ops/ttt/ttt_internal.h"

namespace mempipe::ref {

void ttt_grad(const float* k, const float* v, TttRates lr, int64_t n, TttShape s, TttConstWeights w,
              const float* gate_pre, const float* up, TttWeights grads, TttMatmul mm) {
    using namespace ttt_detail;
    check_grad_args(k, v, lr, n, s, w, gate_pre, up, grads);
    const int64_t d = s.d, dh = s.dh;
    if (d == 0 || dh == 0) return;
    // Matmul operands (bf16-rounded under TttMatmul::Bf16): the weights, k and v, and the
    // rate-scaled backward rows lr2·h, lr3·dU, lr1·dG.
    const std::vector<double> w1 = operands(w.w1, dh * d, mm), w3 = operands(w.w3, dh * d, mm),
                              w2 = operands(w.w2, d * dh, mm), kr = operands(k, n * d, mm),
                              vr = operands(v, n * d, mm);
    std::vector<double> g1(size_t(dh * d), 0.0), g3(size_t(dh * d), 0.0), g2(size_t(d * dh), 0.0);
    for (int64_t i = 0; i < n; ++i) {
        const double* ki = kr.data() + i * d;
        const double* vi = vr.data() + i * d;
        for (int64_t j = 0; j < dh; ++j) {
            double g = 0, u = 0, dhid = 0;
            if (gate_pre) {
                g = double(gate_pre[i * dh + j]);
                u = double(up[i * dh + j]);
            } else {
                for (int64_t t = 0; t < d; ++t) {
                    g += w1[size_t(j * d + t)] * ki[t];
                    u += w3[size_t(j * d + t)] * ki[t];
                }
            }
            for (int64_t r = 0; r < d; ++r) dhid += vi[r] * w2[size_t(r * dh + j)];
            const double sg = sigmoid(g), silu = g * sg;
            const double dgate =
                operand(double(lr.lr1[i]) * dhid * u * sg * (1.0 + g * (1.0 - sg)), mm);
            const double dup = operand(double(lr.lr3[i]) * dhid * silu, mm);
            const double hid = operand(double(lr.lr2[i]) * silu * u, mm);
            for (int64_t t = 0; t < d; ++t) {
                g1[size_t(j * d + t)] += dgate * ki[t];
                g3[size_t(j * d + t)] += dup * ki[t];
            }
            for (int64_t r = 0; r < d; ++r) g2[size_t(r * dh + j)] += vi[r] * hid;
        }
    }
    for (int64_t e = 0; e < dh * d; ++e) {
        grads.w1[e] = float(g1[size_t(e)]);
        grads.w3[e] = float(g3[size_t(e)]);
        grads.w2[e] = float(g2[size_t(e)]);
    }
}

}  // namespace mempipe::ref
