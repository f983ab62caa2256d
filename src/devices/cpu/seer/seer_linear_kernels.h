// The gate's two linears (Wq: g·d → d_gate per KV head; Wk: 3·d → d_gate per KV head) share one
// kernel: y[o] = Σ_i x[i] · W[i, o] with bf16 weights, computed per output as an f32 FMA chain over
// i in order (acc = fma(x[i], W[i, o], acc), acc starting at 0). That order is the reference's, so
// every variant is bit-exact with it; the variants differ only in how many outputs they advance at
// once.
#pragma once

#include <cstdint>

namespace mempipe::cpu::seer_kernels {

// x: [n_in] f32; w: [n_in × n_out] bf16 row-major (in × out); y: [n_out] f32.
using LinearChainFn = void (*)(const float* x, int64_t n_in, const uint16_t* w, int64_t n_out,
                               float* y);

void linear_chain_scalar(const float* x, int64_t n_in, const uint16_t* w, int64_t n_out, float* y);
void linear_chain_avx2(const float* x, int64_t n_in, const uint16_t* w, int64_t n_out, float* y);
void linear_chain_avx512(const float* x, int64_t n_in, const uint16_t* w, int64_t n_out, float* y);

}  // namespace mempipe::cpu::seer_kernels
