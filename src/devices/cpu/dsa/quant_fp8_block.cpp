// cpu::quant_fp8_block: act_quant with a branch-light e4m3 encoder on the f32 bits (bit-identical
// to f32_to_e4m3 for |y| ≤ 448, which the clamp guarantees). The block max uses the reference's
// comparison order so NaN handling matches too.
#include <algorithm>
#include <bit>
#include <cmath>

#include "mempipe/core/dtype.h"
#include "ops/dsa/dsa_internal.h"

namespace mempipe::cpu {

namespace {
inline uint8_t encode_e4m3(float y) {  // |y| ≤ 448 or NaN
    uint32_t u = std::bit_cast<uint32_t>(y);
    uint8_t sign = uint8_t((u >> 24) & 0x80);
    uint32_t a = u & 0x7fffffffu;
    if (a > 0x7f800000u) return 0x7f;
    if (a >= 0x3c800000u) {  // ≥ 2^-6: normal e4m3, round the f32 mantissa to 3 bits (RNE)
        uint32_t r = (a + 0x7ffffu + ((a >> 20) & 1u)) >> 20;  // (f32 exponent << 3) | mantissa
        uint32_t code = r - (120u << 3);
        return uint8_t(sign | std::min<uint32_t>(code, 0x7e));
    }
    // subnormal e4m3: multiples of 2^-9; RNE via the 1.5·2^23 magic constant (|y|·2^9 < 8 here)
    float t = std::bit_cast<float>(a) * 512.0f;
    float n = (t + 12582912.0f) - 12582912.0f;
    return uint8_t(sign | uint8_t(n));
}
}  // namespace

void quant_fp8_block(const float* x, int64_t rows, int64_t cols, uint8_t* codes, float* scales) {
    dsa_detail::check_quant(x, rows, cols, codes, scales);
    const int64_t blocks = cols / kDsaHeadDim;
    for (int64_t r = 0; r < rows; ++r)
        for (int64_t b = 0; b < blocks; ++b) {
            const float* xb = x + r * cols + b * kDsaHeadDim;
            uint8_t* cb = codes + r * cols + b * kDsaHeadDim;
            float amax = 0;
            for (int64_t i = 0; i < kDsaHeadDim; ++i) amax = std::max(amax, std::fabs(xb[i]));
            const float s = ue8m0_scale(amax);
            scales[r * blocks + b] = s;
            for (int64_t i = 0; i < kDsaHeadDim; ++i)
                cb[i] = encode_e4m3(std::clamp(xb[i] / s, -kFp8E4M3Max, kFp8E4M3Max));
        }
}

}  // namespace mempipe::cpu
