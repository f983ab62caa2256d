// CPU page_scores: the (KV head, physical page) space is split into one contiguous range per
// thread, so each thread streams one run of statistics; plus the portable variant.
#include <cmath>
#include <vector>

#include "devices/cpu/lserve/page_scores_kernels.h"
#include "mempipe/core/dtype.h"
#include "mempipe/core/parallel.h"
#include "mempipe/core/simd.h"
#include "ops/lserve/lserve_checks.h"

namespace mempipe::cpu {

namespace lserve_detail {

void page_scores_scalar(const float* q, const uint16_t* stats, int64_t capacity, int64_t n_logical,
                        const LservePageShape& s, int64_t j, int64_t pp_begin, int64_t pp_end,
                        float* out) {
    constexpr int kLanes = 16;
    const int64_t d = s.d, lpp = s.logical_per_page(), g = s.group();
    const int64_t n_phys = (n_logical + lpp - 1) / lpp;
    for (int64_t h = j * g; h < (j + 1) * g; ++h) {
        const float* qh = q + h * d;
        for (int64_t pp = pp_begin; pp < pp_end; ++pp) {
            float best = 0.0f;
            for (int64_t i = 0; i < lpp; ++i) {
                int64_t p = pp * lpp + i;
                float v = 0.0f;
                if (p < n_logical) {
                    const uint16_t* kmax = stats + ((j * capacity + p) * 2) * d;
                    const uint16_t* kmin = kmax + d;
                    float acc[kLanes] = {};
                    for (int64_t c = 0; c < d; ++c) {
                        float ksel = qh[c] >= 0.0f ? bf16_to_f32(kmax[c]) : bf16_to_f32(kmin[c]);
                        acc[(c % 32) / 2] = std::fma(qh[c], ksel, acc[(c % 32) / 2]);
                    }
                    for (int w = kLanes / 2; w >= 1; w /= 2)
                        for (int l = 0; l < w; ++l) acc[l] = acc[l] + acc[l + w];
                    v = acc[0];
                }
                best = i == 0 || v > best ? v : best;
            }
            out[h * n_phys + pp] = best;
        }
    }
}

}  // namespace lserve_detail

void page_scores(const float* q, const uint16_t* stats, int64_t capacity, int64_t n_logical,
                 const LservePageShape& s, const uint8_t* kv_head_mask, float* out) {
    mempipe::lserve_detail::check_page_scores(q, stats, capacity, n_logical, s, out);
    using namespace lserve_detail;
    PageScoresFn fn = simd_pick<PageScoresFn>(page_scores_scalar, nullptr,
                                              s.d % 32 == 0 ? page_scores_avx512 : nullptr);
    const int64_t lpp = s.logical_per_page();
    const int64_t n_phys = (n_logical + lpp - 1) / lpp;
    std::vector<int64_t> heads;
    for (int64_t j = 0; j < s.hkv; ++j)
        if (!kv_head_mask || kv_head_mask[j]) heads.push_back(j);
    const int64_t total = int64_t(heads.size()) * n_phys;
    parallel_for(total, 256, [&](int64_t b, int64_t e) {
        while (b < e) {
            int64_t hi = b / n_phys, pp0 = b % n_phys, pp1 = std::min(n_phys, pp0 + (e - b));
            fn(q, stats, capacity, n_logical, s, heads[size_t(hi)], pp0, pp1, out);
            b += pp1 - pp0;
        }
    });
}

}  // namespace mempipe::cpu
