// Reference memory_recall_scores: s_i = scale·q·K_iᵀ, summed in f64, rounded once.
#include "mempipe/ops/memory_recall.h"
#include "ops/memory_recall/memory_recall_internal.h"

namespace mempipe::ref {

void memory_recall_scores(const float* q, const float* keys, int64_t n, int64_t h, float scale,
                          float* scores) {
    memory_recall_detail::check_scores(q, keys, n, h, scores);
    for (int64_t i = 0; i < n; ++i) {
        double acc = 0;
        for (int64_t t = 0; t < h; ++t) acc += double(q[t]) * double(keys[i * h + t]);
        scores[i] = float(acc * double(scale));
    }
}

}  // namespace mempipe::ref
