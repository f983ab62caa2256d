// cpu::rms_norm: entry point and the scalar variant (f32 sum of squares in 8 lanes).
#include <cmath>

#include "devices/cpu/nn/norm_kernels.h"
#include "mempipe/core/simd.h"
#include "mempipe/ops/nn.h"
#include "ops/nn/nn_internal.h"

namespace mempipe {

namespace cpu_nn {
void rms_norm_scalar(const float* x, const float* gamma, float* y, int64_t rows, int64_t dim,
                     float eps) {
    for (int64_t r = 0; r < rows; ++r) {
        const float* xr = x + r * dim;
        float* yr = y + r * dim;
        float sq[8] = {};
        int64_t i = 0;
        for (; i + 8 <= dim; i += 8)
            for (int l = 0; l < 8; ++l) sq[l] += xr[i + l] * xr[i + l];
        for (; i < dim; ++i) sq[0] += xr[i] * xr[i];
        float ss = ((sq[0] + sq[1]) + (sq[2] + sq[3])) + ((sq[4] + sq[5]) + (sq[6] + sq[7]));
        float inv = float(1.0 / std::sqrt(double(ss) / double(dim) + double(eps)));
        for (i = 0; i < dim; ++i) yr[i] = xr[i] * inv * gamma[i];
    }
}
}  // namespace cpu_nn

namespace cpu {
void rms_norm(const float* x, const float* gamma, float* y, int64_t rows, int64_t dim, float eps) {
    nn_detail::check_norm("rms_norm", x, gamma, y, rows, dim, eps);
    if (rows == 0 || dim == 0) return;
    simd_pick<cpu_nn::RmsNormFn>(cpu_nn::rms_norm_scalar, nullptr, cpu_nn::rms_norm_avx512)(
        x, gamma, y, rows, dim, eps);
}
}  // namespace cpu

}  // namespace mempipe
