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

// ---- Paged KV cache, chunked prefill and paged decode -----------------------------------------
//
// PagedKvCache is a non-owning view of a bf16 KV cache stored in pages of `page_size` tokens (the
// layout of vLLM's PagedAttention): k, v: [n_pages × page_size × hkv × d] bf16, row-major;
// block_table: [n_blocks] int32 maps logical block b — positions [b·page_size, (b+1)·page_size) —
// to a page in [0, n_pages). Position p lives in row (block_table[p / page_size]·page_size +
// p % page_size) of k and v. The logical capacity is n_blocks·page_size. A contiguous cache
// [n_tokens × hkv × d] is the special case of one page (`PagedKvCache::contiguous`).
//
// paged_kv_append writes m new tokens' K and V rows (f32 in, rounded to bf16 RNE, NaN kept) at
// positions [len, len + m); both implementations give identical bits.
//
// attention_prefill runs m query rows at once (chunked prefill): q: [m × hq × d] f32 (RoPE'd);
// query row i sits at position past + i and, when causal, attends the cache positions
// [0, past + i] (the chunk's own K/V must already be appended); when not causal every row attends
// [0, past + m) (the encoder case: a contiguous cache as one page, past = 0). GQA head mapping as
// above (query head h uses KV head h / (hq / hkv)). out: [m × hq × d] f32, must not overlap q. The
// reference computes each row's softmax in double; the CPU kernel tiles keys (32 per step) and
// query (row, head) pairs of one KV head (32 per tile, in SIMD lanes), runs an online softmax in
// f32 and spreads tiles over threads. Tolerance as for decode (the conformance cases: rtol 2e-5,
// atol 2e-6 on N(0, 1) data with scale d^-0.5). A NaN in an attended key makes the whole output of
// every head attending it NaN, a NaN value element that element; positions a causal row does not
// attend (their K or V) cannot affect it.
//
// paged_attention_decode is dense_attention_decode over positions [0, n_tokens) of a paged cache
// (q: [hq × d], out: [hq × d]); the CPU kernel resolves the block table into runs of physical rows
// and reuses the decode engine above (same numerics). Its cost is dense_attention_cost.
struct PagedKvCache {
    uint16_t* k = nullptr;                 // [n_pages × page_size × hkv × d] bf16
    uint16_t* v = nullptr;                 // [n_pages × page_size × hkv × d] bf16
    const int32_t* block_table = nullptr;  // [n_blocks]: logical block → page
    int64_t n_pages = 0;
    int64_t page_size = 0;  // tokens per page, ≥ 1
    int64_t n_blocks = 0;
    int64_t hkv = 0;
    int64_t d = 0;

    int64_t capacity() const { return n_blocks * page_size; }  // positions addressable
    // k, v: [n_tokens × hkv × d] as a single page (page_size = max(n_tokens, 1)).
    static PagedKvCache contiguous(uint16_t* k, uint16_t* v, int64_t n_tokens, int64_t hkv,
                                   int64_t d);
};

struct PrefillShape {
    int64_t m = 0;     // query rows in the chunk
    int64_t past = 0;  // tokens before the chunk (row i is at position past + i)
    int64_t hq = 0;    // query heads (a multiple of the cache's hkv)
    float scale = 0;   // softmax scale
    bool causal = true;
};

// Append: reads 2·m·hkv·d·4 bytes, writes 2·m·hkv·d·2, no FLOPs.
OpCost paged_kv_append_cost(int64_t m, int64_t hkv, int64_t d);
// Prefill: 4·d FLOPs per attended (row, head, position); K/V bytes read once per KV head and
// query tile of 32 (row, head) pairs (the kernel's reuse), q read and out written once.
OpCost attention_prefill_cost(const PrefillShape& s, int64_t hkv, int64_t d);

namespace ref {
// k_new, v_new: [m × hkv × d] f32; positions [len, len + m) must lie within the capacity.
void paged_kv_append(const PagedKvCache& cache, int64_t len, const float* k_new, const float* v_new,
                     int64_t m);
void attention_prefill(const float* q, const PagedKvCache& cache, const PrefillShape& s,
                       float* out);
// q, out: [hq × d] f32; attends positions [0, n_tokens).
void paged_attention_decode(const float* q, const PagedKvCache& cache, int64_t n_tokens, int64_t hq,
                            float scale, float* out);
}  // namespace ref

namespace cpu {
void paged_kv_append(const PagedKvCache& cache, int64_t len, const float* k_new, const float* v_new,
                     int64_t m);
void attention_prefill(const float* q, const PagedKvCache& cache, const PrefillShape& s,
                       float* out);
void paged_attention_decode(const float* q, const PagedKvCache& cache, int64_t n_tokens, int64_t hq,
                            float scale, float* out);
}  // namespace cpu

}  // namespace mempipe
