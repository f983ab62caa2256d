// Internal to the neural_memory ops (include/mempipe/ops/neural_memory.h): the argument checks the
// ref and cpu entry points share, and the f64 gelu of the reference.
#pragma once

#include <cmath>
#include <cstdint>

#include "mempipe/ops/neural_memory.h"

namespace mempipe::neural_memory_detail {

// Every check of neural_memory_forward: d, dh ≥ 1, n ≥ 0, x and out non-null when n > 0, w1 and
// w2 non-null.
void check_forward_args(const float* x, int64_t n, NeuralMemoryShape s, const float* w1,
                        const float* w2, const float* out);
// Every check of neural_memory_grad: as forward for k, v and the weights; lr non-null when n > 0;
// g1, g2 non-null (written even when n = 0).
void check_grad_args(const float* k, const float* v, const float* lr, int64_t n,
                     NeuralMemoryShape s, const float* w1, const float* w2, const float* g1,
                     const float* g2);
// Every check of neural_memory_update: d, dh ≥ 1, all six arrays non-null, eta and alpha finite.
void check_update_args(NeuralMemoryShape s, const float* w1, const float* w2, const float* s1,
                       const float* s2, const float* g1, const float* g2, float eta, float alpha);

inline constexpr double kInvSqrt2 = 0.70710678118654752440;
inline constexpr double kInvSqrt2Pi = 0.39894228040143267794;

// gelu(z) = z·Φ(z) = 0.5·z·(1 + erf(z/√2)).
inline double gelu(double z) {
    return 0.5 * z * (1.0 + std::erf(z * kInvSqrt2));
}
// gelu'(z) = Φ(z) + z·φ(z).
inline double gelu_grad(double z) {
    return 0.5 * (1.0 + std::erf(z * kInvSqrt2)) + z * kInvSqrt2Pi * std::exp(-0.5 * z * z);
}

}  // namespace mempipe::neural_memory_detail
