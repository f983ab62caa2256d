// Internal: the argument checks shared by ref:: and cpu:: fuse_rrf / fuse_weighted (usage errors
// naming the op and the argument).
#pragma once

#include <cstdint>

namespace mempipe::fusion_detail {

void check_fuse_rrf(const int32_t* const* lists, const int64_t* lengths, int64_t n_lists,
                    double k_rrf, int64_t k, const int32_t* out_docs);
void check_fuse_weighted(const int32_t* a_docs, const float* a_scores, int64_t n_a,
                         const int32_t* b_docs, const float* b_scores, int64_t n_b, double alpha,
                         int64_t k, const int32_t* out_docs);

}  // namespace mempipe::fusion_detail
