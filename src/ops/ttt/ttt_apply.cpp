// ref::ttt_apply: out = W2·(silu(W1·q) ⊙ (W3·q)) per token, in f64 (matmul operands rounded to
// bf16 under TttMatmul::Bf16).
#include "ops/ttt/ttt_internal.h"

namespace mempipe::ref {

void ttt_apply(const float* q, int64_t n, TttShape s, TttConstWeights w, float* out, TttMatmul mm) {
    using namespace ttt_detail;
    check_apply_args(q, n, s, w, out);
    const int64_t d = s.d, dh = s.dh;
    const std::vector<double> w1 = operands(w.w1, dh * d, mm), w3 = operands(w.w3, dh * d, mm),
                              w2 = operands(w.w2, d * dh, mm), qr = operands(q, n * d, mm);
    std::vector<double> h(static_cast<size_t>(dh));
    for (int64_t i = 0; i < n; ++i) {
        const double* x = qr.data() + i * d;
        for (int64_t j = 0; j < dh; ++j) {
            double g = 0, u = 0;
            for (int64_t t = 0; t < d; ++t) {
                g += w1[size_t(j * d + t)] * x[t];
                u += w3[size_t(j * d + t)] * x[t];
            }
            h[size_t(j)] = operand(g * sigmoid(g) * u, mm);
        }
        for (int64_t r = 0; r < d; ++r) {
            double acc = 0;
            for (int64_t j = 0; j < dh; ++j) acc += w2[size_t(r * dh + j)] * h[size_t(j)];
            out[i * d + r] = float(acc);
        }
    }
}

}  // namespace mempipe::ref
