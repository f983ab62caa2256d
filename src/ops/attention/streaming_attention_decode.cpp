// Streaming decode attention (attention sinks + a local window, LServe's streaming heads): the
// reference and the cost signature.
#include <algorithm>
#include <vector>

#include "mempipe/ops/attention.h"
#include "ops/attention/attention_common.h"

namespace mempipe {

using attention_detail::TokenRange;

// Attended tokens per head = |first sink ∪ last local| = min(n, sink + local); only the query heads
// of the `active_kv_heads` KV heads run.
OpCost streaming_attention_cost(const AttentionShape& s, int64_t sink, int64_t local,
                                int64_t active_kv_heads) {
    OpCost c;
    double a =
        double(std::min(s.n_tokens, std::max<int64_t>(0, sink) + std::max<int64_t>(0, local)));
    double d = double(s.d), g = s.hkv > 0 ? double(s.hq / s.hkv) : 0.0,
           kvh = double(active_kv_heads);
    c.flops = 4.0 * d * a * kvh * g;
    c.bytes_read = a * kvh * 2.0 * d * 2.0 + kvh * g * d * 4.0;
    c.bytes_written = kvh * g * d * 4.0;
    c.pattern = AccessPattern::Regular;
    return c;
}

namespace ref {

void streaming_attention_decode(const float* q, const uint16_t* k, const uint16_t* v,
                                const AttentionShape& s, int64_t sink, int64_t local,
                                const uint8_t* kv_head_mask, float* out) {
    attention_detail::check_shape("streaming_attention_decode", q, k, v, s, out);
    attention_detail::check_streaming(sink, local);
    std::vector<TokenRange> ranges = attention_detail::streaming_ranges(s.n_tokens, sink, local);
    const int64_t g = s.hq / s.hkv;
    for (int64_t h = 0; h < s.hq; ++h) {
        int64_t kvh = h / g;
        if (kv_head_mask && !kv_head_mask[kvh]) continue;
        attention_detail::attend_head_ref(q + h * s.d, k, v, s, kvh, ranges, out + h * s.d);
    }
}

}  // namespace ref
}  // namespace mempipe
