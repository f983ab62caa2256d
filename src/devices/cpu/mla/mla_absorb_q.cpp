// cpu::mla_absorb_q: checks, head split over threads, and the portable scalar variant.
#include <algorithm>
#include <vector>

#include "devices/cpu/mla/mla_absorb_q_kernels.h"
#include "mempipe/core/dtype.h"
#include "mempipe/core/error.h"
#include "mempipe/core/parallel.h"
#include "mempipe/core/simd.h"
#include "ops/mla/mla_common.h"

namespace mempipe {

namespace mla_detail {
void absorb_q_scalar(const float* q_nope, const uint16_t* w_uk, const MlaShape& s, float* q_abs,
                     int64_t h_begin, int64_t h_end) {
    const int64_t stride = s.latent + s.rope;
    std::vector<float> acc(static_cast<size_t>(s.latent));
    for (int64_t h = h_begin; h < h_end; ++h) {
        std::fill(acc.begin(), acc.end(), 0.0f);
        for (int64_t i = 0; i < s.nope; ++i) {
            float qv = q_nope[h * s.nope + i];
            const uint16_t* w = w_uk + (h * s.nope + i) * s.latent;
            for (int64_t j = 0; j < s.latent; ++j) acc[size_t(j)] += qv * bf16_to_f32(w[j]);
        }
        std::copy(acc.begin(), acc.end(), q_abs + h * stride);
    }
}
}  // namespace mla_detail

namespace cpu {

void mla_absorb_q(const float* q_nope, const uint16_t* w_uk, const MlaShape& s, float* q_abs) {
    mla_detail::check_shape("mla_absorb_q", s);
    MEMPIPE_CHECK_ARG(q_nope && w_uk && q_abs,
                      "mla_absorb_q: q_nope, w_uk and q_abs must not be null");
    auto fn = simd_pick<mla_detail::AbsorbFn>(
        mla_detail::absorb_q_scalar, mla_detail::absorb_q_avx2, mla_detail::absorb_q_avx512);
    if (s.latent % 32 != 0) fn = mla_detail::absorb_q_scalar;
    int64_t grain = std::max<int64_t>(1, (1 << 18) / std::max<int64_t>(1, s.nope * s.latent));
    parallel_for(s.heads, grain, [&](int64_t b, int64_t e) { fn(q_nope, w_uk, s, q_abs, b, e); });
}

}  // namespace cpu
}  // namespace mempipe
