// Dense building blocks of the Prepare steps: linear layers, normalisation, rotary embeddings and
// the 128-point Hadamard transform. Activations are f32 in memory; `round_bf16` reproduces the
// reference models' bf16 casts between ops where bit-faithfulness needs them (no op here rounds its
// input or output to bf16 itself: the caller inserts `round_bf16` where the model casts).
//
// Numerics of the fast kernels against the oracles (what the conformance tests check):
//   * linear_bf16: x stays f32 (it is NOT rounded to bf16), weights are widened exactly to f32 and
//     the products accumulated in f32 with FMA (|err| ≤ (k+2)·2^-24·Σ|x·w|);
//   * layer_norm / rms_norm: f32 sums (error ~1e-6 of the output scale);
//   * rope: bit-identical to the reference (same cos/sin table, f64 products, one rounding);
//   * hadamard128: the fast transform in f32 (7 butterfly stages, then × f32(128^-0.5)).
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
std::vector<float> rope_inv_freq_yarn(int64_t rot_dim, double theta, double factor,
                                      double beta_fast, double beta_slow, int64_t original_seq_len);
// Llama 3.1's scaled frequencies (transformers' _compute_llama3_parameters, in f32 as there): with
// wavelength λ = 2π / f, λ < L/high_freq_factor keeps f, λ > L/low_freq_factor takes f / factor,
// and between them f is blended: s = (L/λ − low) / (high − low), f·((1 − s)/factor + s); L =
// original_max_position.
std::vector<float> rope_inv_freq_llama3(int64_t rot_dim, double theta, double factor,
                                        double low_freq_factor, double high_freq_factor,
                                        int64_t original_max_position);

// The rotation table of `rope` for one position: angle_i = f32(f32(position) · inv_freq[i]) (the
// f32 outer product of torch), cos_out[i] = f32(cos(angle_i)), sin_out[i] = f32(sin(angle_i))
// evaluated in f64. inv_freq, cos_out, sin_out: [half].
void rope_cos_sin(int64_t position, const float* inv_freq, int64_t half, float* cos_out,
                  float* sin_out);

OpCost linear_cost(int64_t m, int64_t k, int64_t n);  // bf16 weights [n × k]
OpCost norm_cost(int64_t rows, int64_t dim);
OpCost rope_cost(int64_t rows, int64_t rot_dim);
OpCost hadamard128_cost(int64_t rows);

// Rounds every element to the nearest bf16 value (RNE), in place.
void round_bf16(float* x, int64_t n);

namespace ref {
// y[m × n] = x[m × k] · wᵀ + bias; x: [m × k] f32; w: [n × k] bf16 row-major (out × in); bias: [n]
// or nullptr; y: [m × n] f32 (must not alias x). Exact f32 × bf16 products, accumulation in f64
// (the oracle), result rounded to f32. The cpu kernel is multi-threaded over n; m ≤ 64 is the
// intended range (decode GEMV m = 1 streams the weights once at DRAM bandwidth), larger m works.
void linear_bf16(const float* x, const uint16_t* w, const float* bias, float* y, int64_t m,
                 int64_t k, int64_t n);
// LayerNorm over rows of `dim` (x, y: [rows × dim]; gamma, beta: [dim]):
// (x − mean) / sqrt(var + eps) · gamma + beta, biased variance; beta may be nullptr; y may alias x.
void layer_norm(const float* x, const float* gamma, const float* beta, float* y, int64_t rows,
                int64_t dim, float eps);
void rms_norm(const float* x, const float* gamma, float* y, int64_t rows, int64_t dim, float eps);
// In place on x: [rows × row_stride]; rotates dims [0, rot_dim) of each row at `position` using
// inv_freq [rot_dim/2]. rot_dim even, ≤ row_stride. With (c_i, s_i) from `rope_cos_sin` and the
// pair (a, b) = (x[i], x[i + rot_dim/2]) (NeoX) or (x[2i], x[2i+1]) (Interleaved):
//   a' = f32(a·c_i − b·s_i), b' = f32(a·s_i + b·c_i), products and sums in f64.
void rope(float* x, int64_t rows, int64_t row_stride, int64_t rot_dim, int64_t position,
          const float* inv_freq, RopeStyle style);
// In place on x: [rows × 128]; Sylvester (natural-order) Walsh–Hadamard transform × 128^-0.5:
// y[i] = 128^-0.5 · Σ_j (−1)^popcount(i & j) · x[j] (the reference sums in f64, rounds once).
void hadamard128(float* x, int64_t rows);
}  // namespace ref

namespace cpu {
void linear_bf16(const float* x, const uint16_t* w, const float* bias, float* y, int64_t m,
                 int64_t k, int64_t n);
void layer_norm(const float* x, const float* gamma, const float* beta, float* y, int64_t rows,
                int64_t dim, float eps);
void rms_norm(const float* x, const float* gamma, float* y, int64_t rows, int64_t dim, float eps);
void rope(float* x, int64_t rows, int64_t row_stride, int64_t rot_dim, int64_t position,
          const float* inv_freq, RopeStyle style);
void hadamard128(float* x, int64_t rows);
}  // namespace cpu

}  // namespace mempipe
