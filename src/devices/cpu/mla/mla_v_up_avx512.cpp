// AVX-512 variant of cpu::mla_v_up: y[h, i] = o[h] · W_UV[h, i] for 4 rows at a time; weight rows
// are widened from bf16 with the pair trick (even/odd elements of each 32-chunk) against a copy of
// o[h] split the same way, then each row's vector is summed.
#include <immintrin.h>

// GCC 12 warns about the undefined source operand inside the unmasked intrinsics (a false
// positive).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

#include <vector>

#include "devices/cpu/mla/mla_v_up_kernels.h"

namespace mempipe::mla_detail {

void v_up_avx512(const float* o, const uint16_t* w_uv, const MlaShape& s, float* y, int64_t h_begin,
                 int64_t h_end) {
    const int64_t L = s.latent, chunks = L / 32;
    const __m512i hi = _mm512_set1_epi32(int(0xffff0000u));
    std::vector<float> op(static_cast<size_t>(L));
    for (int64_t h = h_begin; h < h_end; ++h) {
        const float* oh = o + h * L;
        for (int64_t c = 0; c < L; c += 32)
            for (int i = 0; i < 16; ++i) {
                op[size_t(c + i)] = oh[c + 2 * i];
                op[size_t(c + 16 + i)] = oh[c + 2 * i + 1];
            }
        const uint16_t* wh = w_uv + h * s.v_head * L;
        int64_t i = 0;
        for (; i + 4 <= s.v_head; i += 4) {
            __m512 acc[4][2];
            for (int r = 0; r < 4; ++r) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
            for (int64_t c = 0; c < chunks; ++c) {
                __m512 e = _mm512_loadu_ps(op.data() + 32 * c),
                       od = _mm512_loadu_ps(op.data() + 32 * c + 16);
                for (int r = 0; r < 4; ++r) {
                    __m512i x = _mm512_loadu_si512(wh + (i + r) * L + 32 * c);
                    acc[r][0] = _mm512_fmadd_ps(e, _mm512_castsi512_ps(_mm512_slli_epi32(x, 16)),
                                                acc[r][0]);
                    acc[r][1] = _mm512_fmadd_ps(od, _mm512_castsi512_ps(_mm512_and_si512(x, hi)),
                                                acc[r][1]);
                }
            }
            for (int r = 0; r < 4; ++r)
                y[h * s.v_head + i + r] = _mm512_reduce_add_ps(_mm512_add_ps(acc[r][0], acc[r][1]));
        }
        for (; i < s.v_head; ++i) {
            __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps();
            for (int64_t c = 0; c < chunks; ++c) {
                __m512i x = _mm512_loadu_si512(wh + i * L + 32 * c);
                a0 = _mm512_fmadd_ps(_mm512_loadu_ps(op.data() + 32 * c),
                                     _mm512_castsi512_ps(_mm512_slli_epi32(x, 16)), a0);
                a1 = _mm512_fmadd_ps(_mm512_loadu_ps(op.data() + 32 * c + 16),
                                     _mm512_castsi512_ps(_mm512_and_si512(x, hi)), a1);
            }
            y[h * s.v_head + i] = _mm512_reduce_add_ps(_mm512_add_ps(a0, a1));
        }
    }
}

}  // namespace mempipe::mla_detail
