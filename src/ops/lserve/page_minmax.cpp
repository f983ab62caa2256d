// Reference page_minmax and page_minmax_update: per KV head, per logical page, element-wise max/min
// of the page's bf16 keys, merged token by token in order.
#include "mempipe/core/dtype.h"
#include "mempipe/ops/lserve.h"
#include "ops/lserve/lserve_checks.h"

namespace mempipe {

using lserve_detail::active_kv_heads;

OpCost page_minmax_cost(int64_t n_tokens, const LservePageShape& s, int64_t active) {
    OpCost c;
    double elems = double(n_tokens) * double(active) * double(s.d);
    c.flops = 2 * elems;  // one max and one min per key element
    c.bytes_read = 2 * elems;
    c.bytes_written =
        double(lserve_logical_pages(n_tokens, s)) * double(active) * 2.0 * double(s.d) * 2.0;
    c.pattern = AccessPattern::Regular;
    return c;
}

OpCost page_minmax_update_cost(const LservePageShape& s, int64_t active) {
    OpCost c;
    double elems = double(active) * double(s.d);
    c.flops = 2 * elems;
    c.bytes_read = 2 * elems + 4 * elems;  // the key and the page's kmax/kmin
    c.bytes_written = 4 * elems;
    c.pattern = AccessPattern::Regular;
    return c;
}

namespace ref {

namespace {
void merge(const uint16_t* key, uint16_t* kmax, uint16_t* kmin, int64_t d) {
    for (int64_t c = 0; c < d; ++c) {
        float k = bf16_to_f32(key[c]);
        if (k > bf16_to_f32(kmax[c])) kmax[c] = key[c];
        if (k < bf16_to_f32(kmin[c])) kmin[c] = key[c];
    }
}
}  // namespace

void page_minmax(const uint16_t* keys, int64_t n_tokens, const LservePageShape& s,
                 const uint8_t* kv_head_mask, uint16_t* stats, int64_t capacity) {
    lserve_detail::check_page_minmax(keys, n_tokens, s, stats, capacity);
    const int64_t d = s.d, lp = s.logical_page;
    for (int64_t j = 0; j < s.hkv; ++j) {
        if (kv_head_mask && !kv_head_mask[j]) continue;
        for (int64_t p = 0; p * lp < n_tokens; ++p) {
            uint16_t* kmax = stats + ((j * capacity + p) * 2) * d;
            uint16_t* kmin = kmax + d;
            for (int64_t t = p * lp; t < n_tokens && t < (p + 1) * lp; ++t) {
                const uint16_t* key = keys + (t * s.hkv + j) * d;
                if (t == p * lp) {
                    for (int64_t c = 0; c < d; ++c) kmax[c] = kmin[c] = key[c];
                } else {
                    merge(key, kmax, kmin, d);
                }
            }
        }
    }
}

void page_minmax_update(const uint16_t* key, int64_t pos, const LservePageShape& s,
                        const uint8_t* kv_head_mask, uint16_t* stats, int64_t capacity) {
    lserve_detail::check_page_minmax_update(key, pos, s, stats, capacity);
    const int64_t d = s.d, p = pos / s.logical_page;
    for (int64_t j = 0; j < s.hkv; ++j) {
        if (kv_head_mask && !kv_head_mask[j]) continue;
        uint16_t* kmax = stats + ((j * capacity + p) * 2) * d;
        uint16_t* kmin = kmax + d;
        if (pos % s.logical_page == 0) {
            for (int64_t c = 0; c < d; ++c) kmax[c] = kmin[c] = key[j * d + c];
        } else {
            merge(key + j * d, kmax, kmin, d);
        }
    }
}

}  // namespace ref
}  // namespace mempipe
