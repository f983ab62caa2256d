// round_bf16: the bf16 casts of the reference models, applied in place to f32 activations.
#include "mempipe/core/dtype.h"
#include "mempipe/core/error.h"
#include "mempipe/ops/nn.h"

namespace mempipe {

void round_bf16(float* x, int64_t n) {
    MEMPIPE_CHECK_ARG(n >= 0, "round_bf16: n must be ≥ 0, got {}", n);
    MEMPIPE_CHECK_ARG(n == 0 || x != nullptr, "round_bf16: x is null with n = {}", n);
    for (int64_t i = 0; i < n; ++i) x[i] = bf16_to_f32(f32_to_bf16(x[i]));
}

}  // namespace mempipe
