// Exact stable selection (3-pass radix select on ordered float keys) and a stable radix sort,
// shared by every SIMD level of the top-k scan.
#include <algorithm>
#include <cstdint>
#include <functional>

#include "top_k_kernels.h"

namespace mempipe::cpu::topk_detail {

namespace {

constexpr int64_t kRadixSortMin = 512;

// Finds the digit (counting down from the top) where the running count reaches `rank`; updates rank
// to the rank within that digit's bucket.
uint32_t find_digit(const uint32_t* hist, uint32_t top, int64_t& rank) {
    int64_t above = 0;
    uint32_t d = top;
    while (above + hist[d] < rank) above += hist[d--];
    rank -= above;
    return d;
}

}  // namespace

int64_t select_stable(float* values, int32_t* indices, int64_t m, int64_t k, float* kth,
                      uint32_t* scratch) {
    if (m <= k) return m;
    if (k <= 0) return 0;
    uint32_t* keys = scratch;
    uint32_t* sub = scratch + m;
    uint32_t hist[2048];
    // Digit 1: bits 31..21 over everything.
    std::fill(hist, hist + 2048, 0u);
    for (int64_t i = 0; i < m; ++i) keys[i] = ordered_key(values[i]);
    for (int64_t i = 0; i < m; ++i) ++hist[keys[i] >> 21];
    int64_t rank = k;  // 1-based rank of the wanted key among those matching the prefix so far
    uint32_t d1 = find_digit(hist, 2047, rank);
    int64_t s = 0;
    for (int64_t i = 0; i < m; ++i) {
        sub[s] = keys[i];
        s += (keys[i] >> 21) == d1;
    }
    // Digit 2: bits 20..10 among the bucket; digit 3: bits 9..0 among the sub-bucket.
    std::fill(hist, hist + 2048, 0u);
    for (int64_t i = 0; i < s; ++i) ++hist[(sub[i] >> 10) & 0x7ffu];
    uint32_t d2 = find_digit(hist, 2047, rank);
    uint32_t high = (d1 << 11) | d2;
    std::fill(hist, hist + 1024, 0u);
    for (int64_t i = 0; i < s; ++i)
        if ((sub[i] >> 10) == high) ++hist[sub[i] & 0x3ffu];
    uint32_t d3 = find_digit(hist, 1023, rank);
    uint32_t pivot = (high << 10) | d3;  // the exact key of the k-th best
    // Keep every key above the pivot and the first `rank` keys equal to it (the lowest indices).
    int64_t out = 0, ties = rank;
    for (int64_t i = 0; i < m; ++i) {
        bool eq = keys[i] == pivot;
        bool keep = keys[i] > pivot || (eq && ties > 0);
        ties -= eq;
        values[out] = values[i];
        indices[out] = indices[i];
        out += keep;
    }
    *kth = key_to_float(pivot);
    return out;
}

void sort_desc(const float* values, const int32_t* indices, int64_t m, uint64_t* keys,
               uint32_t* scratch) {
    if (m < kRadixSortMin) {  // a comparison sort beats three 2048-bucket passes on short runs
        for (int64_t i = 0; i < m; ++i)
            keys[i] = (uint64_t(ordered_key(values[i])) << 32) | uint32_t(~uint32_t(indices[i]));
        std::sort(keys, keys + m, std::greater<uint64_t>());
        return;
    }
    // Stable LSD radix sort of ~ordered_key ascending (value descending), carrying the index; equal
    // values keep their input order, which is index ascending.
    uint32_t* ka = scratch;
    uint32_t* ia = scratch + m;
    uint32_t* kb = scratch + 2 * m;
    uint32_t* ib = scratch + 3 * m;
    for (int64_t i = 0; i < m; ++i) {
        ka[i] = ~ordered_key(values[i]);
        ia[i] = uint32_t(indices[i]);
    }
    static constexpr int kShift[3] = {0, 11, 22};
    uint32_t hist[2048];
    for (int pass = 0; pass < 3; ++pass) {
        int shift = kShift[pass];
        std::fill(hist, hist + 2048, 0u);
        for (int64_t i = 0; i < m; ++i) ++hist[(ka[i] >> shift) & 0x7ffu];
        if (m > 0 && hist[(ka[0] >> shift) & 0x7ffu] == uint64_t(m))
            continue;  // one bucket: order unchanged
        uint32_t sum = 0;
        for (uint32_t& h : hist) {
            uint32_t c = h;
            h = sum;
            sum += c;
        }
        for (int64_t i = 0; i < m; ++i) {
            uint32_t pos = hist[(ka[i] >> shift) & 0x7ffu]++;
            kb[pos] = ka[i];
            ib[pos] = ia[i];
        }
        std::swap(ka, kb);
        std::swap(ia, ib);
    }
    for (int64_t i = 0; i < m; ++i) keys[i] = (uint64_t(~ka[i]) << 32) | uint32_t(~ia[i]);
}

}  // namespace mempipe::cpu::topk_detail
