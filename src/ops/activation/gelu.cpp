// GELU (exact erf form and tanh approximation): the reference (double, one rounding) and the cost.
#include <cmath>

#include "mempipe/ops/activation.h"
#include "ops/activation/activation_internal.h"

namespace mempipe {

OpCost gelu_cost(int64_t n) {
    OpCost c;
    c.flops = 10.0 * double(n);
    c.bytes_read = 4.0 * double(n);
    c.bytes_written = 4.0 * double(n);
    return c;
}

namespace ref {
void gelu(const float* x, float* out, int64_t n, GeluKind kind) {
    activation_detail::check_gelu(x, out, n);
    const double kSqrtHalf = std::sqrt(0.5), kSqrt2OverPi = std::sqrt(2.0 / M_PI);
    for (int64_t i = 0; i < n; ++i) {
        double v = x[i];
        double y;
        if (kind == GeluKind::Erf) {
            y = v * (0.5 * std::erfc(-v * kSqrtHalf));
        } else {
            double a = 2.0 * kSqrt2OverPi * (v + 0.044715 * v * v * v);
            y = v / (1.0 + std::exp(-a));
        }
        out[i] = float(y);
    }
}
}  // namespace ref

}  // namespace mempipe
