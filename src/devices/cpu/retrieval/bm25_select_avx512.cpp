// Window selection of the windowed bm25 kernels, AVX-512: 16 docs per compare, survivors
// compress-stored in ascending order; and the heap's result order by rank counting.
#include <immintrin.h>

#include "bm25_kernels.h"

namespace mempipe::cpu::bm25_detail {

uint32_t select_window_avx512(float* wacc, uint64_t chunks, float shift, float theta,
                              uint32_t* out_dd, float* out_score) {
    const __m512 vshift = _mm512_set1_ps(shift), vtheta = _mm512_set1_ps(theta);
    const __m512 neg_zero = _mm512_set1_ps(-0.0f);
    const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    uint32_t n = 0;
    while (chunks != 0) {
        const uint32_t c = uint32_t(__builtin_ctzll(chunks));
        chunks &= chunks - 1;
        for (uint32_t dd = c * 64; dd < c * 64 + 64; dd += 16) {
            const __m512 v = _mm512_load_ps(wacc + dd);
            const __mmask16 untouched = _mm512_movepi32_mask(_mm512_castps_si512(v));
            const __m512 score = _mm512_add_ps(v, vshift);
            const __mmask16 keep =
                _mm512_mask_cmp_ps_mask(__mmask16(~untouched), score, vtheta, _CMP_GT_OQ);
            if (keep != 0) {
                const __m512i idx = _mm512_add_epi32(lane, _mm512_set1_epi32(int(dd)));
                _mm512_mask_compressstoreu_epi32(out_dd + n, keep, idx);
                _mm512_mask_compressstoreu_ps(out_score + n, keep, score);
                n += uint32_t(__builtin_popcount(keep));
            }
            _mm512_store_ps(wacc + dd, neg_zero);
        }
    }
    return n;
}

// Key i goes to out[number of keys above it] (the keys are distinct): 8 keys' ranks per pass over
// the n keys, one unsigned 64-bit compare and a masked add per key and pass.
void rank_keys_avx512(uint64_t* keys, size_t n, Hit* out) {
    if (n > TopKHeap::kExactHeapMax) return rank_keys_scalar(keys, n, out);
    const __m512i one = _mm512_set1_epi64(1);
    for (size_t i = 0; i < n; i += 8) {
        const __mmask8 lanes = n - i >= 8 ? __mmask8(0xFF) : __mmask8((1u << (n - i)) - 1);
        const __m512i mine = _mm512_maskz_loadu_epi64(lanes, keys + i);
        __m512i rank = _mm512_setzero_si512();
        for (size_t j = 0; j < n; ++j) {
            const __mmask8 above =
                _mm512_cmpgt_epu64_mask(_mm512_set1_epi64((long long)keys[j]), mine);
            rank = _mm512_mask_add_epi64(rank, above, rank, one);
        }
        alignas(64) uint64_t r[8];
        _mm512_store_si512(r, rank);
        for (size_t l = 0; l < 8 && i + l < n; ++l) out[r[l]] = key_hit(keys[i + l]);
    }
}

}  // namespace mempipe::cpu::bm25_detail
