// cpu::dense_attention_decode: argument checks and the plan (every KV head over all tokens); the
// kernels are in decode_attention*.cpp.
#include "devices/cpu/attention/decode_attention_kernels.h"
#include "mempipe/ops/attention.h"

namespace mempipe::cpu {

using namespace attention_detail;

void dense_attention_decode(const float* q, const uint16_t* k, const uint16_t* v,
                            const AttentionShape& s, const uint8_t* kv_head_mask, float* out) {
    check_shape("dense_attention_decode", q, k, v, s, out);
    AttnPlan plan{q, k, v, s, {}, {}, true};
    if (s.n_tokens > 0) plan.ranges.push_back({0, s.n_tokens});
    const int32_t g = int32_t(s.hq / s.hkv);
    for (int32_t j = 0; j < int32_t(s.hkv); ++j)
        if (!kv_head_mask || kv_head_mask[j])
            plan.tasks.push_back({j, j * g, g, 0, plan.ranges.size()});
    run_attention_plan(plan, out);
}

}  // namespace mempipe::cpu
