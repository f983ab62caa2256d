// CPU bm25_top_k_batch: the pruned single-query kernel over queries in parallel (dynamic schedule:
// query costs vary by orders of magnitude), each thread with its own scratch.
#include <omp.h>

#include "../../../ops/retrieval/bm25_internal.h"
#include "bm25_kernels.h"
#include "mempipe/core/error.h"
#include "mempipe/core/parallel.h"
#include "mempipe/ops/bm25.h"

namespace mempipe::cpu {

void bm25_top_k_batch(const PostingsView& index, const uint32_t* terms,
                      const uint64_t* term_offsets, int64_t n_queries, int64_t k, float* out_scores,
                      int32_t* out_docs, int64_t* out_counts) {
    MEMPIPE_CHECK_ARG(n_queries >= 0, "bm25_top_k_batch: n_queries={} must be ≥ 0", n_queries);
    if (n_queries == 0) return;
    MEMPIPE_CHECK_ARG(term_offsets != nullptr && out_counts != nullptr,
                      "bm25_top_k_batch: term_offsets and out_counts must be non-null");
    mempipe::bm25_detail::check_outputs("bm25_top_k_batch", k, out_scores, out_docs);
    for (int64_t q = 0; q < n_queries; ++q) {
        MEMPIPE_CHECK_ARG(term_offsets[q] <= term_offsets[q + 1],
                          "bm25_top_k_batch: term_offsets decrease at query {} ({} > {})", q,
                          term_offsets[q], term_offsets[q + 1]);
        mempipe::bm25_detail::check_query("bm25_top_k_batch", index,
                                          terms == nullptr ? nullptr : terms + term_offsets[q],
                                          int64_t(term_offsets[q + 1] - term_offsets[q]), true);
    }
    bm25_detail::PrunedTuning tuning;
    tuning.simd = bm25_detail::pick_simd_kernels();
    const int threads = int(std::min<int64_t>(num_threads(), n_queries));
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
    for (int64_t q = 0; q < n_queries; ++q) {
        const uint64_t b = term_offsets[q];
        out_counts[q] =
            bm25_detail::top_k_pruned(index, terms + b, int64_t(term_offsets[q + 1] - b), k,
                                      out_scores + q * k, out_docs + q * k, tuning);
    }
}

}  // namespace mempipe::cpu
