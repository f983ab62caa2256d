// Reference LayerNorm and the cost of the norm family: two passes in f64, rounded once to f32.
#include <cmath>

#include "mempipe/core/error.h"
#include "mempipe/ops/nn.h"
#include "ops/nn/nn_internal.h"

namespace mempipe {

OpCost norm_cost(int64_t rows, int64_t dim) {
    OpCost c;
    c.flops = 5.0 * double(rows) * double(dim);
    c.bytes_read = 4.0 * double(rows) * double(dim) + 8.0 * double(dim);
    c.bytes_written = 4.0 * double(rows) * double(dim);
    c.pattern = AccessPattern::Regular;
    return c;
}

namespace ref {
void layer_norm(const float* x, const float* gamma, const float* beta, float* y, int64_t rows,
                int64_t dim, float eps) {
    nn_detail::check_norm("layer_norm", x, gamma, y, rows, dim, eps);
    for (int64_t r = 0; r < rows; ++r) {
        const float* xr = x + r * dim;
        double mean = 0;
        for (int64_t i = 0; i < dim; ++i) mean += xr[i];
        mean /= double(dim);
        double var = 0;
        for (int64_t i = 0; i < dim; ++i) var += (xr[i] - mean) * (xr[i] - mean);
        var /= double(dim);
        double inv = 1.0 / std::sqrt(var + double(eps));
        for (int64_t i = 0; i < dim; ++i) {
            double v = (xr[i] - mean) * inv * double(gamma[i]);
            if (beta) v += double(beta[i]);
            y[r * dim + i] = float(v);
        }
    }
}
}  // namespace ref

}  // namespace mempipe
