// AVX-512 GELU in f32.
//
// Erf: y = x·Φ(x) with Φ from erfc(z), z = |x|/√2, by the Numerical Recipes approximation
//   erfc(z) ≈ t·exp(−z² + P(t)), t = 1/(1 + z/2), P a degree-9 polynomial (erfcc: fractional error
//   < 1.2e-7 for all z ≥ 0). z² = x²/2 is split exactly into s/2 + lo/2 (s = f32(x²), lo =
//   fma(x, x, −s)) and the exp evaluated as exp(−s/2)·exp(P(t) − lo/2), so the large exponent
//   carries no rounding error. Φ = erfc/2 for x < 0, 1 − erfc/2 otherwise. |x| is capped at 20
//   (erfc(20/√2) underflows to 0), which keeps ±∞ on the formula's values (+∞ → +∞, −∞ → NaN).
// Tanh: y = x / (1 + e^−a), a = x·(c1 + c2·x²), c1 = 2√(2/π), c2 = 0.044715·c1; −a is capped at
//   100 so that e^−a overflows to +∞ instead of leaving the exp's range reduction.
#include <immintrin.h>

// GCC 12 warns about the undefined source operand inside the unmasked intrinsics (a false
// positive).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

#include "devices/cpu/activation/activation_kernels.h"
#include "devices/cpu/common/exp_avx512.h"

namespace mempipe::cpu_activation {

namespace {

inline __m512 gelu_erf16(__m512 x) {
    const __m512 one = _mm512_set1_ps(1.0f), half = _mm512_set1_ps(0.5f);
    // min(20, |x|) keeps NaN (the second operand is returned for NaN).
    __m512 ax = _mm512_min_ps(_mm512_set1_ps(20.0f), _mm512_abs_ps(x));
    __m512 z = _mm512_mul_ps(ax, _mm512_set1_ps(0.70710678118654752f));
    __m512 t = _mm512_div_ps(one, _mm512_fmadd_ps(z, half, one));
    __m512 p = _mm512_set1_ps(0.17087277f);
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(-0.82215223f));
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(1.48851587f));
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(-1.13520398f));
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(0.27886807f));
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(-0.18628806f));
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(0.09678418f));
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(0.37409196f));
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(1.00002368f));
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(-1.26551223f));
    __m512 s = _mm512_mul_ps(ax, ax);
    __m512 lo = _mm512_fmsub_ps(ax, ax, s);  // x² = s + lo exactly
    __m512 big = exp512(_mm512_mul_ps(s, _mm512_set1_ps(-0.5f)));
    __m512 small = exp512(_mm512_fnmadd_ps(lo, half, p));
    __m512 half_erfc = _mm512_mul_ps(_mm512_mul_ps(t, half), _mm512_mul_ps(big, small));
    __mmask16 neg = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_LT_OQ);
    __m512 phi = _mm512_mask_blend_ps(neg, _mm512_sub_ps(one, half_erfc), half_erfc);
    return _mm512_mul_ps(x, phi);
}

inline __m512 gelu_tanh16(__m512 x) {
    const __m512 c1 = _mm512_set1_ps(1.5957691216057308f);  // 2·√(2/π)
    const __m512 c2 = _mm512_set1_ps(0.071354816f);         // 0.044715·2·√(2/π)
    __m512 a = _mm512_mul_ps(x, _mm512_fmadd_ps(c2, _mm512_mul_ps(x, x), c1));
    __m512 e = exp512(_mm512_min_ps(_mm512_set1_ps(100.0f), _mm512_sub_ps(_mm512_setzero_ps(), a)));
    return _mm512_div_ps(x, _mm512_add_ps(_mm512_set1_ps(1.0f), e));
}

template <__m512 (*F)(__m512)>
void run(const float* x, float* out, int64_t n) {
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(out + i, F(_mm512_loadu_ps(x + i)));
    if (i < n) {
        __mmask16 mk = __mmask16((1u << (n - i)) - 1u);
        _mm512_mask_storeu_ps(out + i, mk, F(_mm512_maskz_loadu_ps(mk, x + i)));
    }
}

}  // namespace

void gelu_avx512(const float* x, float* out, int64_t n, GeluKind kind) {
    if (kind == GeluKind::Erf)
        run<gelu_erf16>(x, out, n);
    else
        run<gelu_tanh16>(x, out, n);
}

}  // namespace mempipe::cpu_activation
