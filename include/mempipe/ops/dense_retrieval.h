// dense_top_k: flat (exhaustive) dense retrieval — inner products of query vectors against a key
// matrix, fused with top-k (RAG's Compute Relevancy + Retrieval for embedding search), plus the
// int8 row quantisation that prepares int8 keys.
//
// Keys are a row-major matrix [n × d] in one of three dtypes (DenseKeysView):
//   * F32:  score = Σ_j q[j]·k[j];
//   * BF16: keys are bf16 bit patterns widened exactly to f32; queries stay f32 (not rounded);
//           score = Σ_j q[j]·f32(k[j]);
//   * I8:   key row i ≈ scale[i]·k8[i] (per-row f32 scale). The query is quantised per query,
//           symmetric: qscale = max_j |q[j]| / 127 (f32 division), q8[j] = RNE(q[j] / qscale)
//           clamped to [−127, 127] (q8 = 0 and qscale = 0 for an all-zero query). The dot product
//           is EXACT in int32: D = Σ_j q8[j]·k8[j] (|D| ≤ d·127·128 < 2^31 for d ≤ 65536), and
//           score = f32(D) · (qscale · scale[i])  (f32 operations in exactly this order).
// Exactness and tolerance: the reference accumulates F32/BF16 dot products in double and rounds
// once to f32; the fast kernels accumulate in f32 (FMA, in a lane-parallel order), so with
// u = 2^-24 and A = Σ_j |q[j]·k[j]|:   |score_cpu − score_ref| ≤ (d + 2)·u·A.
// For integer-valued inputs whose partial sums stay below 2^24 both are exact. The I8 path is
// bit-exact across all backends.
// Top-k semantics are top_k.h's: score descending, ties → lower key index, padding with index −1
// and value −inf when k > n. Inputs must be finite (and small enough that no dot product
// overflows). Cost: the keys are read once per call (the kernels block over keys so a key block is
// reused by every query of the batch): memory-bound for small batches, 2·nq·n·d FLOP.
#pragma once

#include <cstdint>

#include "mempipe/core/dtype.h"
#include "mempipe/ops/cost.h"

namespace mempipe {

inline constexpr int64_t kDenseI8MaxDim = 65536;  // int32 dot products stay exact up to this d

// A read-only key matrix. data: [n × d] elements of `dtype` (F32: float, BF16: uint16_t bits, I8:
// int8_t), row-major, contiguous; scales: [n] f32 for I8 (nullptr otherwise).
struct DenseKeysView {
    DType dtype = DType::F32;
    const void* data = nullptr;
    const float* scales = nullptr;
    int64_t n = 0;
    int64_t d = 0;
};

OpCost dense_scores_cost(int64_t nq, int64_t n, int64_t d, DType dtype);
OpCost dense_top_k_cost(int64_t nq, int64_t n, int64_t d, DType dtype, int64_t k);
OpCost quant_int8_rows_cost(int64_t rows, int64_t d);

namespace ref {
// Relevancy alone. queries: [nq × d] f32; out_scores: [nq × n] f32 row-major.
void dense_scores(const float* queries, int64_t nq, const DenseKeysView& keys, float* out_scores);
// Relevancy + retrieval. queries: [nq × d] f32; out_values: [nq × k] (may be nullptr);
// out_indices: [nq × k] key rows.
void dense_top_k(const float* queries, int64_t nq, const DenseKeysView& keys, int64_t k,
                 float* out_values, int32_t* out_indices);
// Symmetric per-row int8 quantisation (the rule used for queries above, applied to each row):
// x: [rows × d] f32; out: [rows × d] int8; scales: [rows] f32.
void quant_int8_rows(const float* x, int64_t rows, int64_t d, int8_t* out, float* scales);
}  // namespace ref

namespace cpu {
// Same contracts as ref; AVX-512 / AVX2 / scalar kernels, threads over key ranges.
void dense_scores(const float* queries, int64_t nq, const DenseKeysView& keys, float* out_scores);
void dense_top_k(const float* queries, int64_t nq, const DenseKeysView& keys, int64_t k,
                 float* out_values, int32_t* out_indices);
void quant_int8_rows(const float* x, int64_t rows, int64_t d, int8_t* out, float* scales);
}  // namespace cpu

}  // namespace mempipe
