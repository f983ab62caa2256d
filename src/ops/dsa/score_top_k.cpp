// Reference fused relevancy + top-k: the reference logits row, then the reference top_k.
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
void score_top_k(const uint8_t* q8, const float* weights, const IndexKeysView& keys, int64_t batch, int64_t heads,
                 int64_t k, float* out_values, int32_t* out_indices, IndexerPath path) {
    dsa_detail::check_logits("score_top_k", q8, weights, keys, batch, heads);
    MEMPIPE_CHECK_ARG(k >= 0, "score_top_k: k must be ≥ 0, got {}", k);
    MEMPIPE_CHECK_ARG(batch * k == 0 || out_indices, "score_top_k: out_indices is null");
    const int64_t L = keys.len;
    std::vector<float> row(size_t(batch * L));
    mqa_relu_logits(q8, weights, keys, batch, heads, row.data(), path);
    std::vector<float> vals(static_cast<size_t>(k));
    for (int64_t b = 0; b < batch; ++b) {
        ref::top_k(row.data() + b * L, L, k, vals.data(), out_indices + b * k);
        if (out_values)
            for (int64_t j = 0; j < k; ++j) out_values[b * k + j] = vals[size_t(j)];
    }
}
}  // namespace ref

}  // namespace mempipe
