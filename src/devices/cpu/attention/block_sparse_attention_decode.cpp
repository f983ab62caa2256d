// cpu::block_sparse_attention_decode: argument checks and the plan (one task per KV head for
// PerKvHead lists, per query head for PerQueryHead lists; blocks deduplicated, sorted and merged
// into token ranges); the kernels are in decode_attention*.cpp.
#include "devices/cpu/attention/decode_attention_kernels.h"
#include "mempipe/ops/attention.h"

namespace mempipe::cpu {

using namespace attention_detail;

void block_sparse_attention_decode(const float* q, const uint16_t* k, const uint16_t* v,
                                   const AttentionShape& s, const int32_t* blocks,
                                   int64_t max_blocks, int64_t block_size, SelectionGroups groups,
                                   const uint8_t* kv_head_mask, float* out) {
    check_shape("block_sparse_attention_decode", q, k, v, s, out);
    check_blocks(s, blocks, max_blocks, block_size, groups);
    AttnPlan plan{q, k, v, s, {}, {}, false};
    const int32_t g = int32_t(s.hq / s.hkv);
    std::vector<TokenRange> r;
    auto add_task = [&](int32_t kvh, int32_t q_begin, int32_t q_count, int64_t list) {
        block_ranges(blocks + list * max_blocks, max_blocks, block_size, s.n_tokens, r);
        size_t b = plan.ranges.size();
        plan.ranges.insert(plan.ranges.end(), r.begin(), r.end());
        plan.tasks.push_back({kvh, q_begin, q_count, b, plan.ranges.size()});
    };
    for (int32_t j = 0; j < int32_t(s.hkv); ++j) {
        if (kv_head_mask && !kv_head_mask[j]) continue;
        if (groups == SelectionGroups::PerKvHead)
            add_task(j, j * g, g, j);
        else
            for (int32_t h = j * g; h < (j + 1) * g; ++h) add_task(j, h, 1, h);
    }
    run_attention_plan(plan, out);
}

}  // namespace mempipe::cpu
