// AVX-512 page_minmax: 16 channels per register, f32 max/min (exact on bf16), narrowed back to bf16
// bits. GCC 12's intrinsic headers use _mm512_undefined_*() internally, which -O3 reports as
// -Wmaybe-uninitialized (GCC PR 105593); the warning is about the header, not this file.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include "devices/cpu/lserve/page_minmax_kernels.h"

namespace mempipe::cpu::lserve_detail {

namespace {
inline __m512 load_bf16(const uint16_t* p) {
    __m256i h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
}
inline void store_bf16(uint16_t* p, __m512 v) {
    __m512i bits = _mm512_srli_epi32(_mm512_castps_si512(v), 16);  // exact: v holds a bf16 value
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), _mm512_cvtepi32_epi16(bits));
}
}  // namespace

void page_minmax_avx512(const uint16_t* keys, int64_t n_tokens, const LservePageShape& s,
                        const uint8_t* kv_head_mask, uint16_t* stats, int64_t capacity,
                        int64_t p_begin, int64_t p_end) {
    const int64_t d = s.d, lp = s.logical_page, hkv = s.hkv;
    for (int64_t p = p_begin; p < p_end; ++p) {
        int64_t t0 = p * lp, t1 = n_tokens < t0 + lp ? n_tokens : t0 + lp;
        for (int64_t j = 0; j < hkv; ++j) {
            if (kv_head_mask && !kv_head_mask[j]) continue;
            uint16_t* kmax = stats + ((j * capacity + p) * 2) * d;
            uint16_t* kmin = kmax + d;
            for (int64_t c = 0; c < d; c += 16) {
                const uint16_t* k = keys + (t0 * hkv + j) * d + c;
                __m512 mx = load_bf16(k), mn = mx;
                for (int64_t t = t0 + 1; t < t1; ++t) {
                    k += hkv * d;
                    __m512 v = load_bf16(k);
                    mx = _mm512_max_ps(v, mx);  // v > mx ? v : mx, the reference's rule
                    mn = _mm512_min_ps(v, mn);  // v < mn ? v : mn
                }
                store_bf16(kmax + c, mx);
                store_bf16(kmin + c, mn);
            }
        }
    }
}

}  // namespace mempipe::cpu::lserve_detail
