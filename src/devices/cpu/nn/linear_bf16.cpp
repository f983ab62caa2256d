// cpu::linear_bf16: entry point (checks, dispatch, threads over output columns) and the scalar
// variant.
#include <algorithm>
#include <bit>

#include "devices/cpu/nn/linear_bf16_kernels.h"
#include "mempipe/core/parallel.h"
#include "mempipe/core/simd.h"
#include "mempipe/ops/nn.h"
#include "ops/nn/nn_internal.h"

namespace mempipe {

namespace cpu_nn {
void linear_bf16_scalar(const float* x, const uint16_t* w, const float* bias, float* y, int64_t m,
                        int64_t k, int64_t n, int64_t j0, int64_t j1) {
    constexpr int kLanes = 8;
    for (int64_t i = 0; i < m; ++i)
        for (int64_t j = j0; j < j1; ++j) {
            const float* xr = x + i * k;
            const uint16_t* wr = w + j * k;
            float acc[kLanes] = {};
            int64_t t = 0;
            for (; t + kLanes <= k; t += kLanes)
                for (int l = 0; l < kLanes; ++l)
                    acc[l] += xr[t + l] * std::bit_cast<float>(uint32_t(wr[t + l]) << 16);
            for (; t < k; ++t) acc[0] += xr[t] * std::bit_cast<float>(uint32_t(wr[t]) << 16);
            float s =
                ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
            y[i * n + j] = bias ? s + bias[j] : s;
        }
}
}  // namespace cpu_nn

namespace cpu {
void linear_bf16(const float* x, const uint16_t* w, const float* bias, float* y, int64_t m,
                 int64_t k, int64_t n) {
    nn_detail::check_linear(x, w, y, m, k, n);
    if (m == 0 || n == 0) return;
    auto fn = simd_pick<cpu_nn::LinearBf16Fn>(cpu_nn::linear_bf16_scalar, cpu_nn::linear_bf16_avx2,
                                              cpu_nn::linear_bf16_avx512);
    // Threads split the output columns; a chunk carries ≥ 256 K multiply-adds so that small layers
    // run inline.
    const int64_t work_per_col = std::max<int64_t>(1, m * k);
    const int64_t grain = std::max<int64_t>(8, ((int64_t(1) << 18) / work_per_col + 7) / 8 * 8);
    parallel_for(n, grain, [&](int64_t j0, int64_t j1) { fn(x, w, bias, y, m, k, n, j0, j1); });
}
}  // namespace cpu

}  // namespace mempipe
