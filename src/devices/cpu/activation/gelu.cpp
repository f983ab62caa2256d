// cpu::gelu: entry point (checks, one SIMD pick, threads over chunks) and the portable variant
// (double arithmetic, as the reference).
#include <cmath>

#include "devices/cpu/activation/activation_kernels.h"
#include "mempipe/core/parallel.h"
#include "mempipe/core/simd.h"
#include "ops/activation/activation_internal.h"

namespace mempipe {

namespace cpu_activation {
void gelu_scalar(const float* x, float* out, int64_t n, GeluKind kind) {
    const double kSqrtHalf = std::sqrt(0.5), kA = 2.0 * std::sqrt(2.0 / M_PI);
    for (int64_t i = 0; i < n; ++i) {
        double v = x[i];
        out[i] = kind == GeluKind::Erf
                     ? float(v * (0.5 * std::erfc(-v * kSqrtHalf)))
                     : float(v / (1.0 + std::exp(-kA * (v + 0.044715 * v * v * v))));
    }
}
}  // namespace cpu_activation

namespace cpu {
void gelu(const float* x, float* out, int64_t n, GeluKind kind) {
    activation_detail::check_gelu(x, out, n);
    if (n == 0) return;
    auto fn = simd_pick<cpu_activation::GeluFn>(cpu_activation::gelu_scalar, nullptr,
                                                cpu_activation::gelu_avx512);
    parallel_for(n, cpu_activation::kElementwiseGrain,
                 [&](int64_t b, int64_t e) { fn(x + b, out + b, e - b, kind); });
}
}  // namespace cpu

}  // namespace mempipe
