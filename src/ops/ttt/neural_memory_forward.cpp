// ref::neural_memory_forward: out = gelu(x·W1)·W2 per row, in f64, one rounding per output.
#include <vector>

#include "ops/ttt/neural_memory_internal.h"

namespace mempipe::ref {

void neural_memory_forward(const float* x, int64_t n, NeuralMemoryShape s, const float* w1,
                           const float* w2, float* out) {
    using namespace neural_memory_detail;
    check_forward_args(x, n, s, w1, w2, out);
    const int64_t d = s.d, dh = s.dh;
    std::vector<double> a(static_cast<size_t>(dh));
    for (int64_t i = 0; i < n; ++i) {
        const float* xi = x + i * d;
        for (int64_t j = 0; j < dh; ++j) {
            double z = 0;
            for (int64_t t = 0; t < d; ++t) z += double(xi[t]) * double(w1[t * dh + j]);
            a[size_t(j)] = gelu(z);
        }
        for (int64_t c = 0; c < d; ++c) {
            double acc = 0;
            for (int64_t j = 0; j < dh; ++j) acc += a[size_t(j)] * double(w2[j * d + c]);
            out[i * d + c] = float(acc);
        }
    }
}

}  // namespace mempipe::ref
