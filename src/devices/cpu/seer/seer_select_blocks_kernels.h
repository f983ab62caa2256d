// Variants of the SeerAttention-R block selection. The top-k path first bounds the k-th best score
// from below without sorting: split the row into k groups, T0 = the smallest group maximum (k
// distinct scores are ≥ T0, so every top-k score is ≥ T0; for scores in random order about k·ln k
// pass). It then scans the row once, keeping (score, index) pairs ≥ T0 in a candidate buffer; when
// the buffer fills it is shrunk to the best k by a partial sort and the bar rises to the k-th best
// kept (a later block equal to it loses the tie to the lower index, so from then on only scores >
// bar are kept). The threshold path keeps scores > τ.
#pragma once

#include <cstdint>
#include <vector>

#include "mempipe/ops/seer.h"

namespace mempipe::cpu::seer_kernels {

// Candidate buffer of one row: parallel arrays of scores and block indices.
struct SelectBuffer {
    std::vector<float> values;
    std::vector<int32_t> indices;
    int64_t size = 0;
    int64_t k = 0;               // kept after a shrink
    float floor = 0;             // T: only scores > T can still enter the top k
    std::vector<uint64_t> keys;  // scratch for shrink()
    void reset(int64_t k_keep, int64_t capacity);
    // Keeps the best k of the buffer (score descending, index ascending; NaN as −inf) and updates
    // T.
    void shrink();
};

// min over the k groups g = [g·⌊n/k⌋, …) (the last group takes the rest) of the group's max; NaN is
// ignored (an all-NaN group has max −inf). 1 ≤ k ≤ n.
using GroupFloorFn = float (*)(const float* x, int64_t n, int64_t k);
// Scans x[begin, n) appending every entry > buf.floor, shrinking when full (size ≥ capacity − 16).
using FilterTopFn = void (*)(const float* x, int64_t begin, int64_t n, SelectBuffer& buf);
// Writes the indices b in [0, n) with x[b] > tau, ascending, to out; returns the count.
using FilterAboveFn = int64_t (*)(const float* x, int64_t n, float tau, int32_t* out);

float group_floor_scalar(const float* x, int64_t n, int64_t k);
float group_floor_avx2(const float* x, int64_t n, int64_t k);
float group_floor_avx512(const float* x, int64_t n, int64_t k);
void filter_top_scalar(const float* x, int64_t begin, int64_t n, SelectBuffer& buf);
void filter_top_avx2(const float* x, int64_t begin, int64_t n, SelectBuffer& buf);
void filter_top_avx512(const float* x, int64_t begin, int64_t n, SelectBuffer& buf);
int64_t filter_above_scalar(const float* x, int64_t n, float tau, int32_t* out);
int64_t filter_above_avx2(const float* x, int64_t n, float tau, int32_t* out);
int64_t filter_above_avx512(const float* x, int64_t n, float tau, int32_t* out);

struct SelectKernels {
    GroupFloorFn floor;
    FilterTopFn top;
    FilterAboveFn above;
};
const SelectKernels* pick_select_kernels();  // for the active SIMD level

// Per-thread scratch of select_row.
struct SelectScratch {
    SelectBuffer buf;
    std::vector<int32_t> tmp;
};
// One KV head's row of scores x: [n] → its selected blocks ascending in row[0, width), −1 padded
// (the contract of seer_select_blocks, arguments already checked); returns the count.
int64_t select_row(const SelectKernels* kern, const float* x, int64_t n, const SeerSelectParams& p,
                   int64_t width, int32_t* row, SelectScratch& scratch);

}  // namespace mempipe::cpu::seer_kernels
