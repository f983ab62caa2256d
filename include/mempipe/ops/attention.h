// Decode attention over a (possibly sparse) subset of a GQA KV cache: the Apply step of
// SeerAttention-R and LServe, and the dense baseline every sparse method is compared with.
//
// Layout: one decode query per call. q: [hq × d] f32 (already RoPE'd). The KV cache is bf16,
// token-major: k, v: [n_tokens × hkv × d], row-major (the layout of a paged cache with the page
// table resolved). Query head h uses KV head h / (hq / hkv). scale is the softmax scale (d^-0.5
// usually). Softmax is computed with the max subtracted: in double by the reference, in f32 by the
// fast kernels (online softmax over tiles of tokens, split over threads and merged by log-sum-exp;
// results agree with the reference to ~1e-6 relative on O(1) scores). Output out: [hq × d] f32. A
// head whose selection is empty outputs zeros. A NaN in an attended key makes the heads attending
// it NaN.
//
// Selections are lists of blocks of `block_size` consecutive tokens: block b covers tokens
// [b·block_size, min((b+1)·block_size, n_tokens)). Lists are [groups × max_blocks] int32, −1
// padded; entries need not be sorted and may repeat (a repeated block is attended once); an entry
// outside [−1, ceil(n_tokens / block_size)) is a usage error. groups = hkv (one list per KV head,
// shared by its query heads: SeerAttention-R) or hq (one list per query head: LServe).
//
// CPU kernels: AVX-512 for d % 32 == 0 (the g query heads of a KV head share every K/V row load),
// the portable scalar variant otherwise.
//
// Heads can be restricted with `kv_head_mask` ([hkv] uint8, nullptr = all heads): masked-out KV
// heads' query heads are not written, so LServe can run retrieval heads and streaming heads as two
// calls into one output.
#pragma once

#include <cstdint>

#include "mempipe/ops/cost.h"

namespace mempipe {

enum class SelectionGroups { PerKvHead, PerQueryHead };

struct AttentionShape {
    int64_t n_tokens = 0;  // tokens in the cache (the newest at n_tokens − 1)
    int64_t hq = 0;
    int64_t hkv = 0;
    int64_t d = 0;
    float scale = 0;  // softmax scale
};

// Costs: FLOPs 4·d per attended (token, q head); bytes = attended tokens × 2·d·2 per KV head
// touched.
OpCost dense_attention_cost(const AttentionShape& s);
OpCost block_sparse_attention_cost(const AttentionShape& s, int64_t attended_tokens_per_group,
                                   SelectionGroups groups);
OpCost streaming_attention_cost(const AttentionShape& s, int64_t sink, int64_t local,
                                int64_t active_kv_heads);

namespace ref {
void dense_attention_decode(const float* q, const uint16_t* k, const uint16_t* v,
                            const AttentionShape& s, const uint8_t* kv_head_mask, float* out);
void block_sparse_attention_decode(const float* q, const uint16_t* k, const uint16_t* v,
                                   const AttentionShape& s, const int32_t* blocks,
                                   int64_t max_blocks, int64_t block_size, SelectionGroups groups,
                                   const uint8_t* kv_head_mask, float* out);
// Each query head attends the first `sink` and the last `local` tokens (their union).
void streaming_attention_decode(const float* q, const uint16_t* k, const uint16_t* v,
                                const AttentionShape& s, int64_t sink, int64_t local,
                                const uint8_t* kv_head_mask, float* out);
}  // namespace ref

namespace cpu {
void dense_attention_decode(const float* q, const uint16_t* k, const uint16_t* v,
                            const AttentionShape& s, const uint8_t* kv_head_mask, float* out);
void block_sparse_attention_decode(const float* q, const uint16_t* k, const uint16_t* v,
                                   const AttentionShape& s, const int32_t* blocks,
                                   int64_t max_blocks, int64_t block_size, SelectionGroups groups,
                                   const uint8_t* kv_head_mask, float* out);
void streaming_attention_decode(const float* q, const uint16_t* k, const uint16_t* v,
                                const AttentionShape& s, int64_t sink, int64_t local,
                                const uint8_t* kv_head_mask, float* out);
}  // namespace cpu

}  // namespace mempipe
