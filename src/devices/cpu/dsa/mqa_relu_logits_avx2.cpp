// AVX2 (+FMA) scoring kernels of the DSA indexer, for CPUs without AVX-512.
//
// Per 64-key page the fp8 keys are widened exactly to f32 once (bit trick: (code & 0x7f) << 20 is
// the e4m3 value scaled by 2^-120 as an f32 bit pattern, subnormal codes included; × 2^120 is
// exact; the sign bit moves to bit 31). Lanes = heads: queries are pre-transposed to [128 dims ×
// hp] f32 (PreparedQueries::qft). The micro-kernel keeps 2 × 8 heads × KB = 6 keys of accumulators
// in registers and, per dimension, loads 2 query vectors and broadcasts one f32 per key. Each dot
// product is one FMA chain in dimension order: every product is exact (4-bit × 4-bit mantissas), so
// the dot error is ≤ 128u·A (within the 130u·A term of the dsa.h bound); the relu·w products and
// the f32 head sum account for the (H + 4)u term.
//
// Int8: keys are requantised per page to signed int8 rows k_i and |k_i| (the f32 widening above
// times 2^(13 − E), rounded by cvtps (RNE): the exact key_int8 rule). Lanes = heads, one dword
// (4 dims) per step: vpmaddubsw(|k|, sign(q, k)) forms the pair sums |q·k| ≤ 2·120·120 < 2^15 (no
// saturation), vpmaddwd by ones widens them to the quad sum, exact int32 dots throughout.
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "devices/cpu/common/simd_avx2.h"
#include "devices/cpu/dsa/indexer_kernels.h"
#include "ops/dsa/dsa_internal.h"

namespace mempipe::cpu_dsa {

namespace {

using cpu_avx2::hsum8;
constexpr int64_t kPage = kIndexPageTokens;
constexpr int64_t kD = kDsaHeadDim;
constexpr int kKb = 6;      // keys per micro-tile
constexpr int kGroup = 16;  // heads per micro-tile (2 vectors)

// n keys (rows of 128 codes) → f32 rows [n × 128], exact.
inline void convert_f32(const uint8_t* codes, int64_t n, float* out) {
    const __m256i low7 = _mm256_set1_epi32(0x7f), sign = _mm256_set1_epi32(0x80);
    const __m256 scale = _mm256_castsi256_ps(_mm256_set1_epi32((127 + 120) << 23));  // 2^120
    for (int64_t i = 0; i < n * kD; i += 8) {
        __m256i c =
            _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(codes + i)));
        __m256 mag = _mm256_mul_ps(
            _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_and_si256(c, low7), 20)), scale);
        __m256i s = _mm256_slli_epi32(_mm256_and_si256(c, sign), 24);
        _mm256_store_ps(out + i, _mm256_or_ps(mag, _mm256_castsi256_ps(s)));
    }
}

// KB keys × one 16-head group: adds relu(q_h·k_j)·w_h (8 lanes) into sums[j].
template <int KB>
inline void faithful_tile(const float* qt, int64_t hp, const float* w, const float* kf,
                          __m256* sums) {
    __m256 acc[2][KB];
    for (int j = 0; j < KB; ++j) acc[0][j] = acc[1][j] = _mm256_setzero_ps();
    for (int d = 0; d < kD; ++d) {
        const __m256 q0 = _mm256_loadu_ps(qt + d * hp), q1 = _mm256_loadu_ps(qt + d * hp + 8);
        for (int j = 0; j < KB; ++j) {
            const __m256 k = _mm256_broadcast_ss(kf + j * kD + d);
            acc[0][j] = _mm256_fmadd_ps(q0, k, acc[0][j]);
            acc[1][j] = _mm256_fmadd_ps(q1, k, acc[1][j]);
        }
    }
    const __m256 zero = _mm256_setzero_ps();
    const __m256 w0 = _mm256_loadu_ps(w), w1 = _mm256_loadu_ps(w + 8);
    for (int j = 0; j < KB; ++j) {
        sums[j] = _mm256_fmadd_ps(_mm256_max_ps(acc[0][j], zero), w0, sums[j]);
        sums[j] = _mm256_fmadd_ps(_mm256_max_ps(acc[1][j], zero), w1, sums[j]);
    }
}

