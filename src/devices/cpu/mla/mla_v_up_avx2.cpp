// AVX2 (+FMA) variant of cpu::mla_v_up: y[h, i] = o[h] · W_UV[h, i] for 4 rows at a time, two
// accumulators per row (16 latent elements per step); weight rows widened exactly from bf16
// (zero-extend to 32 bits, shift into the high half), then each row's vectors are summed.
#include <immintrin.h>

#include "devices/cpu/mla/mla_v_up_kernels.h"

namespace mempipe::mla_detail {

namespace {

inline __m256 widen(const uint16_t* p) {
    __m256i x = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    return _mm256_castsi256_ps(_mm256_slli_epi32(x, 16));
}

inline float hsum(__m256 v) {
    __m128 x = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    x = _mm_add_ps(x, _mm_movehl_ps(x, x));
    x = _mm_add_ss(x, _mm_movehdup_ps(x));
    return _mm_cvtss_f32(x);
}

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
                    acc[r][0] = _mm256_fmadd_ps(e0, widen(wr), acc[r][0]);
                    acc[r][1] = _mm256_fmadd_ps(e1, widen(wr + 8), acc[r][1]);
                }
            }
            for (int r = 0; r < 4; ++r)
                y[h * s.v_head + i + r] = hsum(_mm256_add_ps(acc[r][0], acc[r][1]));
        }
        for (; i < s.v_head; ++i) {
            __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
            const uint16_t* wr = wh + i * L;
            for (int64_t c = 0; c < L; c += 16) {
                a0 = _mm256_fmadd_ps(_mm256_loadu_ps(oh + c), widen(wr + c), a0);
                a1 = _mm256_fmadd_ps(_mm256_loadu_ps(oh + c + 8), widen(wr + c + 8), a1);
            }
            y[h * s.v_head + i] = hsum(_mm256_add_ps(a0, a1));
        }
    }
}

}  // namespace mempipe::mla_detail
