// AVX2 (+FMA) variant of cpu::mla_absorb_q: per head, q_nope[h] (nope) times W_UK[h]
// (nope × latent) as a sum of scaled weight rows, 64 outputs (8 accumulators) at a time; weights
// widened exactly from bf16 (zero-extend to 32 bits, shift into the high half).
#include <immintrin.h>

#include <algorithm>

#include "devices/cpu/mla/mla_absorb_q_kernels.h"

namespace mempipe::mla_detail {

namespace {

template <int NV>  // 8-element vectors in this block (≤ 8)
void absorb_block(const float* q, const uint16_t* w, int64_t nope, int64_t latent, float* out) {
    __m256 acc[NV];
    for (int v = 0; v < NV; ++v) acc[v] = _mm256_setzero_ps();
    for (int64_t i = 0; i < nope; ++i) {
        __m256 b = _mm256_broadcast_ss(q + i);
        const uint16_t* row = w + i * latent;
        for (int v = 0; v < NV; ++v) {
            __m256i x = _mm256_cvtepu16_epi32(
                _mm_loadu_si128(reinterpret_cast<const __m128i*>(row + 8 * v)));
            acc[v] = _mm256_fmadd_ps(b, _mm256_castsi256_ps(_mm256_slli_epi32(x, 16)), acc[v]);
        }
    }
    for (int v = 0; v < NV; ++v) _mm256_storeu_ps(out + 8 * v, acc[v]);
}

using BlockFn = void (*)(const float*, const uint16_t*, int64_t, int64_t, float*);
constexpr BlockFn kBlocks[9] = {nullptr,         absorb_block<1>, absorb_block<2>,
                                absorb_block<3>, absorb_block<4>, absorb_block<5>,
                                absorb_block<6>, absorb_block<7>, absorb_block<8>};

}  // namespace

void absorb_q_avx2(const float* q_nope, const uint16_t* w_uk, const MlaShape& s, float* q_abs,
                   int64_t h_begin, int64_t h_end) {
    const int64_t stride = s.latent + s.rope, vecs = s.latent / 8;
    for (int64_t h = h_begin; h < h_end; ++h)
        for (int64_t v0 = 0; v0 < vecs; v0 += 8) {
            int nv = int(std::min<int64_t>(8, vecs - v0));
            kBlocks[nv](q_nope + h * s.nope, w_uk + h * s.nope * s.latent + 8 * v0, s.nope,
                        s.latent, q_abs + h * stride + 8 * v0);
        }
}

}  // namespace mempipe::mla_detail
