// AVX-512 scoring kernels of the DSA indexer (Faithful: AVX512-BF16 vdpbf16ps; Int8: AVX512-VNNI vpdpbusd).
//
// Layout: lanes = heads. Per 64-key page the fp8 keys are converted once (they are reused by all heads and
// all queries): Faithful → bf16 rows (vpermi2b byte LUTs + byte unpacks, so the dims come out in
// faithful_dim order), Int8 → u8 rows k_i + 128 (one vpermi2b LUT indexed by code + 120 − 8E). The micro-
// kernel keeps 4 × 16 heads × KB = 6 keys of accumulators in registers; per dim pair (quad) it loads the 4
// query vectors (L1-resident) and broadcasts one dword per key, so every vector instruction is a dot
// instruction except one load per head group and one broadcast per key. The relu·w epilogue and the head
// sum run once per key (≈ 5% of the dot instructions).
// GCC 12 reports false -W(maybe-)uninitialized inside the AVX-512 intrinsics headers (GCC PR 105593).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
// vpermi2b is AVX512-VBMI, which the module's AVX-512 flags do not name; every CPU that passes the Avx512
// level check (it requires VBMI2) also has VBMI, and pick_scorer() checks it again at run time.
#pragma GCC target("avx512vbmi")
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "devices/cpu/dsa/indexer_kernels.h"
#include "mempipe/core/dtype.h"
#include "ops/dsa/dsa_internal.h"

