// Reference top_k: a stable partial sort of indices under the (value desc, index asc) order.
#include "mempipe/ops/top_k.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "mempipe/core/error.h"

namespace mempipe {

OpCost top_k_cost(int64_t n, int64_t k) {
    OpCost c;
    double kk = double(std::min(std::max<int64_t>(k, 0), std::max<int64_t>(n, 0)));
    // One comparison per element to filter, plus an exact sort of the k survivors.
    c.flops = double(std::max<int64_t>(n, 0)) + (kk > 1 ? kk * std::log2(kk) : 0.0);
    c.bytes_read = 4.0 * double(std::max<int64_t>(n, 0));
    c.bytes_written = 8.0 * double(std::max<int64_t>(k, 0));
    c.pattern = AccessPattern::DataDependent;
    return c;
}

namespace ref {

void top_k(const float* x, int64_t n, int64_t k, float* out_values, int32_t* out_indices) {
    MEMPIPE_CHECK_ARG(n >= 0 && k >= 0, "top_k: n and k must be ≥ 0, got n={} k={}", n, k);
    MEMPIPE_CHECK_ARG(n <= std::numeric_limits<int32_t>::max(),
                      "top_k: n={} exceeds the int32 index range; split the row", n);
    MEMPIPE_CHECK_ARG(n == 0 || x != nullptr, "top_k: x is null with n={}", n);
    MEMPIPE_CHECK_ARG(k == 0 || (out_values != nullptr && out_indices != nullptr),
                      "top_k: out_values and out_indices must be non-null when k={} > 0", k);
    for (int64_t i = 0; i < n; ++i)
        MEMPIPE_CHECK_ARG(!std::isnan(x[i]), "top_k: x[{}] is NaN; top_k requires NaN-free scores",
                          i);

    std::vector<int32_t> order(static_cast<size_t>(n));
    std::iota(order.begin(), order.end(), 0);
    // -0.0 == +0.0 under operator==, so signed zeros tie and fall through to the index rule.
    auto better = [x](int32_t a, int32_t b) { return x[a] > x[b] || (x[a] == x[b] && a < b); };
    std::stable_sort(order.begin(), order.end(), better);
    for (int64_t j = 0; j < k; ++j) {
        if (j < n) {
            out_indices[j] = order[size_t(j)];
            out_values[j] = x[order[size_t(j)]];
        } else {
            out_indices[j] = -1;
            out_values[j] = -std::numeric_limits<float>::infinity();
        }
    }
}

}  // namespace ref
}  // namespace mempipe
