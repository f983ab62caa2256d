// Reference fused relevancy + top-k: the reference logits row, then the reference top_k.
#include <algorithm>
#include <cmath>
#include <vector>

#include "mempipe/ops/top_k.h"
#include "ops/dsa/dsa_internal.h"

namespace mempipe {

OpCost score_top_k_cost(int64_t batch, int64_t heads, int64_t n_keys, int64_t k) {
    OpCost c = mqa_relu_logits_cost(batch, heads, n_keys);
    c.bytes_written = double(batch) * double(k) * 8.0;  // the row stays on chip
    c.pattern = AccessPattern::DataDependent;
    return c;
}

namespace ref {
void score_top_k(const uint8_t* q8, const float* weights, const IndexKeysView& keys, int64_t batch,
                 int64_t heads, int64_t k, float* out_values, int32_t* out_indices,
                 IndexerPath path) {
    dsa_detail::check_logits("score_top_k", q8, weights, keys, batch, heads);
    MEMPIPE_CHECK_ARG(k >= 0, "score_top_k: k must be ≥ 0, got {}", k);
    MEMPIPE_CHECK_ARG(batch * k == 0 || out_indices, "score_top_k: out_indices is null");
    const int64_t L = keys.len;
    std::vector<float> row(size_t(batch * L));
    mqa_relu_logits(q8, weights, keys, batch, heads, row.data(), path);
    std::vector<float> vals(static_cast<size_t>(k));
    for (int64_t b = 0; b < batch; ++b) {
        if (path == IndexerPath::Faithful) {
            ref::top_k(row.data() + b * L, L, k, vals.data(), out_indices + b * k);
        } else {
            // Int8: the best int8_candidates(k) by int8 score, rescored with the exact (Faithful)
            // logits.
            const int64_t m = dsa_detail::int8_candidates(k, L);
            std::vector<float> cv(static_cast<size_t>(m)), exact(static_cast<size_t>(m));
            std::vector<int32_t> ci(static_cast<size_t>(m));
            ref::top_k(row.data() + b * L, L, m, cv.data(), ci.data());
            std::sort(
                ci.begin(),
                ci.end());  // gathered order = index order, so ties still go to the lower index
            Buffer<uint8_t> pages;
            IndexKeysView sub = dsa_detail::gather_keys(keys, ci.data(), m, pages);
            mqa_relu_logits(q8 + b * heads * kDsaHeadDim, weights + b * heads, sub, 1, heads,
                            exact.data());
            std::vector<int32_t> pos(static_cast<size_t>(k));
            ref::top_k(exact.data(), m, k, vals.data(), pos.data());
            for (int64_t j = 0; j < k; ++j)
                out_indices[b * k + j] = pos[size_t(j)] < 0 ? -1 : ci[size_t(pos[size_t(j)])];
        }
        if (out_values)
            for (int64_t j = 0; j < k; ++j) out_values[b * k + j] = vals[size_t(j)];
    }
}
}  // namespace ref

}  // namespace mempipe
