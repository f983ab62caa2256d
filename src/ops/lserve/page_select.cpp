// Reference page_select: all pages while they fit the width, else top-(width − 1) of the complete
// pages (ops/top_k.h order) plus the newest page; lists sorted ascending, −1 padded.
#include <algorithm>
#include <vector>

#include "mempipe/ops/lserve.h"
#include "mempipe/ops/top_k.h"
#include "ops/lserve/lserve_checks.h"

namespace mempipe {

OpCost page_select_cost(int64_t history, const LservePageShape& s, int64_t active) {
    int64_t n_pages = lserve_pages(history, s);
    int64_t q_heads = active * s.group();
    OpCost c;
    if (n_pages <= s.width()) {
        c.bytes_written = double(q_heads * s.width()) * 4.0;
        return c;
    }
    OpCost one = top_k_cost(n_pages - 1, s.width() - 1);
    c.flops = one.flops * double(q_heads);
    c.bytes_read = one.bytes_read * double(q_heads);
    c.bytes_written = double(q_heads * s.width()) * 4.0;
    c.pattern = AccessPattern::DataDependent;
    return c;
}

namespace ref {

void page_select(const float* scores, int64_t score_stride, int64_t history,
                 const LservePageShape& s, const uint8_t* kv_head_mask, int32_t* out) {
    const int64_t n_pages = lserve_detail::check_page_select(scores, score_stride, history, s, out);
    const int64_t w = s.width(), g = s.group();
    std::vector<float> values(static_cast<size_t>(w));
    for (int64_t h = 0; h < s.hq; ++h) {
        if (kv_head_mask && !kv_head_mask[h / g]) continue;
        int32_t* row = out + h * w;
        if (n_pages <= w) {
            for (int64_t i = 0; i < w; ++i) row[i] = i < n_pages ? int32_t(i) : -1;
            continue;
        }
        ref::top_k(scores + h * score_stride, n_pages - 1, w - 1, values.data(), row);
        std::sort(row, row + w - 1);
        row[w - 1] = int32_t(n_pages - 1);
    }
}

}  // namespace ref
}  // namespace mempipe
