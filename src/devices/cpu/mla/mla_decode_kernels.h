// Internal: the absorbed-form MLA decode engine shared by cpu::sparse_mla_decode and
// cpu::dense_mla_decode.
//
// The attended tokens (a list, or 0..n−1) are split into contiguous slices, one per thread; each
// thread runs an online softmax over its slice into its own state (per-head max and sum,
// unnormalised [heads × latent] output) and the states are merged by log-sum-exp. The SIMD level is
// picked once per call; a variant processes a whole slice.
#pragma once

#include <cstdint>

#include "mempipe/ops/mla.h"

namespace mempipe::mla_detail {

struct MlaWork {
    const float* q_abs = nullptr;     // [heads × (latent + rope)] f32
    const uint16_t* kv = nullptr;     // [n × (latent + rope)] bf16
    const int32_t* tokens = nullptr;  // [count] valid row indices; nullptr = rows 0..count−1
    int64_t count = 0;
    MlaShape s;
};

// One thread's state: m [heads] running max of scaled scores, l [heads] Σ exp(score − m),
// o [heads × latent] Σ exp(score − m)·c_t. Fresh: m = −inf, l = 0, o = 0.
struct MlaState {
    float* m;
    float* l;
    float* o;
};

// Attends tokens [begin, end) of the work's list.
using MlaAttendFn = void (*)(const MlaWork& w, int64_t begin, int64_t end, MlaState& st);

void mla_attend_scalar(const MlaWork& w, int64_t begin, int64_t end, MlaState& st);
// Requires heads, latent and rope to be multiples of 16 (the engine falls back to scalar
// otherwise).
void mla_attend_avx2(const MlaWork& w, int64_t begin, int64_t end, MlaState& st);
// Requires heads, latent and rope to be multiples of 16 (the engine falls back to scalar
// otherwise).
void mla_attend_avx512(const MlaWork& w, int64_t begin, int64_t end, MlaState& st);
// Requires heads % 16 == 0, latent % 16 == 0 and (latent + rope) % 32 == 0; AMX tile state granted.
void mla_attend_amx(const MlaWork& w, int64_t begin, int64_t end, MlaState& st);

// Runs the work on up to num_threads() threads and writes out: [heads × latent].
void run_mla_decode(const MlaWork& w, float* out);

}  // namespace mempipe::mla_detail
