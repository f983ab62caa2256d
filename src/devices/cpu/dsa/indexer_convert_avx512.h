// Internal, AVX-512 (+VBMI) helpers shared by the AVX-512 and AMX indexer kernels: fp8 → bf16 /
// int8 key conversion through vpermi2b byte LUTs, and a 16-lane horizontal sum. Include after
// <immintrin.h> in a file compiled for AVX-512 (the module flags include VBMI).
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "mempipe/core/dtype.h"
#include "ops/dsa/dsa_internal.h"

namespace mempipe::cpu_dsa {
namespace {  // every including file gets its own copy, compiled for its instruction set

constexpr int64_t kPage = kIndexPageTokens;
constexpr int64_t kD = kDsaHeadDim;

struct Luts {
    alignas(64) uint8_t bf16_lo[128];  // low byte of bf16(e4m3 code7)
    alignas(64) uint8_t bf16_hi[128];  // high byte (sign added separately)
    alignas(64) uint8_t int8_mag[128];  // RNE((8 + m)·2^((idx >> 3) − 12)), idx = code7 + 120 − 8E
    Luts() {
        for (int c = 0; c < 128; ++c) {
            uint16_t b = c == 0x7f ? 0 : f32_to_bf16(e4m3_to_f32(uint8_t(c)));
            bf16_lo[c] = uint8_t(b & 0xff);
            bf16_hi[c] = uint8_t(b >> 8);
            double v = std::ldexp(double(8 + (c & 7)), (c >> 3) - 12);
            int64_t r = int64_t(std::nearbyint(v));  // RNE (default rounding mode)
            int8_mag[c] = uint8_t(r);
        }
    }
};
inline const Luts& luts() {
    static const Luts l;
    return l;
}

// out[j] = Σ_lanes v[j] for 16 vectors (a transposing reduction tree: ~3 instructions per vector).
inline __m512 hsum16(const __m512* v) {
    __m512 t[8], u[4], w[2];
    for (int i = 0; i < 8; ++i)
        t[i] = _mm512_add_ps(_mm512_shuffle_f32x4(v[2 * i], v[2 * i + 1], 0x44),
                             _mm512_shuffle_f32x4(v[2 * i], v[2 * i + 1], 0xEE));
    for (int i = 0; i < 4; ++i)
        u[i] = _mm512_add_ps(_mm512_shuffle_f32x4(t[2 * i], t[2 * i + 1], 0x88),
                             _mm512_shuffle_f32x4(t[2 * i], t[2 * i + 1], 0xDD));
    for (int i = 0; i < 2; ++i)
        w[i] = _mm512_add_ps(_mm512_shuffle_ps(u[2 * i], u[2 * i + 1], 0x44),
                             _mm512_shuffle_ps(u[2 * i], u[2 * i + 1], 0xEE));
    __m512 r =
        _mm512_add_ps(_mm512_shuffle_ps(w[0], w[1], 0x88), _mm512_shuffle_ps(w[0], w[1], 0xDD));
    // lane 4k + m now holds the sum of v[4m + k]
    const __m512i idx = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    return _mm512_permutexvar_ps(idx, r);
}

inline float hsum(__m512 v) {
    __m256 a = _mm256_add_ps(_mm512_castps512_ps256(v),
                             _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
    __m128 b = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
    b = _mm_add_ps(b, _mm_movehl_ps(b, b));
    b = _mm_add_ss(b, _mm_movehdup_ps(b));
    return _mm_cvtss_f32(b);
}

// n keys (rows of 128 codes at stride 128) → bf16 rows [n × 128] in faithful_dim order.
inline void convert_bf16(const uint8_t* codes, int64_t n, uint16_t* out) {
    const Luts& l = luts();
    const __m512i lo_a = _mm512_load_si512(l.bf16_lo), lo_b = _mm512_load_si512(l.bf16_lo + 64);
    const __m512i hi_a = _mm512_load_si512(l.bf16_hi), hi_b = _mm512_load_si512(l.bf16_hi + 64);
    const __m512i sign = _mm512_set1_epi8(char(0x80));
    for (int64_t i = 0; i < 2 * n; ++i) {  // 64 codes per step
        __m512i c = _mm512_loadu_si512(codes + 64 * i);
        __m512i lo = _mm512_permutex2var_epi8(lo_a, c, lo_b);
        __m512i hi = _mm512_permutex2var_epi8(hi_a, c, hi_b);
        hi = _mm512_ternarylogic_epi32(hi, c, sign, 0xF8);  // hi | (c & 0x80)
        _mm512_store_si512(out + 64 * i, _mm512_unpacklo_epi8(lo, hi));
        _mm512_store_si512(out + 64 * i + 32, _mm512_unpackhi_epi8(lo, hi));
    }
}

// Largest byte of m (64 magnitudes).
inline int max_byte(__m512i m) {
    __m256i a = _mm256_max_epu8(_mm512_castsi512_si256(m), _mm512_extracti64x4_epi64(m, 1));
    __m128i x = _mm_max_epu8(_mm256_castsi256_si128(a), _mm256_extracti128_si256(a, 1));
    x = _mm_max_epu8(x, _mm_srli_si128(x, 8));
    x = _mm_max_epu8(x, _mm_srli_si128(x, 4));
    x = _mm_max_epu8(x, _mm_srli_si128(x, 2));
    x = _mm_max_epu8(x, _mm_srli_si128(x, 1));
    return _mm_cvtsi128_si32(x) & 0xff;
}

// n keys → u8 rows k_i + 128 [n × 128] and per-key factors kf = k_scale · 2^(E − 13).
inline void convert_int8(const uint8_t* page, int64_t n, uint8_t* out, float* kf) {
    const Luts& l = luts();
    const __m512i t_a = _mm512_load_si512(l.int8_mag), t_b = _mm512_load_si512(l.int8_mag + 64);
    const __m512i low7 = _mm512_set1_epi8(0x7f), off = _mm512_set1_epi8(char(0x80));
    const __m512i e15 = _mm512_set1_epi8(0x78), e14 = _mm512_set1_epi8(0x70);
    for (int64_t j = 0; j < n; ++j) {
        const uint8_t* k = page + j * kD;
        const __m512i c0 = _mm512_loadu_si512(k), c1 = _mm512_loadu_si512(k + 64);
        const __m512i a0 = _mm512_and_si512(c0, low7), a1 = _mm512_and_si512(c1, low7);
        const __m512i m = _mm512_max_epu8(a0, a1);
        // act_quant scales a key so that its largest code has exponent 14 or 15: test those first.
        int e = _mm512_cmpge_epu8_mask(m, e15)   ? 15
                : _mm512_cmpge_epu8_mask(m, e14) ? 14
                                                 : max_byte(m) >> 3;
        float ksc;
        std::memcpy(&ksc, page + kPage * kD + j * 4, sizeof ksc);
        kf[j] = ksc * std::bit_cast<float>(uint32_t(e - 13 + 127) << 23);  // × 2^(E−13), exact
        if (e < 8) {  // tiny keys: subnormal codes would not follow the LUT; exact scalar rule
            for (int d = 0; d < kD; ++d)
                out[j * kD + d] = uint8_t(dsa_detail::key_int8(k[d], e) + 128);
            continue;
        }
        const __m512i shift = _mm512_set1_epi8(char(120 - 8 * e));
        const __m512i mag0 = _mm512_permutex2var_epi8(t_a, _mm512_add_epi8(a0, shift), t_b);
        const __m512i mag1 = _mm512_permutex2var_epi8(t_a, _mm512_add_epi8(a1, shift), t_b);
        _mm512_store_si512(out + j * kD, _mm512_mask_sub_epi8(_mm512_add_epi8(off, mag0),
                                                              _mm512_movepi8_mask(c0), off, mag0));
        _mm512_store_si512(
            out + j * kD + 64,
            _mm512_mask_sub_epi8(_mm512_add_epi8(off, mag1), _mm512_movepi8_mask(c1), off, mag1));
    }
}

}  // namespace
}  // namespace mempipe::cpu_dsa
