// Reference RMSNorm: x / sqrt(mean(x²) + eps) · gamma, in f64, rounded once to f32.
#include <cmath>

#include "mempipe/core/error.h"
#include "mempipe/ops/nn.h"
#include "ops/nn/nn_internal.h"

namespace mempipe::ref {

void rms_norm(const float* x, const float* gamma, float* y, int64_t rows, int64_t dim, float eps) {
    nn_detail::check_norm("rms_norm", x, gamma, y, rows, dim, eps);
    for (int64_t r = 0; r < rows; ++r) {
        const float* xr = x + r * dim;
        double ss = 0;
        for (int64_t i = 0; i < dim; ++i) ss += double(xr[i]) * double(xr[i]);
        double inv = 1.0 / std::sqrt(ss / double(dim) + double(eps));
        for (int64_t i = 0; i < dim; ++i)
            y[r * dim + i] = float(double(xr[i]) * inv * double(gamma[i]));
    }
}

}  // namespace mempipe::ref
