// Internal to cpu::ttt_*: the f32 GEMM and the pointwise SwiGLU kernels every ttt op is built
// from, at each SIMD level, and the set an entry point picks once per call.
//
// Variants: scalar (ttt_gemm.cpp: portable loops), avx512 (ttt_gemm_avx512.cpp: packed panels,
// an 8 × 32 FMA micro-kernel, L1/L2 blocking, OpenMP over row blocks; ttt_pointwise_avx512.cpp:
// σ with the vectorised exp). No AVX2 variant: that level runs the scalar one. Under
// TttMatmul::Bf16 every GEMM is gemm_bf16_{scalar,avx512} instead.
#pragma once

#include <cstdint>

#include "mempipe/ops/ttt.h"

namespace mempipe::cpu_ttt {

// C[m × n] = op(A)[m × k] · op(B)[k × n], or C += when `accumulate`. Row-major with leading
// dimensions; op(A)[i][p] = trans_a ? a[p·lda + i] : a[i·lda + p]; op(B)[p][j] = trans_b ?
// b[j·ldb + p] : b[p·ldb + j]. k = 0 gives C = 0 (or C unchanged when accumulating).
struct Gemm {
    int64_t m = 0, n = 0, k = 0;
    const float* a = nullptr;
    int64_t lda = 0;
    bool trans_a = false;
    const float* b = nullptr;
    int64_t ldb = 0;
    bool trans_b = false;
    float* c = nullptr;
    int64_t ldc = 0;
    bool accumulate = false;
};
using GemmFn = void (*)(const Gemm&);

// g[i] ← silu(g[i]) · u[i] for i < count.
using SwigluFn = void (*)(float* g, const float* u, int64_t count);

// One token's pointwise backward over `cols` hidden units: from the gate pre-activation g, the up
// projection u and dh = (v·W2) (overwritten), writes
//   hid = lr2 · silu(g)·u,  dup = lr3 · dh·silu(g),  dh ← lr1 · dh·u·σ(g)·(1 + g·(1 − σ(g))).
using GradRowFn = void (*)(const float* g, const float* u, float* dh, float* hid, float* dup,
                           int64_t cols, float lr1, float lr3, float lr2);

struct Kernels {
    GemmFn gemm;
    SwigluFn swiglu;
    GradRowFn grad_row;
};
// The variants for the active SIMD level and matmul precision (call once per entry point).
Kernels pick_kernels(TttMatmul mm);

void gemm_scalar(const Gemm& g);
void gemm_avx512(const Gemm& g);
// TttMatmul::Bf16: op(A) and op(B) rounded to bf16, f32 sums, through cpu::linear (ops/linear.h:
// AMX tiles at level amx, AVX-512 BF16 below, a portable loop at scalar level; it dispatches and
// threads itself). op(B) is transposed into linear's [n × k] bf16 weight layout per call by
// `to_bf16` (f32_to_bf16's rounding: RNE, quiet NaN), scalar or AVX-512.
using Bf16RowFn = void (*)(const float* x, int64_t n, uint16_t* out);
void gemm_bf16_with(const Gemm& g, Bf16RowFn to_bf16);
void gemm_bf16_scalar(const Gemm& g);
void gemm_bf16_avx512(const Gemm& g);  // ttt_pointwise_avx512.cpp
void bf16_row_scalar(const float* x, int64_t n, uint16_t* out);
void swiglu_scalar(float* g, const float* u, int64_t count);
void swiglu_avx512(float* g, const float* u, int64_t count);
void grad_row_scalar(const float* g, const float* u, float* dh, float* hid, float* dup,
                     int64_t cols, float lr1, float lr3, float lr2);
void grad_row_avx512(const float* g, const float* u, float* dh, float* hid, float* dup,
                     int64_t cols, float lr1, float lr3, float lr2);

// Scratch of the calling thread kept across calls (fresh pages cost more than the pointwise work
// they hold): slot `slot` grows to n floats and never shrinks; contents are uninitialised.
enum ScratchSlot {
    kSlotG,
    kSlotU,
    kSlotDh,
    kSlotHid,
    kSlotDup,
    kSlotX,
    kSlotY,
    kSlotA,
    kSlotAA,
    kSlots
};
float* thread_scratch(ScratchSlot slot, size_t n);

// Rows of tokens a cpu entry point processes at once (bounds its scratch to a few MB).
inline constexpr int64_t kRowBlock = 1024;

// In place: X ← Newton–Schulz5(X) for x: [rows × cols] with the picked kernels.
void newton_schulz5(const Kernels& kern, float* x, int64_t rows, int64_t cols);

}  // namespace mempipe::cpu_ttt
