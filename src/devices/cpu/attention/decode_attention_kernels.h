// Internal: the decode-attention engine shared by the CPU entry points of dense, block-sparse and
// streaming attention.
//
// An entry point validates its arguments and builds an `AttnPlan`: a list of tasks (a KV head and a
// run of its query heads) and the token ranges each task attends. The engine splits the work into
// contiguous slices of equal weight, one per thread; each thread runs an online softmax (flash
// decoding) over its slice into its own per-head state (max, sum, unnormalised output), and the
// states are merged by log-sum-exp at the end. The SIMD level is picked once per call; a variant
// processes a whole slice.
#pragma once

#include <cstdint>
#include <vector>

#include "mempipe/ops/attention.h"
#include "ops/attention/attention_common.h"

namespace mempipe::attention_detail {

struct AttnTask {
    int32_t kv_head = 0;
    int32_t q_begin = 0;  // first query head
    int32_t q_count = 0;  // consecutive query heads of kv_head attending the task's ranges
    size_t range_begin = 0, range_end = 0;  // into AttnPlan::ranges
};

struct AttnPlan {
    const float* q = nullptr;
    const uint16_t* k = nullptr;
    const uint16_t* v = nullptr;
    AttentionShape s;
    std::vector<AttnTask> tasks;     // every active query head appears in exactly one task
    std::vector<TokenRange> ranges;  // sorted, disjoint within a task
    // true: every task attends all of `ranges` (dense, streaming) and the engine walks tokens in
    // the outer loop and tasks in the inner loop, so K and V are streamed sequentially once.
    bool shared_ranges = false;
};

// Tokens [begin, end) attended by the query heads of tasks [task_begin, task_end).
struct WorkItem {
    int64_t begin = 0, end = 0;
    int32_t task_begin = 0, task_end = 0;
};

// One thread's online-softmax state for all hq query heads: m (running max of scaled scores), l
// (sum of exp(score − m)), acc ([hq × d], Σ exp(score − m)·v). Fresh state: m = −inf, l = 0, acc =
// 0.
struct HeadState {
    float* m;
    float* l;
    float* acc;
};

using AttendFn = void (*)(const AttnPlan& plan, const WorkItem* items, size_t n_items,
                          HeadState& st);

void attend_scalar(const AttnPlan& plan, const WorkItem* items, size_t n_items, HeadState& st);
// Requires d % 16 == 0 (the entry falls back to scalar otherwise).
void attend_avx2(const AttnPlan& plan, const WorkItem* items, size_t n_items, HeadState& st);
// Requires d % 32 == 0 (the entry falls back to AVX2 or scalar otherwise).
void attend_avx512(const AttnPlan& plan, const WorkItem* items, size_t n_items, HeadState& st);

// Runs the plan and writes out[h] for every query head of every task (zeros for empty selections).
void run_attention_plan(const AttnPlan& plan, float* out);

}  // namespace mempipe::attention_detail
