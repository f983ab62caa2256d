// Reference linear layer with bf16 weights: f32 × widened bf16 products, f64 accumulation.
#include "mempipe/core/dtype.h"
#include "mempipe/core/error.h"
#include "mempipe/ops/nn.h"
#include "ops/nn/nn_internal.h"

namespace mempipe {

OpCost linear_cost(int64_t m, int64_t k, int64_t n) {
    OpCost c;
    c.flops = 2.0 * double(m) * double(k) * double(n);
    c.bytes_read = 2.0 * double(n) * double(k) + 4.0 * double(m) * double(k);
    c.bytes_written = 4.0 * double(m) * double(n);
    c.bytes_shared = 2.0 * double(n) * double(k);  // the weights
    c.pattern = AccessPattern::Regular;
    return c;
}

namespace ref {
void linear_bf16(const float* x, const uint16_t* w, const float* bias, float* y, int64_t m,
                 int64_t k, int64_t n) {
    nn_detail::check_linear(x, w, y, m, k, n);
    for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j) {
            double acc = 0;
            for (int64_t t = 0; t < k; ++t)
                acc += double(x[i * k + t]) * double(bf16_to_f32(w[j * k + t]));
            if (bias) acc += double(bias[j]);
            y[i * n + j] = float(acc);
        }
}
}  // namespace ref

}  // namespace mempipe
