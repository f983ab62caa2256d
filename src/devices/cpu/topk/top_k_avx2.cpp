// AVX2 top-k scan: compare 32 elements against the threshold; append the survivors of a hit block.
#include <immintrin.h>

#include "top_k_kernels.h"

namespace mempipe::cpu::topk_detail {

namespace {

// Appends the elements of x[i, min(i + 32, end)) that pass `x kCmp t`.
template <int kCmp>
inline void filter_block(const float* x, int64_t i, int64_t end, __m256 t, float tf, float* values,
                         int32_t* indices, int64_t& count) {
    if (end - i < 32) {
        for (; i < end; ++i) {
            bool pass = kCmp == _CMP_GE_OQ ? x[i] >= tf : x[i] > tf;
            values[count] = x[i];
            indices[count] = int32_t(i);
            count += pass;
        }
        return;
    }
    uint32_t m = 0;
    for (int j = 0; j < 4; ++j)
        m |= uint32_t(_mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(x + i + 8 * j), t, kCmp)))
             << (8 * j);
    while (m) {
        int b = __builtin_ctz(m);
        m &= m - 1;
        values[count] = x[i + b];
        indices[count] = int32_t(i + b);
        ++count;
    }
}

}  // namespace

ScanResult scan_avx2(const float* x, int64_t begin, int64_t end, int64_t k, int64_t cap, float s,
                     float* values, int32_t* indices, uint32_t* scratch) {
    ScanResult r;
    int64_t count = 0, i = begin;
    __m256 sv = _mm256_set1_ps(s);
    for (; i < end && count < cap; i += 32)
        filter_block<_CMP_GE_OQ>(x, i, end, sv, s, values, indices, count);
    if (count < cap) {
        r.count = count;
        return r;
    }
    float t;
    count = select_stable(values, indices, count, k, &t, scratch);
    __m256 tv = _mm256_set1_ps(t);
    for (; i < end; i += 32) {
        filter_block<_CMP_GT_OQ>(x, i, end, tv, t, values, indices, count);
        if (count >= cap) {
            count = select_stable(values, indices, count, k, &t, scratch);
            tv = _mm256_set1_ps(t);
        }
    }
    r.count = count;
    r.compacted = true;
    return r;
}

}  // namespace mempipe::cpu::topk_detail