template <class Fn>
void for_tiles(int64_t n, Fn&& fn) {
    int64_t j = 0;
    for (; j + kKb <= n; j += kKb) fn(j, std::integral_constant<int, kKb>{});
    switch (n - j) {
        case 5:
            fn(j, std::integral_constant<int, 5>{});
            break;
        case 4:
            fn(j, std::integral_constant<int, 4>{});
            break;
        case 3:
            fn(j, std::integral_constant<int, 3>{});
            break;
        case 2:
            fn(j, std::integral_constant<int, 2>{});
            break;
        case 1:
            fn(j, std::integral_constant<int, 1>{});
            break;
        default:
            break;
    }
}
// ---- Int8
constexpr int kKb8 = 4;  // keys per int8 micro-tile

// n keys → signed int8 rows [n × 128] (ks: k_i, ka: |k_i|) and kf = k_scale · 2^(E − 13).
inline void convert_int8(const uint8_t* page, int64_t n, int8_t* ks, int8_t* ka, float* kf) {
    const __m256i low7 = _mm256_set1_epi32(0x7f), one = _mm256_set1_epi32(1);
    const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    for (int64_t j = 0; j < n; ++j) {
        const uint8_t* k = page + j * kD;
        __m256i m = _mm256_setzero_si256();
        for (int d = 0; d < kD; d += 32)  // largest magnitude code (sign cleared)
            m = _mm256_max_epu8(
                m, _mm256_and_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(k + d)),
                                    _mm256_set1_epi8(0x7f)));
        __m128i x = _mm_max_epu8(_mm256_castsi256_si128(m), _mm256_extracti128_si256(m, 1));
        x = _mm_max_epu8(x, _mm_srli_si128(x, 8));
        x = _mm_max_epu8(x, _mm_srli_si128(x, 4));
        x = _mm_max_epu8(x, _mm_srli_si128(x, 2));
        x = _mm_max_epu8(x, _mm_srli_si128(x, 1));
        const int e = (_mm_cvtsi128_si32(x) & 0xff) >> 3;
        float ksc;
        std::memcpy(&ksc, page + kPage * kD + j * 4, sizeof ksc);
        kf[j] = std::ldexp(ksc, e - 13);
        // (code & 0x7f) << 20 as f32 is |value| · 2^-120: × 2^(133 − E) gives |int9| · 2^(4 − E).
        const __m256 scale = _mm256_castsi256_ps(_mm256_set1_epi32((127 + 133 - e) << 23));
        for (int d = 0; d < kD; d += 32) {
            __m256i v[4];
            for (int i = 0; i < 4; ++i) {
                __m256i c = _mm256_cvtepu8_epi32(
                    _mm_loadl_epi64(reinterpret_cast<const __m128i*>(k + d + 8 * i)));
                __m256 f = _mm256_mul_ps(
                    _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_and_si256(c, low7), 20)), scale);
                v[i] = _mm256_cvtps_epi32(f);  // RNE, |v| ≤ 120
                // sign_epi32 by (c << 24) | 1: negative iff the code's sign bit is set, never 0.
                v[i] = _mm256_sign_epi32(v[i], _mm256_or_si256(_mm256_slli_epi32(c, 24), one));
            }
            __m256i p =
                _mm256_packs_epi16(_mm256_packs_epi32(v[0], v[1]), _mm256_packs_epi32(v[2], v[3]));
            p = _mm256_permutevar8x32_epi32(p, order);
            _mm256_store_si256(reinterpret_cast<__m256i*>(ks + j * kD + d), p);
            _mm256_store_si256(reinterpret_cast<__m256i*>(ka + j * kD + d), _mm256_abs_epi8(p));
        }
    }
}

// KB keys × one 16-head group: adds relu(q_h·k_j)·ws_h (8 lanes) into sums[j].
template <int KB>
inline void int8_tile(const uint32_t* qt, int64_t hp, const float* w, const int8_t* ks,
                      const int8_t* ka, __m256* sums) {
    __m256i acc[2][KB];
    for (int j = 0; j < KB; ++j) acc[0][j] = acc[1][j] = _mm256_setzero_si256();
    const __m256i ones = _mm256_set1_epi16(1);
    for (int d = 0; d < kD / 4; ++d) {
        const __m256i q0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(qt + d * hp));
        const __m256i q1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(qt + d * hp + 8));
        for (int j = 0; j < KB; ++j) {
            int32_t sv, av;
            std::memcpy(&sv, ks + j * kD + 4 * d, 4);
            std::memcpy(&av, ka + j * kD + 4 * d, 4);
            const __m256i s = _mm256_set1_epi32(sv), a = _mm256_set1_epi32(av);
            acc[0][j] = _mm256_add_epi32(
                acc[0][j],
                _mm256_madd_epi16(_mm256_maddubs_epi16(a, _mm256_sign_epi8(q0, s)), ones));
            acc[1][j] = _mm256_add_epi32(
                acc[1][j],
                _mm256_madd_epi16(_mm256_maddubs_epi16(a, _mm256_sign_epi8(q1, s)), ones));
        }
    }
    const __m256i zero = _mm256_setzero_si256();
    const __m256 w0 = _mm256_loadu_ps(w), w1 = _mm256_loadu_ps(w + 8);
    for (int j = 0; j < KB; ++j) {
        sums[j] =
            _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_max_epi32(acc[0][j], zero)), w0, sums[j]);
        sums[j] =
            _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_max_epi32(acc[1][j], zero)), w1, sums[j]);
    }
}

