// AVX-512 top-k scan: compare 64 elements against the threshold, compress survivors into the
// buffer.
#include <immintrin.h>

#include "top_k_kernels.h"

namespace mempipe::cpu::topk_detail {

namespace {

inline void append(__mmask16 m, __m512 v, __m512i idx, float* values, int32_t* indices,
                   int64_t& count) {
    // Compress in registers and store all 16 lanes (the buffer has kScanSlack spare slots): a
    // compressing store to memory is microcoded and very slow on Zen 4.
    _mm512_storeu_ps(values + count, _mm512_maskz_compress_ps(m, v));
    _mm512_storeu_si512(indices + count, _mm512_maskz_compress_epi32(m, idx));
    count += _mm_popcnt_u32(m);
}

inline __mmask16 tail_mask(int64_t left) {
    return left >= 16 ? __mmask16(0xffff) : left <= 0 ? __mmask16(0) : __mmask16((1u << left) - 1);
}

// Appends the elements of x[i, min(i + 64, end)) that pass `x kCmp t`.
template <int kCmp>
inline void filter_block(const float* x, int64_t i, int64_t end, __m512 t, float* values,
                         int32_t* indices, int64_t& count) {
    const __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    __m512 v[4];
    __mmask16 m[4];
    if (end - i >= 64) {
        for (int j = 0; j < 4; ++j) {
            v[j] = _mm512_loadu_ps(x + i + 16 * j);
            m[j] = _mm512_cmp_ps_mask(v[j], t, kCmp);
        }
    } else {
        for (int j = 0; j < 4; ++j) {
            __mmask16 lm = tail_mask(end - i - 16 * j);
            v[j] = _mm512_maskz_loadu_ps(lm, x + i + 16 * j);
            m[j] = _mm512_mask_cmp_ps_mask(lm, v[j], t, kCmp);
        }
    }
    if ((m[0] | m[1] | m[2] | m[3]) == 0) return;
    for (int j = 0; j < 4; ++j)
        append(m[j], v[j], _mm512_add_epi32(iota, _mm512_set1_epi32(int32_t(i + 16 * j))), values,
               indices, count);
}

}  // namespace

ScanResult scan_avx512(const float* x, int64_t begin, int64_t end, int64_t k, int64_t cap, float s,
                       float* values, int32_t* indices, uint32_t* scratch) {
    ScanResult r;
    int64_t count = 0, i = begin;
    __m512 sv = _mm512_set1_ps(s);
    for (; i < end && count < cap; i += 64)
        filter_block<_CMP_GE_OQ>(x, i, end, sv, values, indices, count);
    if (count < cap) {
        r.count = count;
        return r;
    }
    float t;
    count = select_stable(values, indices, count, k, &t, scratch);
    __m512 tv = _mm512_set1_ps(t);
    for (; i < end; i += 64) {
        filter_block<_CMP_GT_OQ>(x, i, end, tv, values, indices, count);
        if (count >= cap) {
            count = select_stable(values, indices, count, k, &t, scratch);
            tv = _mm512_set1_ps(t);
        }
    }
    r.count = count;
    r.compacted = true;
    return r;
}

}  // namespace mempipe::cpu::topk_detail
