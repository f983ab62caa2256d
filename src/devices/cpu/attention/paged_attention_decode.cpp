// cpu::paged_attention_decode: the block table is resolved into runs of physical rows (pages that
// follow each other in memory merge into one run) and the decode engine of decode_attention.cpp
// attends them as token ranges of the page pool; the online softmax does not depend on the order
// of the ranges, so the result is that of dense decode over the logical positions.
#include <algorithm>

#include "devices/cpu/attention/decode_attention_kernels.h"
#include "mempipe/ops/attention.h"
#include "ops/attention/paged_common.h"

namespace mempipe::cpu {

using namespace attention_detail;

void paged_attention_decode(const float* q, const PagedKvCache& cache, int64_t n_tokens, int64_t hq,
                            float scale, float* out) {
    check_paged_decode(q, cache, n_tokens, hq, scale, out);
    const int64_t ps = cache.page_size;
    AttentionShape s{cache.n_pages * ps, hq, cache.hkv, cache.d, scale};
    AttnPlan plan{q, cache.k, cache.v, s, {}, {}, true};
    for (int64_t b = 0; b * ps < n_tokens; ++b) {
        int64_t begin = int64_t(cache.block_table[b]) * ps;
        int64_t end = begin + std::min(ps, n_tokens - b * ps);
        if (!plan.ranges.empty() && plan.ranges.back().end == begin)
            plan.ranges.back().end = end;
        else
            plan.ranges.push_back({begin, end});
    }
    const int32_t g = int32_t(hq / cache.hkv);
    for (int32_t j = 0; j < int32_t(cache.hkv); ++j)
        plan.tasks.push_back({j, j * g, g, 0, plan.ranges.size()});
    run_attention_plan(plan, out);
}

}  // namespace mempipe::cpu
