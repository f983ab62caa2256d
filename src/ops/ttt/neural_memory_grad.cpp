// ref::neural_memory_grad: the gradients of ℓ(W) = Σ_i lr_i·(1/d)·‖gelu(k_i·W1)·W2 − v_i‖², in
// f64, one rounding per output (the formulas of include/mempipe/ops/neural_memory.h).
#include <vector>

#include "ops/ttt/neural_memory_internal.h"

namespace mempipe::ref {

void neural_memory_grad(const float* k, const float* v, const float* lr, int64_t n,
                        NeuralMemoryShape s, const float* w1, const float* w2, float* g1,
                        float* g2) {
    using namespace neural_memory_detail;
    check_grad_args(k, v, lr, n, s, w1, w2, g1, g2);
    const int64_t d = s.d, dh = s.dh;
    std::vector<double> acc1(size_t(d * dh), 0.0), acc2(size_t(dh * d), 0.0);
    std::vector<double> z(static_cast<size_t>(dh)), a(z.size()), e(static_cast<size_t>(d));
    for (int64_t i = 0; i < n; ++i) {
        const float* ki = k + i * d;
        for (int64_t j = 0; j < dh; ++j) {
            double acc = 0;
            for (int64_t t = 0; t < d; ++t) acc += double(ki[t]) * double(w1[t * dh + j]);
            z[size_t(j)] = acc;
            a[size_t(j)] = gelu(acc);
        }
        const double scale = 2.0 * double(lr[i]) / double(d);
        for (int64_t c = 0; c < d; ++c) {
            double p = 0;
            for (int64_t j = 0; j < dh; ++j) p += a[size_t(j)] * double(w2[j * d + c]);
            e[size_t(c)] = scale * (p - double(v[i * d + c]));
        }
        for (int64_t j = 0; j < dh; ++j) {
            double da = 0;
            for (int64_t c = 0; c < d; ++c) {
                acc2[size_t(j * d + c)] += a[size_t(j)] * e[size_t(c)];
                da += e[size_t(c)] * double(w2[j * d + c]);
            }
            const double dz = da * gelu_grad(z[size_t(j)]);
            for (int64_t t = 0; t < d; ++t) acc1[size_t(t * dh + j)] += double(ki[t]) * dz;
        }
    }
    for (int64_t e1 = 0; e1 < d * dh; ++e1) g1[e1] = float(acc1[size_t(e1)]);
    for (int64_t e2 = 0; e2 < dh * d; ++e2) g2[e2] = float(acc2[size_t(e2)]);
}

}  // namespace mempipe::ref
