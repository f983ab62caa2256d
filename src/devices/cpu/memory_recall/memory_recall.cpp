// cpu::memory_recall_key (cpu::linear per memory row) and cpu::memory_recall (q = S·Wqᵀ with
// cpu::linear, then cpu::memory_recall_scores and cpu::memory_recall_read): the compositions the
// reference uses (memory_recall_internal.h) over the cpu kernels.
#include "mempipe/ops/memory_recall.h"
#include "ops/memory_recall/memory_recall_internal.h"

namespace mempipe::cpu {

void memory_recall_key(const float* mem, int64_t n, const LinearWeights& wk, float* keys) {
    memory_recall_detail::recall_key(mem, n, wk, keys, linear);
}

void memory_recall(const float* s, const LinearWeights& wq, const float* keys, const float* mem,
                   int64_t n, float scale, const float* initial, float* weights, float* p) {
    memory_recall_detail::recall(s, wq, keys, mem, n, scale, initial, weights, p, linear,
                                 memory_recall_scores, memory_recall_read);
}

}  // namespace mempipe::cpu
