// cpu::paged_kv_append: the shared copy (attention_detail::append_rows): rows resolved through
// the block table and rounded to bf16 by the same RNE conversion as the reference (identical
// bits). A decode step appends one row per layer and a prefill chunk a few hundred: the copy is
// negligible next to the projections, so one portable loop serves every SIMD level.
#include "mempipe/ops/attention.h"
#include "ops/attention/paged_common.h"

namespace mempipe::cpu {

void paged_kv_append(const PagedKvCache& cache, int64_t len, const float* k_new, const float* v_new,
                     int64_t m) {
    attention_detail::append_rows(cache, len, k_new, v_new, m);
}

}  // namespace mempipe::cpu
