// CPU bm25_scores: zero the output, scatter-add every query term's impacts in fold order (the
// canonical fold), then add the non-occurrence shift to every doc.
#include <cstring>

#include "../../../ops/retrieval/bm25_internal.h"
#include "mempipe/core/error.h"
#include "mempipe/ops/bm25.h"

namespace mempipe::cpu {

void bm25_scores(const PostingsView& index, const uint32_t* terms, int64_t n_terms,
                 float* out_scores) {
    mempipe::bm25_detail::check_query("bm25_scores", index, terms, n_terms, false);
    MEMPIPE_CHECK_ARG(index.num_docs == 0 || out_scores != nullptr,
                      "bm25_scores: out_scores is null with num_docs={}", index.num_docs);
    thread_local std::vector<uint32_t> reordered;
    terms = mempipe::bm25_detail::fold_order(index, terms, n_terms, reordered);
    const int64_t n = index.num_docs;
    std::memset(out_scores, 0, size_t(n) * sizeof(float));
    for (int64_t i = 0; i < n_terms; ++i) {
        const uint32_t t = terms[i];
        const uint32_t* docs = index.docs;
        const float* imp = index.impacts;
        for (uint64_t p = index.offsets[t]; p < index.offsets[t + 1]; ++p)
            out_scores[docs[p]] += imp[p];
    }
    // x + 0.0f == x for every x ≥ +0 (an accumulator never holds −0), so a zero shift is skipped.
    const float shift = mempipe::bm25_detail::query_shift(index, terms, n_terms);
    if (shift != 0.0f)
        for (int64_t d = 0; d < n; ++d) out_scores[d] += shift;
}

}  // namespace mempipe::cpu
