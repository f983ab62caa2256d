// Dense building blocks of the Prepare steps: linear layers, normalisation, rotary embeddings and the
// 128-point Hadamard transform. Activations are f32 in memory; `round_bf16` reproduces the reference
// models' bf16 casts between ops where bit-faithfulness needs them.
#pragma once

#include <cstdint>
#include <vector>

#include "mempipe/ops/cost.h"

namespace mempipe {

enum class RopeStyle {
    NeoX,         // half-split: pairs (i, i + rot_dim/2) — Llama, Qwen, the DSA indexer (fixed)
    Interleaved,  // adjacent pairs (2i, 2i+1) — DeepSeek MLA's own rope part
};

// Inverse frequencies [rot_dim/2]: theta^(-2i/rot_dim).
std::vector<float> rope_inv_freq(int64_t rot_dim, double theta);
// YaRN-corrected inverse frequencies as in DeepSeek-V3 (precompute_freqs_cis): factor, beta_fast,
// beta_slow, original_seq_len; applied when the max sequence length exceeds original_seq_len.
std::vector<float> rope_inv_freq_yarn(int64_t rot_dim, double theta, double factor, double beta_fast,
                                      double beta_slow, int64_t original_seq_len);

OpCost linear_cost(int64_t m, int64_t k, int64_t n);  // bf16 weights [n × k]
OpCost norm_cost(int64_t rows, int64_t dim);
OpCost rope_cost(int64_t rows, int64_t rot_dim);
OpCost hadamard128_cost(int64_t rows);

// Rounds every element to the nearest bf16 value (RNE), in place.
void round_bf16(float* x, int64_t n);

namespace ref {
// y[m × n] = x[m × k] · wᵀ + bias; w: [n × k] bf16 row-major (out × in); bias: [n] or nullptr.
// f32 products, accumulation in f64 (the oracle), result rounded to f32.
void linear_bf16(const float* x, const uint16_t* w, const float* bias, float* y, int64_t m, int64_t k, int64_t n);
// LayerNorm over rows of `dim`: (x − mean)/sqrt(var + eps)·gamma + beta (beta may be nullptr).
void layer_norm(const float* x, const float* gamma, const float* beta, float* y, int64_t rows, int64_t dim, float eps);
void rms_norm(const float* x, const float* gamma, float* y, int64_t rows, int64_t dim, float eps);
// In place on x: [rows × row_stride]; rotates dims [0, rot_dim) of each row at `position` using
// inv_freq [rot_dim/2]. rot_dim even, ≤ row_stride.
void rope(float* x, int64_t rows, int64_t row_stride, int64_t rot_dim, int64_t position, const float* inv_freq,
          RopeStyle style);
// In place on x: [rows × 128]; Sylvester (natural-order) Walsh–Hadamard transform × 128^-0.5.
void hadamard128(float* x, int64_t rows);
}  // namespace ref

namespace cpu {
void linear_bf16(const float* x, const uint16_t* w, const float* bias, float* y, int64_t m, int64_t k, int64_t n);
void layer_norm(const float* x, const float* gamma, const float* beta, float* y, int64_t rows, int64_t dim, float eps);
void rms_norm(const float* x, const float* gamma, float* y, int64_t rows, int64_t dim, float eps);
void rope(float* x, int64_t rows, int64_t row_stride, int64_t rot_dim, int64_t position, const float* inv_freq,
          RopeStyle style);
void hadamard128(float* x, int64_t rows);
}  // namespace cpu

}  // namespace mempipe
