// Internal: a vectorised f32 exp for softmax at AVX2 + FMA (include only from *_avx2.cpp files);
// the 8-lane twin of exp_avx512.h.
//
// Cody–Waite range reduction x = n·ln2 + r (|r| ≤ ln2/2, ln2 split in two parts) and the Cephes
// expf polynomial for e^r (relative error ≈ 1 ulp on the reduced range), as in exp512. AVX2 has no
// vscalefps, so 2^n is built by adding n to the exponent field of 1.0f and multiplied in; to keep
// that exponent a normal one the input is clamped at −87 (n ≥ −126), and inputs below −87 give
// exactly 0 (e^−87 ≈ 1.6e−38 is far below any softmax weight that matters). NaN stays NaN; meant
// for x ≤ 0 (softmax weights), valid up to x ≈ 88.
#pragma once

#include <immintrin.h>

namespace mempipe {

inline __m256 exp256(__m256 x) {
    const __m256 lo = _mm256_set1_ps(-87.0f);
    // Lanes kept: x ≥ −87 or NaN (not-less-than, unordered → true), so NaN propagates.
    const __m256 keep = _mm256_cmp_ps(x, lo, _CMP_NLT_UQ);
    x = _mm256_max_ps(lo, x);  // second operand wins for NaN
    __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                               _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
    __m256 r2 = _mm256_mul_ps(r, r);
    p = _mm256_fmadd_ps(p, r2, _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
    __m256i e =
        _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_and_ps(_mm256_mul_ps(p, _mm256_castsi256_ps(e)), keep);
}

}  // namespace mempipe
