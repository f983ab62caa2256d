// AVX-512 helpers of the linear kernels (included only by files built with the AVX-512 flags).
#pragma once

#include <immintrin.h>

#include <cstdint>

namespace mempipe::cpu_linear {

inline __mmask16 mask16(int64_t valid) {
    return valid >= 16 ? __mmask16(0xFFFF) : valid <= 0 ? 0 : __mmask16((1u << valid) - 1);
}

// r[i] (16 dwords each) → r[j] = column j of the input (classic 4-stage 16×16 transpose).
inline void transpose16(__m512i r[16]) {
    __m512i t[16], u[16], v[16];
    for (int i = 0; i < 8; ++i) {
        t[2 * i] = _mm512_unpacklo_epi32(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_epi32(r[2 * i], r[2 * i + 1]);
    }
    for (int b = 0; b < 4; ++b) {  // u[4b + c]: column 4ℓ + c of rows 4b..4b+3 in lane ℓ
        u[4 * b + 0] = _mm512_unpacklo_epi64(t[4 * b], t[4 * b + 2]);
        u[4 * b + 1] = _mm512_unpackhi_epi64(t[4 * b], t[4 * b + 2]);
        u[4 * b + 2] = _mm512_unpacklo_epi64(t[4 * b + 1], t[4 * b + 3]);
        u[4 * b + 3] = _mm512_unpackhi_epi64(t[4 * b + 1], t[4 * b + 3]);
    }
    for (int c = 0; c < 4; ++c) {
        v[c] = _mm512_shuffle_i32x4(u[c], u[4 + c], 0x88);
        v[4 + c] = _mm512_shuffle_i32x4(u[c], u[4 + c], 0xdd);
        v[8 + c] = _mm512_shuffle_i32x4(u[8 + c], u[12 + c], 0x88);
        v[12 + c] = _mm512_shuffle_i32x4(u[8 + c], u[12 + c], 0xdd);
    }
    for (int c = 0; c < 4; ++c) {
        r[c] = _mm512_shuffle_i32x4(v[c], v[8 + c], 0x88);
        r[8 + c] = _mm512_shuffle_i32x4(v[c], v[8 + c], 0xdd);
        r[4 + c] = _mm512_shuffle_i32x4(v[4 + c], v[12 + c], 0x88);
        r[12 + c] = _mm512_shuffle_i32x4(v[4 + c], v[12 + c], 0xdd);
    }
}

}  // namespace mempipe::cpu_linear
