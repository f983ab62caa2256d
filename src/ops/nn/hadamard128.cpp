// Reference 128-point Walsh–Hadamard transform: the dense Sylvester matrix product, in f64.
#include <bit>
#include <cmath>

#include "mempipe/core/error.h"
#include "mempipe/ops/nn.h"
#include "ops/nn/nn_internal.h"

namespace mempipe {

OpCost hadamard128_cost(int64_t rows) {
    OpCost c;
    c.flops = double(rows) * (128.0 * 7.0 + 128.0);  // 7 butterfly stages + the scale
    c.bytes_read = 512.0 * double(rows);
    c.bytes_written = 512.0 * double(rows);
    c.pattern = AccessPattern::Regular;
    return c;
}

namespace ref {
void hadamard128(float* x, int64_t rows) {
    nn_detail::check_hadamard(x, rows);
    const double scale = 1.0 / std::sqrt(128.0);
    double y[128];
    for (int64_t r = 0; r < rows; ++r) {
        float* xr = x + r * 128;
        for (unsigned i = 0; i < 128; ++i) {
            double acc = 0;
            for (unsigned j = 0; j < 128; ++j)
                acc += (std::popcount(i & j) & 1) ? -double(xr[j]) : double(xr[j]);
            y[i] = acc * scale;
        }
        for (int i = 0; i < 128; ++i) xr[i] = float(y[i]);
    }
}
}  // namespace ref

}  // namespace mempipe
