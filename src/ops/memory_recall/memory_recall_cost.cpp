// Cost signatures and the score scale rule of the memory_recall family.
#include <cmath>

#include "mempipe/ops/memory_recall.h"

namespace mempipe {

float memory_recall_scale(int64_t d, int64_t h, RecallScale rule) {
    if (h <= 0) return 1.0f;
    if (rule == RecallScale::HmtCode && d >= 4096 && h >= 4096) return float(1.0 / double(h));
    return float(1.0 / std::sqrt(double(h)));
}

OpCost memory_recall_key_cost(int64_t n, const LinearWeights& wk) {
    return linear_cost(n, wk);
}

OpCost memory_recall_scores_cost(int64_t n, int64_t h) {
    OpCost c;
    c.flops = 2.0 * double(n) * double(h);
    c.bytes_read = 4.0 * (double(h) + double(n) * double(h));
    c.bytes_written = 4.0 * double(n);
    return c;
}

OpCost memory_recall_read_cost(int64_t n, int64_t d) {
    OpCost c;
    c.flops = 4.0 * double(n) + 2.0 * double(n) * double(d);
    c.bytes_read = 4.0 * (double(n) + double(n) * double(d));
    c.bytes_written = 4.0 * (double(n) + double(d));
    return c;
}

OpCost memory_recall_cost(int64_t n, const LinearWeights& wq) {
    OpCost c = linear_cost(1, wq);
    c += memory_recall_scores_cost(n, wq.n);
    c += memory_recall_read_cost(n, wq.k);
    return c;
}

}  // namespace mempipe
