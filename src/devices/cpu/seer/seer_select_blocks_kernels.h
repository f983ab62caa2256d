// Variants of the SeerAttention-R block selection. Both scan a row of scores once: the top-k path keeps a
// candidate buffer of (score, index) pairs above a running threshold T (the k-th best kept so far; a
// later block equal to T loses the tie to the lower index, so only scores > T are kept) and shrinks it
// with a partial sort when it fills; the threshold path keeps scores > τ.
#pragma once

#include <cstdint>
#include <vector>

namespace mempipe::cpu::seer_kernels {

// Candidate buffer of one row: parallel arrays of scores and block indices.
struct SelectBuffer {
    std::vector<float> values;
    std::vector<int32_t> indices;
    int64_t size = 0;
    int64_t k = 0;       // kept after a shrink
    float floor = 0;     // T: only scores > T can still enter the top k
    std::vector<uint64_t> keys;  // scratch for shrink()
    void reset(int64_t k_keep, int64_t capacity);
    // Keeps the best k of the buffer (score descending, index ascending; NaN as −inf) and updates T.
    void shrink();
};

// Scans x[begin, n) appending every entry > buf.floor, shrinking when full (size ≥ capacity − 16).
using FilterTopFn = void (*)(const float* x, int64_t begin, int64_t n, SelectBuffer& buf);
// Writes the indices b in [0, n) with x[b] > tau, ascending, to out; returns the count.
using FilterAboveFn = int64_t (*)(const float* x, int64_t n, float tau, int32_t* out);

void filter_top_scalar(const float* x, int64_t begin, int64_t n, SelectBuffer& buf);
void filter_top_avx512(const float* x, int64_t begin, int64_t n, SelectBuffer& buf);
int64_t filter_above_scalar(const float* x, int64_t n, float tau, int32_t* out);
int64_t filter_above_avx512(const float* x, int64_t n, float tau, int32_t* out);

struct SelectKernels {
    FilterTopFn top;
    FilterAboveFn above;
};

}  // namespace mempipe::cpu::seer_kernels
