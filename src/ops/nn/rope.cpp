// Reference rotary embedding (NeoX half-split and interleaved pairs, partial rot_dim).
#include <cmath>
#include <vector>

#include "mempipe/core/error.h"
#include "mempipe/ops/nn.h"
#include "ops/nn/nn_internal.h"

namespace mempipe {

OpCost rope_cost(int64_t rows, int64_t rot_dim) {
    OpCost c;
    c.flops = 3.0 * double(rows) * double(rot_dim);
    c.bytes_read = 4.0 * double(rows) * double(rot_dim) + 2.0 * double(rot_dim);
    c.bytes_written = 4.0 * double(rows) * double(rot_dim);
    c.pattern = AccessPattern::Regular;
    return c;
}

void rope_cos_sin(int64_t position, const float* inv_freq, int64_t half, float* cos_out,
                  float* sin_out) {
    MEMPIPE_CHECK_ARG(half >= 0, "rope_cos_sin: half must be ≥ 0, got {}", half);
    for (int64_t i = 0; i < half; ++i) {
        float angle = float(position) * inv_freq[i];
        cos_out[i] = float(std::cos(double(angle)));
        sin_out[i] = float(std::sin(double(angle)));
    }
}

namespace ref {
void rope(float* x, int64_t rows, int64_t row_stride, int64_t rot_dim, int64_t position,
          const float* inv_freq, RopeStyle style) {
    nn_detail::check_rope(x, rows, row_stride, rot_dim, inv_freq);
    const int64_t half = rot_dim / 2;
    std::vector<float> c(static_cast<size_t>(half)), s(static_cast<size_t>(half));
    rope_cos_sin(position, inv_freq, half, c.data(), s.data());
    for (int64_t r = 0; r < rows; ++r) {
        float* xr = x + r * row_stride;
        for (int64_t i = 0; i < half; ++i) {
            int64_t ia = style == RopeStyle::NeoX ? i : 2 * i;
            int64_t ib = style == RopeStyle::NeoX ? i + half : 2 * i + 1;
            double a = xr[ia], b = xr[ib];
            xr[ia] = float(a * c[size_t(i)] - b * s[size_t(i)]);
            xr[ib] = float(a * s[size_t(i)] + b * c[size_t(i)]);
        }
    }
}
}  // namespace ref

}  // namespace mempipe
