// Block-sparse decode attention (SeerAttention-R per KV head, LServe per query head): the reference
// and the cost signature.
#include <vector>

#include "mempipe/ops/attention.h"
#include "ops/attention/attention_common.h"

namespace mempipe {

using attention_detail::TokenRange;

// FLOPs: 4·d per (attended token, query head). Bytes: K and V rows of the attended tokens, once per
// list: per KV head for PerKvHead; per query head for PerQueryHead (each query head's blocks are
// streamed for it; an upper bound when query heads of one KV head pick the same blocks).
OpCost block_sparse_attention_cost(const AttentionShape& s, int64_t attended_tokens_per_group,
                                   SelectionGroups groups) {
    OpCost c;
    double a = double(attended_tokens_per_group), d = double(s.d);
    double lists = groups == SelectionGroups::PerKvHead ? double(s.hkv) : double(s.hq);
    c.flops = 4.0 * d * a * double(s.hq);
    c.bytes_read = a * lists * 2.0 * d * 2.0 + double(s.hq) * d * 4.0;
    c.bytes_written = double(s.hq) * d * 4.0;
    c.pattern = AccessPattern::Irregular;
    return c;
}

namespace ref {

void block_sparse_attention_decode(const float* q, const uint16_t* k, const uint16_t* v,
                                   const AttentionShape& s, const int32_t* blocks,
                                   int64_t max_blocks, int64_t block_size, SelectionGroups groups,
                                   const uint8_t* kv_head_mask, float* out) {
    attention_detail::check_shape("block_sparse_attention_decode", q, k, v, s, out);
    attention_detail::check_blocks(s, blocks, max_blocks, block_size, groups);
    const int64_t g = s.hq / s.hkv;
    std::vector<TokenRange> ranges;
    for (int64_t h = 0; h < s.hq; ++h) {
        int64_t kvh = h / g;
        if (kv_head_mask && !kv_head_mask[kvh]) continue;
        int64_t list = groups == SelectionGroups::PerKvHead ? kvh : h;
        attention_detail::block_ranges(blocks + list * max_blocks, max_blocks, block_size,
                                       s.n_tokens, ranges);
        attention_detail::attend_head_ref(q + h * s.d, k, v, s, kvh, ranges, out + h * s.d);
    }
}

}  // namespace ref
}  // namespace mempipe
