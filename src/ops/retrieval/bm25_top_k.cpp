// Reference bm25_top_k: exhaustive term-at-a-time into a dense float32 accumulator (the canonical
// fold, in fold order), a matched flag per doc, then a stable sort of the matched docs.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "bm25_internal.h"
#include "mempipe/core/error.h"
#include "mempipe/ops/bm25.h"

namespace mempipe::ref {

int64_t bm25_top_k(const PostingsView& index, const uint32_t* terms, int64_t n_terms, int64_t k,
                   float* out_scores, int32_t* out_docs) {
    bm25_detail::check_query("bm25_top_k", index, terms, n_terms, false);
    bm25_detail::check_outputs("bm25_top_k", k, out_scores, out_docs);
    std::vector<uint32_t> reordered;
    terms = bm25_detail::fold_order(index, terms, n_terms, reordered);
    std::vector<float> acc(size_t(index.num_docs), 0.0f);
    std::vector<char> matched(size_t(index.num_docs), 0);
    for (int64_t i = 0; i < n_terms; ++i) {
        const uint32_t t = terms[i];
        for (uint64_t p = index.offsets[t]; p < index.offsets[t + 1]; ++p) {
            MEMPIPE_CHECK_ARG(std::isfinite(index.impacts[p]) && index.impacts[p] >= 0.0f,
                              "bm25_top_k: impact {} of term {} is not finite and ≥ 0",
                              index.impacts[p], t);
            MEMPIPE_CHECK_ARG(p == index.offsets[t] || index.docs[p - 1] < index.docs[p],
                              "bm25_top_k: doc ids of term {} are not strictly ascending", t);
            acc[index.docs[p]] += index.impacts[p];
            matched[index.docs[p]] = 1;
        }
    }
    const float shift = bm25_detail::query_shift(index, terms, n_terms);
    std::vector<int32_t> order;
    for (int64_t d = 0; d < index.num_docs; ++d)
        if (matched[size_t(d)]) order.push_back(int32_t(d));
    std::vector<float> score(size_t(index.num_docs));
    for (int32_t d : order) score[size_t(d)] = acc[size_t(d)] + shift;
    std::stable_sort(order.begin(), order.end(),
                     [&](int32_t a, int32_t b) { return score[size_t(a)] > score[size_t(b)]; });
    const int64_t count = std::min<int64_t>(k, int64_t(order.size()));
    for (int64_t j = 0; j < k; ++j) {
        if (j < count) {
            out_docs[j] = order[size_t(j)];
            out_scores[j] = score[size_t(order[size_t(j)])];
        } else {
            out_docs[j] = -1;
            out_scores[j] = -std::numeric_limits<float>::infinity();
        }
    }
    return count;
}

}  // namespace mempipe::ref