namespace mempipe::cpu_dsa {

namespace {
constexpr int kKb = 6;  // keys per micro-tile
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
const Luts& luts() {
    static const Luts l;
    return l;
}

inline float hsum(__m512 v) {
    __m256 a = _mm256_add_ps(_mm512_castps512_ps256(v), _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
    __m128 b = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
    b = _mm_add_ps(b, _mm_movehl_ps(b, b));
    b = _mm_add_ss(b, _mm_movehdup_ps(b));
    return _mm_cvtss_f32(b);
}

// ---- Faithful -----------------------------------------------------------------------------------------
// n keys (rows of 128 codes at stride 128) → bf16 rows [n × 128] in faithful_dim order.
void convert_bf16(const uint8_t* codes, int64_t n, uint16_t* out) {
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

// KB keys × one 64-head chunk: returns Σ_h relu(q_h·k_j)·w_h per key into sums[j] (added).
template <int KB>
inline void faithful_tile(const uint32_t* qt, int64_t hp, const float* w, const uint16_t* kb, float* sums) {
    __m512 acc[4][KB];
    for (int g = 0; g < 4; ++g)
        for (int j = 0; j < KB; ++j) acc[g][j] = _mm512_setzero_ps();
    const uint32_t* kw = reinterpret_cast<const uint32_t*>(kb);
    for (int p = 0; p < kD / 2; ++p) {
        const uint32_t* qp = qt + p * hp;
        __m512bh q0 = (__m512bh)_mm512_load_si512(qp), q1 = (__m512bh)_mm512_load_si512(qp + 16);
        __m512bh q2 = (__m512bh)_mm512_load_si512(qp + 32), q3 = (__m512bh)_mm512_load_si512(qp + 48);
        for (int j = 0; j < KB; ++j) {
            __m512bh k = (__m512bh)_mm512_set1_epi32(int(kw[j * (kD / 2) + p]));
            acc[0][j] = _mm512_dpbf16_ps(acc[0][j], q0, k);
            acc[1][j] = _mm512_dpbf16_ps(acc[1][j], q1, k);
            acc[2][j] = _mm512_dpbf16_ps(acc[2][j], q2, k);
            acc[3][j] = _mm512_dpbf16_ps(acc[3][j], q3, k);
        }
    }
    const __m512 zero = _mm512_setzero_ps();
    const __m512 w0 = _mm512_loadu_ps(w), w1 = _mm512_loadu_ps(w + 16), w2 = _mm512_loadu_ps(w + 32),
                 w3 = _mm512_loadu_ps(w + 48);
    for (int j = 0; j < KB; ++j) {
        __m512 v = _mm512_mul_ps(_mm512_max_ps(acc[0][j], zero), w0);
        v = _mm512_fmadd_ps(_mm512_max_ps(acc[1][j], zero), w1, v);
        v = _mm512_fmadd_ps(_mm512_max_ps(acc[2][j], zero), w2, v);
        v = _mm512_fmadd_ps(_mm512_max_ps(acc[3][j], zero), w3, v);
        sums[j] += hsum(v);
    }
}

template <int KB>
void faithful_keys(const PreparedQueries& q, int64_t b, const uint16_t* kb, const float* ks, float* out) {
    float sums[KB] = {};
    const int64_t hp = q.hp;
    const uint32_t* qt = q.qt.data() + b * (kD / 2) * hp;
    const float* w = q.w.data() + b * hp;
    for (int64_t c = 0; c < hp; c += kHeadChunk) faithful_tile<KB>(qt + c, hp, w + c, kb, sums);
    for (int j = 0; j < KB; ++j) out[j] = sums[j] * ks[j];
}

template <class Fn>
void for_tiles(int64_t n, Fn&& fn) {
    int64_t j = 0;
    for (; j + kKb <= n; j += kKb) fn(j, std::integral_constant<int, kKb>{});
    switch (n - j) {
        case 5: fn(j, std::integral_constant<int, 5>{}); break;
        case 4: fn(j, std::integral_constant<int, 4>{}); break;
        case 3: fn(j, std::integral_constant<int, 3>{}); break;
        case 2: fn(j, std::integral_constant<int, 2>{}); break;
        case 1: fn(j, std::integral_constant<int, 1>{}); break;
        default: break;
    }
}
}  // namespace

void score_faithful_avx512(const PreparedQueries& q, const IndexKeysView& keys, int64_t s0, int64_t s1, float* out,
                           int64_t out_stride) {
    alignas(64) uint16_t kb[kPage * kD];
    alignas(64) float ks[kPage];
    for (int64_t p0 = s0; p0 < s1; p0 += kPage) {
        const int64_t n = std::min(kPage, s1 - p0);
        const uint8_t* page = dsa_detail::page_ptr(keys, p0 / kPage);
        convert_bf16(page, n, kb);
        std::memcpy(ks, page + kPage * kD, size_t(n) * sizeof(float));
        for (int64_t b = 0; b < q.batch; ++b) {
            float* o = out + b * out_stride + (p0 - s0);
            for_tiles(n, [&](int64_t j, auto kbc) {
                faithful_keys<decltype(kbc)::value>(q, b, kb + j * kD, ks + j, o + j);
            });
        }
    }
}

// ---- Int8 ------------------------------------------------------------------------------------------------
namespace {
inline int max_code7(const uint8_t* k) {
    const __m512i low7 = _mm512_set1_epi8(0x7f);  // drop the sign before comparing magnitudes
    __m512i m = _mm512_max_epu8(_mm512_and_si512(_mm512_loadu_si512(k), low7),
                                _mm512_and_si512(_mm512_loadu_si512(k + 64), low7));
    __m256i a = _mm256_max_epu8(_mm512_castsi512_si256(m), _mm512_extracti64x4_epi64(m, 1));
    __m128i x = _mm_max_epu8(_mm256_castsi256_si128(a), _mm256_extracti128_si256(a, 1));
    x = _mm_max_epu8(x, _mm_srli_si128(x, 8));
    x = _mm_max_epu8(x, _mm_srli_si128(x, 4));
    x = _mm_max_epu8(x, _mm_srli_si128(x, 2));
    x = _mm_max_epu8(x, _mm_srli_si128(x, 1));
    return _mm_cvtsi128_si32(x) & 0xff;
}

// n keys → u8 rows k_i + 128 [n × 128] and per-key factors kf = k_scale · 2^(E − 13).
void convert_int8(const uint8_t* page, int64_t n, uint8_t* out, float* kf) {
    const Luts& l = luts();
    const __m512i t_a = _mm512_load_si512(l.int8_mag), t_b = _mm512_load_si512(l.int8_mag + 64);
    const __m512i low7 = _mm512_set1_epi8(0x7f), off = _mm512_set1_epi8(char(0x80));
    for (int64_t j = 0; j < n; ++j) {
        const uint8_t* k = page + j * kD;
        float ksc;
        std::memcpy(&ksc, page + kPage * kD + j * 4, sizeof ksc);
        int e = max_code7(k) >> 3;
        kf[j] = std::ldexp(ksc, e - 13);
        if (e < 8) {  // tiny keys: subnormal codes would not follow the LUT; exact scalar rule
            for (int d = 0; d < kD; ++d) out[j * kD + d] = uint8_t(dsa_detail::key_int8(k[d], e) + 128);
            continue;
        }
        const __m512i shift = _mm512_set1_epi8(char(120 - 8 * e));
        for (int h = 0; h < 2; ++h) {
            __m512i c = _mm512_loadu_si512(k + 64 * h);
            __m512i idx = _mm512_add_epi8(_mm512_and_si512(c, low7), shift);
            __m512i mag = _mm512_permutex2var_epi8(t_a, idx, t_b);
            __mmask64 neg = _mm512_movepi8_mask(c);
            __m512i v = _mm512_mask_sub_epi8(_mm512_add_epi8(off, mag), neg, off, mag);
            _mm512_store_si512(out + j * kD + 64 * h, v);
        }
    }
}

template <int KB>
inline void int8_tile(const uint32_t* qt, int64_t hp, const int32_t* corr, const float* w, const uint8_t* ku,
                      float* sums) {
    __m512i acc[4][KB];
    for (int g = 0; g < 4; ++g) {
        __m512i c = _mm512_loadu_si512(corr + 16 * g);
        for (int j = 0; j < KB; ++j) acc[g][j] = c;
    }
    const uint32_t* kw = reinterpret_cast<const uint32_t*>(ku);
    for (int d = 0; d < kD / 4; ++d) {
        const uint32_t* qp = qt + d * hp;
        __m512i q0 = _mm512_load_si512(qp), q1 = _mm512_load_si512(qp + 16);
        __m512i q2 = _mm512_load_si512(qp + 32), q3 = _mm512_load_si512(qp + 48);
        for (int j = 0; j < KB; ++j) {
            __m512i k = _mm512_set1_epi32(int(kw[j * (kD / 4) + d]));
            acc[0][j] = _mm512_dpbusd_epi32(acc[0][j], k, q0);
            acc[1][j] = _mm512_dpbusd_epi32(acc[1][j], k, q1);
            acc[2][j] = _mm512_dpbusd_epi32(acc[2][j], k, q2);
            acc[3][j] = _mm512_dpbusd_epi32(acc[3][j], k, q3);
        }
    }
    const __m512i zero = _mm512_setzero_si512();
    const __m512 w0 = _mm512_loadu_ps(w), w1 = _mm512_loadu_ps(w + 16), w2 = _mm512_loadu_ps(w + 32),
                 w3 = _mm512_loadu_ps(w + 48);
    for (int j = 0; j < KB; ++j) {
        __m512 v = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_max_epi32(acc[0][j], zero)), w0);
        v = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_max_epi32(acc[1][j], zero)), w1, v);
        v = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_max_epi32(acc[2][j], zero)), w2, v);
        v = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_max_epi32(acc[3][j], zero)), w3, v);
        sums[j] += hsum(v);
    }
}

