// Reference act_quant (DS32 kernel.py, block 128, scale_fmt "ue8m0").
#include <algorithm>
#include <cmath>

#include "mempipe/core/dtype.h"
#include "ops/dsa/dsa_internal.h"

namespace mempipe {

OpCost quant_fp8_block_cost(int64_t rows, int64_t cols) {
    OpCost c;
    c.flops = 3.0 * double(rows) * double(cols);  // |x| max, divide, convert
    c.bytes_read = 4.0 * double(rows) * double(cols);
    c.bytes_written = double(rows) * double(cols) + 4.0 * double(rows) * double(cols / kDsaHeadDim);
    return c;
}

namespace ref {
void quant_fp8_block(const float* x, int64_t rows, int64_t cols, uint8_t* codes, float* scales) {
    dsa_detail::check_quant(x, rows, cols, codes, scales);
    const int64_t blocks = cols / kDsaHeadDim;
    for (int64_t r = 0; r < rows; ++r)
        for (int64_t b = 0; b < blocks; ++b) {
            const float* xb = x + r * cols + b * kDsaHeadDim;
            float amax = 0;
            for (int64_t i = 0; i < kDsaHeadDim; ++i) amax = std::max(amax, std::fabs(xb[i]));
            float s = ue8m0_scale(amax);
            scales[r * blocks + b] = s;
            for (int64_t i = 0; i < kDsaHeadDim; ++i)
                codes[r * cols + b * kDsaHeadDim + i] =
                    f32_to_e4m3(std::clamp(xb[i] / s, -kFp8E4M3Max, kFp8E4M3Max));
        }
}
}  // namespace ref

}  // namespace mempipe
