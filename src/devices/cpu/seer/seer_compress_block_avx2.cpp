// AVX2 pooling for SeerAttention-R block compression: vectorised over 8 channels with the tokens
// taken in order, so max/min/sum match the reference exactly (see seer_compress_block_kernels.h);
// the last d % 8 channels run the scalar rule.
#include <immintrin.h>

#include "devices/cpu/common/simd_avx2.h"
#include "mempipe/core/dtype.h"
#include "seer_compress_block_kernels.h"

namespace mempipe::cpu::seer_kernels {

namespace {

using cpu_avx2::load_bf16x8;
}  // namespace

void pool_avx2(const uint16_t* k_block, const SeerGateShape& s, int64_t h, float* pooled) {
    const int64_t d = s.d, hkv = s.hkv, block = s.block;
    const __m256 divisor = _mm256_set1_ps(float(block));
    int64_t ch = 0;
    for (; ch + 8 <= d; ch += 8) {
        __m256 first = load_bf16x8(k_block + h * d + ch);
        __m256 mx = first, mn = first, sum = first;
        for (int64_t t = 1; t < block; ++t) {
            __m256 x = load_bf16x8(k_block + (t * hkv + h) * d + ch);
            mx = _mm256_max_ps(x, mx);  // = x > mx ? x : mx (the second operand on equality or NaN)
            mn = _mm256_min_ps(x, mn);
            sum = _mm256_add_ps(sum, x);
        }
        _mm256_storeu_ps(pooled + ch, mx);
        _mm256_storeu_ps(pooled + d + ch, mn);
        _mm256_storeu_ps(pooled + 2 * d + ch, _mm256_div_ps(sum, divisor));
    }
    for (; ch < d; ++ch) {
        float mx = bf16_to_f32(k_block[h * d + ch]), mn = mx, sum = mx;
        for (int64_t t = 1; t < block; ++t) {
            float x = bf16_to_f32(k_block[(t * hkv + h) * d + ch]);
            mx = x > mx ? x : mx;
            mn = x < mn ? x : mn;
            sum = sum + x;
        }
        pooled[ch] = mx;
        pooled[d + ch] = mn;
        pooled[2 * d + ch] = sum / float(block);
    }
}

}  // namespace mempipe::cpu::seer_kernels
