// Decode attention over a paged cache: the reference (double-precision softmax per query head).
#include "mempipe/ops/attention.h"
#include "ops/attention/paged_common.h"

namespace mempipe {

namespace ref {
void paged_attention_decode(const float* q, const PagedKvCache& cache, int64_t n_tokens, int64_t hq,
                            float scale, float* out) {
    attention_detail::check_paged_decode(q, cache, n_tokens, hq, scale, out);
    const int64_t g = hq / cache.hkv;
    for (int64_t h = 0; h < hq; ++h)
        attention_detail::attend_paged_ref(q + h * cache.d, cache, h / g, n_tokens, scale,
                                           out + h * cache.d);
}
}  // namespace ref

}  // namespace mempipe
