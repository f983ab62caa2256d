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
//   * fold order: the query's terms with df < bm25_presence_min_df(num_docs) in query order, then
//     the frequent ones (df ≥ that) in query order — a function of the postings alone, so every
//     backend folds alike, and the pruned kernel can finish a doc's sum from its accumulator of the
//     rarer terms with O(1) presence-map probes of the frequent ones;
//   * a doc matches when it occurs in at least one query term's postings;
//   * score(d) = float32 fold, in fold order, of impact(t_i, d) over the query terms containing d,
//     starting from 0.0f, then + shift where shift = float32 fold in fold order of nonocc[t_i]
//     (0 when nonocc is null);
//   * results: the matching docs, score descending, ties → lower doc id; at most k; when fewer than
//   k
//     docs match, the remaining slots are padded with doc −1 and score −inf, and the return value
//     is the number of real results.
// Presence maps (optional, for the pruned kernel): a frequent term — df ≥ bm25_presence_min_df
// (num_docs) — may carry a bitmap over doc ids with a rank per 64-doc word, so that the posting of
// any doc is found in O(1). With W = ⌈num_docs / 64⌉ and s = presence_slot[t] (kBm25NoPresence if
// t has none): bit d % 64 of presence_bits[s·W + d / 64] is set ⇔ d is in t's list, and
// presence_rank[s·W + w] = the number of t's postings with doc < 64·w, so d's posting is
// offsets[t] + rank + popcount(the word's bits below d). They are derived data (built in memory by
// bm25_compute_presence, not stored in index files) and never change a result.
// Impact ladders (optional, for the pruned kernel's starting threshold): a term with df ≥
// kBm25LadderMinDf may carry, at ladder[s·kBm25LadderLevels + j] (s = ladder_slot[t]), a value
// at most its 2^j-th largest impact (0 when df < 2^j). A doc's score is at least its impact in any
// one query term plus the shift (float addition of non-negative terms is monotonic), so 2^j
// distinct docs score at least fl(ladder + shift): a lower bound on the k-th best score for
// k ≤ 2^j. bm25_compute_ladders takes the values from the kBm25LadderBlocks blocks with the
// largest maxima (all of a shorter list): a subset's 2^j-th largest is at most the list's, and
// equal to it for 2^j ≤ kBm25LadderBlocks (every block holding one of the top 2^j impacts is
// among the blocks with the largest maxima). Derived in memory like the presence maps; never
// change a result.
// Cost: one read of every query term's postings (8 B each), a scatter into n_docs accumulators
// (exhaustive) and a data-dependent selection.
#pragma once

#include <algorithm>
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
    const uint32_t* presence_slot = nullptr;  // [num_terms], or null: no term has a presence map
    const uint64_t* presence_bits = nullptr;  // [n_maps × W]
    const uint32_t* presence_rank = nullptr;  // [n_maps × W]
    const uint32_t* ladder_slot = nullptr;    // [num_terms], or null: no term has a ladder
    const float* ladder = nullptr;            // [n_ladders × kBm25LadderLevels]
};

inline constexpr uint32_t kBm25NoPresence = 0xFFFFFFFFu;

// Terms with at least this many postings get a presence map: num_docs / 16 (at least 1). A map
// costs 12 bytes per 64 docs, at most 38% of the 8-byte postings it covers.
inline uint64_t bm25_presence_min_df(int64_t num_docs) {
    return std::max<uint64_t>(1, uint64_t(num_docs) / 16);
}
// Words per presence map: ⌈num_docs / 64⌉.
inline uint64_t bm25_presence_words(int64_t num_docs) {
    return (uint64_t(num_docs) + 63) / 64;
}
// Fills slot [num_terms] (kBm25NoPresence for terms below bm25_presence_min_df) and returns the
// number of maps; with bits/rank non-null (sized [maps × words] by a first call with null), also
// the maps. Doc ids must be < num_docs.
uint64_t bm25_compute_presence(const uint64_t* offsets, const uint32_t* docs, int64_t num_terms,
                               int64_t num_docs, uint32_t* slot, uint64_t* bits, uint32_t* rank);
// Fills slot [num_terms] (kBm25NoPresence below kBm25LadderMinDf) and returns the number of
// ladders; with ladder non-null (sized [ladders × kBm25LadderLevels] by a first call with null),
// also the ladders, from the block-max arrays (bm25_compute_block_maxima). Parallel over terms;
// O(df / kBm25BlockSize + kBm25LadderBlocks · kBm25BlockSize) per term.
uint64_t bm25_compute_ladders(const uint64_t* offsets, const float* impacts,
                              const uint64_t* block_offsets, const float* block_max,
                              int64_t num_terms, uint32_t* slot, float* ladder);

inline constexpr int kBm25LadderLevels = 11;  // the 1st, 2nd, 4th, …, 1024th largest impact
inline constexpr uint64_t kBm25LadderMinDf = 16;
inline constexpr uint64_t kBm25LadderBlocks = 64;  // blocks a ladder is taken from (8K postings)

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
// Same contract as ref::bm25_top_k. Block-max MaxScore over doc-id windows: per window, the
// frequent terms whose bounds cannot lift a doc past the current k-th score are left out of the
// scatter and probed through their presence maps for the few candidates only (see
// bm25_top_k.cpp). Needs the block-max arrays; uses the presence maps when the view has them.
// Single-threaded: callers parallelise over queries (bm25_top_k_batch).
int64_t bm25_top_k(const PostingsView& index, const uint32_t* terms, int64_t n_terms, int64_t k,
                   float* out_scores, int32_t* out_docs);
// Same contract, exhaustive (no pruning) but fast: term-at-a-time over 4096-doc windows into an
// L1-resident accumulator (fold order, so the canonical fold), a SIMD scan of each window for
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
