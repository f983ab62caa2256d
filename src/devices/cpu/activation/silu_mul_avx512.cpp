// AVX-512 SwiGLU gate: out = g·σ(g)·u in f32 with the polynomial exp of common/exp_avx512.h and
// e = e^−|g| ∈ [0, 1], so nothing overflows: σ = 1/(1 + e) for g ≥ 0 and e/(1 + e) for g < 0
// (σ(g) ≈ e^g keeps its value down to the denormal range; σ(−∞) = 0, so silu(−∞) = NaN as in the
// reference).
#include <immintrin.h>

// GCC 12 warns about the undefined source operand inside the unmasked intrinsics (a false
// positive).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

#include "devices/cpu/activation/activation_kernels.h"
#include "devices/cpu/common/exp_avx512.h"

namespace mempipe::cpu_activation {

namespace {
inline __m512 silu_mul16(__m512 g, __m512 u) {
    const __m512 one = _mm512_set1_ps(1.0f);
    __m512 e = exp512(_mm512_sub_ps(_mm512_setzero_ps(), _mm512_abs_ps(g)));
    __m512 r = _mm512_div_ps(one, _mm512_add_ps(one, e));
    __mmask16 neg = _mm512_cmp_ps_mask(g, _mm512_setzero_ps(), _CMP_LT_OQ);
    __m512 sigma = _mm512_mask_mul_ps(r, neg, r, e);
    return _mm512_mul_ps(_mm512_mul_ps(g, sigma), u);
}
}  // namespace

void silu_mul_avx512(const float* gate, const float* up, float* out, int64_t n) {
    int64_t i = 0;
    for (; i + 16 <= n; i += 16)
        _mm512_storeu_ps(out + i, silu_mul16(_mm512_loadu_ps(gate + i), _mm512_loadu_ps(up + i)));
    if (i < n) {
        __mmask16 mk = __mmask16((1u << (n - i)) - 1u);
        __m512 r =
            silu_mul16(_mm512_maskz_loadu_ps(mk, gate + i), _mm512_maskz_loadu_ps(mk, up + i));
        _mm512_mask_storeu_ps(out + i, mk, r);
    }
}

}  // namespace mempipe::cpu_activation
