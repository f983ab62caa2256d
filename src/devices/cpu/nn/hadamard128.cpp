// cpu::hadamard128: entry point and the scalar variant (in-place butterflies in f32, then the
// scale). The AVX-512 variant performs the same additions in the same order, so both agree bit for
// bit.
#include "devices/cpu/nn/norm_kernels.h"
#include "mempipe/core/simd.h"
#include "mempipe/ops/nn.h"
#include "ops/nn/nn_internal.h"

namespace mempipe {

namespace cpu_nn {
void hadamard128_scalar(float* x, int64_t rows) {
    const float scale = 0.08838834764831845f;  // f32(128^-0.5)
    for (int64_t r = 0; r < rows; ++r) {
        float* v = x + r * 128;
        for (int h = 64; h >= 1; h >>= 1)
            for (int i = 0; i < 128; ++i)
                if ((i & h) == 0) {
                    float a = v[i], b = v[i + h];
                    v[i] = a + b;
                    v[i + h] = a - b;
                }
        for (int i = 0; i < 128; ++i) v[i] *= scale;
    }
}
}  // namespace cpu_nn

namespace cpu {
void hadamard128(float* x, int64_t rows) {
    nn_detail::check_hadamard(x, rows);
    if (rows == 0) return;
    simd_pick<cpu_nn::Hadamard128Fn>(cpu_nn::hadamard128_scalar, nullptr,
                                     cpu_nn::hadamard128_avx512)(x, rows);
}
}  // namespace cpu

}  // namespace mempipe
