// AVX-512 pooling for SeerAttention-R block compression: vectorised over channels with the tokens
// taken in order, so max/min/sum match the reference exactly (see seer_compress_block_kernels.h).
// GCC 12 reports its own _mm512_undefined_* placeholders inside the intrinsics as uninitialised.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <immintrin.h>

#include "seer_compress_block_kernels.h"

namespace mempipe::cpu::seer_kernels {

namespace {
inline __mmask16 tail_mask(int64_t left) {
    return left >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << left) - 1);
}

inline __m512 load_bf16(const uint16_t* p, __mmask16 m) {
    __m256i raw = _mm256_maskz_loadu_epi16(m, p);
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(raw), 16));
}
}  // namespace

void pool_avx512(const uint16_t* k_block, const SeerGateShape& s, int64_t h, float* pooled) {
    const int64_t d = s.d, hkv = s.hkv, block = s.block;
    const __m512 divisor = _mm512_set1_ps(float(block));
    for (int64_t ch = 0; ch < d; ch += 16) {
        __mmask16 m = tail_mask(d - ch);
        __m512 first = load_bf16(k_block + h * d + ch, m);
        __m512 mx = first, mn = first, sum = first;
        for (int64_t t = 1; t < block; ++t) {
            __m512 x = load_bf16(k_block + (t * hkv + h) * d + ch, m);
            mx = _mm512_max_ps(x, mx);  // = x > mx ? x : mx (the second operand on equality or NaN)
            mn = _mm512_min_ps(x, mn);
            sum = _mm512_add_ps(sum, x);
        }
        _mm512_mask_storeu_ps(pooled + ch, m, mx);
        _mm512_mask_storeu_ps(pooled + d + ch, m, mn);
        _mm512_mask_storeu_ps(pooled + 2 * d + ch, m, _mm512_div_ps(sum, divisor));
    }
}

}  // namespace mempipe::cpu::seer_kernels
