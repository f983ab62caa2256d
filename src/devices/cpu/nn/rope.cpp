// cpu::rope: bit-identical to the reference (same f32 cos/sin table from rope_cos_sin, exact f64
// products, one rounding). Rotary cost is a few hundred FLOPs per row, so one portable variant
// serves every SIMD level; the table is built once per call and shared by all rows.
#include <vector>

#include "mempipe/ops/nn.h"
#include "ops/nn/nn_internal.h"

namespace mempipe::cpu {

void rope(float* x, int64_t rows, int64_t row_stride, int64_t rot_dim, int64_t position,
          const float* inv_freq, RopeStyle style) {
    nn_detail::check_rope(x, rows, row_stride, rot_dim, inv_freq);
    const int64_t half = rot_dim / 2;
    if (rows == 0 || half == 0) return;
    std::vector<double> c(static_cast<size_t>(half)), s(static_cast<size_t>(half));
    {
        std::vector<float> cf(static_cast<size_t>(half)), sf(static_cast<size_t>(half));
        rope_cos_sin(position, inv_freq, half, cf.data(), sf.data());
        for (int64_t i = 0; i < half; ++i)
            c[size_t(i)] = cf[size_t(i)], s[size_t(i)] = sf[size_t(i)];
    }
    for (int64_t r = 0; r < rows; ++r) {
        float* xr = x + r * row_stride;
        if (style == RopeStyle::NeoX) {
            float* xb = xr + half;
            for (int64_t i = 0; i < half; ++i) {
                double a = xr[i], b = xb[i];
                xr[i] = float(a * c[size_t(i)] - b * s[size_t(i)]);
                xb[i] = float(a * s[size_t(i)] + b * c[size_t(i)]);
            }
        } else {
            for (int64_t i = 0; i < half; ++i) {
                double a = xr[2 * i], b = xr[2 * i + 1];
                xr[2 * i] = float(a * c[size_t(i)] - b * s[size_t(i)]);
                xr[2 * i + 1] = float(a * s[size_t(i)] + b * c[size_t(i)]);
            }
        }
    }
}

}  // namespace mempipe::cpu
