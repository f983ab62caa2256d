// Element types and exact conversions between them.
//
// Storage types are plain integers (`uint16_t` for bf16/f16, `uint8_t` for fp8-e4m3) so that
// buffers are trivially copyable and the bit patterns are explicit. Conversions from f32 round to
// nearest even; NaN stays NaN. fp8-e4m3 (OCP "E4M3FN": 1 sign, 4 exponent bits, bias 7, 3 mantissa
// bits, no infinities, 0x7f/0xff = NaN) saturates at ±448, the behaviour of `clamp(x/s, -448, 448)`
// followed by a cast in the DeepSeek reference. Every finite e4m3 value is an integer multiple of
// 2^-9, which makes fp8 dot products exact in int64 (see `e4m3_to_int9`).
#pragma once

#include <cstdint>
#include <string_view>

namespace mempipe {

enum class DType : uint8_t { F32, BF16, F16, FP8E4M3, I8, I32, I64 };

size_t dtype_size(DType t);
std::string_view dtype_name(DType t);

// --- bf16 -----------------------------------------------------------------------------------
float bf16_to_f32(uint16_t bits);
uint16_t f32_to_bf16(float x);  // round to nearest even, NaN preserved (quiet)

// --- f16 (IEEE binary16) ---------------------------------------------------------------------
float f16_to_f32(uint16_t bits);
uint16_t f32_to_f16(float x);  // round to nearest even, overflow to ±inf, NaN preserved

// --- fp8 e4m3 ---------------------------------------------------------------------------------
inline constexpr float kFp8E4M3Max = 448.0f;
float e4m3_to_f32(uint8_t bits);
uint8_t f32_to_e4m3(float x);  // round to nearest even, saturating at ±448, NaN → 0x7f
// The value of an e4m3 code times 2^9, as an exact integer in [-229376, 229376] (448·512).
// NaN codes map to 0; callers validate inputs before relying on this.
int32_t e4m3_to_int9(uint8_t bits);

// The ue8m0 power-of-two block scale of the DeepSeek reference (kernel.py act_quant):
// amax' = max(amax, 1e-4); s = 2^ceil(log2(amax'/448)), computed on the float bits exactly as
// fast_log2_ceil / fast_pow2 do. Returned as f32.
float ue8m0_scale(float amax);

}  // namespace mempipe
