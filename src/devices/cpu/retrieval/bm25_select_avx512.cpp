// Window selection of the windowed bm25 kernels, AVX-512: 16 docs per compare, survivors
// compress-stored in ascending order.
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

}  // namespace mempipe::cpu::bm25_detail
