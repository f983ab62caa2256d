// AVX-512 embedding gather: each row widened 16 bf16 values at a time (zero-extend, shift left 16).
#include <immintrin.h>

// GCC 12 warns about the undefined source operand inside the unmasked intrinsics (a false
// positive).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

#include "devices/cpu/activation/activation_kernels.h"

namespace mempipe::cpu_activation {

void embedding_avx512(const uint16_t* table, int64_t dim, const int32_t* ids, int64_t m,
                      float* out) {
    for (int64_t r = 0; r < m; ++r) {
        const uint16_t* row = table + int64_t(ids[r]) * dim;
        float* o = out + r * dim;
        int64_t i = 0;
        for (; i + 16 <= dim; i += 16) {
            __m512i w = _mm512_cvtepu16_epi32(
                _mm256_loadu_si256(reinterpret_cast<const __m256i*>(row + i)));
            _mm512_storeu_ps(o + i, _mm512_castsi512_ps(_mm512_slli_epi32(w, 16)));
        }
        if (i < dim) {
            __mmask16 mk = __mmask16((1u << (dim - i)) - 1u);
            __m512i w = _mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(mk, row + i));
            _mm512_mask_storeu_ps(o + i, mk, _mm512_castsi512_ps(_mm512_slli_epi32(w, 16)));
        }
    }
}

}  // namespace mempipe::cpu_activation
