// Reference page_scores: Quest bound per (query head, logical page) in the canonical 16-lane FMA
// order, then the max over each physical page's logical pages (see include/mempipe/ops/lserve.h).
#include <cmath>
#include <vector>

#include "mempipe/core/dtype.h"
#include "mempipe/ops/lserve.h"
#include "ops/lserve/lserve_checks.h"

namespace mempipe {

OpCost page_scores_cost(int64_t n_logical, const LservePageShape& s, int64_t active) {
    OpCost c;
    int64_t q_heads = active * s.group();
    int64_t n_phys = (n_logical + s.logical_per_page() - 1) / s.logical_per_page();
    // mul, max, add per (query head, logical page, channel), as the spec counts them.
    c.flops = 3.0 * double(q_heads) * double(n_logical) * double(s.d);
    c.bytes_read =
        double(n_logical) * double(active) * 2.0 * double(s.d) * 2.0 + double(q_heads * s.d) * 4.0;
    c.bytes_written = double(q_heads) * double(n_phys) * 4.0;
    c.pattern = AccessPattern::Regular;
    return c;
}

namespace ref {

namespace {
constexpr int kLanes = 16;

float logical_score(const float* q, const uint16_t* kmax, const uint16_t* kmin, int64_t d) {
    float acc[kLanes] = {};
    for (int64_t c = 0; c < d; ++c) {
        float ksel = q[c] >= 0.0f ? bf16_to_f32(kmax[c]) : bf16_to_f32(kmin[c]);
        acc[(c % 32) / 2] = std::fma(q[c], ksel, acc[(c % 32) / 2]);
    }
    for (int w = kLanes / 2; w >= 1; w /= 2)
        for (int l = 0; l < w; ++l) acc[l] = acc[l] + acc[l + w];
    return acc[0];
}
}  // namespace

void page_scores(const float* q, const uint16_t* stats, int64_t capacity, int64_t n_logical,
                 const LservePageShape& s, const uint8_t* kv_head_mask, float* out) {
    lserve_detail::check_page_scores(q, stats, capacity, n_logical, s, out);
    const int64_t d = s.d, lpp = s.logical_per_page(), g = s.group();
    const int64_t n_phys = (n_logical + lpp - 1) / lpp;
    for (int64_t h = 0; h < s.hq; ++h) {
        int64_t j = h / g;
        if (kv_head_mask && !kv_head_mask[j]) continue;
        for (int64_t pp = 0; pp < n_phys; ++pp) {
            float best = 0.0f;
            for (int64_t i = 0; i < lpp; ++i) {
                int64_t p = pp * lpp + i;
                // Logical slots past n_logical score 0 (OMNI's zero-initialised buffer).
                float v = 0.0f;
                if (p < n_logical) {
                    const uint16_t* kmax = stats + ((j * capacity + p) * 2) * d;
                    v = logical_score(q + h * d, kmax, kmax + d, d);
                }
                best = i == 0 || v > best ? v : best;
            }
            out[h * n_phys + pp] = best;
        }
    }
}

}  // namespace ref
}  // namespace mempipe
