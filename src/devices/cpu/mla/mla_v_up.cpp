// cpu::mla_v_up: checks, head split over threads, and the portable scalar variant.
#include <algorithm>

#include "devices/cpu/mla/mla_v_up_kernels.h"
#include "mempipe/core/dtype.h"
#include "mempipe/core/error.h"
#include "mempipe/core/parallel.h"
#include "mempipe/core/simd.h"
#include "ops/mla/mla_common.h"

namespace mempipe {

namespace mla_detail {
void v_up_scalar(const float* o, const uint16_t* w_uv, const MlaShape& s, float* y, int64_t h_begin,
                 int64_t h_end) {
    for (int64_t h = h_begin; h < h_end; ++h)
        for (int64_t i = 0; i < s.v_head; ++i) {
            const uint16_t* w = w_uv + (h * s.v_head + i) * s.latent;
            const float* oh = o + h * s.latent;
            float acc = 0;
            for (int64_t j = 0; j < s.latent; ++j) acc += oh[j] * bf16_to_f32(w[j]);
            y[h * s.v_head + i] = acc;
        }
}
}  // namespace mla_detail

namespace cpu {

void mla_v_up(const float* o, const uint16_t* w_uv, const MlaShape& s, float* y) {
    mla_detail::check_shape("mla_v_up", s);
    MEMPIPE_CHECK_ARG(o && w_uv && y, "mla_v_up: o, w_uv and y must not be null");
    auto fn = simd_pick<mla_detail::VUpFn>(mla_detail::v_up_scalar, mla_detail::v_up_avx2,
                                           mla_detail::v_up_avx512);
    if (s.latent % 32 != 0) fn = mla_detail::v_up_scalar;
    int64_t grain = std::max<int64_t>(1, (1 << 18) / std::max<int64_t>(1, s.v_head * s.latent));
    parallel_for(s.heads, grain, [&](int64_t b, int64_t e) { fn(o, w_uv, s, y, b, e); });
}

}  // namespace cpu
}  // namespace mempipe
