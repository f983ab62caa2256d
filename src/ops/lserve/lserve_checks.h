// Internal: argument checks shared by the reference and CPU LServe ops.
#pragma once

#include <cstdint>

#include "mempipe/ops/lserve.h"

namespace mempipe::lserve_detail {

int64_t active_kv_heads(const LservePageShape& s, const uint8_t* kv_head_mask);

void check_page_minmax(const uint16_t* keys, int64_t n_tokens, const LservePageShape& s,
                       const uint16_t* stats, int64_t capacity);
void check_page_minmax_update(const uint16_t* key, int64_t pos, const LservePageShape& s,
                              const uint16_t* stats, int64_t capacity);
void check_page_scores(const float* q, const uint16_t* stats, int64_t capacity, int64_t n_logical,
                       const LservePageShape& s, const float* out);
// Returns lserve_pages(history, s).
int64_t check_page_select(const float* scores, int64_t score_stride, int64_t history,
                          const LservePageShape& s, const int32_t* out);

}  // namespace mempipe::lserve_detail
