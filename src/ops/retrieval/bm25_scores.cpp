// Reference bm25_scores: a dense float32 accumulator filled term by term in fold order.
#include <cmath>
#include <vector>

#include "bm25_internal.h"
#include "mempipe/core/error.h"
#include "mempipe/ops/bm25.h"

namespace mempipe::ref {

void bm25_scores(const PostingsView& index, const uint32_t* terms, int64_t n_terms,
                 float* out_scores) {
    bm25_detail::check_query("bm25_scores", index, terms, n_terms, false);
    MEMPIPE_CHECK_ARG(index.num_docs == 0 || out_scores != nullptr,
                      "bm25_scores: out_scores is null with num_docs={}", index.num_docs);
    std::vector<uint32_t> reordered;
    terms = bm25_detail::fold_order(index, terms, n_terms, reordered);
    std::vector<float> acc(size_t(index.num_docs), 0.0f);
    for (int64_t i = 0; i < n_terms; ++i) {
        const uint32_t t = terms[i];
        for (uint64_t p = index.offsets[t]; p < index.offsets[t + 1]; ++p) {
            MEMPIPE_CHECK_ARG(std::isfinite(index.impacts[p]) && index.impacts[p] >= 0.0f,
                              "bm25_scores: impact {} of term {} is not finite and ≥ 0",
                              index.impacts[p], t);
            acc[index.docs[p]] += index.impacts[p];
        }
    }
    const float shift = bm25_detail::query_shift(index, terms, n_terms);
    for (int64_t d = 0; d < index.num_docs; ++d) out_scores[d] = acc[size_t(d)] + shift;
}

}  // namespace mempipe::ref
