// Dense linear layers with bf16, int8 or int4 weights: y[m × n] = x[m × k] · Wᵀ (+ bias).
//
// The dense substrate's projections and MLPs (model/): decode runs a GEMV (m ≤ 15 rows of x,
// the weights streamed once from DRAM), prefill a GEMM (m ≥ 16, blocked for L2; AMX tiles for
// bf16 and int8 at SIMD level amx, AVX-512 BF16/VNNI at avx512, FMA / vpmaddubsw at avx2). W is
// [n × k] (out × in), row-major, in one of three formats (LinearWeights):
//
//   Bf16: data = uint16 [n × k] bf16 bit patterns; group = 0, no scales.
//   Int8: data = int8 [n × k]; W[j, t] = scales[j·G + g(t)] · q[j, t]. group = 0 is one scale per
//         row (G = 1); group ∈ {32, 64, 128} has G = ⌈k / group⌉ scales per row, g(t) = t / group
//         (the last group of a row may be partial).
//   Int4: data = uint8 [n × ⌈k/2⌉]: row j starts at byte j·⌈k/2⌉; element t is the low nibble of
//         byte t/2 when t is even and the high nibble when t is odd (for odd k the last high nibble
//         is padding, ignored). A nibble q ∈ [0, 15] means W[j, t] = scales[j·G + g(t)] · (q − z)
//         with z = zeros[j·G + g(t)] ∈ [0, 15] (asymmetric) or z = 8 when zeros == nullptr
//         (symmetric, values −8..7). group ∈ {32, 64, 128}, G = ⌈k / group⌉.
//   scales: [n × G] f32, zeros: [n × G] uint8 (Int4 only, optional).
// `linear_quantize_int8` / `linear_quantize_int4` produce these formats from f32 weights.
//
// Prepacked bf16 weights: an inference engine packs each layer once (at load) with
// `cpu::linear_pack` and sets LinearWeights::packed; the AMX bf16 prefill GEMM then reads its
// weight tiles from the packed copy instead of copying W into tiles on every call. Results are the
// same (the packed copy holds the same values); every other kernel (GEMV, the other SIMD levels,
// ref::) reads `data` and ignores `packed`. The packed copy doubles the weight memory of the layer.
//
// Numerics (what the conformance tests check; u = 2^-24):
//   Bf16 weights: x is rounded to bf16 (RNE) first: x̂ = bf16(x) (`linear_x_bf16` takes x̂
//     directly). y[i, j] = Σ_t x̂[i, t]·W[j, t] + bias[j]. Each product is exact in f32; the
//     kernels sum them in f32 in an unspecified order (vdpbf16ps / AMX tdpbf16ps, which may treat
//     bf16 subnormals as zero). The reference sums the exact products in f64 and rounds once, so
//       |y − y_ref| ≤ (k + 2)·u·(Σ_t |x̂·W| + |bias|).
//     Integer-valued inputs whose partial sums stay below 2^24 give identical results.
//   Int8 / Int4 weights (W8A8 / W4A8): each row of x is quantised to int8 by the rule of
//     ref::quant_int8_rows (dense_retrieval.h): a = max_t |x[i, t]|, s_i = a / 127 (f32),
//     xq = RNE(x / s_i) in [−127, 127] (all 0 with s_i = 0 when a = 0). With c = (q − z) the
//     integer weight (z = 0 for Int8), the exact value is
//       y[i, j] = s_i · Σ_g scale[j, g] · Σ_{t∈g} xq[i, t]·c[j, t] + bias[j].
//     The integer products are exact (int32); the kernels may split a group's integer sum into
//     exact partial sums that they convert to f32, scale and add in f32 (then × s_i, + bias).
//     The reference sums exactly (int64, f64) and rounds once, so with
//     M = s_i · Σ_t |scale[j, g(t)] · xq[i, t] · c[j, t]| + |bias[j]|:
//       |y − y_ref| ≤ (k + 8)·u·M.
//     A row of x holding NaN or ±Inf gives NaN in its whole output row (the quantiser cannot scale
//     it). Scales must be finite; a NaN scale gives NaN in its output column.
// Limits: k ≤ 2^20 for the integer formats (every int32 partial sum stays exact). y must not alias
// x, W, scales or bias. Every pointer may be unaligned.
#pragma once

#include <cstdint>
#include <string_view>

#include "mempipe/core/buffer.h"
#include "mempipe/core/dtype.h"
#include "mempipe/ops/cost.h"

namespace mempipe {

enum class LinearFormat : uint8_t { Bf16, Int8, Int4 };

struct LinearPacked;

inline constexpr int64_t kLinearMaxIntK = int64_t(1) << 20;  // integer formats: k ≤ this
inline constexpr int64_t kLinearGemmMinRows = 16;  // m ≥ this runs the GEMM path, else GEMV

// A read-only weight matrix W [n × k] (see the format table above). Non-owning.
struct LinearWeights {
    LinearFormat format = LinearFormat::Bf16;
    int64_t n = 0;      // output features (rows of W)
    int64_t k = 0;      // input features (columns of W)
    int64_t group = 0;  // Int8: 0 (per row) or 32/64/128; Int4: 32/64/128; Bf16: 0
    const void* data =
        nullptr;  // Bf16: uint16 [n × k]; Int8: int8 [n × k]; Int4: uint8 [n × ⌈k/2⌉]
    const float* scales = nullptr;   // Int8/Int4: [n × groups()] f32
    const uint8_t* zeros = nullptr;  // Int4 only: [n × groups()] in [0, 15]; nullptr = symmetric
    // Bf16 only, optional: cpu::linear_pack of this very W (same data pointer, n and k).
    const LinearPacked* packed = nullptr;

