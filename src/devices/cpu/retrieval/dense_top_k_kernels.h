// Internal: the dense_top_k scoring kernels (one per SIMD level) and the prepared-query layout they
// share.
//
// A kernel scores keys [k0, k1) against queries [q0, q1) and writes
// out[(b − q0)·ld + (i − k0)] = score(b, i), with the arithmetic of dense_retrieval.h (F32/BF16:
// f32 FMA accumulation in the kernel's lane order; I8: exact int32 dot, then
// f32(D)·(qscale·kscale)). Kernels tile 4 queries × 4 keys in registers (the AVX-512 kernel walks
// groups of 8 queries per key tile, so a key tile is fetched from L2 once per 8 queries).
#pragma once

#include <cstdint>

#include "mempipe/ops/dense_retrieval.h"

namespace mempipe::cpu::dense_detail {

inline constexpr int64_t kI8Pad = 64;  // q8 rows are zero-padded to a multiple of this

struct PreparedQueries {
    const float* f32 = nullptr;  // [nq × d] (F32/BF16 keys)
    int64_t nq = 0, d = 0;
    const int8_t* q8 = nullptr;     // [nq × q8_stride] (I8 keys), zero-padded past d
    int64_t q8_stride = 0;          // d rounded up to kI8Pad
    const float* qscale = nullptr;  // [nq]
    const int32_t* qsum = nullptr;  // [nq] Σ_j q8[j] (for the unsigned-bias VNNI trick)
    // BF16 keys at the AVX-512 level: each query split per 32-element chunk into its 16 even then
    // its 16 odd elements (zero-padded), so one 512-bit load of 32 bf16 keys widens to f32 with a
    // shift (even) and a mask (odd) instead of a cross-lane zero-extension.
    const float* qeo = nullptr;  // [nq × qeo_stride]
    int64_t qeo_stride = 0;      // d rounded up to 32
};

inline constexpr int64_t kBf16Chunk = 32;

using ScoreBlockFn = void (*)(const PreparedQueries& q, int64_t q0, int64_t q1,
                              const DenseKeysView& keys, int64_t k0, int64_t k1, float* out,
                              int64_t ld);

void score_block_scalar(const PreparedQueries& q, int64_t q0, int64_t q1, const DenseKeysView& keys,
                        int64_t k0, int64_t k1, float* out, int64_t ld);
void score_block_avx2(const PreparedQueries& q, int64_t q0, int64_t q1, const DenseKeysView& keys,
                      int64_t k0, int64_t k1, float* out, int64_t ld);
void score_block_avx512(const PreparedQueries& q, int64_t q0, int64_t q1, const DenseKeysView& keys,
                        int64_t k0, int64_t k1, float* out, int64_t ld);

}  // namespace mempipe::cpu::dense_detail
