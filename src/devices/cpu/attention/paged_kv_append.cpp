// cpu::paged_kv_append: rows are resolved through the block table and rounded to bf16 by the
// same RNE conversion as the reference (identical bits). A decode step appends one row per layer
// and a prefill chunk a few hundred: the copy is negligible next to the projections, so one
// portable loop serves every SIMD level.
#include "mempipe/core/dtype.h"
#include "mempipe/core/error.h"
#include "mempipe/ops/attention.h"
#include "ops/attention/paged_common.h"

namespace mempipe::cpu {

void paged_kv_append(const PagedKvCache& cache, int64_t len, const float* k_new, const float* v_new,
                     int64_t m) {
    MEMPIPE_CHECK_ARG(len >= 0 && m >= 0, "paged_kv_append: len and m must be ≥ 0, got {} and {}",
                      len, m);
    attention_detail::check_paged("paged_kv_append", cache, len + m);
    MEMPIPE_CHECK_ARG(m == 0 || (k_new && v_new), "paged_kv_append: k_new or v_new is null");
    const int64_t row = cache.hkv * cache.d;
    for (int64_t i = 0; i < m; ++i) {
        int64_t off = attention_detail::paged_row(cache, len + i) * row;
        uint16_t* kd = cache.k + off;
        uint16_t* vd = cache.v + off;
        const float* ks = k_new + i * row;
        const float* vs = v_new + i * row;
        for (int64_t e = 0; e < row; ++e) kd[e] = f32_to_bf16(ks[e]);
        for (int64_t e = 0; e < row; ++e) vd[e] = f32_to_bf16(vs[e]);
    }
}

}  // namespace mempipe::cpu
