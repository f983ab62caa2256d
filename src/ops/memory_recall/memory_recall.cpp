// Reference memory_recall: q = S·Wqᵀ (ref::linear), then the reference scores and read.
#include "mempipe/ops/memory_recall.h"
#include "ops/memory_recall/memory_recall_internal.h"

namespace mempipe::ref {

void memory_recall(const float* s, const LinearWeights& wq, const float* keys, const float* mem,
                   int64_t n, float scale, const float* initial, float* weights, float* p) {
    memory_recall_detail::recall(s, wq, keys, mem, n, scale, initial, weights, p, linear,
                                 memory_recall_scores, memory_recall_read);
}

}  // namespace mempipe::ref
