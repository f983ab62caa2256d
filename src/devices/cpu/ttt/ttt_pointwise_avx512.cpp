// cpu_ttt: the SwiGLU forward and backward pointwise kernels with AVX-512 (σ via exp512), and the
// bf16 GEMM with its f32 → bf16 operand conversion on 16 lanes.
// GCC 12 flags the undefined pass-through operand of its own AVX-512 intrinsics (a false positive).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <immintrin.h>

#include "devices/cpu/common/exp_avx512.h"
#include "devices/cpu/ttt/ttt_kernels.h"

namespace mempipe::cpu_ttt {

namespace {
// σ(z) = 1 / (1 + e^−z); e^−z overflows to +inf for z < −88 (σ = 0) and underflows to 0 for
// z > 104 (σ = 1).
inline __m512 sigmoid512(__m512 z) {
    const __m512 one = _mm512_set1_ps(1.0f);
    return _mm512_div_ps(one, _mm512_add_ps(one, exp512(_mm512_sub_ps(_mm512_setzero_ps(), z))));
}
inline __mmask16 tail_mask(int64_t left) {
    return left >= 16 ? __mmask16(0xffff) : __mmask16((1u << left) - 1);
}
}  // namespace

void swiglu_avx512(float* g, const float* u, int64_t count) {
    for (int64_t i = 0; i < count; i += 16) {
        const __mmask16 m = tail_mask(count - i);
        const __m512 z = _mm512_maskz_loadu_ps(m, g + i), uv = _mm512_maskz_loadu_ps(m, u + i);
        _mm512_mask_storeu_ps(g + i, m, _mm512_mul_ps(_mm512_mul_ps(z, sigmoid512(z)), uv));
    }
}

void grad_row_avx512(const float* g, const float* u, float* dh, float* hid, float* dup,
                     int64_t cols, float lr1, float lr3, float lr2) {
    const __m512 one = _mm512_set1_ps(1.0f), l1 = _mm512_set1_ps(lr1), l3 = _mm512_set1_ps(lr3),
                 l2 = _mm512_set1_ps(lr2);
    for (int64_t j = 0; j < cols; j += 16) {
        const __mmask16 m = tail_mask(cols - j);
        const __m512 z = _mm512_maskz_loadu_ps(m, g + j), uv = _mm512_maskz_loadu_ps(m, u + j),
                     d = _mm512_maskz_loadu_ps(m, dh + j);
        const __m512 s = sigmoid512(z), silu = _mm512_mul_ps(z, s);
        const __m512 dsilu = _mm512_mul_ps(s, _mm512_fmadd_ps(z, _mm512_sub_ps(one, s), one));
        _mm512_mask_storeu_ps(hid + j, m, _mm512_mul_ps(l2, _mm512_mul_ps(silu, uv)));
        _mm512_mask_storeu_ps(dup + j, m, _mm512_mul_ps(l3, _mm512_mul_ps(d, silu)));
        _mm512_mask_storeu_ps(dh + j, m,
                              _mm512_mul_ps(l1, _mm512_mul_ps(_mm512_mul_ps(d, uv), dsilu)));
    }
}

namespace {
// f32_to_bf16 on 16 lanes: RNE by integer rounding (denormals kept, unlike vcvtneps2bf16), NaN
// made quiet.
void bf16_row_avx512(const float* x, int64_t n, uint16_t* out) {
    const __m512i abs_mask = _mm512_set1_epi32(0x7fffffff), inf = _mm512_set1_epi32(0x7f800000),
                  bias = _mm512_set1_epi32(0x7fff), one = _mm512_set1_epi32(1),
                  quiet = _mm512_set1_epi32(0x0040);
    for (int64_t i = 0; i < n; i += 16) {
        const __mmask16 m = tail_mask(n - i);
        const __m512i u = _mm512_castps_si512(_mm512_maskz_loadu_ps(m, x + i));
        const __mmask16 nan = _mm512_cmpgt_epu32_mask(_mm512_and_si512(u, abs_mask), inf);
        const __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(u, 16), one);
        __m512i r = _mm512_srli_epi32(_mm512_add_epi32(u, _mm512_add_epi32(bias, lsb)), 16);
        r = _mm512_mask_or_epi32(r, nan, _mm512_srli_epi32(u, 16), quiet);
        _mm256_mask_storeu_epi16(out + i, m, _mm512_cvtepi32_epi16(r));
    }
}
}  // namespace

void gemm_bf16_avx512(const Gemm& g) {
    gemm_bf16_with(g, bf16_row_avx512);
}

}  // namespace mempipe::cpu_ttt
