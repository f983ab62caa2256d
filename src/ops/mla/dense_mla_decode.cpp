// Dense MLA decode (the baseline DSA is compared with): the reference and the cost signature.
#include <cstdint>
#include <numeric>
#include <vector>

#include "mempipe/core/error.h"
#include "mempipe/ops/mla.h"
#include "ops/mla/mla_common.h"

namespace mempipe {

OpCost dense_mla_cost(const MlaShape& s, int64_t n_tokens) {
    OpCost c;
    double t = double(n_tokens), w = double(s.latent + s.rope), h = double(s.heads);
    c.flops = h * t * (2.0 * w + 2.0 * double(s.latent));
    c.bytes_read = t * w * 2.0 + h * w * 4.0;
    c.bytes_written = h * double(s.latent) * 4.0;
    c.pattern = AccessPattern::Regular;
    return c;
}

namespace ref {

void dense_mla_decode(const float* q_abs, const uint16_t* kv, int64_t n_tokens, const MlaShape& s,
                      float* out) {
    mla_detail::check_decode("dense_mla_decode", q_abs, kv, n_tokens, s, out);
    MEMPIPE_CHECK_ARG(n_tokens <= INT32_MAX, "dense_mla_decode: n_tokens {} exceeds 2^31 − 1",
                      n_tokens);
    std::vector<int32_t> tokens(static_cast<size_t>(n_tokens));
    std::iota(tokens.begin(), tokens.end(), 0);
    mla_detail::attend_ref(q_abs, kv, tokens, s, out);
}

}  // namespace ref
}  // namespace mempipe
