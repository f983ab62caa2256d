// Internal helpers of the paged-cache ops (paged_kv_append, attention_prefill,
// paged_attention_decode): argument validation and position → row resolution.
#pragma once

#include <cstdint>

#include "mempipe/ops/attention.h"

namespace mempipe::attention_detail {

// Validates the view's sizes and pointers, and that the block-table entries of the blocks
// covering positions [0, used) are pages in [0, n_pages). `op` names the caller.
void check_paged(const char* op, const PagedKvCache& c, int64_t used);
// The prefill shape against the cache: sizes, GQA ratio, finite scale, past + m ≤ capacity.
void check_prefill(const float* q, const PagedKvCache& c, const PrefillShape& s, const float* out);
// paged_attention_decode's arguments.
void check_paged_decode(const float* q, const PagedKvCache& c, int64_t n_tokens, int64_t hq,
                        float scale, const float* out);

// The physical row (in tokens) of position p: block_table[p / page_size]·page_size + p % page_size.
inline int64_t paged_row(const PagedKvCache& c, int64_t p) {
    return int64_t(c.block_table[p / c.page_size]) * c.page_size + p % c.page_size;
}
// Offset in elements of (position p, KV head j) in k or v.
inline int64_t paged_offset(const PagedKvCache& c, int64_t p, int64_t j) {
    return (paged_row(c, p) * c.hkv + j) * c.d;
}

// paged_kv_append for ref:: and cpu:: alike (a copy with the same RNE rounding: one portable loop
// serves every SIMD level; a decode step appends one row per layer).
void append_rows(const PagedKvCache& cache, int64_t len, const float* k_new, const float* v_new,
                 int64_t m);

// The double-precision oracle for one query head over positions [0, n) of the paged cache
// (softmax with the maximum subtracted); out_h: [d]; zeros when n = 0.
void attend_paged_ref(const float* q_h, const PagedKvCache& c, int64_t kv_head, int64_t n,
                      float scale, float* out_h);

}  // namespace mempipe::attention_detail
