// AVX-512 memory_recall_read pieces: the softmax with the polynomial exp (exp_avx512.h) and the
// weighted sum over 64-column tiles (four accumulators, each memory row streamed once per tile).
#include <immintrin.h>

// GCC 12 reports false -Wmaybe-uninitialized positives inside the unmasked AVX-512 intrinsics
// (their _mm512_undefined_* pass-through operand) once exp512 is inlined into this softmax.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include "devices/cpu/common/exp_avx512.h"
#include "devices/cpu/memory_recall/memory_recall_kernels.h"

namespace mempipe::cpu_memory_recall {

namespace {
__mmask16 tail_mask(int64_t left) {
    return left >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << left) - 1);
}
}  // namespace

void softmax_avx512(const float* scores, int64_t n, float* a) {
    const __m512 m = _mm512_set1_ps(softmax_max(scores, n));
    __m512 acc = _mm512_setzero_ps();
    for (int64_t i = 0; i < n; i += 16) {
        const __mmask16 k = tail_mask(n - i);
        const __m512 e = exp512(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, scores + i), m));
        _mm512_mask_storeu_ps(a + i, k, e);
        acc = _mm512_mask_add_ps(acc, k, acc, e);
    }
    const __m512 sum = _mm512_set1_ps(_mm512_reduce_add_ps(acc));
    for (int64_t i = 0; i < n; i += 16) {
        const __mmask16 k = tail_mask(n - i);
        _mm512_mask_storeu_ps(a + i, k, _mm512_div_ps(_mm512_maskz_loadu_ps(k, a + i), sum));
    }
}

void weighted_sum_avx512(const float* a, const float* mem, int64_t n, int64_t d, int64_t j0,
                         int64_t j1, float* p) {
    int64_t j = j0;
    for (; j + 64 <= j1; j += 64) {
        __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
        for (int64_t i = 0; i < n; ++i) {
            const __m512 w = _mm512_set1_ps(a[i]);
            const float* row = mem + i * d + j;
            s0 = _mm512_fmadd_ps(w, _mm512_loadu_ps(row), s0);
            s1 = _mm512_fmadd_ps(w, _mm512_loadu_ps(row + 16), s1);
            s2 = _mm512_fmadd_ps(w, _mm512_loadu_ps(row + 32), s2);
            s3 = _mm512_fmadd_ps(w, _mm512_loadu_ps(row + 48), s3);
        }
        _mm512_storeu_ps(p + j, s0);
        _mm512_storeu_ps(p + j + 16, s1);
        _mm512_storeu_ps(p + j + 32, s2);
        _mm512_storeu_ps(p + j + 48, s3);
    }
    for (; j < j1; j += 16) {
        const __mmask16 k = tail_mask(j1 - j);
        __m512 s = _mm512_setzero_ps();
        for (int64_t i = 0; i < n; ++i)
            s = _mm512_fmadd_ps(_mm512_set1_ps(a[i]), _mm512_maskz_loadu_ps(k, mem + i * d + j), s);
        _mm512_mask_storeu_ps(p + j, k, s);
    }
}

}  // namespace mempipe::cpu_memory_recall