template <int KB>
void int8_keys(const PreparedQueries& q, int64_t b, const int8_t* ks, const int8_t* ka,
               const float* kf, float* out) {
    __m256 sums[KB];
    for (int j = 0; j < KB; ++j) sums[j] = _mm256_setzero_ps();
    const int64_t hp = q.hp;
    const uint32_t* qt = q.qt8.data() + b * (kD / 4) * hp;
    const float* w = q.w.data() + b * hp;
    for (int64_t c = 0; c < hp; c += kGroup) int8_tile<KB>(qt + c, hp, w + c, ks, ka, sums);
    for (int j = 0; j < KB; ++j) out[j] = hsum8(sums[j]) * kf[j];
}

template <class Fn>
void for_tiles8(int64_t n, Fn&& fn) {
    int64_t j = 0;
    for (; j + kKb8 <= n; j += kKb8) fn(j, std::integral_constant<int, kKb8>{});
    switch (n - j) {
        case 3:
            fn(j, std::integral_constant<int, 3>{});
            break;
        case 2:
            fn(j, std::integral_constant<int, 2>{});
            break;
        case 1:
            fn(j, std::integral_constant<int, 1>{});
            break;
        default:
            break;
    }
}
}  // namespace

void score_int8_avx2(const PreparedQueries& q, const IndexKeysView& keys, int64_t s0, int64_t s1,
                     float* out, int64_t out_stride) {
    alignas(32) int8_t ks[kPage * kD];
    alignas(32) int8_t ka[kPage * kD];
    alignas(32) float kf[kPage];
    for (int64_t p0 = s0; p0 < s1; p0 += kPage) {
        const int64_t n = std::min(kPage, s1 - p0);
        convert_int8(dsa_detail::page_ptr(keys, p0 / kPage), n, ks, ka, kf);
        for (int64_t b = 0; b < q.batch; ++b) {
            float* o = out + b * out_stride + (p0 - s0);
            for_tiles8(n, [&](int64_t j, auto kbc) {
                int8_keys<decltype(kbc)::value>(q, b, ks + j * kD, ka + j * kD, kf + j, o + j);
            });
        }
    }
}

void score_faithful_avx2(const PreparedQueries& q, const IndexKeysView& keys, int64_t s0,
                         int64_t s1, float* out, int64_t out_stride) {
    alignas(32) float kf[kPage * kD];
    alignas(32) float ks[kPage];
    __m256 sums[kPage];
    for (int64_t p0 = s0; p0 < s1; p0 += kPage) {
        const int64_t n = std::min(kPage, s1 - p0);
        const uint8_t* page = dsa_detail::page_ptr(keys, p0 / kPage);
        convert_f32(page, n, kf);
        std::memcpy(ks, page + kPage * kD, size_t(n) * sizeof(float));
        for (int64_t b = 0; b < q.batch; ++b) {
            // Head groups outermost: the group's query slice (8 KB) stays in L1 over the page.
            const int64_t hp = q.hp;
            const float* qt = q.qft.data() + b * kD * hp;
            const float* w = q.w.data() + b * hp;
            for (int64_t j = 0; j < n; ++j) sums[j] = _mm256_setzero_ps();
            for (int64_t c = 0; c < hp; c += kGroup)
                for_tiles(n, [&](int64_t j, auto kbc) {
                    faithful_tile<decltype(kbc)::value>(qt + c, hp, w + c, kf + j * kD, sums + j);
                });
            float* o = out + b * out_stride + (p0 - s0);
            for (int64_t j = 0; j < n; ++j) o[j] = hsum8(sums[j]) * ks[j];
        }
    }
}

}  // namespace mempipe::cpu_dsa
