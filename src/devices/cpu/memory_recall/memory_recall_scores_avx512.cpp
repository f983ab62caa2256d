// AVX-512 memory_recall_scores: one row of K at a time, four 16-lane FMA accumulators, masked tail.
#include <immintrin.h>

// GCC 12 reports a false -Wmaybe-uninitialized positive inside _mm512_reduce_add_ps (its
// _mm512_undefined_* pass-through operand) once inlined here.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include "devices/cpu/memory_recall/memory_recall_kernels.h"

namespace mempipe::cpu_memory_recall {

void scores_avx512(const float* q, const float* keys, int64_t i0, int64_t i1, int64_t h,
                   float scale, float* scores) {
    for (int64_t i = i0; i < i1; ++i) {
        const float* k = keys + i * h;
        __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
        int64_t t = 0;
        for (; t + 64 <= h; t += 64) {
            a0 = _mm512_fmadd_ps(_mm512_loadu_ps(q + t), _mm512_loadu_ps(k + t), a0);
            a1 = _mm512_fmadd_ps(_mm512_loadu_ps(q + t + 16), _mm512_loadu_ps(k + t + 16), a1);
            a2 = _mm512_fmadd_ps(_mm512_loadu_ps(q + t + 32), _mm512_loadu_ps(k + t + 32), a2);
            a3 = _mm512_fmadd_ps(_mm512_loadu_ps(q + t + 48), _mm512_loadu_ps(k + t + 48), a3);
        }
        for (; t + 16 <= h; t += 16)
            a0 = _mm512_fmadd_ps(_mm512_loadu_ps(q + t), _mm512_loadu_ps(k + t), a0);
        if (t < h) {
            const __mmask16 m = __mmask16((1u << (h - t)) - 1);
            a1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, q + t), _mm512_maskz_loadu_ps(m, k + t),
                                 a1);
        }
        const __m512 sum = _mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3));
        scores[i] = _mm512_reduce_add_ps(sum) * scale;
    }
}

}  // namespace mempipe::cpu_memory_recall
