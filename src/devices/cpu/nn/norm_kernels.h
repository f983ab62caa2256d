// Internal: variants of cpu::layer_norm, cpu::rms_norm and cpu::hadamard128.
#pragma once

#include <cstdint>

namespace mempipe::cpu_nn {

using LayerNormFn = void (*)(const float* x, const float* gamma, const float* beta, float* y,
                             int64_t rows, int64_t dim, float eps);
using RmsNormFn = void (*)(const float* x, const float* gamma, float* y, int64_t rows, int64_t dim,
                           float eps);
using Hadamard128Fn = void (*)(float* x, int64_t rows);

void layer_norm_scalar(const float* x, const float* gamma, const float* beta, float* y,
                       int64_t rows, int64_t dim, float eps);
void layer_norm_avx512(const float* x, const float* gamma, const float* beta, float* y,
                       int64_t rows, int64_t dim, float eps);
void rms_norm_scalar(const float* x, const float* gamma, float* y, int64_t rows, int64_t dim,
                     float eps);
void rms_norm_avx512(const float* x, const float* gamma, float* y, int64_t rows, int64_t dim,
                     float eps);
void hadamard128_scalar(float* x, int64_t rows);
void hadamard128_avx512(float* x, int64_t rows);

}  // namespace mempipe::cpu_nn
