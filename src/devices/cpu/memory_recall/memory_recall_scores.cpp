// cpu::memory_recall_scores: entry point (checks, one SIMD pick, threads over memory rows) and the
// portable variant (f32 sums, as the AVX-512 one).
#include <algorithm>

#include "devices/cpu/memory_recall/memory_recall_kernels.h"
#include "mempipe/core/parallel.h"
#include "mempipe/core/simd.h"
#include "mempipe/ops/memory_recall.h"
#include "ops/memory_recall/memory_recall_internal.h"

namespace mempipe {

namespace cpu_memory_recall {
void scores_scalar(const float* q, const float* keys, int64_t i0, int64_t i1, int64_t h,
                   float scale, float* scores) {
    for (int64_t i = i0; i < i1; ++i) {
        const float* k = keys + i * h;
        float acc = 0.0f;
        for (int64_t t = 0; t < h; ++t) acc += q[t] * k[t];
        scores[i] = acc * scale;
    }
}
}  // namespace cpu_memory_recall

namespace cpu {
void memory_recall_scores(const float* q, const float* keys, int64_t n, int64_t h, float scale,
                          float* scores) {
    memory_recall_detail::check_scores(q, keys, n, h, scores);
    if (n == 0) return;
    auto fn = simd_pick<cpu_memory_recall::ScoresFn>(cpu_memory_recall::scores_scalar, nullptr,
                                                     cpu_memory_recall::scores_avx512);
    const int64_t grain =
        std::max<int64_t>(1, cpu_memory_recall::kRecallGrain / std::max<int64_t>(h, 1));
    parallel_for(n, grain, [&](int64_t b, int64_t e) { fn(q, keys, b, e, h, scale, scores); });
}
}  // namespace cpu

}  // namespace mempipe