    static LinearWeights bf16(const uint16_t* w, int64_t n, int64_t k);
    static LinearWeights int8(const int8_t* q, const float* scales, int64_t n, int64_t k,
                              int64_t group = 0);
    static LinearWeights int4(const uint8_t* packed, const float* scales, const uint8_t* zeros,
                              int64_t n, int64_t k, int64_t group);

    int64_t groups() const;  // scales per row: 1 for group = 0, else ⌈k / group⌉ (0 for k = 0)
    int64_t row_bytes() const;  // bytes of one row of `data`: 2k, k or ⌈k/2⌉
    // Bytes of data + scales + zeros: what a GEMV streams once per call.
    double bytes() const;
};

std::string_view linear_format_name(LinearFormat f);  // "bf16", "int8", "int4"

// Bf16 weights in the tile layout of the CPU's AMX bf16 GEMM: tiles [⌈n/16⌉ row blocks][⌈k/32⌉
// k-steps][16 rows][32 bf16] (tile (b, s) row r = W[16b + r, 32s .. 32s + 31]), zero past n and k.
// Owning; made by cpu::linear_pack. `source`, n and k identify the W it was made from: a call whose
// LinearWeights do not match them is rejected.
struct LinearPacked {
    const void* source = nullptr;
    int64_t n = 0, k = 0;
    Buffer<uint16_t> tiles;
};

// Cost of one call over m rows of x (x_dtype F32 or BF16): 2·m·n·k FLOP (integer ops for the int
// formats, compute_dtype BF16 or I8), bytes_read = weights (bytes_shared) + bias + x, written =
// 4·m·n. Only format, n, k, group and whether zeros is set are read from `w` (pointers may be
// null).
OpCost linear_cost(int64_t m, const LinearWeights& w, DType x_dtype = DType::F32);

// Quantises f32 weights w: [n × k] row-major into the Int8 format: per row (group = 0) or per group
// of `group` ∈ {32, 64, 128}: scale = amax / 127, q = RNE(w / scale) (0 with scale 0 for an
// all-zero group). q: [n × k] int8; scales: [n × G] f32. Every w must be finite.
void linear_quantize_int8(const float* w, int64_t n, int64_t k, int64_t group, int8_t* q,
                          float* scales);
// Int4 format, group ∈ {32, 64, 128}. symmetric: scale = amax / 7, q = RNE(w / scale) + 8 in
// [1, 15], zeros not written (may be nullptr). Asymmetric: lo = min(0, min w), hi = max(0, max w),
// scale = (hi − lo) / 15, z = clamp(RNE(−lo / scale), 0, 15), q = clamp(RNE(w / scale) + z, 0, 15).
// packed: [n × ⌈k/2⌉] (padding nibble 0); scales, zeros: [n × G].
void linear_quantize_int4(const float* w, int64_t n, int64_t k, int64_t group, bool symmetric,
                          uint8_t* packed, float* scales, uint8_t* zeros);
// The f32 value of every weight (Bf16 widened, Int8/Int4 scale·(q − z) in f32): out [n × k].
void linear_dequantize(const LinearWeights& w, float* out);

namespace ref {
// y = x·Wᵀ + bias with the numerics above (f64 / int64, one rounding). x: [m × k] f32; bias: [n] or
// nullptr; y: [m × n] f32.
void linear(const float* x, const LinearWeights& w, const float* bias, float* y, int64_t m);
// As `linear` with x given in bf16: x: [m × k] bf16 bit patterns (widened exactly to f32 first).
void linear_x_bf16(const uint16_t* x, const LinearWeights& w, const float* bias, float* y,
                   int64_t m);
}  // namespace ref

namespace cpu {
// Same contracts. m < kLinearGemmMinRows: GEMV (threads over n, one weight stream per thread);
// m ≥ kLinearGemmMinRows: blocked GEMM (AMX tiles at level amx for Bf16 and the int formats,
// AVX-512 BF16 / VNNI at avx512, FMA and vpmaddubsw at avx2, a portable loop at scalar level).
void linear(const float* x, const LinearWeights& w, const float* bias, float* y, int64_t m);
void linear_x_bf16(const uint16_t* x, const LinearWeights& w, const float* bias, float* y,
                   int64_t m);
// W (Bf16, validated) in the LinearPacked layout, for LinearWeights::packed. Parallel over row
// blocks; a one-time copy of the weights.
LinearPacked linear_pack(const LinearWeights& w);
}  // namespace cpu

}  // namespace mempipe
