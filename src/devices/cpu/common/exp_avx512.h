// Internal: a vectorised f32 exp for softmax (attention, MLA and SeerAttention-R gate kernels;
// include only from *_avx512.cpp / *_amx.cpp files).
//
// Cody–Waite range reduction x = n·ln2 + r (|r| ≤ ln2/2, ln2 split in two parts), the Cephes expf
// polynomial for e^r (relative error ≈ 1 ulp on the reduced range) and vscalefps for the 2^n
// scaling, which underflows gracefully to denormals and 0. Inputs below −104 give 0 (e^−104 is
// below the smallest denormal), NaN stays NaN; meant for x ≤ 0 (softmax weights), valid up to x
// ≈ 88.
#pragma once

#include <immintrin.h>

namespace mempipe {

inline __m512 exp512(__m512 x) {
    x = _mm512_max_ps(_mm512_set1_ps(-104.0f), x);  // second operand wins for NaN: NaN propagates
    __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                    _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
    __m512 p = _mm512_set1_ps(1.9875691500e-4f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
    __m512 r2 = _mm512_mul_ps(r, r);
    p = _mm512_fmadd_ps(p, r2, _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
    return _mm512_scalef_ps(p, n);
}

}  // namespace mempipe
