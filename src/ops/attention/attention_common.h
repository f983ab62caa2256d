// Internal helpers shared by the attention references and the CPU kernels: argument validation,
// the token sets each op attends, and the double-precision oracle for one query head.
#pragma once

#include <cstdint>
#include <vector>

#include "mempipe/ops/attention.h"

namespace mempipe::attention_detail {

// A half-open token interval [begin, end).
struct TokenRange {
    int64_t begin = 0;
    int64_t end = 0;
};

// Throws a usage error for a bad shape or missing pointer (`op` names the caller in the message).
void check_shape(const char* op, const float* q, const uint16_t* k, const uint16_t* v,
                 const AttentionShape& s, const float* out);
// Validates block lists: block_size ≥ 1, max_blocks ≥ 0, entries in [−1, ceil(n / block_size)).
void check_blocks(const AttentionShape& s, const int32_t* blocks, int64_t max_blocks,
                  int64_t block_size, SelectionGroups groups);
void check_streaming(int64_t sink, int64_t local);

int64_t selection_group_count(const AttentionShape& s, SelectionGroups groups);

// The sorted, disjoint, non-adjacent token ranges covered by one group's block list
// (`list`: [max_blocks] int32, −1 padded, repeats allowed).
void block_ranges(const int32_t* list, int64_t max_blocks, int64_t block_size, int64_t n_tokens,
                  std::vector<TokenRange>& out);
// The union of the first `sink` and the last `local` of n tokens, as sorted disjoint ranges.
std::vector<TokenRange> streaming_ranges(int64_t n_tokens, int64_t sink, int64_t local);

// The oracle for one query head: softmax over the given tokens computed in double with the maximum
// subtracted; writes out_h: [d] (zeros when `ranges` is empty).
void attend_head_ref(const float* q_h, const uint16_t* k, const uint16_t* v,
                     const AttentionShape& s, int64_t kv_head,
                     const std::vector<TokenRange>& ranges, float* out_h);

}  // namespace mempipe::attention_detail
