// Internal: page_minmax kernel variants. Each computes logical pages [p_begin, p_end) of every KV
// head not masked out (see include/mempipe/ops/lserve.h for layouts and the merge rule).
#pragma once

#include <cstdint>

#include "mempipe/ops/lserve.h"

namespace mempipe::cpu::lserve_detail {

using PageMinmaxFn = void (*)(const uint16_t* keys, int64_t n_tokens, const LservePageShape& s,
                              const uint8_t* kv_head_mask, uint16_t* stats, int64_t capacity,
                              int64_t p_begin, int64_t p_end);

void page_minmax_scalar(const uint16_t* keys, int64_t n_tokens, const LservePageShape& s,
                        const uint8_t* kv_head_mask, uint16_t* stats, int64_t capacity,
                        int64_t p_begin, int64_t p_end);
// Requires d % 16 == 0.
void page_minmax_avx512(const uint16_t* keys, int64_t n_tokens, const LservePageShape& s,
                        const uint8_t* kv_head_mask, uint16_t* stats, int64_t capacity,
                        int64_t p_begin, int64_t p_end);

}  // namespace mempipe::cpu::lserve_detail
