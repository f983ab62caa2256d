// cpu::memory_recall_key (cpu::linear per memory row) and cpu::memory_recall (q = S·Wqᵀ with
// cpu::linear, then cpu::memory_recall_scores and cpu::memory_recall_read).
#include <algorithm>
#include <vector>

#include "mempipe/ops/memory_recall.h"
#include "ops/memory_recall/memory_recall_internal.h"

namespace mempipe::cpu {

void memory_recall_key(const float* mem, int64_t n, const LinearWeights& wk, float* keys) {
    memory_recall_detail::check_key(mem, n, wk, keys);
    if (n == 0 || wk.n == 0) return;
    if (wk.k == 0) {
        std::fill(keys, keys + n * wk.n, 0.0f);
        return;
    }
    linear(mem, wk, nullptr, keys, n);
}

void memory_recall(const float* s, const LinearWeights& wq, const float* keys, const float* mem,
                   int64_t n, float scale, const float* initial, float* weights, float* p) {
    memory_recall_detail::check_recall(s, wq, n);
    const int64_t h = wq.n, d = wq.k;
    std::vector<float> q(static_cast<size_t>(h), 0.0f), sc(static_cast<size_t>(n));
    if (n > 0 && h > 0 && d > 0) linear(s, wq, nullptr, q.data(), 1);
    memory_recall_scores(q.data(), keys, n, h, scale, sc.data());
    memory_recall_read(sc.data(), mem, n, d, initial, weights, p);
}

}  // namespace mempipe::cpu
