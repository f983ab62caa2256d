// SwiGLU gate: the reference (double, one rounding) and the cost signature.
#include <cmath>

#include "mempipe/ops/activation.h"
#include "ops/activation/activation_internal.h"

namespace mempipe {

OpCost silu_mul_cost(int64_t n) {
    OpCost c;
    c.flops = 6.0 * double(n);
    c.bytes_read = 8.0 * double(n);
    c.bytes_written = 4.0 * double(n);
    return c;
}

namespace ref {
void silu_mul(const float* gate, const float* up, float* out, int64_t n) {
    activation_detail::check_silu_mul(gate, up, out, n);
    for (int64_t i = 0; i < n; ++i) {
        double g = gate[i];
        double sigma = 1.0 / (1.0 + std::exp(-g));
        out[i] = float(g * sigma * double(up[i]));
    }
}
}  // namespace ref

}  // namespace mempipe
