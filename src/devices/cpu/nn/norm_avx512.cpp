// AVX-512 variants of cpu::layer_norm and cpu::rms_norm: f32 sums in 2 × 16 lanes, masked tails.
// GCC 12 reports false -W(maybe-)uninitialized inside the AVX-512 intrinsics headers
// (GCC PR 105593).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <cmath>

#include "devices/cpu/nn/norm_kernels.h"

namespace mempipe::cpu_nn {

namespace {
inline __mmask16 tail_mask(int64_t left) {
    return __mmask16(left >= 16 ? 0xffff : (1u << left) - 1);
}

float row_sum(const float* x, int64_t dim) {
    __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps();
    int64_t i = 0;
    for (; i + 32 <= dim; i += 32) {
        a0 = _mm512_add_ps(a0, _mm512_loadu_ps(x + i));
        a1 = _mm512_add_ps(a1, _mm512_loadu_ps(x + i + 16));
    }
    for (; i < dim; i += 16)
        a0 = _mm512_add_ps(a0, _mm512_maskz_loadu_ps(tail_mask(dim - i), x + i));
    return _mm512_reduce_add_ps(_mm512_add_ps(a0, a1));
}

// Σ (x − c)² over the row.
float row_sq(const float* x, int64_t dim, float c) {
    __m512 vc = _mm512_set1_ps(c);
    __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps();
    int64_t i = 0;
    for (; i + 32 <= dim; i += 32) {
        __m512 d0 = _mm512_sub_ps(_mm512_loadu_ps(x + i), vc),
               d1 = _mm512_sub_ps(_mm512_loadu_ps(x + i + 16), vc);
        a0 = _mm512_fmadd_ps(d0, d0, a0);
        a1 = _mm512_fmadd_ps(d1, d1, a1);
    }
    for (; i < dim; i += 16) {
        __mmask16 mk = tail_mask(dim - i);
        __m512 d = _mm512_maskz_sub_ps(mk, _mm512_maskz_loadu_ps(mk, x + i), vc);
        a0 = _mm512_fmadd_ps(d, d, a0);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(a0, a1));
}
}  // namespace

void layer_norm_avx512(const float* x, const float* gamma, const float* beta, float* y,
                       int64_t rows, int64_t dim, float eps) {
    for (int64_t r = 0; r < rows; ++r) {
        const float* xr = x + r * dim;
        float* yr = y + r * dim;
        float mean = row_sum(xr, dim) / float(dim);
        float var = row_sq(xr, dim, mean) / float(dim);
        __m512 vm = _mm512_set1_ps(mean),
               vi = _mm512_set1_ps(float(1.0 / std::sqrt(double(var) + double(eps))));
        for (int64_t i = 0; i < dim; i += 16) {
            __mmask16 mk = tail_mask(dim - i);
            __m512 v = _mm512_mul_ps(
                _mm512_mul_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(mk, xr + i), vm), vi),
                _mm512_maskz_loadu_ps(mk, gamma + i));
            if (beta) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mk, beta + i));
            _mm512_mask_storeu_ps(yr + i, mk, v);
        }
    }
}

void rms_norm_avx512(const float* x, const float* gamma, float* y, int64_t rows, int64_t dim,
                     float eps) {
    for (int64_t r = 0; r < rows; ++r) {
        const float* xr = x + r * dim;
        float* yr = y + r * dim;
        float ss = row_sq(xr, dim, 0.0f);
        __m512 vi = _mm512_set1_ps(float(1.0 / std::sqrt(double(ss) / double(dim) + double(eps))));
        for (int64_t i = 0; i < dim; i += 16) {
            __mmask16 mk = tail_mask(dim - i);
            __m512 v = _mm512_mul_ps(_mm512_mul_ps(_mm512_maskz_loadu_ps(mk, xr + i), vi),
                                     _mm512_maskz_loadu_ps(mk, gamma + i));
            _mm512_mask_storeu_ps(yr + i, mk, v);
        }
    }
}

}  // namespace mempipe::cpu_nn
