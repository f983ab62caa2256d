// Titans' neural long-term memory (memory_fpga.md §A1 "Titans MAC"; arXiv 2501.00663 §3.1;
// lucidrains/titans-pytorch `MemoryMLP`, depth 2): an MLP whose weights are trained while the model
// reads, the memory of the Titans "memory as context" variant (methods: titans-mac).
//
//   M(x) = gelu(x·W1)·W2     x: a row of d features; W1: [d × dh], W2: [dh × d] (row-major f32,
//                            `x @ W` as the reference; no biases); gelu: the erf form.
//
// Per segment (Titans eqs. 8–14 with the reference's MSE over the feature dim):
//   read     h = M(q) with the weights left by the earlier segments (neural_memory_forward);
//   loss     ℓ(W) = Σ_i lr_i · (1/d)·‖M(k_i) − v_i‖², lr_i = θ_i the per-token rates;
//   gradient g = ∂ℓ/∂W (neural_memory_grad):
//              z = k·W1 [n × dh], a = gelu(z), p = a·W2 [n × d], e_i = (2·lr_i / d)·(p_i − v_i),
//              g2 = aᵀ·e [dh × d],  g1 = kᵀ·((e·W2ᵀ) ⊙ gelu'(z)) [d × dh],
//              gelu'(z) = Φ(z) + z·φ(z) (Φ, φ: the standard normal CDF and density);
//   update   the surprise with momentum and the forget gate, element by element over W1 then W2
//            (neural_memory_update):  S ← η·S − g,  W ← (1 − α)·W + S.
// d, dh ≥ 1 (else a usage error); n = 0 gives zero gradients (token pointers may then be null, the
// weights and gradients may not). Every pointer may be unaligned; outputs must not alias inputs.
//
// Numerics: `ref` computes in f64 and rounds once per output element (neural_memory_update: once
// per stage, S then W, as both are f32 state); `cpu` runs the matmuls in f32 with FMA (the ttt
// module's GEMM: AVX-512 at level avx512 and above) and gelu with std::erf. The conformance tests
// bound the cpu error against the ref (tests/ops/neural_memory_cases.cpp).
#pragma once

#include <cstdint>

#include "mempipe/ops/cost.h"

namespace mempipe {

struct NeuralMemoryShape {
    int64_t d = 0;   // features of a row (the model width, or a head's)
    int64_t dh = 0;  // hidden units (the reference's expansion factor × d)
};

// Costs of one call (FLOPs; compulsory bytes: inputs read once, outputs written once).
// forward: 4·n·d·dh + ~20·n·dh (gelu). grad: 10·n·d·dh (the forward, e·W2ᵀ and both weight
// gradients) + ~30·n·dh. update: 5 FLOPs per weight (count = 2·d·dh), reads W, S, g, writes W, S.
OpCost neural_memory_forward_cost(int64_t n, NeuralMemoryShape s);
OpCost neural_memory_grad_cost(int64_t n, NeuralMemoryShape s);
OpCost neural_memory_update_cost(NeuralMemoryShape s);

namespace ref {
// out = M(x): x: [n × d]; w1: [d × dh]; w2: [dh × d]; out: [n × d].
void neural_memory_forward(const float* x, int64_t n, NeuralMemoryShape s, const float* w1,
                           const float* w2, float* out);
// The gradients of ℓ (formula above): k, v: [n × d]; lr: [n]; g1: [d × dh]; g2: [dh × d].
void neural_memory_grad(const float* k, const float* v, const float* lr, int64_t n,
                        NeuralMemoryShape s, const float* w1, const float* w2, float* g1,
                        float* g2);
// In place over W1 then W2 (w1, w2: in/out; s1, s2: the surprise state, in/out; g1, g2: in):
// S ← η·S − g, W ← (1 − α)·W + S. eta, alpha: finite; the reference's gates are in [0, 1].
void neural_memory_update(NeuralMemoryShape s, float* w1, float* w2, float* s1, float* s2,
                          const float* g1, const float* g2, float eta, float alpha);
}  // namespace ref

namespace cpu {
void neural_memory_forward(const float* x, int64_t n, NeuralMemoryShape s, const float* w1,
                           const float* w2, float* out);
void neural_memory_grad(const float* k, const float* v, const float* lr, int64_t n,
                        NeuralMemoryShape s, const float* w1, const float* w2, float* g1,
                        float* g2);
void neural_memory_update(NeuralMemoryShape s, float* w1, float* w2, float* s1, float* s2,
                          const float* g1, const float* g2, float eta, float alpha);
}  // namespace cpu

}  // namespace mempipe
