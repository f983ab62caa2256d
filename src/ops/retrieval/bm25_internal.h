// Shared by the bm25 query ops (ref and cpu): argument validation and the score shift.
#pragma once

#include <cstdint>

#include "mempipe/ops/bm25.h"

namespace mempipe::bm25_detail {

// Validates a query against `index` (usage errors name the op): pointers present for what the op
// reads, term ids in range, every query term's postings within [0, num_docs) (checked on the last,
// largest doc id of each list), k ≥ 0, outputs present when k > 0. `need_blocks` also requires the
// block-max arrays. Pass k = 0 and null outputs for bm25_scores.
void check_query(const char* op, const PostingsView& index, const uint32_t* terms, int64_t n_terms,
                 bool need_blocks);
void check_outputs(const char* op, int64_t k, const float* out_scores, const int32_t* out_docs);

// shift = float32 fold, in query order, of nonocc[t_i] (0 when nonocc is null).
float query_shift(const PostingsView& index, const uint32_t* terms, int64_t n_terms);

}  // namespace mempipe::bm25_detail
