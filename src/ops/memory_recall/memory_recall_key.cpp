// Reference memory_recall_key: one linear projection per memory row (ref::linear's f64 oracle).
#include <algorithm>

#include "mempipe/ops/memory_recall.h"
#include "ops/memory_recall/memory_recall_internal.h"

namespace mempipe::ref {

void memory_recall_key(const float* mem, int64_t n, const LinearWeights& wk, float* keys) {
    memory_recall_detail::check_key(mem, n, wk, keys);
    if (n == 0 || wk.n == 0) return;
    if (wk.k == 0) {
        std::fill(keys, keys + n * wk.n, 0.0f);
        return;
    }
    linear(mem, wk, nullptr, keys, n);
}

}  // namespace mempipe::ref
