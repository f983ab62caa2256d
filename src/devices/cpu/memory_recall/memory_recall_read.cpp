// cpu::memory_recall_read: entry point (checks, one SIMD pick, the softmax on the calling thread,
// the weighted sum threaded over columns of M) and the portable variants (f32, as AVX-512).
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "devices/cpu/memory_recall/memory_recall_kernels.h"
#include "mempipe/core/parallel.h"
#include "mempipe/core/simd.h"
#include "mempipe/ops/memory_recall.h"
#include "ops/memory_recall/memory_recall_internal.h"

namespace mempipe {

namespace cpu_memory_recall {

float softmax_max(const float* scores, int64_t n) {
    float m = -std::numeric_limits<float>::infinity();
    for (int64_t i = 0; i < n; ++i) {
        if (std::isnan(scores[i])) return scores[i];
        m = std::max(m, scores[i]);
    }
    return m;
}

void softmax_scalar(const float* scores, int64_t n, float* a) {
    const float m = softmax_max(scores, n);
    float sum = 0.0f;
    for (int64_t i = 0; i < n; ++i) sum += a[i] = std::exp(scores[i] - m);
    for (int64_t i = 0; i < n; ++i) a[i] /= sum;
}

void weighted_sum_scalar(const float* a, const float* mem, int64_t n, int64_t d, int64_t j0,
                         int64_t j1, float* p) {
    for (int64_t j = j0; j < j1; ++j) p[j] = 0.0f;
    for (int64_t i = 0; i < n; ++i)
        for (int64_t j = j0; j < j1; ++j) p[j] += a[i] * mem[i * d + j];
}

}  // namespace cpu_memory_recall

namespace cpu {
void memory_recall_read(const float* scores, const float* mem, int64_t n, int64_t d,
                        const float* initial, float* weights, float* p) {
    memory_recall_detail::check_read(scores, mem, n, d, p);
    if (n == 0) {
        for (int64_t j = 0; j < d; ++j) p[j] = initial ? initial[j] : 0.0f;
        return;
    }
    using namespace cpu_memory_recall;
    auto softmax = simd_pick<SoftmaxFn>(softmax_scalar, nullptr, softmax_avx512);
    auto sum = simd_pick<WeightedSumFn>(weighted_sum_scalar, nullptr, weighted_sum_avx512);
    std::vector<float> own;
    float* a = weights;
    if (!a) {
        own.resize(size_t(n));
        a = own.data();
    }
    softmax(scores, n, a);
    if (d == 0) return;
    const int64_t grain = std::max<int64_t>(16, kRecallGrain / n);
    parallel_for(d, grain, [&](int64_t b, int64_t e) { sum(a, mem, n, d, b, e, p); });
}
}  // namespace cpu

}  // namespace mempipe
