// Internal helpers shared by the MLA references and the CPU kernels: argument validation and the
// double-precision oracle for absorbed-form decode attention over a list of tokens.
#pragma once

#include <cstdint>
#include <vector>

#include "mempipe/ops/mla.h"

namespace mempipe::mla_detail {

// Throws a usage error for a bad shape (`op` names the caller).
void check_shape(const char* op, const MlaShape& s);
// Validates a decode call: n_tokens ≥ 0, non-null pointers, finite scale.
void check_decode(const char* op, const float* q_abs, const uint16_t* kv, int64_t n_tokens,
                  const MlaShape& s, const float* out);
// Validates `indices` ([topk], −1 = skip, otherwise in [0, n_tokens), no duplicates) and returns
// the valid ones in their given order.
std::vector<int32_t> valid_indices(const int32_t* indices, int64_t topk, int64_t n_tokens);

// out: [heads × latent]; softmax over `tokens` in double with the maximum subtracted; zeros when
// empty.
void attend_ref(const float* q_abs, const uint16_t* kv, const std::vector<int32_t>& tokens,
                const MlaShape& s, float* out);

}  // namespace mempipe::mla_detail
