// Query absorption q_nope·W_UK (per head 128 → 512): the reference and the cost signature.
#include <algorithm>
#include <vector>

#include "mempipe/core/dtype.h"
#include "mempipe/core/error.h"
#include "mempipe/ops/mla.h"
#include "ops/mla/mla_common.h"

namespace mempipe {

OpCost mla_absorb_q_cost(const MlaShape& s) {
    OpCost c;
    double h = double(s.heads), n = double(s.nope), l = double(s.latent);
    c.flops = 2.0 * h * n * l;
    c.bytes_read = h * n * l * 2.0 + h * n * 4.0;
    c.bytes_written = h * l * 4.0;
    c.bytes_shared = h * n * l * 2.0;  // W_UK: read once however many sequences
    c.pattern = AccessPattern::Regular;
    return c;
}

namespace ref {

void mla_absorb_q(const float* q_nope, const uint16_t* w_uk, const MlaShape& s, float* q_abs) {
    mla_detail::check_shape("mla_absorb_q", s);
    MEMPIPE_CHECK_ARG(q_nope && w_uk && q_abs,
                      "mla_absorb_q: q_nope, w_uk and q_abs must not be null");
    const int64_t stride = s.latent + s.rope;
    std::vector<double> acc(static_cast<size_t>(s.latent));
    for (int64_t h = 0; h < s.heads; ++h) {
        std::fill(acc.begin(), acc.end(), 0.0);
        for (int64_t i = 0; i < s.nope; ++i) {
            double qv = q_nope[h * s.nope + i];
            const uint16_t* w = w_uk + (h * s.nope + i) * s.latent;
            for (int64_t j = 0; j < s.latent; ++j) acc[size_t(j)] += qv * double(bf16_to_f32(w[j]));
        }
        for (int64_t j = 0; j < s.latent; ++j) q_abs[h * stride + j] = float(acc[size_t(j)]);
    }
}

}  // namespace ref
}  // namespace mempipe
