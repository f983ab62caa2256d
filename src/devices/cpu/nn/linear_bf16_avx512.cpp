// cpu::linear_bf16, AVX-512 variant: bf16 weights widened exactly to f32 (shift left 16), f32 FMA.
// m < 4: one weight row at a time (a single sequential stream through w), 4 k-chunks in flight; m ≥
// 4: 4 x-rows × 4 w-rows register tiles (each weight load feeds 4 FMAs).
// GCC 12 reports false -W(maybe-)uninitialized inside the AVX-512 intrinsics headers
// (GCC PR 105593).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include "devices/cpu/nn/linear_bf16_kernels.h"

namespace mempipe::cpu_nn {

namespace {
inline __m512 widen(const uint16_t* p) {
    return _mm512_castsi512_ps(
        _mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i*)p)), 16));
}
inline __m512 widen_mask(const uint16_t* p, __mmask16 mk) {
    return _mm512_castsi512_ps(
        _mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(mk, p)), 16));
}

// MR x-rows against one weight row j, k unrolled by 4 vectors.
template <int MR>
void rows_one_col(const float* x, const uint16_t* wr, int64_t k, float* out) {
    __m512 acc[MR][4];
    for (int r = 0; r < MR; ++r)
        for (int u = 0; u < 4; ++u) acc[r][u] = _mm512_setzero_ps();
    int64_t t = 0;
    for (; t + 64 <= k; t += 64) {
        __m512 wv[4];
        for (int u = 0; u < 4; ++u) wv[u] = widen(wr + t + 16 * u);
        for (int r = 0; r < MR; ++r)
            for (int u = 0; u < 4; ++u)
                acc[r][u] =
                    _mm512_fmadd_ps(_mm512_loadu_ps(x + r * k + t + 16 * u), wv[u], acc[r][u]);
    }
    for (; t + 16 <= k; t += 16) {
        __m512 wv = widen(wr + t);
        for (int r = 0; r < MR; ++r)
            acc[r][0] = _mm512_fmadd_ps(_mm512_loadu_ps(x + r * k + t), wv, acc[r][0]);
    }
    if (t < k) {
        __mmask16 mk = __mmask16((1u << (k - t)) - 1);
        __m512 wv = widen_mask(wr + t, mk);
        for (int r = 0; r < MR; ++r)
            acc[r][1] = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mk, x + r * k + t), wv, acc[r][1]);
    }
    for (int r = 0; r < MR; ++r)
        out[r] = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(acc[r][0], acc[r][1]),
                                                    _mm512_add_ps(acc[r][2], acc[r][3])));
}

// 4 x-rows × 4 weight rows.
void tile_4x4(const float* x, const uint16_t* w, int64_t k, float out[4][4]) {
    __m512 acc[4][4];
    for (int r = 0; r < 4; ++r)
        for (int c = 0; c < 4; ++c) acc[r][c] = _mm512_setzero_ps();
    int64_t t = 0;
    for (; t + 16 <= k; t += 16) {
        __m512 wv[4];
        for (int c = 0; c < 4; ++c) wv[c] = widen(w + c * k + t);
        for (int r = 0; r < 4; ++r) {
            __m512 xv = _mm512_loadu_ps(x + r * k + t);
            for (int c = 0; c < 4; ++c) acc[r][c] = _mm512_fmadd_ps(xv, wv[c], acc[r][c]);
        }
    }
    if (t < k) {
        __mmask16 mk = __mmask16((1u << (k - t)) - 1);
        __m512 wv[4];
        for (int c = 0; c < 4; ++c) wv[c] = widen_mask(w + c * k + t, mk);
        for (int r = 0; r < 4; ++r) {
            __m512 xv = _mm512_maskz_loadu_ps(mk, x + r * k + t);
            for (int c = 0; c < 4; ++c) acc[r][c] = _mm512_fmadd_ps(xv, wv[c], acc[r][c]);
        }
    }
    for (int r = 0; r < 4; ++r)
        for (int c = 0; c < 4; ++c) out[r][c] = _mm512_reduce_add_ps(acc[r][c]);
}

void rows_cols(const float* x, const uint16_t* w, const float* bias, float* y, int64_t rows,
               int64_t k, int64_t n, int64_t j0, int64_t j1) {
    float out[3];
    for (int64_t i = 0; i < rows; i += 3) {
        int64_t mr = rows - i < 3 ? rows - i : 3;
        for (int64_t j = j0; j < j1; ++j) {
            const uint16_t* wr = w + j * k;
            if (mr == 3)
                rows_one_col<3>(x + i * k, wr, k, out);
            else if (mr == 2)
                rows_one_col<2>(x + i * k, wr, k, out);
            else
                rows_one_col<1>(x + i * k, wr, k, out);
            for (int64_t r = 0; r < mr; ++r) y[(i + r) * n + j] = bias ? out[r] + bias[j] : out[r];
        }
    }
}
}  // namespace

void linear_bf16_avx512(const float* x, const uint16_t* w, const float* bias, float* y, int64_t m,
                        int64_t k, int64_t n, int64_t j0, int64_t j1) {
    if (m < 4) return rows_cols(x, w, bias, y, m, k, n, j0, j1);
    const int64_t m4 = m / 4 * 4, j4 = j0 + (j1 - j0) / 4 * 4;
    float out[4][4];
    for (int64_t j = j0; j < j4; j += 4)
        for (int64_t i = 0; i < m4; i += 4) {
            tile_4x4(x + i * k, w + j * k, k, out);
            for (int r = 0; r < 4; ++r)
                for (int c = 0; c < 4; ++c)
                    y[(i + r) * n + j + c] = bias ? out[r][c] + bias[j + c] : out[r][c];
        }
    if (j4 < j1) rows_cols(x, w, bias, y, m4, k, n, j4, j1);
    if (m4 < m) rows_cols(x + m4 * k, w, bias, y + m4 * n, m - m4, k, n, j0, j1);
}

}  // namespace mempipe::cpu_nn
