// Block-max metadata of an impact index (include/mempipe/ops/bm25.h) and the cost signatures of the
// BM25 relevancy and retrieval ops.
#include <algorithm>
#include <cmath>

#include "mempipe/core/error.h"
#include "mempipe/ops/bm25.h"

namespace mempipe {

uint64_t bm25_count_blocks(const uint64_t* offsets, int64_t num_terms) {
    MEMPIPE_CHECK_ARG(num_terms >= 0, "bm25_count_blocks: num_terms must be ≥ 0, got {}",
                      num_terms);
    MEMPIPE_CHECK_ARG(offsets != nullptr, "bm25_count_blocks: offsets [num_terms + 1] is null");
    uint64_t blocks = 0;
    for (int64_t t = 0; t < num_terms; ++t) {
        MEMPIPE_CHECK_ARG(offsets[t + 1] >= offsets[t],
                          "bm25_count_blocks: offsets must be non-decreasing, offsets[{}]={} > "
                          "offsets[{}]={}",
                          t, offsets[t], t + 1, offsets[t + 1]);
        blocks += bm25_num_blocks(offsets[t + 1] - offsets[t]);
    }
    return blocks;
}

void bm25_compute_block_maxima(const uint64_t* offsets, const uint32_t* docs, const float* impacts,
                               int64_t num_terms, float* term_max, uint64_t* block_offsets,
                               float* block_max, uint32_t* block_last) {
    MEMPIPE_CHECK_ARG(num_terms >= 0, "bm25_compute_block_maxima: num_terms must be ≥ 0, got {}",
                      num_terms);
    MEMPIPE_CHECK_ARG(offsets != nullptr && block_offsets != nullptr,
                      "bm25_compute_block_maxima: offsets and block_offsets [num_terms + 1] must "
                      "be non-null");
    MEMPIPE_CHECK_ARG(num_terms == 0 || term_max != nullptr,
                      "bm25_compute_block_maxima: term_max [num_terms] is null");
    const uint64_t nnz = offsets[num_terms];
    MEMPIPE_CHECK_ARG(nnz == 0 || (docs != nullptr && impacts != nullptr && block_max != nullptr &&
                                   block_last != nullptr),
                      "bm25_compute_block_maxima: docs, impacts [nnz = {}], block_max and "
                      "block_last must be non-null",
                      nnz);
    uint64_t block = 0;
    block_offsets[0] = 0;
    for (int64_t t = 0; t < num_terms; ++t) {
        const uint64_t begin = offsets[t];
        const uint64_t end = offsets[t + 1];
        MEMPIPE_CHECK_ARG(end >= begin && end <= nnz,
                          "bm25_compute_block_maxima: offsets must be non-decreasing and ≤ "
                          "offsets[num_terms]; term {} has [{}, {})",
                          t, begin, end);
        float tmax = 0.0f;
        for (uint64_t lo = begin; lo < end; lo += uint64_t(kBm25BlockSize)) {
            const uint64_t hi = std::min(end, lo + uint64_t(kBm25BlockSize));
            float bmax = 0.0f;
            for (uint64_t i = lo; i < hi; ++i) bmax = std::max(bmax, impacts[i]);
            block_max[block] = bmax;
            block_last[block] = docs[hi - 1];
            ++block;
            tmax = std::max(tmax, bmax);
        }
        term_max[t] = tmax;
        block_offsets[t + 1] = block;
    }
}

OpCost bm25_top_k_cost(int64_t num_docs, int64_t postings, int64_t k) {
    OpCost c;
    const double n = double(std::max<int64_t>(num_docs, 0));
    const double p = double(std::max<int64_t>(postings, 0));
    const double kk = double(std::max<int64_t>(k, 0));
    // One add per posting, a pass over the accumulator for the selection, and an exact sort of the
    // k survivors.
    c.flops = p + n + (kk > 1 ? kk * std::log2(kk) : 0.0);
    // Postings (doc id + impact), the accumulator read back for the selection.
    c.bytes_read = 8.0 * p + 4.0 * n;
    // Accumulator scatter (read-modify-write counted as a write) and the k results.
    c.bytes_written = 4.0 * p + 8.0 * kk;
    c.pattern = AccessPattern::DataDependent;
    return c;
}

OpCost bm25_scores_cost(int64_t num_docs, int64_t postings) {
    OpCost c;
    const double n = double(std::max<int64_t>(num_docs, 0));
    const double p = double(std::max<int64_t>(postings, 0));
    c.flops = p;
    c.bytes_read = 8.0 * p;
    // Initialise the [num_docs] scores, then one scatter-add per posting.
    c.bytes_written = 4.0 * n + 4.0 * p;
    c.pattern = AccessPattern::Irregular;
    return c;
}

}  // namespace mempipe
