// LServe page statistics, page scores and page selection: the Prepare, Relevancy and Retrieval
// steps of LServe's dynamic sparse decode (OMNI KVPageSelector, decoding_attention.py; spec in
// reference/sparse_attention.md §3 and §8.3). Apply is block-sparse attention over the selected
// pages (ops/attention.h, SelectionGroups::PerQueryHead, block = the physical page).
//
//   Prepare    `page_minmax`: per KV head, per logical page of `logical_page` (16) tokens, the
//   element-wise
//              max and min of the page's post-RoPE keys. `page_minmax_update` merges one decoded
//              key: the first key of a logical page initialises it (max = min = key), later keys
//              merge.
//   Relevancy  `page_scores`: per query head h (KV head h / g), per logical page p,
//              S[h, p] = Σ_c max(q_c·kmax_c, q_c·kmin_c) (Quest's upper bound of q·k over the
//              page); the physical page score (page = 4 logical pages, 64 tokens) is the max of its
//              logical scores.
//   Retrieval  `page_select`: per query head, all pages while they fit the budget, else the top
//              (width − 1) pages among all but the newest (ties → lower index) plus the newest
//              page.
//
// Llama-3.1-8B defaults (LservePageShape): hq 32, hkv 8 (g 4), d 128, logical page 16, physical
// page 64, token budget 4096 → width 64 pages per query head.
//
// Layouts. Keys are the bf16 KV cache layout of ops/attention.h: [n_tokens × hkv × d]. Page
// statistics are head-major so each KV head's statistics stream contiguously: stats [hkv × capacity
// × 2 × d] bf16, where `capacity` ≥ the number of logical pages stored; for KV head j and logical
// page p, kmax is the d values at ((j·capacity + p)·2 + 0)·d and kmin the d values at ((j·capacity
// + p)·2 + 1)·d.
//
// Numerics (the contract ref and cpu share bit for bit):
//   * statistics dtype bf16: the max/min of bf16 keys is one of the keys, so bf16 stores it exactly
//     (OMNI stores fp16 because its keys are fp16; ours are bf16, same 2 bytes). Merge rule per
//     channel, tokens in order: kmax = k > kmax ? k : kmax, kmin = k < kmin ? k : kmin (compared as
//     f32; keeps the earlier of +0/−0). Keys must not be NaN.
//   * scores: q is f32, statistics are widened to f32 exactly. Because kmax_c ≥ kmin_c,
//     max(q_c·kmax_c, q_c·kmin_c) = q_c·ksel_c with ksel_c = (q_c ≥ 0 ? kmax_c : kmin_c). The
//     canonical sum uses 16 f32 lane accumulators; channel c goes to lane (c mod 32) / 2 (the
//     layout of bf16 pairs widened in place), and acc[lane] = fma(q_c, ksel_c, acc[lane]) for c =
//     0..d−1 in order; then the tree acc[l] += acc[l + w] for w = 8, 4, 2, 1; S = acc[0] (f32). The
//     reference evaluates exactly this order with std::fma, the SIMD kernels with 16-lane FMAs, so
//     scores are identical across backends and so are selections (OMNI instead rounds products and
//     partial sums to fp16, which creates many ties; we keep f32). The physical score is the f32
//     max of its logical scores; logical slots past n_logical (a partial last physical page) count
//     as 0, as in OMNI's zero-initialised score buffer.
//   * selection: ops/top_k.h semantics on the physical scores (value descending, ties → lower
//   index).
//
// Pages and history (OMNI decode convention). At a decode step the cache holds `history` earlier
// tokens plus the current one (position `history`), so n_pages = history / page + 1 physical pages,
// the newest (n_pages − 1) holding the current token; pages 0 .. n_pages − 2 are complete.
// Relevancy scores the logical pages of the history (n_logical = ceil(history / logical_page)).
// Selection: if n_pages ≤ width, every page 0 .. n_pages − 1 (OMNI: history ≤ budget; we keep the
// list width fixed at budget / page, so at history = budget exactly — 65 pages in OMNI's inclusive
// range — we select 63 + newest instead); otherwise the top (width − 1) of pages [0, n_pages − 1)
// by score, plus n_pages − 1. Each list is sorted ascending and padded with −1 to `width`.
//
// Heads can be restricted with `kv_head_mask` ([hkv] uint8, nullptr = all): LServe keeps statistics
// and selections only for retrieval heads (streaming heads attend sink + local tokens). Statistics
// of masked KV heads and output rows of their query heads are not written.
#pragma once

