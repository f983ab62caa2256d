// AVX-512 filters for SeerAttention-R block selection: 16 scores per compare, survivors compressed
// into the candidate buffer (register compress + full-width store; Zen 4 microcodes
// compress-to-memory). GCC 12 reports its own _mm512_undefined_* placeholders inside the intrinsics
// as uninitialised.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <immintrin.h>

#include <algorithm>
#include <cmath>

#include "seer_select_blocks_kernels.h"

namespace mempipe::cpu::seer_kernels {

namespace {
inline __mmask16 tail_mask(int64_t left) {
    return left >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << left) - 1);
}
// Not a namespace-scope constant: its initialiser would run AVX-512 code at start-up on any CPU.
inline __m512i iota() {
    return _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
}
}  // namespace

float group_floor_avx512(const float* x, int64_t n, int64_t k) {
    const int64_t size = n / k;
    const __m512 ninf = _mm512_set1_ps(-INFINITY);
    float floor = INFINITY;
    for (int64_t g = 0; g < k; ++g) {
        const int64_t begin = g * size, end = g == k - 1 ? n : begin + size;
        __m512 m = ninf;
        for (int64_t b = begin; b < end; b += 16)
            m = _mm512_max_ps(_mm512_mask_loadu_ps(ninf, tail_mask(end - b), x + b),
                              m);  // NaN: keeps m
        floor = std::min(floor, _mm512_reduce_max_ps(m));
    }
    return floor;
}

void filter_top_avx512(const float* x, int64_t begin, int64_t n, SelectBuffer& buf) {
    const int64_t cap = int64_t(buf.values.size());
    __m512 floor = _mm512_set1_ps(buf.floor);
    for (int64_t b = begin; b < n; b += 16) {
        __mmask16 live = tail_mask(n - b);
        __m512 v = _mm512_maskz_loadu_ps(live, x + b);
        __mmask16 m = _mm512_mask_cmp_ps_mask(live, v, floor, _CMP_GT_OQ);
        if (!m) continue;
        if (buf.size + 16 > cap) {
            buf.shrink();
            floor = _mm512_set1_ps(buf.floor);
            m = _mm512_mask_cmp_ps_mask(live, v, floor, _CMP_GT_OQ);
            if (!m) continue;
        }
        __m512i idx = _mm512_add_epi32(_mm512_set1_epi32(int(b)), iota());
        _mm512_storeu_ps(buf.values.data() + buf.size, _mm512_maskz_compress_ps(m, v));
        _mm512_storeu_si512(buf.indices.data() + buf.size, _mm512_maskz_compress_epi32(m, idx));
        buf.size += __builtin_popcount(unsigned(m));
    }
}

int64_t filter_above_avx512(const float* x, int64_t n, float tau, int32_t* out) {
    const __m512 t = _mm512_set1_ps(tau);
    int64_t c = 0;
    for (int64_t b = 0; b < n; b += 16) {
        __mmask16 live = tail_mask(n - b);
        __mmask16 m =
            _mm512_mask_cmp_ps_mask(live, _mm512_maskz_loadu_ps(live, x + b), t, _CMP_GT_OQ);
        if (!m) continue;
        __m512i idx = _mm512_add_epi32(_mm512_set1_epi32(int(b)), iota());
        int cnt = __builtin_popcount(unsigned(m));
        _mm512_mask_storeu_epi32(out + c, __mmask16((1u << cnt) - 1),
                                 _mm512_maskz_compress_epi32(m, idx));
        c += cnt;
    }
    return c;
}

}  // namespace mempipe::cpu::seer_kernels
