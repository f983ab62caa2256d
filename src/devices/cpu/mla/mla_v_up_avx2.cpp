// AVX2 (+FMA) variant of cpu::mla_v_up: y[h, i] = o[h] · W_UV[h, i] for 4 rows at a time, two
// accumulators per row (16 latent elements per step); weight rows widened exactly from bf16
// (zero-extend to 32 bits, shift into the high half), then each row's vectors are summed.
#include <immintrin.h>

#include "devices/cpu/common/simd_avx2.h"
#include "devices/cpu/mla/mla_v_up_kernels.h"

namespace mempipe::mla_detail {

namespace {

using cpu_avx2::hsum8;
using cpu_avx2::load_bf16x8;

}  // namespace

void v_up_avx2(const float* o, const uint16_t* w_uv, const MlaShape& s, float* y, int64_t h_begin,
               int64_t h_end) {
    const int64_t L = s.latent;
    for (int64_t h = h_begin; h < h_end; ++h) {
        const float* oh = o + h * L;
        const uint16_t* wh = w_uv + h * s.v_head * L;
        int64_t i = 0;
        for (; i + 4 <= s.v_head; i += 4) {
            __m256 acc[4][2];
            for (int r = 0; r < 4; ++r) acc[r][0] = acc[r][1] = _mm256_setzero_ps();
            for (int64_t c = 0; c < L; c += 16) {
                __m256 e0 = _mm256_loadu_ps(oh + c), e1 = _mm256_loadu_ps(oh + c + 8);
                for (int r = 0; r < 4; ++r) {
                    const uint16_t* wr = wh + (i + r) * L + c;
                    acc[r][0] = _mm256_fmadd_ps(e0, load_bf16x8(wr), acc[r][0]);
                    acc[r][1] = _mm256_fmadd_ps(e1, load_bf16x8(wr + 8), acc[r][1]);
                }
            }
            for (int r = 0; r < 4; ++r)
                y[h * s.v_head + i + r] = hsum8(_mm256_add_ps(acc[r][0], acc[r][1]));
        }
        for (; i < s.v_head; ++i) {
            __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
            const uint16_t* wr = wh + i * L;
            for (int64_t c = 0; c < L; c += 16) {
                a0 = _mm256_fmadd_ps(_mm256_loadu_ps(oh + c), load_bf16x8(wr + c), a0);
                a1 = _mm256_fmadd_ps(_mm256_loadu_ps(oh + c + 8), load_bf16x8(wr + c + 8), a1);
            }
            y[h * s.v_head + i] = hsum8(_mm256_add_ps(a0, a1));
        }
    }
}

}  // namespace mempipe::mla_detail
