// Internal: the streaming-threshold top-k scan (DeepSelect style) and the exact selection it relies
// on.
//
// A scan walks x[begin, end) in ascending index order and appends candidates (value + index) to a
// buffer that stays in ascending index order (capacity `cap` plus kScanSlack). Two filters, both
// exact:
//   * a sample threshold S, estimated from a strided sample of the range so that, very likely, at
//   least
//     k elements are ≥ S: until the first compaction the scan keeps x ≥ S. If the range holds ≥ k
//     such elements, anything below S is beaten by k of them; otherwise the caller rescans with S =
//     −inf;
//   * a running threshold T: when the buffer fills it is compacted to the k best (select_stable)
//   and T
//     becomes the k-th value; from then on only x > T is appended. Once k earlier elements are ≥ T,
//     an element equal to T (or below) can never enter the top-k: every kept element beats it by
//     value or by lower index, so the strict filter is exact.
// The buffer then holds a superset of the range's top-k.
#pragma once

#include <cstdint>
#include <cstring>

namespace mempipe::cpu::topk_detail {

inline constexpr int64_t kScanSlack =
    64;  // a scan may overshoot `cap` by up to one 64-element block

// Order-preserving map of a float to an unsigned key (larger float → larger key); -0.0 maps like
// +0.0.
inline uint32_t ordered_key(float v) {
    uint32_t b;
    std::memcpy(&b, &v, 4);
    b = b == 0x80000000u ? 0u : b;
    uint32_t neg = uint32_t(int32_t(b) >> 31);
    return b ^ (neg | 0x80000000u);
}

// Inverse of ordered_key (for -0.0 returns +0.0).
inline float key_to_float(uint32_t key) {
    uint32_t b = (key & 0x80000000u) ? (key & 0x7fffffffu) : ~key;
    float v;
    std::memcpy(&v, &b, 4);
    return v;
}

// Keeps, in place and in their original relative order, the min(m, k) best of (values, indices)[0,
// m) under (value desc, index asc). Requires indices ascending. When m > k, *kth = the k-th best
// value. scratch: [2·m] uint32. Returns the new count.
int64_t select_stable(float* values, int32_t* indices, int64_t m, int64_t k, float* kth,
                      uint32_t* scratch);

// Sorts (values, indices)[0, m) (indices ascending) into keys[0, m) = ordered_key(value) << 32 |
// ~index, descending, i.e. value descending, ties by index ascending. scratch: [4·m] uint32.
void sort_desc(const float* values, const int32_t* indices, int64_t m, uint64_t* keys,
               uint32_t* scratch);

struct ScanResult {
    int64_t count = 0;       // candidates left in the buffer
    bool compacted = false;  // the buffer was compacted at least once (≥ k elements were ≥ S)
};

// One scan of x[begin, end) (see above) with sample threshold `s` (−inf: keep everything until the
// first compaction). `values`/`indices` have room for cap + kScanSlack entries, cap ≥ 2k, k ≥ 1;
// scratch: [2·(cap + kScanSlack)] uint32 for select_stable.
using ScanFn = ScanResult (*)(const float* x, int64_t begin, int64_t end, int64_t k, int64_t cap,
                              float s, float* values, int32_t* indices, uint32_t* scratch);

ScanResult scan_scalar(const float* x, int64_t begin, int64_t end, int64_t k, int64_t cap, float s,
                       float* values, int32_t* indices, uint32_t* scratch);
ScanResult scan_avx2(const float* x, int64_t begin, int64_t end, int64_t k, int64_t cap, float s,
                     float* values, int32_t* indices, uint32_t* scratch);
ScanResult scan_avx512(const float* x, int64_t begin, int64_t end, int64_t k, int64_t cap, float s,
                       float* values, int32_t* indices, uint32_t* scratch);

}  // namespace mempipe::cpu::topk_detail
