// Internal: the SIMD variants of the memory_recall family (entry points in memory_recall_scores.cpp
// and memory_recall_read.cpp; AVX-512 variants in *_avx512.cpp). Variants work on a range of rows
// (scores) or columns (the weighted sum) and are called once per thread chunk.
#pragma once

#include <cstdint>

namespace mempipe::cpu_memory_recall {

// scores[i] for i in [i0, i1): scale·q·K_iᵀ.
using ScoresFn = void (*)(const float* q, const float* keys, int64_t i0, int64_t i1, int64_t h,
                          float scale, float* scores);
// The softmax of scores [n] into a [n] (all n; single-threaded: n is small next to n·d).
using SoftmaxFn = void (*)(const float* scores, int64_t n, float* a);
// p[j] for j in [j0, j1): Σ_i a_i·mem[i·d + j].
using WeightedSumFn = void (*)(const float* a, const float* mem, int64_t n, int64_t d, int64_t j0,
                               int64_t j1, float* p);

void scores_scalar(const float* q, const float* keys, int64_t i0, int64_t i1, int64_t h,
                   float scale, float* scores);
void scores_avx512(const float* q, const float* keys, int64_t i0, int64_t i1, int64_t h,
                   float scale, float* scores);
void softmax_scalar(const float* scores, int64_t n, float* a);
void softmax_avx512(const float* scores, int64_t n, float* a);
void weighted_sum_scalar(const float* a, const float* mem, int64_t n, int64_t d, int64_t j0,
                         int64_t j1, float* p);
void weighted_sum_avx512(const float* a, const float* mem, int64_t n, int64_t d, int64_t j0,
                         int64_t j1, float* p);

// The maximum of scores [n] with NaN propagation (any NaN → NaN); −∞ for n = 0.
float softmax_max(const float* scores, int64_t n);

// Work per thread chunk below which a call stays on one thread (multiply-adds): 2^18 is ~20–40 µs
// of f32 FMAs on one core, ≥ 5× an OpenMP fork/join, so HMT's recall at N = 100, d = 4096 (4·10^5
// MACs per op) runs on one thread and the million-entry-scale calls split.
inline constexpr int64_t kRecallGrain = int64_t(1) << 18;

}  // namespace mempipe::cpu_memory_recall
