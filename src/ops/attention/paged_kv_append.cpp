// Appending K/V rows to a paged cache: the reference and the cost signature.
#include "mempipe/core/dtype.h"
#include "mempipe/core/error.h"
#include "mempipe/ops/attention.h"
#include "ops/attention/paged_common.h"

namespace mempipe {

OpCost paged_kv_append_cost(int64_t m, int64_t hkv, int64_t d) {
    OpCost c;
    double elems = double(m) * double(hkv) * double(d);
    c.bytes_read = 2.0 * elems * 4.0;
    c.bytes_written = 2.0 * elems * 2.0;
    c.pattern = AccessPattern::Irregular;  // rows land where the block table says
    return c;
}

void attention_detail::append_rows(const PagedKvCache& cache, int64_t len, const float* k_new,
                                   const float* v_new, int64_t m) {
    MEMPIPE_CHECK_ARG(len >= 0 && m >= 0, "paged_kv_append: len and m must be ≥ 0, got {} and {}",
                      len, m);
    attention_detail::check_paged("paged_kv_append", cache, len + m);
    MEMPIPE_CHECK_ARG(m == 0 || (k_new && v_new), "paged_kv_append: k_new or v_new is null");
    const int64_t row = cache.hkv * cache.d;
    for (int64_t i = 0; i < m; ++i) {
        int64_t off = attention_detail::paged_row(cache, len + i) * row;
        for (int64_t e = 0; e < row; ++e) {
            cache.k[off + e] = f32_to_bf16(k_new[i * row + e]);
            cache.v[off + e] = f32_to_bf16(v_new[i * row + e]);
        }
    }
}

namespace ref {
void paged_kv_append(const PagedKvCache& cache, int64_t len, const float* k_new, const float* v_new,
                     int64_t m) {
    attention_detail::append_rows(cache, len, k_new, v_new, m);
}
}  // namespace ref

}  // namespace mempipe
