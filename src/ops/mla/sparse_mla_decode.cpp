// Token-sparse MLA decode (DSA's Apply step): the reference, the cost signature and the softmax
// scale.
#include <cmath>

#include "mempipe/core/error.h"
#include "mempipe/ops/mla.h"
#include "ops/mla/mla_common.h"

namespace mempipe {

float mla_softmax_scale(int64_t qk_head_dim, double rope_factor, bool long_context) {
    MEMPIPE_CHECK_ARG(qk_head_dim >= 1, "mla_softmax_scale: qk_head_dim must be ≥ 1, got {}",
                      qk_head_dim);
    MEMPIPE_CHECK_ARG(rope_factor > 0 && std::isfinite(rope_factor),
                      "mla_softmax_scale: rope_factor must be positive, got {}", rope_factor);
    double scale = 1.0 / std::sqrt(double(qk_head_dim));
    if (long_context) {
        double mscale = 0.1 * std::log(rope_factor) + 1.0;
        scale *= mscale * mscale;
    }
    return float(scale);
}

// Per selected token: a (latent + rope)-wide bf16 row read once (gathered), and for every head
// 2·(latent + rope) FLOPs for the score and 2·latent for the weighted sum.
OpCost sparse_mla_cost(const MlaShape& s, int64_t selected) {
    OpCost c;
    double t = double(selected), w = double(s.latent + s.rope), h = double(s.heads);
    c.flops = h * t * (2.0 * w + 2.0 * double(s.latent));
    c.bytes_read = t * w * 2.0 + t * 4.0 + h * w * 4.0;
    c.bytes_written = h * double(s.latent) * 4.0;
    c.pattern = AccessPattern::Irregular;
    return c;
}

namespace ref {

void sparse_mla_decode(const float* q_abs, const uint16_t* kv, int64_t n_tokens,
                       const int32_t* indices, int64_t topk, const MlaShape& s, float* out) {
    mla_detail::check_decode("sparse_mla_decode", q_abs, kv, n_tokens, s, out);
    std::vector<int32_t> tokens = mla_detail::valid_indices(indices, topk, n_tokens);
    mla_detail::attend_ref(q_abs, kv, tokens, s, out);
}

}  // namespace ref
}  // namespace mempipe
