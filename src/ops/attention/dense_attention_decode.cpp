// Dense decode attention: the reference (double-precision oracle) and the cost signature.
#include <vector>

#include "mempipe/ops/attention.h"
#include "ops/attention/attention_common.h"

namespace mempipe {

using attention_detail::TokenRange;

OpCost dense_attention_cost(const AttentionShape& s) {
    OpCost c;
    double n = double(s.n_tokens), d = double(s.d);
    c.flops = 4.0 * d * n * double(s.hq);
    c.bytes_read = n * double(s.hkv) * 2.0 * d * 2.0 + double(s.hq) * d * 4.0;
    c.bytes_written = double(s.hq) * d * 4.0;
    c.pattern = AccessPattern::Regular;
    return c;
}

namespace ref {

void dense_attention_decode(const float* q, const uint16_t* k, const uint16_t* v,
                            const AttentionShape& s, const uint8_t* kv_head_mask, float* out) {
    attention_detail::check_shape("dense_attention_decode", q, k, v, s, out);
    std::vector<TokenRange> all;
    if (s.n_tokens > 0) all.push_back({0, s.n_tokens});
    const int64_t g = s.hq / s.hkv;
    for (int64_t h = 0; h < s.hq; ++h) {
        int64_t kvh = h / g;
        if (kv_head_mask && !kv_head_mask[kvh]) continue;
        attention_detail::attend_head_ref(q + h * s.d, k, v, s, kvh, all, out + h * s.d);
    }
}

}  // namespace ref
}  // namespace mempipe
