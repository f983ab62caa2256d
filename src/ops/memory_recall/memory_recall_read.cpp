// Reference memory_recall_read: softmax over the n scores and the weighted sum of the memory rows,
// in f64 (one rounding per output).
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "mempipe/ops/memory_recall.h"
#include "ops/memory_recall/memory_recall_internal.h"

namespace mempipe::ref {

void memory_recall_read(const float* scores, const float* mem, int64_t n, int64_t d,
                        const float* initial, float* weights, float* p) {
    memory_recall_detail::check_read(scores, mem, n, d, p);
    if (n == 0) {
        for (int64_t j = 0; j < d; ++j) p[j] = initial ? initial[j] : 0.0f;
        return;
    }
    double m = -std::numeric_limits<double>::infinity();
    for (int64_t i = 0; i < n; ++i) {
        if (std::isnan(scores[i]) || std::isnan(m))
            m = std::numeric_limits<double>::quiet_NaN();
        else
            m = std::max(m, double(scores[i]));
    }
    std::vector<double> a(static_cast<size_t>(n));
    double sum = 0;
    for (int64_t i = 0; i < n; ++i) sum += a[size_t(i)] = std::exp(double(scores[i]) - m);
    for (auto& x : a) x /= sum;
    if (weights)
        for (int64_t i = 0; i < n; ++i) weights[i] = float(a[size_t(i)]);
    for (int64_t j = 0; j < d; ++j) {
        double acc = 0;
        for (int64_t i = 0; i < n; ++i) acc += a[size_t(i)] * double(mem[i * d + j]);
        p[j] = float(acc);
    }
}

}  // namespace mempipe::ref
