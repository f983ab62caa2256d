// Scalar variant of the gate's bf16-weight linear (see seer_linear_kernels.h).
#include <cmath>

#include "mempipe/core/dtype.h"
#include "seer_linear_kernels.h"

namespace mempipe::cpu::seer_kernels {

void linear_chain_scalar(const float* x, int64_t n_in, const uint16_t* w, int64_t n_out, float* y) {
    for (int64_t o = 0; o < n_out; ++o) y[o] = 0.0f;
    for (int64_t i = 0; i < n_in; ++i) {
        const float p = x[i];
        const uint16_t* row = w + i * n_out;
        for (int64_t o = 0; o < n_out; ++o) y[o] = std::fma(p, bf16_to_f32(row[o]), y[o]);
    }
}

}  // namespace mempipe::cpu::seer_kernels
