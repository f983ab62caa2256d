// cpu::layer_norm: entry point and the scalar variant (f32 sums in 8 lanes, two passes).
#include <cmath>

#include "devices/cpu/nn/norm_kernels.h"
#include "mempipe/core/simd.h"
#include "mempipe/ops/nn.h"
#include "ops/nn/nn_internal.h"

namespace mempipe {

namespace cpu_nn {
void layer_norm_scalar(const float* x, const float* gamma, const float* beta, float* y,
                       int64_t rows, int64_t dim, float eps) {
    for (int64_t r = 0; r < rows; ++r) {
        const float* xr = x + r * dim;
        float* yr = y + r * dim;
        float acc[8] = {};
        int64_t i = 0;
        for (; i + 8 <= dim; i += 8)
            for (int l = 0; l < 8; ++l) acc[l] += xr[i + l];
        for (; i < dim; ++i) acc[0] += xr[i];
        float mean =
            (((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]))) /
            float(dim);
        float sq[8] = {};
        for (i = 0; i + 8 <= dim; i += 8)
            for (int l = 0; l < 8; ++l) sq[l] += (xr[i + l] - mean) * (xr[i + l] - mean);
        for (; i < dim; ++i) sq[0] += (xr[i] - mean) * (xr[i] - mean);
        float var = (((sq[0] + sq[1]) + (sq[2] + sq[3])) + ((sq[4] + sq[5]) + (sq[6] + sq[7]))) /
                    float(dim);
        float inv = float(1.0 / std::sqrt(double(var) + double(eps)));
        for (i = 0; i < dim; ++i) {
            float v = (xr[i] - mean) * inv * gamma[i];
            yr[i] = beta ? v + beta[i] : v;
        }
    }
}
}  // namespace cpu_nn

namespace cpu {
void layer_norm(const float* x, const float* gamma, const float* beta, float* y, int64_t rows,
                int64_t dim, float eps) {
    nn_detail::check_norm("layer_norm", x, gamma, y, rows, dim, eps);
    if (rows == 0 || dim == 0) return;
    simd_pick<cpu_nn::LayerNormFn>(cpu_nn::layer_norm_scalar, nullptr, cpu_nn::layer_norm_avx512)(
        x, gamma, beta, y, rows, dim, eps);
}
}  // namespace cpu

}  // namespace mempipe
