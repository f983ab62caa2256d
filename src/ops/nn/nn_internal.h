// Argument checks shared by the reference and the CPU kernels of the nn family.
#pragma once

#include <cstdint>

#include "mempipe/core/error.h"

namespace mempipe::nn_detail {

inline void check_linear(const float* x, const uint16_t* w, float* y, int64_t m, int64_t k,
                         int64_t n) {
    MEMPIPE_CHECK_ARG(m >= 0 && k >= 0 && n >= 0,
                      "linear_bf16: sizes must be ≥ 0, got m {} k {} n {}", m, k, n);
    MEMPIPE_CHECK_ARG(m * n == 0 || y, "linear_bf16: y is null with m {} n {}", m, n);
    MEMPIPE_CHECK_ARG(m * n * k == 0 || (x && w), "linear_bf16: x or w is null with m {} k {} n {}",
                      m, k, n);
}

inline void check_norm(const char* op, const float* x, const float* gamma, float* y, int64_t rows,
                       int64_t dim, float eps) {
    MEMPIPE_CHECK_ARG(rows >= 0 && dim >= 0, "{}: sizes must be ≥ 0, got rows {} dim {}", op, rows,
                      dim);
    MEMPIPE_CHECK_ARG(rows * dim == 0 || (x && gamma && y), "{}: x, gamma or y is null", op);
    MEMPIPE_CHECK_ARG(eps >= 0, "{}: eps must be ≥ 0, got {}", op, eps);
}

inline void check_rope(const float* x, int64_t rows, int64_t row_stride, int64_t rot_dim,
                       const float* inv_freq) {
    MEMPIPE_CHECK_ARG(rows >= 0, "rope: rows must be ≥ 0, got {}", rows);
    MEMPIPE_CHECK_ARG(rot_dim >= 0 && rot_dim % 2 == 0,
                      "rope: rot_dim must be even and ≥ 0, got {}", rot_dim);
    MEMPIPE_CHECK_ARG(rot_dim <= row_stride, "rope: rot_dim {} exceeds row_stride {}", rot_dim,
                      row_stride);
    MEMPIPE_CHECK_ARG(rows == 0 || rot_dim == 0 || (x && inv_freq), "rope: x or inv_freq is null");
}

inline void check_hadamard(const float* x, int64_t rows) {
    MEMPIPE_CHECK_ARG(rows >= 0, "hadamard128: rows must be ≥ 0, got {}", rows);
    MEMPIPE_CHECK_ARG(rows == 0 || x, "hadamard128: x is null with rows = {}", rows);
}

}  // namespace mempipe::nn_detail
