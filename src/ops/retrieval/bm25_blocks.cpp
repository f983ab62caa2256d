// Block-max metadata, presence maps and impact ladders of an impact index (include/mempipe/ops/
// bm25.h) and the cost signatures of the
// BM25 relevancy and retrieval ops.
#include <algorithm>
#include <bit>
#include <cmath>
#include <functional>
#include <vector>

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

uint64_t bm25_compute_presence(const uint64_t* offsets, const uint32_t* docs, int64_t num_terms,
                               int64_t num_docs, uint32_t* slot, uint64_t* bits, uint32_t* rank) {
    MEMPIPE_CHECK_ARG(num_terms >= 0 && num_docs >= 0,
                      "bm25_compute_presence: num_terms={} and num_docs={} must be ≥ 0", num_terms,
                      num_docs);
    MEMPIPE_CHECK_ARG(offsets != nullptr && (num_terms == 0 || slot != nullptr),
                      "bm25_compute_presence: offsets [num_terms + 1] and slot [num_terms] must be "
                      "non-null");
    MEMPIPE_CHECK_ARG((bits == nullptr) == (rank == nullptr),
                      "bm25_compute_presence: pass both bits and rank, or neither (to count)");
    const uint64_t min_df = bm25_presence_min_df(num_docs);
    const uint64_t words = bm25_presence_words(num_docs);
    uint64_t maps = 0;
    for (int64_t t = 0; t < num_terms; ++t) {
        const uint64_t begin = offsets[t], end = offsets[t + 1];
        if (end - begin < min_df) {
            slot[t] = kBm25NoPresence;
            continue;
        }
        MEMPIPE_CHECK_ARG(maps < kBm25NoPresence, "bm25_compute_presence: too many maps");
        slot[t] = uint32_t(maps);
        if (bits != nullptr) {
            uint64_t* b = bits + maps * words;
            uint32_t* r = rank + maps * words;
            std::fill(b, b + words, uint64_t(0));
            for (uint64_t p = begin; p < end; ++p) {
                MEMPIPE_CHECK_ARG(int64_t(docs[p]) < num_docs,
                                  "bm25_compute_presence: term {} has doc {} ≥ num_docs={}", t,
                                  docs[p], num_docs);
                b[docs[p] >> 6] |= uint64_t(1) << (docs[p] & 63);
            }
            uint32_t below = 0;
            for (uint64_t w = 0; w < words; ++w) {
                r[w] = below;
                below += uint32_t(std::popcount(b[w]));
            }
        }
        ++maps;
    }
    return maps;
}

uint64_t bm25_compute_ladders(const uint64_t* offsets, const float* impacts,
                              const uint64_t* block_offsets, const float* block_max,
                              int64_t num_terms, uint32_t* slot, float* ladder) {
    MEMPIPE_CHECK_ARG(num_terms >= 0, "bm25_compute_ladders: num_terms={} must be ≥ 0", num_terms);
    MEMPIPE_CHECK_ARG(offsets != nullptr && (num_terms == 0 || slot != nullptr),
                      "bm25_compute_ladders: offsets [num_terms + 1] and slot [num_terms] must be "
                      "non-null");
    uint64_t n = 0;
    for (int64_t t = 0; t < num_terms; ++t) {
        const bool has = offsets[t + 1] - offsets[t] >= kBm25LadderMinDf;
        slot[t] = has ? uint32_t(n) : kBm25NoPresence;
        n += has;
    }
    if (ladder == nullptr || n == 0) return n;
    MEMPIPE_CHECK_ARG(impacts != nullptr && block_offsets != nullptr && block_max != nullptr,
                      "bm25_compute_ladders: impacts and the block-max arrays must be non-null");
#pragma omp parallel
    {
        std::vector<float> top;
        std::vector<std::pair<float, uint64_t>> blocks;
#pragma omp for schedule(dynamic, 64)
        for (int64_t t = 0; t < num_terms; ++t) {
            if (slot[t] == kBm25NoPresence) continue;
            const uint64_t begin = offsets[t], end = offsets[t + 1];
            const uint64_t b0 = block_offsets[t], nb = block_offsets[t + 1] - b0;
            if (nb <= kBm25LadderBlocks) {
                top.assign(impacts + begin, impacts + end);
            } else {  // the impacts of the blocks with the largest maxima
                blocks.resize(nb);
                for (uint64_t b = 0; b < nb; ++b) blocks[b] = {block_max[b0 + b], b};
                std::nth_element(blocks.begin(),
                                 blocks.begin() + std::ptrdiff_t(kBm25LadderBlocks - 1),
                                 blocks.end(), std::greater<>());
                top.clear();
                for (uint64_t i = 0; i < kBm25LadderBlocks; ++i) {
                    const uint64_t lo = begin + blocks[i].second * uint64_t(kBm25BlockSize);
                    const uint64_t hi = std::min(end, lo + uint64_t(kBm25BlockSize));
                    top.insert(top.end(), impacts + lo, impacts + hi);
                }
            }
            const uint64_t df = top.size();
            // The ranks 2^j from the largest down: each selection leaves the larger values in
            // front of its rank, so the next one only searches that prefix (O(df) in all).
            float* out = ladder + uint64_t(slot[t]) * kBm25LadderLevels;
            uint64_t prefix = df;
            for (int j = kBm25LadderLevels - 1; j >= 0; --j) {
                const uint64_t rank = uint64_t(1) << j;
                if (rank > df) {
                    out[j] = 0.0f;
                    continue;
                }
                std::nth_element(top.begin(), top.begin() + std::ptrdiff_t(rank - 1),
                                 top.begin() + std::ptrdiff_t(prefix), std::greater<float>());
                out[j] = top[rank - 1];
                prefix = rank;
            }
        }
    }
    return n;
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
