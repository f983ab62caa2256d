// Internal: page_scores kernel variants. Each scores physical pages [pp_begin, pp_end) for the
// query heads of KV head j, in the canonical order of include/mempipe/ops/lserve.h (bit-identical
// to ref).
#pragma once

#include <cstdint>

#include "mempipe/ops/lserve.h"

namespace mempipe::cpu::lserve_detail {

using PageScoresFn = void (*)(const float* q, const uint16_t* stats, int64_t capacity,
                              int64_t n_logical, const LservePageShape& s, int64_t j,
                              int64_t pp_begin, int64_t pp_end, float* out);

void page_scores_scalar(const float* q, const uint16_t* stats, int64_t capacity, int64_t n_logical,
                        const LservePageShape& s, int64_t j, int64_t pp_begin, int64_t pp_end,
                        float* out);
// Requires d % 16 == 0.
void page_scores_avx2(const float* q, const uint16_t* stats, int64_t capacity, int64_t n_logical,
                      const LservePageShape& s, int64_t j, int64_t pp_begin, int64_t pp_end,
                      float* out);
// Requires d % 32 == 0.
void page_scores_avx512(const float* q, const uint16_t* stats, int64_t capacity, int64_t n_logical,
                        const LservePageShape& s, int64_t j, int64_t pp_begin, int64_t pp_end,
                        float* out);

}  // namespace mempipe::cpu::lserve_detail
