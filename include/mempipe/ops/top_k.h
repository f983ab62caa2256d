// top_k: the k largest values of a row and their indices (Retrieval step).
//
// Exact semantics (the contract every backend meets bit for bit):
//   * output is sorted by value descending; equal values are ordered by index ascending, so on a
//   tie at
//     rank k the lower index is kept;
//   * when k > n, positions n..k-1 are padded with index −1 and value −inf;
//   * NaN inputs are not allowed (callers score finite values); −inf and +inf are ordinary values;
//   * −0.0 and +0.0 compare equal (a tie, broken by index).
// Cost: n reads, k writes, data-dependent access.
#pragma once

#include <cstdint>

#include "mempipe/ops/cost.h"

namespace mempipe {

OpCost top_k_cost(int64_t n, int64_t k);

namespace ref {
// x: [n]; out_values: [k]; out_indices: [k]. n ≥ 0, k ≥ 0.
void top_k(const float* x, int64_t n, int64_t k, float* out_values, int32_t* out_indices);
}  // namespace ref

namespace cpu {
// Same contract as ref::top_k. Multi-threaded for large n; out_values may be nullptr.
void top_k(const float* x, int64_t n, int64_t k, float* out_values, int32_t* out_indices);
// Batched rows: x: [rows × n], out: [rows × k].
void top_k_rows(const float* x, int64_t rows, int64_t n, int64_t k, float* out_values,
                int32_t* out_indices);
}  // namespace cpu

}  // namespace mempipe
