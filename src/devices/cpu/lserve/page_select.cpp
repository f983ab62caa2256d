// CPU page_select: one cpu::top_k per query head (heads in parallel), lists sorted ascending.
#include <algorithm>
#include <vector>

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
    // Rows are short (16K pages at 1M tokens, ~15 µs each): heads run in parallel only when the
    // rows are long enough to repay a parallel region; each top_k is then single-threaded inside.
    std::vector<int64_t> heads;
    for (int64_t h = 0; h < s.hq; ++h)
        if (!kv_head_mask || kv_head_mask[h / g]) heads.push_back(h);
    const int64_t n = int64_t(heads.size());
    if (n_pages <= w || n_pages < 8192) {
        for (int64_t h : heads) one(h);
        return;
    }
#pragma omp parallel for schedule(dynamic, 1)
    for (int64_t i = 0; i < n; ++i) one(heads[size_t(i)]);
}

}  // namespace mempipe::cpu
