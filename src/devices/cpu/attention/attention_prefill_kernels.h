// Internal: the chunked-prefill attention kernels (entry point and scalar variant in
// attention_prefill.cpp, AVX-512 variant in attention_prefill_avx512.cpp).
//
// Work unit: a query tile = up to kPrefillLanes (row, head) pairs of one KV head j. The pairs of
// j are numbered lane L = i·g + r (row i, query head j·g + r, g = hq / hkv), so a tile spans
// consecutive rows and shares every K/V row it loads across all its lanes. A tile attends positions
// [0, key_end) with key_end = past + (last row) + 1 when causal, past + m otherwise; positions
// beyond a lane's own (past + i) are masked out per lane. Tiles are independent (no merge), and the
// entry point spreads them over threads, heaviest (latest rows) first.
#pragma once

#include <cstdint>

#include "mempipe/ops/attention.h"

namespace mempipe::attention_detail {

inline constexpr int64_t kPrefillLanes = 32;  // (row, head) pairs per query tile
inline constexpr int64_t kPrefillKeys = 32;   // positions per online-softmax step

struct PrefillCtx {
    const float* q;  // [m × hq × d]
    PagedKvCache cache;
    PrefillShape s;
    int64_t g;   // hq / hkv
    float* out;  // [m × hq × d]
};

// Runs lanes [lane_begin, lane_begin + n_lanes) of KV head j (n_lanes ≤ kPrefillLanes) and writes
// their outputs. `scratch` is a per-thread buffer of prefill_scratch_floats(d) floats, 64-byte
// aligned.
using PrefillTileFn = void (*)(const PrefillCtx& c, int64_t j, int64_t lane_begin, int64_t n_lanes,
                               float* scratch);

int64_t prefill_scratch_floats(int64_t d);

void prefill_tile_scalar(const PrefillCtx& c, int64_t j, int64_t lane_begin, int64_t n_lanes,
                         float* scratch);
// Requires d % 16 == 0 (the entry point falls back to scalar otherwise).
void prefill_tile_avx512(const PrefillCtx& c, int64_t j, int64_t lane_begin, int64_t n_lanes,
                         float* scratch);

}  // namespace mempipe::attention_detail
