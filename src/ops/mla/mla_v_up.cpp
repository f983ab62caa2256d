// Value up-projection o·W_UVᵀ (per head 512 → 128): the reference and the cost signature.
#include "mempipe/core/dtype.h"
#include "mempipe/core/error.h"
#include "mempipe/ops/mla.h"
#include "ops/mla/mla_common.h"

namespace mempipe {

OpCost mla_v_up_cost(const MlaShape& s) {
    OpCost c;
    double h = double(s.heads), v = double(s.v_head), l = double(s.latent);
    c.flops = 2.0 * h * v * l;
    c.bytes_read = h * v * l * 2.0 + h * l * 4.0;
    c.bytes_written = h * v * 4.0;
    c.bytes_shared = h * v * l * 2.0;  // W_UV: read once however many sequences
    c.pattern = AccessPattern::Regular;
    return c;
}

namespace ref {

void mla_v_up(const float* o, const uint16_t* w_uv, const MlaShape& s, float* y) {
    mla_detail::check_shape("mla_v_up", s);
    MEMPIPE_CHECK_ARG(o && w_uv && y, "mla_v_up: o, w_uv and y must not be null");
    for (int64_t h = 0; h < s.heads; ++h)
        for (int64_t i = 0; i < s.v_head; ++i) {
            const uint16_t* w = w_uv + (h * s.v_head + i) * s.latent;
            const float* oh = o + h * s.latent;
            double acc = 0;
            for (int64_t j = 0; j < s.latent; ++j) acc += double(oh[j]) * double(bf16_to_f32(w[j]));
            y[h * s.v_head + i] = float(acc);
        }
}

}  // namespace ref
}  // namespace mempipe
