// AVX-512 scoring kernels of the DSA indexer (Faithful: AVX512-BF16 vdpbf16ps; Int8: AVX512-VNNI
// vpdpbusd).
//
// Layout: lanes = heads. Per 64-key page the fp8 keys are converted once (they are reused by all
// heads and all queries): Faithful → bf16 rows (vpermi2b byte LUTs + byte unpacks, so the dims come
// out in faithful_dim order), Int8 → u8 rows k_i + 128 (one vpermi2b LUT indexed by code + 120
// − 8E). The micro-kernel keeps 4 × 16 heads × KB = 6 keys of accumulators in registers; per dim
// pair (quad) it loads the 4 query vectors (L1-resident) and broadcasts one dword per key, so every
// vector instruction is a dot instruction except one load per head group and one broadcast per key.
// The relu·w epilogue and the head sum run once per key (≈ 7% of the dot instructions).
// GCC 12 reports false -W(maybe-)uninitialized inside the AVX-512 intrinsics headers
// (GCC PR 105593).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
// vpermi2b is AVX512-VBMI, which the module's AVX-512 flags do not name; every CPU that passes the
// Avx512 level check (it requires VBMI2) also has VBMI, and pick_scorer() checks it again at run
// time.
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "devices/cpu/dsa/indexer_convert_avx512.h"
#include "devices/cpu/dsa/indexer_kernels.h"
#include "mempipe/core/dtype.h"
#include "ops/dsa/dsa_internal.h"

namespace mempipe::cpu_dsa {

namespace {
constexpr int kKb = 6;  // keys per micro-tile

// ---- Faithful
// ----------------------------------------------------------------------------------------- KB keys
// × one 64-head chunk: returns Σ_h relu(q_h·k_j)·w_h per key into sums[j] (added).
template <int KB>
inline void faithful_tile(const uint32_t* qt, int64_t hp, const float* w, const uint16_t* kb,
                          float* sums) {
    __m512 acc[4][KB];
    for (int g = 0; g < 4; ++g)
        for (int j = 0; j < KB; ++j) acc[g][j] = _mm512_setzero_ps();
    const uint32_t* kw = reinterpret_cast<const uint32_t*>(kb);
    for (int p = 0; p < kD / 2; ++p) {
        const uint32_t* qp = qt + p * hp;
        __m512bh q0 = (__m512bh)_mm512_load_si512(qp), q1 = (__m512bh)_mm512_load_si512(qp + 16);
        __m512bh q2 = (__m512bh)_mm512_load_si512(qp + 32),
                 q3 = (__m512bh)_mm512_load_si512(qp + 48);
        for (int j = 0; j < KB; ++j) {
            __m512bh k = (__m512bh)_mm512_set1_epi32(int(kw[j * (kD / 2) + p]));
            acc[0][j] = _mm512_dpbf16_ps(acc[0][j], q0, k);
            acc[1][j] = _mm512_dpbf16_ps(acc[1][j], q1, k);
            acc[2][j] = _mm512_dpbf16_ps(acc[2][j], q2, k);
            acc[3][j] = _mm512_dpbf16_ps(acc[3][j], q3, k);
        }
    }
    const __m512 zero = _mm512_setzero_ps();
    const __m512 w0 = _mm512_loadu_ps(w), w1 = _mm512_loadu_ps(w + 16),
                 w2 = _mm512_loadu_ps(w + 32), w3 = _mm512_loadu_ps(w + 48);
    for (int j = 0; j < KB; ++j) {
        __m512 v = _mm512_mul_ps(_mm512_max_ps(acc[0][j], zero), w0);
        v = _mm512_fmadd_ps(_mm512_max_ps(acc[1][j], zero), w1, v);
        v = _mm512_fmadd_ps(_mm512_max_ps(acc[2][j], zero), w2, v);
        v = _mm512_fmadd_ps(_mm512_max_ps(acc[3][j], zero), w3, v);
        sums[j] += hsum(v);
    }
}

template <int KB>
void faithful_keys(const PreparedQueries& q, int64_t b, const uint16_t* kb, const float* ks,
                   float* out) {
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
}  // namespace

void score_faithful_avx512(const PreparedQueries& q, const IndexKeysView& keys, int64_t s0,
                           int64_t s1, float* out, int64_t out_stride) {
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

// ---- Int8
// ------------------------------------------------------------------------------------------------
namespace {
template <int KB>
inline void int8_tile(const uint32_t* qt, int64_t hp, const int32_t* corr, const float* w,
                      const uint8_t* ku, float* sums) {
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
    const __m512 w0 = _mm512_loadu_ps(w), w1 = _mm512_loadu_ps(w + 16),
                 w2 = _mm512_loadu_ps(w + 32), w3 = _mm512_loadu_ps(w + 48);
    for (int j = 0; j < KB; ++j) {
        __m512 v = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_max_epi32(acc[0][j], zero)), w0);
        v = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_max_epi32(acc[1][j], zero)), w1, v);
        v = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_max_epi32(acc[2][j], zero)), w2, v);
        v = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_max_epi32(acc[3][j], zero)), w3, v);
        sums[j] += hsum(v);
    }
}

template <int KB>
void int8_keys(const PreparedQueries& q, int64_t b, const uint8_t* ku, const float* kf,
               float* out) {
    float sums[KB] = {};
    const int64_t hp = q.hp;
    const uint32_t* qt = q.qt8.data() + b * (kD / 4) * hp;
    for (int64_t c = 0; c < hp; c += kHeadChunk)
        int8_tile<KB>(qt + c, hp, q.corr.data() + b * hp + c, q.w.data() + b * hp + c, ku, sums);
    for (int j = 0; j < KB; ++j) out[j] = sums[j] * kf[j];
}
}  // namespace

void score_int8_avx512(const PreparedQueries& q, const IndexKeysView& keys, int64_t s0, int64_t s1,
                       float* out, int64_t out_stride) {
    alignas(64) uint8_t ku[kPage * kD];
    alignas(64) float kf[kPage];
    for (int64_t p0 = s0; p0 < s1; p0 += kPage) {
        const int64_t n = std::min(kPage, s1 - p0);
        convert_int8(dsa_detail::page_ptr(keys, p0 / kPage), n, ku, kf);
        for (int64_t b = 0; b < q.batch; ++b) {
            float* o = out + b * out_stride + (p0 - s0);
            for_tiles(n, [&](int64_t j, auto kbc) {
                int8_keys<decltype(kbc)::value>(q, b, ku + j * kD, kf + j, o + j);
            });
        }
    }
}

}  // namespace mempipe::cpu_dsa
