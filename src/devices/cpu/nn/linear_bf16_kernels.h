// Internal: SIMD variants of cpu::linear_bf16. Each computes output columns [j0, j1) of every row:
// y[i, j] = Σ_t x[i, t]·w[j, t] + bias[j] with f32 accumulation (see nn.h).
#pragma once

#include <cstdint>

namespace mempipe::cpu_nn {

using LinearBf16Fn = void (*)(const float* x, const uint16_t* w, const float* bias, float* y,
                              int64_t m, int64_t k, int64_t n, int64_t j0, int64_t j1);

void linear_bf16_scalar(const float* x, const uint16_t* w, const float* bias, float* y, int64_t m,
                        int64_t k, int64_t n, int64_t j0, int64_t j1);
void linear_bf16_avx2(const float* x, const uint16_t* w, const float* bias, float* y, int64_t m,
                      int64_t k, int64_t n, int64_t j0, int64_t j1);
void linear_bf16_avx512(const float* x, const uint16_t* w, const float* bias, float* y, int64_t m,
                        int64_t k, int64_t n, int64_t j0, int64_t j1);

}  // namespace mempipe::cpu_nn
