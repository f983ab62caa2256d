// fusion: merging ranked lists from several retrievers into one ranking (two-stage hybrid RAG's
// fusion step, reference/rag.md §4: BM25 top-N and dense top-N → one candidate list).
//
// A ranked list is an array of doc ids, best first (rank 1 = docs[0]); entries equal to −1 are
// padding (as top_k writes) and are skipped; a doc repeated within one list counts only at its
// first (best) position. Doc ids are any int32 ≥ 0 (callers map their own ids to a dense range).
//
// fuse_rrf (Reciprocal Rank Fusion, Cormack et al. SIGIR 2009):
//   score(d) = f32( Σ_lists 1 / (k_rrf + rank_l(d)) )   ranks 1-based, summed in double in list
//   order; a doc missing from a list gets no contribution from it. Default k_rrf = 60.
// fuse_weighted (min-max normalised linear combination of two scored lists, a = dense, b = bm25):
//   norm_l(d) = (s_l(d) − min_l) / (max_l − min_l) in double over the list's real entries; when
//   max_l == min_l (one entry, or all equal) every entry of that list normalises to 1.0;
//   score(d) = f32( α·norm_a(d) + (1 − α)·norm_b(d) ), a doc missing from a list gets 0 for that
//   part. α ∈ [0, 1]; scores of real entries must be finite.
// Both return the fused docs with top_k semantics: score descending, ties → lower doc id, at most
// k; slots past the number of distinct docs are padded with doc −1 and score −inf. The return value
// is the number of real results. Every backend is bit-identical to the reference. Cost: O(total
// entries) hashing/sorting plus a selection; data-dependent, tiny next to stage 1.
#pragma once

#include <cstdint>

#include "mempipe/ops/cost.h"

namespace mempipe {

inline constexpr double kRrfK = 60.0;

// entries = total list entries fused.
OpCost fuse_rrf_cost(int64_t entries, int64_t k);
OpCost fuse_weighted_cost(int64_t entries, int64_t k);

namespace ref {
// lists: [n_lists] pointers, list l is docs lists[l][0 .. lengths[l]); out_scores (may be nullptr),
// out_docs: [k].
int64_t fuse_rrf(const int32_t* const* lists, const int64_t* lengths, int64_t n_lists, double k_rrf,
                 int64_t k, float* out_scores, int32_t* out_docs);
// a_docs, a_scores: [n_a] (dense); b_docs, b_scores: [n_b] (bm25); out_scores (may be nullptr),
// out_docs: [k].
int64_t fuse_weighted(const int32_t* a_docs, const float* a_scores, int64_t n_a,
                      const int32_t* b_docs, const float* b_scores, int64_t n_b, double alpha,
                      int64_t k, float* out_scores, int32_t* out_docs);
}  // namespace ref

namespace cpu {
// Same contracts as ref (sort-based union instead of an ordered map).
int64_t fuse_rrf(const int32_t* const* lists, const int64_t* lengths, int64_t n_lists, double k_rrf,
                 int64_t k, float* out_scores, int32_t* out_docs);
int64_t fuse_weighted(const int32_t* a_docs, const float* a_scores, int64_t n_a,
                      const int32_t* b_docs, const float* b_scores, int64_t n_b, double alpha,
                      int64_t k, float* out_scores, int32_t* out_docs);
}  // namespace cpu

}  // namespace mempipe
