// Element-wise activations and the token-embedding gather of the dense substrate (model/): the
// SwiGLU gate of decoder MLPs (silu_mul), the GELU of encoder MLPs (gelu) and the first op of every
// model (embedding_lookup).
//
// Semantics (the references evaluate them in double and round once to f32):
//   silu_mul:  out[i] = g·σ(g)·u with g = gate[i], u = up[i], σ(g) = 1 / (1 + e^−g)
//              (the SwiGLU of Llama/Qwen: silu(gate_proj(x)) · up_proj(x)). silu(−∞) = −∞·0 = NaN,
//              as the formula (and PyTorch) gives; NaN in → NaN out.
//   gelu Erf:  out[i] = x·Φ(x), Φ(x) = ½·erfc(−x/√2) (BERT's exact GELU). gelu(−∞) = NaN (−∞·0).
//   gelu Tanh: out[i] = ½·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), evaluated as the identical
//              x / (1 + e^(−2·√(2/π)·(x + 0.044715·x³))) (no cancellation in 1 + tanh).
//   embedding_lookup: out[r, :] = f32(table[ids[r], :]) (exact bf16 widening: cpu == ref bit for
//              bit). An id outside [0, vocab) is a usage error naming its position; nothing is
//              written then.
// out may alias gate, up or x exactly (in place); partial overlaps are not allowed. Every pointer
// may be unaligned; n = 0 / m = 0 / dim = 0 do nothing.
//
// Fast kernels (AVX-512 at level ≥ avx512, a portable loop below it) use f32 arithmetic with a
// polynomial exp (≈ 1 ulp on the reduced range) and, for Erf, the erfc approximation of Numerical
// Recipes (erfcc: fractional error < 1.2e-7 everywhere) with x² split exactly by an FMA so that the
// large exponent −x²/2 carries no rounding. Bounds against the references (what the conformance
// tests check, u = 2^-24):
//   silu_mul:  |err| ≤ 8u·|ref| + 1e-37 + 2^-148·(|g| + 1)·|u| (the last term: σ(g) < 2^-126,
//              i.e. g < −87.3, is a denormal f32 with fewer significant bits).
//   gelu Erf:  |err| ≤ 2e-6·|ref| + 1e-37.
//   gelu Tanh: |err| ≤ (2e-6 + 4u·|a|)·|ref| + 1e-37, a = 2·√(2/π)·(x + 0.044715·x³) the exponent
//              (~4 f32 roundings in a cost ~4u·|a| relative; |a| ≤ 12 for |x| ≤ 4).
#pragma once

#include <cstdint>

#include "mempipe/ops/cost.h"

namespace mempipe {

enum class GeluKind : uint8_t { Erf, Tanh };

// silu_mul: ~6 FLOPs per element (exp counted as one), reads 8n bytes, writes 4n.
OpCost silu_mul_cost(int64_t n);
// gelu: ~10 FLOPs per element, reads and writes 4n bytes.
OpCost gelu_cost(int64_t n);
// embedding_lookup: no FLOPs; reads m·dim·2 bytes of table rows (irregular: gathered by id) and
// 4m id bytes, writes m·dim·4.
OpCost embedding_lookup_cost(int64_t m, int64_t dim);

namespace ref {
// gate, up, out: [n] f32.
void silu_mul(const float* gate, const float* up, float* out, int64_t n);
// x, out: [n] f32.
void gelu(const float* x, float* out, int64_t n, GeluKind kind);
// table: [vocab × dim] bf16 bit patterns, row-major; ids: [m] int32 in [0, vocab);
// out: [m × dim] f32, row-major.
void embedding_lookup(const uint16_t* table, int64_t vocab, int64_t dim, const int32_t* ids,
                      int64_t m, float* out);
}  // namespace ref

namespace cpu {
void silu_mul(const float* gate, const float* up, float* out, int64_t n);
void gelu(const float* x, float* out, int64_t n, GeluKind kind);
void embedding_lookup(const uint16_t* table, int64_t vocab, int64_t dim, const int32_t* ids,
                      int64_t m, float* out);
}  // namespace cpu

}  // namespace mempipe
