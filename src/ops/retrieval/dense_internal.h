// Internal: argument checks and the per-query int8 quantisation shared by ref:: and cpu:: dense
// ops.
#pragma once

#include <cstdint>

#include "mempipe/ops/dense_retrieval.h"

namespace mempipe::dense_detail {

// Validates a key view and the query/output pointers of dense_scores / dense_top_k (usage errors
// naming `op`).
void check_keys(const char* op, const DenseKeysView& keys);
void check_queries(const char* op, const float* queries, int64_t nq, const DenseKeysView& keys);

// The documented symmetric rule for one row: scale = max|x| / 127 (f32), out = RNE(x / scale)
// clamped to [−127, 127]; an all-zero row gets scale 0 and zeros. Returns the scale.
float quantize_row_i8(const float* x, int64_t d, int8_t* out);

}  // namespace mempipe::dense_detail