#include <cstdint>

#include "mempipe/ops/cost.h"

namespace mempipe {

struct LservePageShape {
    int64_t hq = 32;            // query heads
    int64_t hkv = 8;            // KV heads; hq % hkv == 0
    int64_t d = 128;            // head dim
    int64_t logical_page = 16;  // tokens per logical page (statistics granularity)
    int64_t page = 64;          // tokens per physical page; a multiple of logical_page
    int64_t budget = 4096;      // token budget of a retrieval head; a multiple of page
    int64_t group() const { return hkv > 0 ? hq / hkv : 0; }
    int64_t logical_per_page() const { return logical_page > 0 ? page / logical_page : 0; }
    int64_t width() const;  // pages per selection list: max(3, budget / page)
};

// Usage error unless every field is positive, hq % hkv == 0, page % logical_page == 0 and
// budget % page == 0.
void check_lserve_shape(const LservePageShape& s, const char* op);

// Number of physical pages at a decode step with `history` earlier tokens: history / page + 1.
int64_t lserve_pages(int64_t history, const LservePageShape& s);
// Logical pages holding `n_tokens` tokens: ceil(n_tokens / logical_page).
int64_t lserve_logical_pages(int64_t n_tokens, const LservePageShape& s);

// Costs. `active_kv_heads` = KV heads not masked out (hkv when the mask is null).
OpCost page_minmax_cost(int64_t n_tokens, const LservePageShape& s, int64_t active_kv_heads);
OpCost page_minmax_update_cost(const LservePageShape& s, int64_t active_kv_heads);
OpCost page_scores_cost(int64_t n_logical, const LservePageShape& s, int64_t active_kv_heads);
OpCost page_select_cost(int64_t history, const LservePageShape& s, int64_t active_kv_heads);

namespace ref {
// keys: [n_tokens × hkv × d] bf16; stats: [hkv × capacity × 2 × d] bf16, capacity ≥
// lserve_logical_pages(n_tokens). Writes logical pages 0 .. ceil(n_tokens / logical_page) − 1 (a
// partial last page over the tokens it has).
void page_minmax(const uint16_t* keys, int64_t n_tokens, const LservePageShape& s,
                 const uint8_t* kv_head_mask, uint16_t* stats, int64_t capacity);
// key: [hkv × d] bf16, the key of token `pos`; stats as above, holding the pages of tokens [0,
// pos), capacity > pos / logical_page. Initialises logical page pos / logical_page when pos is its
// first token, else merges into it.
void page_minmax_update(const uint16_t* key, int64_t pos, const LservePageShape& s,
                        const uint8_t* kv_head_mask, uint16_t* stats, int64_t capacity);
// q: [hq × d] f32 (RoPE'd, unscaled); stats as above with n_logical ≤ capacity logical pages;
// out: [hq × n_phys] f32 physical page scores, n_phys = ceil(n_logical / logical_per_page).
void page_scores(const float* q, const uint16_t* stats, int64_t capacity, int64_t n_logical,
                 const LservePageShape& s, const uint8_t* kv_head_mask, float* out);
// scores: [hq × score_stride] f32 physical page scores with score_stride ≥ lserve_pages(history) −
// 1 (read only when selecting; may be nullptr when every page fits); out: [hq × width] int32 page
// lists.
void page_select(const float* scores, int64_t score_stride, int64_t history,
                 const LservePageShape& s, const uint8_t* kv_head_mask, int32_t* out);
}  // namespace ref

namespace cpu {
void page_minmax(const uint16_t* keys, int64_t n_tokens, const LservePageShape& s,
                 const uint8_t* kv_head_mask, uint16_t* stats, int64_t capacity);
void page_minmax_update(const uint16_t* key, int64_t pos, const LservePageShape& s,
                        const uint8_t* kv_head_mask, uint16_t* stats, int64_t capacity);
void page_scores(const float* q, const uint16_t* stats, int64_t capacity, int64_t n_logical,
                 const LservePageShape& s, const uint8_t* kv_head_mask, float* out);
void page_select(const float* scores, int64_t score_stride, int64_t history,
                 const LservePageShape& s, const uint8_t* kv_head_mask, int32_t* out);
}  // namespace cpu

}  // namespace mempipe
