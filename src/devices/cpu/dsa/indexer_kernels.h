// Internal: the DSA indexer scoring kernels shared by cpu::mqa_relu_logits and cpu::score_top_k.
//
// A call first prepares its queries once (layouts the SIMD kernels want, int8 requantisation), then
// scores page-aligned key ranges with a `ScoreRangeFn` picked once per call.
#pragma once

#include <cstdint>

#include "mempipe/core/buffer.h"
#include "mempipe/ops/dsa.h"

namespace mempipe::cpu_dsa {

inline constexpr int64_t kHeadChunk = 64;  // heads are zero-padded to a multiple of this

// Position `pos` of a converted bf16 key row holds dimension faithful_dim(pos): the order produced
// by the AVX-512 fp8→bf16 conversion (vpermi2b + byte unpacks inside 128-bit lanes). Queries use
// the same order.
inline int faithful_dim(int pos) {
    int c = pos / 64, part = (pos % 64) / 32, w = pos % 32;
    return c * 64 + 16 * (w / 8) + 8 * part + (w % 8);
}

struct PreparedQueries {
    IndexerPath path = IndexerPath::Faithful;
    int64_t batch = 0, heads = 0, hp = 0;  // hp: heads padded to a multiple of kHeadChunk
    // Faithful: [batch × heads × 128] e4m3 values as f32 (natural order)
    Buffer<float> qf;
    // Faithful: [batch × 64 pairs × hp] bf16 pairs in faithful_dim order
    Buffer<uint32_t> qt;
    // Faithful: [batch × 128 dims × hp] e4m3 values as f32 (natural order; the AVX2 kernel)
    Buffer<float> qft;
    // Int8: [batch × heads × 128] requantised queries
    Buffer<int8_t> qi;
    // Int8: [batch × 32 quads × hp] 4 × s8 (dims 4d..4d+3)
    Buffer<uint32_t> qt8;
    // Int8: [batch × hp] = −128·Σ_d q_i (undoes the +128 offset of the u8 keys)
    Buffer<int32_t> corr;
    // Int8: [batch × hp/16 × 16 rows × 16] corr repeated per row: the AMX accumulator start tiles
    Buffer<int32_t> corr_rows;
    // [batch × hp]: weights (Faithful) or ws (Int8), zero-padded
    Buffer<float> w;
};

PreparedQueries prepare_queries(const uint8_t* q8, const float* weights, int64_t batch,
                                int64_t heads, IndexerPath path);

// Scores keys [s0, s1) (s0 a multiple of 64, s1 ≤ keys.len) for every query:
// out[b·out_stride + (s − s0)] = logit of key s for query b.
using ScoreRangeFn = void (*)(const PreparedQueries& q, const IndexKeysView& keys, int64_t s0,
                              int64_t s1, float* out, int64_t out_stride);

void score_faithful_scalar(const PreparedQueries& q, const IndexKeysView& keys, int64_t s0,
                           int64_t s1, float* out, int64_t out_stride);
void score_int8_scalar(const PreparedQueries& q, const IndexKeysView& keys, int64_t s0, int64_t s1,
                       float* out, int64_t out_stride);
void score_faithful_avx2(const PreparedQueries& q, const IndexKeysView& keys, int64_t s0,
                         int64_t s1, float* out, int64_t out_stride);
void score_int8_avx2(const PreparedQueries& q, const IndexKeysView& keys, int64_t s0, int64_t s1,
                     float* out, int64_t out_stride);
void score_faithful_avx512(const PreparedQueries& q, const IndexKeysView& keys, int64_t s0,
                           int64_t s1, float* out, int64_t out_stride);
void score_int8_avx512(const PreparedQueries& q, const IndexKeysView& keys, int64_t s0, int64_t s1,
                       float* out, int64_t out_stride);
void score_faithful_amx(const PreparedQueries& q, const IndexKeysView& keys, int64_t s0, int64_t s1,
                        float* out, int64_t out_stride);
void score_int8_amx(const PreparedQueries& q, const IndexKeysView& keys, int64_t s0, int64_t s1,
                    float* out, int64_t out_stride);

ScoreRangeFn pick_scorer(IndexerPath path);  // dispatch on the active SIMD level

}  // namespace mempipe::cpu_dsa