template <int KB>
void int8_keys(const PreparedQueries& q, int64_t b, const uint8_t* ku, const float* kf, float* out) {
    float sums[KB] = {};
    const int64_t hp = q.hp;
    const uint32_t* qt = q.qt8.data() + b * (kD / 4) * hp;
    for (int64_t c = 0; c < hp; c += kHeadChunk)
        int8_tile<KB>(qt + c, hp, q.corr.data() + b * hp + c, q.w.data() + b * hp + c, ku, sums);
    for (int j = 0; j < KB; ++j) out[j] = sums[j] * kf[j];
}
}  // namespace

void score_int8_avx512(const PreparedQueries& q, const IndexKeysView& keys, int64_t s0, int64_t s1, float* out,
                       int64_t out_stride) {
    alignas(64) uint8_t ku[kPage * kD];
    alignas(64) float kf[kPage];
    for (int64_t p0 = s0; p0 < s1; p0 += kPage) {
        const int64_t n = std::min(kPage, s1 - p0);
        convert_int8(dsa_detail::page_ptr(keys, p0 / kPage), n, ku, kf);
        for (int64_t b = 0; b < q.batch; ++b) {
            float* o = out + b * out_stride + (p0 - s0);
            for_tiles(n, [&](int64_t j, auto kbc) { int8_keys<decltype(kbc)::value>(q, b, ku + j * kD, kf + j, o + j); });
        }
    }
}

}  // namespace mempipe::cpu_dsa
