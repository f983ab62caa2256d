// cpu::silu_mul: entry point (checks, one SIMD pick, threads over chunks) and the portable variant
// (double arithmetic, as the reference).
#include <cmath>

#include "devices/cpu/activation/activation_kernels.h"
#include "mempipe/core/parallel.h"
#include "mempipe/core/simd.h"
#include "ops/activation/activation_internal.h"

namespace mempipe {

namespace cpu_activation {
void silu_mul_scalar(const float* gate, const float* up, float* out, int64_t n) {
    for (int64_t i = 0; i < n; ++i) {
        double g = gate[i];
        out[i] = float(g / (1.0 + std::exp(-g)) * double(up[i]));
    }
}
}  // namespace cpu_activation

namespace cpu {
void silu_mul(const float* gate, const float* up, float* out, int64_t n) {
    activation_detail::check_silu_mul(gate, up, out, n);
    if (n == 0) return;
    auto fn = simd_pick<cpu_activation::SiluMulFn>(cpu_activation::silu_mul_scalar, nullptr,
                                                   cpu_activation::silu_mul_avx512);
    parallel_for(n, cpu_activation::kElementwiseGrain,
                 [&](int64_t b, int64_t e) { fn(gate + b, up + b, out + b, e - b); });
}
}  // namespace cpu

}  // namespace mempipe
