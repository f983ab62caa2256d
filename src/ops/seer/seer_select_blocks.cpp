// Reference: SeerAttention-R block selection (Retrieval step): top-k or threshold, plus first and
// last.
#include <algorithm>
#include <cmath>
#include <vector>

#include "mempipe/core/error.h"
#include "seer_internal.h"

namespace mempipe::ref {

void seer_select_blocks(const float* scores, int64_t hkv, int64_t n_blocks,
                        const SeerSelectParams& p, int64_t width, int32_t* out, int32_t* counts) {
    seer_detail::check_select(scores, hkv, n_blocks, p, width, out, "seer_select_blocks");
    std::vector<int32_t> order(size_t(n_blocks) * 1);
    std::vector<uint8_t> chosen(size_t(n_blocks) * 1);
    for (int64_t h = 0; h < hkv; ++h) {
        const float* s = scores + h * n_blocks;
        std::fill(chosen.begin(), chosen.end(), uint8_t(0));
        if (p.mode == SeerSelectMode::TokenBudget && n_blocks <= p.budget_blocks) {
            std::fill(chosen.begin(), chosen.end(), uint8_t(1));
        } else if (p.mode == SeerSelectMode::TokenBudget) {
            // Rank every block by (score descending, index ascending); NaN ranks as −inf.
            for (int64_t b = 0; b < n_blocks; ++b) order[size_t(b)] = int32_t(b);
            auto rank = [&](int32_t b) { return std::isnan(s[b]) ? -INFINITY : s[b]; };
            std::stable_sort(order.begin(), order.end(),
                             [&](int32_t a, int32_t b) { return rank(a) > rank(b); });
            for (int64_t r = 0; r < p.budget_blocks; ++r) chosen[size_t(order[size_t(r)])] = 1;
        } else {
            for (int64_t b = 0; b < n_blocks; ++b) chosen[size_t(b)] = s[b] > p.threshold ? 1 : 0;
        }
        if (n_blocks > 0) chosen[0] = chosen[size_t(n_blocks - 1)] = 1;
        int64_t c = 0;
        for (int64_t b = 0; b < n_blocks; ++b)
            if (chosen[size_t(b)]) out[h * width + c++] = int32_t(b);
        for (int64_t e = c; e < width; ++e) out[h * width + e] = -1;
        if (counts) counts[h] = int32_t(c);
    }
}

}  // namespace mempipe::ref
