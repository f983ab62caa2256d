// Internal to cpu::linear: the validated call, the SIMD variants and the pieces the AMX variant
// shares with the AVX-512 one (packing, GEMV, scratch memory).
//
// Variants (picked once per call by simd_pick): scalar (linear.cpp), avx2 (linear_avx2.cpp: GEMV
// and GEMM, FMA on widened bf16, vpmaddwd on int16 for the int formats), avx512 (GEMV:
// linear_gemv_avx512.cpp, GEMM: linear_gemm_avx512.cpp), amx (linear_gemm_amx.cpp: the integer
// GEMM on AMX tiles; linear_gemm_bf16_amx.cpp: the bf16 GEMM; GEMV = the avx512 one).
//
// Layouts used by the GEMMs (built per call, weights per block into thread-local buffers):
//   x (A operand): bf16 or int8 codes in tiles of 16 rows × one k-step (64 bytes: 32 bf16 or 64
//     int8), rows past m and columns past k zero (XTiles in linear_gemm_driver.h); AMX loads them
//     as A tiles, AVX-512 broadcasts pairs or quads from them.
//   weight tiles (B operand, "VNNI"): [n-block of 16][k-step][16 rows][16 columns][4 bytes]:
//     row r of a k-step holds, for each of the 16 output columns j, the 4 bytes of W[j] at
//     k-offset 4r (2 bf16 or 4 int8 / int4-as-uint8 values); columns past n and k past the end
//     zero. One row of a tile is one zmm of 16 columns, so the AVX-512 kernels read the same
//     layout. (The AMX bf16 GEMM instead uses W as the A operand: row-major tiles, x̂ᵀ in VNNI;
//     with LinearWeights::packed it reads those tiles from the caller's prepacked copy.)
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "mempipe/core/buffer.h"
#include "mempipe/ops/linear.h"

namespace mempipe::cpu_linear {

struct Call {
    const float* x = nullptr;  // [m × k] f32
    const LinearWeights* w = nullptr;
    const float* bias = nullptr;  // [n] or nullptr
    float* y = nullptr;           // [m × n]
    int64_t m = 0;
};
using LinearFn = void (*)(const Call&);

void linear_scalar(const Call& c);
void linear_avx2(const Call& c);
void linear_avx512(const Call& c);
void linear_amx(const Call& c);

// AVX-512 pieces (linear_gemv_avx512.cpp, linear_gemm_avx512.cpp), also used by linear_amx.
void gemv_avx512(const Call& c);  // any m, meant for m < kLinearGemmMinRows
void gemm_avx512(const Call& c);
void gemm_amx_bf16(const Call& c);  // linear_gemm_bf16_amx.cpp

// Threads for a kernel touching `bytes` of weights (1 for small layers, else num_threads()).
int linear_threads(double bytes);

// Scratch memory of the calling thread for one call, 64-byte aligned, uninitialised. Requests up
// to kScratchKeep bytes reuse a per-thread, per-slot buffer kept across calls (repeated calls do
// not fault fresh pages in); larger ones get a buffer of their own, freed with the Scratch.
inline constexpr size_t kScratchKeep = size_t(32) << 20;
enum ScratchSlot { kSlotX, kSlotXRows, kSlotWeights, kSlotC, kSlotScales, kSlotZeros, kSlots };
class Scratch {
  public:
    Scratch(ScratchSlot slot, size_t bytes);
    template <class T>
    T* as() const {
        return reinterpret_cast<T*>(p_);
    }

  private:
    uint8_t* p_ = nullptr;
    Buffer<uint8_t> own_;
};

// One A tile of the AMX bf16 GEMM (weights as the A operand): rows [j0, j0 + 16) × k-offsets
// [t0, t0 + 32) of the row-major [n × k] bf16 matrix wd, as 16 rows of 32 bf16 (zero past n and
// k). The one writer of that layout: cpu::linear_pack (every tile, once) and the GEMM's per-call
// copy of unpacked weights (linear_gemm_bf16_amx.cpp) both go through it.
inline void pack_weight_tile(const uint16_t* wd, int64_t n, int64_t k, int64_t j0, int64_t t0,
                             uint16_t* tile) {
    for (int64_t r = 0; r < 16; ++r) {
        const int64_t j = j0 + r;
        uint16_t* out = tile + r * 32;
        const int64_t len = j < n ? std::clamp<int64_t>(k - t0, 0, 32) : 0;
        if (len == 32) {
            std::memcpy(out, wd + j * k + t0, 64);
            continue;
        }
        std::copy_n(wd + j * k + t0, len, out);
        std::fill(out + len, out + 32, uint16_t(0));
    }
}

// --- packing helpers (AVX-512, linear_pack_avx512.cpp) -------------------------------------------
inline constexpr int64_t kTile = 16;       // rows / columns per tile
inline constexpr int64_t kStepBytes = 64;  // bytes of one tile row (one k-step of one row)
inline int64_t round_up(int64_t v, int64_t to) {
    return (v + to - 1) / to * to;
}

// Bf16 weight rows [j0, j0 + 16·nblocks), k-steps [s0, s1) of 32 into VNNI tiles:
// dst: [nblocks][s1 − s0][16 pairs][16 columns][2] bf16.
void pack_w_bf16(const LinearWeights& w, int64_t j0, int64_t nblocks, int64_t s0, int64_t s1,
                 uint16_t* dst);
// Int8 / Int4 weight rows into VNNI tiles of unsigned bytes (Int8: q + 128, Int4: the nibble q):
// dst: [nblocks][s1 − s0][16 quads][16 columns][4] for k-steps of 64.
void pack_w_u8(const LinearWeights& w, int64_t j0, int64_t nblocks, int64_t s0, int64_t s1,
               uint8_t* dst);

// x rows [0, m) quantised per row (linear.h's rule) into dst: [m × ld] int8 (ld ≥ k a multiple of
// 16, zero padded), scales [m] (NaN for a row holding NaN/Inf, whose codes are then 0). Threads
// over rows.
void quantize_x_rows(const float* x, int64_t m, int64_t k, int64_t ld, int8_t* dst, float* scales);

}  // namespace mempipe::cpu_linear
