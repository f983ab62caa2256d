// Argument validation and the non-occurrence shift shared by every bm25 query op.
#include <limits>

#include "bm25_internal.h"
#include "mempipe/core/error.h"

namespace mempipe::bm25_detail {

void check_query(const char* op, const PostingsView& index, const uint32_t* terms, int64_t n_terms,
                 bool need_blocks) {
    MEMPIPE_CHECK_ARG(index.num_docs >= 0 && index.num_terms >= 0,
                      "{}: index has num_docs={} num_terms={}; both must be ≥ 0", op,
                      index.num_docs, index.num_terms);
    MEMPIPE_CHECK_ARG(index.num_docs <= std::numeric_limits<int32_t>::max(),
                      "{}: num_docs={} exceeds the int32 doc id range of the outputs; shard the "
                      "index",
                      op, index.num_docs);
    MEMPIPE_CHECK_ARG(n_terms >= 0, "{}: n_terms={} must be ≥ 0", op, n_terms);
    MEMPIPE_CHECK_ARG(n_terms == 0 || terms != nullptr, "{}: terms is null with n_terms={}", op,
                      n_terms);
    if (n_terms == 0) return;
    MEMPIPE_CHECK_ARG(index.offsets != nullptr, "{}: the index view lacks offsets", op);
    MEMPIPE_CHECK_ARG(!need_blocks || index.block_offsets != nullptr,
                      "{}: the index view lacks block_offsets; fill the block-max arrays with "
                      "bm25_compute_block_maxima",
                      op);
    for (int64_t i = 0; i < n_terms; ++i) {
        const uint32_t t = terms[i];
        MEMPIPE_CHECK_ARG(int64_t(t) < index.num_terms,
                          "{}: terms[{}]={} is not a term id of the index (num_terms={})", op, i, t,
                          index.num_terms);
        const uint64_t begin = index.offsets[t], end = index.offsets[t + 1];
        MEMPIPE_CHECK_ARG(begin <= end, "{}: offsets of term {} decrease ({} > {})", op, t, begin,
                          end);
        if (begin == end) continue;
        MEMPIPE_CHECK_ARG(index.docs != nullptr && index.impacts != nullptr,
                          "{}: the index view lacks docs/impacts", op);
        MEMPIPE_CHECK_ARG(
            !need_blocks || (index.block_max != nullptr && index.block_last != nullptr),
            "{}: the index view lacks block_max/block_last; fill them with "
            "bm25_compute_block_maxima",
            op);
        MEMPIPE_CHECK_ARG(int64_t(index.docs[end - 1]) < index.num_docs,
                          "{}: term {} has doc id {} ≥ num_docs={}", op, t, index.docs[end - 1],
                          index.num_docs);
        if (need_blocks) {
            const uint64_t blocks = index.block_offsets[t + 1] - index.block_offsets[t];
            MEMPIPE_CHECK_ARG(index.block_offsets[t] <= index.block_offsets[t + 1] &&
                                  blocks == bm25_num_blocks(end - begin),
                              "{}: term {} has {} blocks for {} postings; expected {}", op, t,
                              blocks, end - begin, bm25_num_blocks(end - begin));
        }
    }
}

void check_outputs(const char* op, int64_t k, const float* out_scores, const int32_t* out_docs) {
    MEMPIPE_CHECK_ARG(k >= 0, "{}: k={} must be ≥ 0", op, k);
    MEMPIPE_CHECK_ARG(k == 0 || (out_scores != nullptr && out_docs != nullptr),
                      "{}: out_scores and out_docs must be non-null when k={} > 0", op, k);
}

const uint32_t* fold_order(const PostingsView& index, const uint32_t* terms, int64_t n_terms,
                           std::vector<uint32_t>& buf) {
    const uint64_t min_df = bm25_presence_min_df(index.num_docs);
    auto frequent = [&](uint32_t t) { return index.offsets[t + 1] - index.offsets[t] >= min_df; };
    bool seen_frequent = false, ordered = true;
    for (int64_t i = 0; i < n_terms && ordered; ++i) {
        const bool f = frequent(terms[i]);
        ordered = f || !seen_frequent;
        seen_frequent |= f;
    }
    if (ordered) return terms;
    buf.clear();
    for (int pass = 0; pass < 2; ++pass)
        for (int64_t i = 0; i < n_terms; ++i)
            if (frequent(terms[i]) == (pass == 1)) buf.push_back(terms[i]);
    return buf.data();
}

float query_shift(const PostingsView& index, const uint32_t* terms, int64_t n_terms) {
    float shift = 0.0f;
    if (index.nonocc == nullptr) return shift;
    for (int64_t i = 0; i < n_terms; ++i) shift += index.nonocc[terms[i]];
    return shift;
}

}  // namespace mempipe::bm25_detail
