// bm25: lexical relevancy + retrieval over an impact-ordered inverted index (RAG's Compute
// Relevancy and Retrieval steps, fused).
//
// The index is bm25s's eager CSC layout: for every term t a posting list of doc ids (ascending) and
// precomputed float32 impacts S(t,d) = idf(t)·tfc(tf, |d|) − S0(t) (S0 = the non-occurrence score,
// 0 for the sparse variants lucene/robertson/atire). Impacts are finite and ≥ 0. Posting lists are
// cut into blocks of kBm25BlockSize postings; each block records its maximum impact and its last
// doc id (block-max metadata for dynamic pruning).
//
// Exact semantics of bm25_top_k (every backend meets them bit for bit):
//   * a query is a sequence of term ids in query order; duplicates count again (bm25s semantics);
//   * a doc matches when it occurs in at least one query term's postings;
//   * score(d) = float32 fold, in query order, of impact(t_i, d) over the query terms containing d,
//     starting from 0.0f, then + shift where shift = float32 fold in query order of nonocc[t_i]
//     (0 when nonocc is null);
//   * results: the matching docs, score descending, ties → lower doc id; at most k; when fewer than
//   k
//     docs match, the remaining slots are padded with doc −1 and score −inf, and the return value
//     is the number of real results.
// Cost: one read of every query term's postings (8 B each), a scatter into n_docs accumulators
// (exhaustive) and a data-dependent selection.
#pragma once

#include <cstdint>

#include "mempipe/ops/cost.h"

namespace mempipe {

inline constexpr int64_t kBm25BlockSize = 128;  // postings per block-max block

// A read-only view of an impact index; all arrays are owned elsewhere (built in memory or mmapped).
struct PostingsView {
    int64_t num_docs = 0;
    int64_t num_terms = 0;
    const uint64_t* offsets =
        nullptr;  // [num_terms + 1]: postings of t are [offsets[t], offsets[t+1])
    const uint32_t* docs = nullptr;   // [nnz] doc ids, ascending within a term
    const float* impacts = nullptr;   // [nnz] S(t,d) − S0(t), finite, ≥ 0
    const float* term_max = nullptr;  // [num_terms] max impact of the term (0 for an empty list)
    // Block b of term t covers postings [offsets[t] + (b − block_offsets[t])·kBm25BlockSize, …).
    const uint64_t* block_offsets = nullptr;  // [num_terms + 1]
    const float* block_max = nullptr;         // [num_blocks] max impact in the block
    const uint32_t* block_last = nullptr;     // [num_blocks] last doc id in the block
    const float* nonocc = nullptr;            // [num_terms] S0(t), or null for sparse variants
};

// Number of blocks of a list with n postings.
inline uint64_t bm25_num_blocks(uint64_t n) {
    return (n + kBm25BlockSize - 1) / kBm25BlockSize;
}

// Fills term_max [num_terms], block_offsets [num_terms+1], block_max and block_last
// [block_offsets[num_terms]] from offsets/docs/impacts. Callers size block arrays with
// bm25_count_blocks(offsets, num_terms).
uint64_t bm25_count_blocks(const uint64_t* offsets, int64_t num_terms);
void bm25_compute_block_maxima(const uint64_t* offsets, const uint32_t* docs, const float* impacts,
                               int64_t num_terms, float* term_max, uint64_t* block_offsets,
                               float* block_max, uint32_t* block_last);

// postings = Σ over query terms of their list lengths.
OpCost bm25_top_k_cost(int64_t num_docs, int64_t postings, int64_t k);
// Relevancy alone: scatter-add into a dense [num_docs] score array.
OpCost bm25_scores_cost(int64_t num_docs, int64_t postings);

namespace ref {
// Relevancy alone (the unfused graph): out_scores[d] = score(d) as defined above for matching docs,
// shift for the others. out_scores: [num_docs].
void bm25_scores(const PostingsView& index, const uint32_t* terms, int64_t n_terms,
                 float* out_scores);
// Exhaustive term-at-a-time: a float32 accumulator per doc, then selection. terms: [n_terms].
// out_scores, out_docs: [k]. Returns the number of real results (≤ k).
int64_t bm25_top_k(const PostingsView& index, const uint32_t* terms, int64_t n_terms, int64_t k,
                   float* out_scores, int32_t* out_docs);
}  // namespace ref

namespace cpu {
void bm25_scores(const PostingsView& index, const uint32_t* terms, int64_t n_terms,
                 float* out_scores);
// Same contract as ref::bm25_top_k. Block-max MaxScore over doc-id windows with a cost model:
// queries whose lists are short next to the corpus (fewer than ~4 postings per doc) or with k a
// large share of their postings go to the exhaustive kernel, which measured faster there. Needs
// the block-max arrays. Single-threaded: callers parallelise over queries (bm25_top_k_batch).
int64_t bm25_top_k(const PostingsView& index, const uint32_t* terms, int64_t n_terms, int64_t k,
                   float* out_scores, int32_t* out_docs);
// Same contract, exhaustive (no pruning) but fast: term-at-a-time over 4096-doc windows into an
// L1-resident accumulator (query order, so the canonical fold), a SIMD scan of each window for
// scores above the running k-th. Does not read the block-max arrays.
int64_t bm25_top_k_exhaustive(const PostingsView& index, const uint32_t* terms, int64_t n_terms,
                              int64_t k, float* out_scores, int32_t* out_docs);
// Queries q = 0..n_queries-1 with terms [term_offsets[q], term_offsets[q+1]); outputs [n_queries ×
// k]; out_counts[q] = real results of query q. Parallel over queries with the current thread count
// (dynamic schedule, per-thread scratch); each query as cpu::bm25_top_k.
void bm25_top_k_batch(const PostingsView& index, const uint32_t* terms,
                      const uint64_t* term_offsets, int64_t n_queries, int64_t k, float* out_scores,
                      int32_t* out_docs, int64_t* out_counts);
}  // namespace cpu

}  // namespace mempipe
