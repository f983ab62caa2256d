// cpu::streaming_attention_decode: argument checks and the plan (every active KV head over the sink
// and local windows); the kernels are in decode_attention*.cpp.
#include "devices/cpu/attention/decode_attention_kernels.h"
#include "mempipe/ops/attention.h"

namespace mempipe::cpu {

using namespace attention_detail;

void streaming_attention_decode(const float* q, const uint16_t* k, const uint16_t* v,
                                const AttentionShape& s, int64_t sink, int64_t local,
                                const uint8_t* kv_head_mask, float* out) {
    check_shape("streaming_attention_decode", q, k, v, s, out);
    check_streaming(sink, local);
    AttnPlan plan{q, k, v, s, {}, streaming_ranges(s.n_tokens, sink, local), true};
    const int32_t g = int32_t(s.hq / s.hkv);
    for (int32_t j = 0; j < int32_t(s.hkv); ++j)
        if (!kv_head_mask || kv_head_mask[j])
            plan.tasks.push_back({j, j * g, g, 0, plan.ranges.size()});
    run_attention_plan(plan, out);
}

}  // namespace mempipe::cpu
