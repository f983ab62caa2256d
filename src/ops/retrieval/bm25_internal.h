// Shared by the bm25 query ops (ref, cpu, fpga): argument validation, the fold order and the
// score shift.
#pragma once

#include <cstdint>
#include <vector>

#include "mempipe/ops/bm25.h"

namespace mempipe::bm25_detail {

// Validates a query against `index` (usage errors name the op): pointers present for what the op
// reads, term ids in range, every query term's postings within [0, num_docs) (checked on the last,
// largest doc id of each list), k ≥ 0, outputs present when k > 0. `need_blocks` also requires the
// block-max arrays. Pass k = 0 and null outputs for bm25_scores.
void check_query(const char* op, const PostingsView& index, const uint32_t* terms, int64_t n_terms,
                 bool need_blocks);
void check_outputs(const char* op, int64_t k, const float* out_scores, const int32_t* out_docs);

// The query in fold order (ops/bm25.h): its terms with df < bm25_presence_min_df(num_docs) in query
// order, then the others in query order. Returns `terms` itself when the query is already in that
// order, else `buf` (resized) holding the reordered terms. Call after check_query.
const uint32_t* fold_order(const PostingsView& index, const uint32_t* terms, int64_t n_terms,
                           std::vector<uint32_t>& buf);

// shift = float32 fold, in query order, of nonocc[t_i] (0 when nonocc is null); pass the query in
// fold order.
float query_shift(const PostingsView& index, const uint32_t* terms, int64_t n_terms);

}  // namespace mempipe::bm25_detail
