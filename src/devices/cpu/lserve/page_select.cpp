// CPU page_select: one cpu::top_k per query head, lists sorted ascending.
#include <algorithm>

#include "mempipe/ops/lserve.h"
#include "mempipe/ops/top_k.h"
#include "ops/lserve/lserve_checks.h"

namespace mempipe::cpu {

void page_select(const float* scores, int64_t score_stride, int64_t history,
                 const LservePageShape& s, const uint8_t* kv_head_mask, int32_t* out) {
    const int64_t n_pages =
        mempipe::lserve_detail::check_page_select(scores, score_stride, history, s, out);
    const int64_t w = s.width(), g = s.group();
    auto one = [&](int64_t h) {
        int32_t* row = out + h * w;
        if (n_pages <= w) {
            for (int64_t i = 0; i < w; ++i) row[i] = i < n_pages ? int32_t(i) : -1;
            return;
        }
        top_k(scores + h * score_stride, n_pages - 1, w - 1, nullptr, row);
        std::sort(row, row + w - 1);
        row[w - 1] = int32_t(n_pages - 1);
    };
    // One thread: rows are short (16K pages at 1M tokens, ~15 µs per head, ~0.5 ms for 32 heads),
    // and on a shared 2-core machine a parallel region can wait a whole scheduler slice for its
    // second thread.
    for (int64_t h = 0; h < s.hq; ++h)
        if (!kv_head_mask || kv_head_mask[h / g]) one(h);
}

}  // namespace mempipe::cpu
