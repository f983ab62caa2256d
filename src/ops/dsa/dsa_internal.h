// Internal helpers of the DSA family shared by the reference and the CPU kernels: argument checks,
// page addressing, and the int8 requantisation rules of IndexerPath::Int8 (dsa.h).
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

#include "mempipe/core/error.h"
#include "mempipe/ops/dsa.h"
#include "ops/common/top_k_select.h"

namespace mempipe::dsa_detail {

inline const uint8_t* page_ptr(const IndexKeysView& v, int64_t page) {
    int64_t phys = v.block_table ? int64_t(v.block_table[page]) : page;
    return v.pages + phys * kIndexPageBytes;
}
inline const uint8_t* key_ptr(const IndexKeysView& v, int64_t pos) {
    return page_ptr(v, pos / kIndexPageTokens) + (pos % kIndexPageTokens) * kDsaHeadDim;
}
inline float key_scale(const IndexKeysView& v, int64_t pos) {
    float s;
    std::memcpy(&s,
                page_ptr(v, pos / kIndexPageTokens) + kIndexPageTokens * kDsaHeadDim +
                    (pos % kIndexPageTokens) * 4,
                sizeof s);
    return s;
}

void check_quant(const float* x, int64_t rows, int64_t cols, const uint8_t* codes,
                 const float* scales);
void check_keys(const char* op, const IndexKeysView& keys);
void check_logits(const char* op, const uint8_t* q8, const float* weights,
                  const IndexKeysView& keys, int64_t batch, int64_t heads);
void check_prepare(const char* op, const IndexerWeights& w, int64_t batch);

// Int8 path, key side: E = max exponent field over the 128 codes; k_i = RNE(int9 · 2^(4−E)).
int key_exponent(const uint8_t* k8);
int32_t key_int8(uint8_t code, int e_max);
// Int8 path, query side, per head: the same rule as the keys; returns the head's E.
int32_t query_int8(const uint8_t* q8, int8_t* q_i);
// ws = w · 2^(E − 13) (exact power-of-two scaling).
float int8_head_weight(float w, int32_t e_max);

inline int64_t int8_candidates(int64_t k, int64_t len) {
    return indexer_int8_candidates(k, len);
}
// Copies the keys at positions idx[0..m) (any order) into fresh pages (out: [ceil(m/64) ×
// kIndexPageBytes]); the returned view holds them at positions 0..m−1.
IndexKeysView gather_keys(const IndexKeysView& keys, const int32_t* idx, int64_t m,
                          Buffer<uint8_t>& out);

// Selection helpers shared by the fused top-k kernels (src/ops/common/top_k_select.h).
using select_detail::Cand;
using select_detail::cand_before;
using select_detail::finish_top_k;

}  // namespace mempipe::dsa_detail
