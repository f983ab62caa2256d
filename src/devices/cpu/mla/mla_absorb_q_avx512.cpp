// AVX-512 variant of cpu::mla_absorb_q: per head, q_nope[h] (nope) times W_UK[h] (nope × latent)
// as a sum of scaled weight rows, 256 outputs (16 accumulators) at a time; weights widened from
// bf16 with the pair trick (even/odd elements of each 32-chunk) and re-interleaved on store.
#include <immintrin.h>

// GCC 12 warns about the undefined source operand inside the unmasked intrinsics (a false
// positive).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

#include <algorithm>
#include <type_traits>

#include "devices/cpu/mla/mla_absorb_q_kernels.h"

namespace mempipe::mla_detail {

namespace {

template <int NC>  // 32-element chunks in this block (≤ 8)
void absorb_block(const float* q, const uint16_t* w, int64_t nope, int64_t latent, float* out) {
    __m512 ae[NC], ao[NC];
    for (int c = 0; c < NC; ++c) ae[c] = ao[c] = _mm512_setzero_ps();
    const __m512i hi = _mm512_set1_epi32(int(0xffff0000u));
    for (int64_t i = 0; i < nope; ++i) {
        __m512 b = _mm512_set1_ps(q[i]);
        const uint16_t* row = w + i * latent;
        for (int c = 0; c < NC; ++c) {
            __m512i x = _mm512_loadu_si512(row + 32 * c);
            ae[c] = _mm512_fmadd_ps(b, _mm512_castsi512_ps(_mm512_slli_epi32(x, 16)), ae[c]);
            ao[c] = _mm512_fmadd_ps(b, _mm512_castsi512_ps(_mm512_and_si512(x, hi)), ao[c]);
        }
    }
    const __m512i lo_idx =
        _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    const __m512i hi_idx =
        _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    for (int c = 0; c < NC; ++c) {
        _mm512_storeu_ps(out + 32 * c, _mm512_permutex2var_ps(ae[c], lo_idx, ao[c]));
        _mm512_storeu_ps(out + 32 * c + 16, _mm512_permutex2var_ps(ae[c], hi_idx, ao[c]));
    }
}

using BlockFn = void (*)(const float*, const uint16_t*, int64_t, int64_t, float*);
constexpr BlockFn kBlocks[9] = {nullptr,         absorb_block<1>, absorb_block<2>,
                                absorb_block<3>, absorb_block<4>, absorb_block<5>,
                                absorb_block<6>, absorb_block<7>, absorb_block<8>};

}  // namespace

void absorb_q_avx512(const float* q_nope, const uint16_t* w_uk, const MlaShape& s, float* q_abs,
                     int64_t h_begin, int64_t h_end) {
    const int64_t stride = s.latent + s.rope, chunks = s.latent / 32;
    for (int64_t h = h_begin; h < h_end; ++h)
        for (int64_t c0 = 0; c0 < chunks; c0 += 8) {
            int nc = int(std::min<int64_t>(8, chunks - c0));
            kBlocks[nc](q_nope + h * s.nope, w_uk + h * s.nope * s.latent + 32 * c0, s.nope,
                        s.latent, q_abs + h * stride + 32 * c0);
        }
}

}  // namespace mempipe::mla_detail
