// Internal: the SIMD variants of the activation family (entry points in silu_mul.cpp, gelu.cpp,
// embedding_lookup.cpp; AVX-512 variants in *_avx512.cpp). Each variant processes a contiguous
// range and is called per thread chunk.
#pragma once

#include <cstdint>

#include "mempipe/ops/activation.h"

namespace mempipe::cpu_activation {

using SiluMulFn = void (*)(const float* gate, const float* up, float* out, int64_t n);
using GeluFn = void (*)(const float* x, float* out, int64_t n, GeluKind kind);
// Rows [0, m) of the gather; ids already validated.
using EmbeddingFn = void (*)(const uint16_t* table, int64_t dim, const int32_t* ids, int64_t m,
                             float* out);

void silu_mul_scalar(const float* gate, const float* up, float* out, int64_t n);
void silu_mul_avx512(const float* gate, const float* up, float* out, int64_t n);
void gelu_scalar(const float* x, float* out, int64_t n, GeluKind kind);
void gelu_avx512(const float* x, float* out, int64_t n, GeluKind kind);
void embedding_scalar(const uint16_t* table, int64_t dim, const int32_t* ids, int64_t m,
                      float* out);
void embedding_avx512(const uint16_t* table, int64_t dim, const int32_t* ids, int64_t m,
                      float* out);

// Elements per thread chunk below which the element-wise ops stay on one thread.
inline constexpr int64_t kElementwiseGrain = int64_t(1) << 15;

}  // namespace mempipe::cpu_activation
