// Reference memory_recall_key: one linear projection per memory row (ref::linear's f64 oracle).
#include "mempipe/ops/memory_recall.h"
#include "ops/memory_recall/memory_recall_internal.h"

namespace mempipe::ref {

void memory_recall_key(const float* mem, int64_t n, const LinearWeights& wk, float* keys) {
    memory_recall_detail::recall_key(mem, n, wk, keys, linear);
}

}  // namespace mempipe::ref
