// AVX-512 dense scoring: 4 queries × 4 keys of f32 accumulators (16 zmm), d in steps of 16 with a
// masked tail. BF16 keys: 32 per load, widened exactly in two halves (even elements: shift left
// 16; odd: mask the high half) against the query's even/odd split (PreparedQueries::qeo). I8 keys
// use VNNI vpdpbusd on (k8 XOR 0x80) = k8 + 128 as unsigned bytes against the signed query bytes,
// so D = Σ (k8 + 128)·q8 − 128·Σ q8, exact in int32.
#include <immintrin.h>

#include <algorithm>

// GCC 12's extract/mask intrinsics read an undefined source operand: silence its false positives.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include "devices/cpu/retrieval/dense_top_k_kernels.h"

namespace mempipe::cpu::dense_detail {

namespace {

inline __m512 load_key(const float* p) {
    return _mm512_loadu_ps(p);
}
inline __m512 load_key_tail(const float* p, __mmask16 m) {
    return _mm512_maskz_loadu_ps(m, p);
}

inline float hsum(__m512 v) {
    __m256 h = _mm256_add_ps(_mm512_castps512_ps256(v), _mm512_extractf32x8_ps(v, 1));
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}
inline int32_t hsum(__m512i v) {
    __m256i h = _mm256_add_epi32(_mm512_castsi512_si256(v), _mm512_extracti64x4_epi64(v, 1));
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
    return _mm_cvtsi128_si32(s);
}

// The four horizontal sums of a, b, c, d as one xmm [Σa, Σb, Σc, Σd] (fewer shuffles than four
// separate reductions).
inline __m128 hsum4(__m512 a, __m512 b, __m512 c, __m512 d) {
    const __m512 ab = _mm512_add_ps(_mm512_unpacklo_ps(a, b), _mm512_unpackhi_ps(a, b));
    const __m512 cd = _mm512_add_ps(_mm512_unpacklo_ps(c, d), _mm512_unpackhi_ps(c, d));
    const __m512 x = _mm512_add_ps(_mm512_shuffle_ps(ab, cd, _MM_SHUFFLE(1, 0, 1, 0)),
                                   _mm512_shuffle_ps(ab, cd, _MM_SHUFFLE(3, 2, 3, 2)));
    const __m256 h = _mm256_add_ps(_mm512_castps512_ps256(x), _mm512_extractf32x8_ps(x, 1));
    return _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
}
inline __m128i hsum4(__m512i a, __m512i b, __m512i c, __m512i d) {
    const __m512i ab = _mm512_add_epi32(_mm512_unpacklo_epi32(a, b), _mm512_unpackhi_epi32(a, b));
    const __m512i cd = _mm512_add_epi32(_mm512_unpacklo_epi32(c, d), _mm512_unpackhi_epi32(c, d));
    const __m512i x = _mm512_add_epi32(
        _mm512_castps_si512(_mm512_shuffle_ps(_mm512_castsi512_ps(ab), _mm512_castsi512_ps(cd),
                                              _MM_SHUFFLE(1, 0, 1, 0))),
        _mm512_castps_si512(_mm512_shuffle_ps(_mm512_castsi512_ps(ab), _mm512_castsi512_ps(cd),
                                              _MM_SHUFFLE(3, 2, 3, 2))));
    const __m256i h = _mm256_add_epi32(_mm512_castsi512_si256(x), _mm512_extracti64x4_epi64(x, 1));
    return _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
}

// Stores the sums of acc[a][0..KT) to out[a·ld + c].
template <int QT, int KT>
inline void store_sums(__m512 (&acc)[QT][KT], float* out, int64_t ld) {
    for (int a = 0; a < QT; ++a) {
        if constexpr (KT == 4)
            _mm_storeu_ps(out + a * ld, hsum4(acc[a][0], acc[a][1], acc[a][2], acc[a][3]));
        else
            for (int c = 0; c < KT; ++c) out[a * ld + c] = hsum(acc[a][c]);
    }
}

template <int QT, int KT, class K>
inline void tile_float(const float* q, int64_t d, const K* k, bool prefetch, float* out,
                       int64_t ld) {
    __m512 acc[QT][KT];
    for (int a = 0; a < QT; ++a)
        for (int c = 0; c < KT; ++c) acc[a][c] = _mm512_setzero_ps();
    int64_t j = 0;
    for (; j + 16 <= d; j += 16) {
        if (prefetch)
            for (int c = 0; c < KT; ++c)
                _mm_prefetch(reinterpret_cast<const char*>(k + (KT + c) * d + j), _MM_HINT_T0);
        __m512 kv[KT];
        for (int c = 0; c < KT; ++c) kv[c] = load_key(k + c * d + j);
        for (int a = 0; a < QT; ++a) {
            __m512 qv = _mm512_loadu_ps(q + a * d + j);
            for (int c = 0; c < KT; ++c) acc[a][c] = _mm512_fmadd_ps(qv, kv[c], acc[a][c]);
        }
    }
    if (j < d) {
        const __mmask16 m = __mmask16((1u << (d - j)) - 1);
        __m512 kv[KT];
        for (int c = 0; c < KT; ++c) kv[c] = load_key_tail(k + c * d + j, m);
        for (int a = 0; a < QT; ++a) {
            __m512 qv = _mm512_maskz_loadu_ps(m, q + a * d + j);
            for (int c = 0; c < KT; ++c) acc[a][c] = _mm512_fmadd_ps(qv, kv[c], acc[a][c]);
        }
    }
    store_sums<QT, KT>(acc, out, ld);
}

template <int QT, int KT>
inline void tile_bf16(const PreparedQueries& pq, int64_t b, const DenseKeysView& keys, int64_t i,
                      bool prefetch, float* out, int64_t ld) {
    const int64_t d = keys.d;
    const uint16_t* k = static_cast<const uint16_t*>(keys.data) + i * d;
    const __m512i hi = _mm512_set1_epi32(int32_t(0xffff0000u));
    __m512 acc[QT][KT];
    for (int a = 0; a < QT; ++a)
        for (int c = 0; c < KT; ++c) acc[a][c] = _mm512_setzero_ps();
    for (int64_t j = 0; j < d; j += kBf16Chunk) {
        const __mmask32 m = d - j >= 32 ? ~__mmask32(0) : (__mmask32(1) << (d - j)) - 1;
        if (prefetch)
            for (int c = 0; c < KT; ++c)
                _mm_prefetch(reinterpret_cast<const char*>(k + (KT + c) * d + j), _MM_HINT_T0);
        __m512 ke[KT], ko[KT];
        for (int c = 0; c < KT; ++c) {
            const __m512i raw = _mm512_maskz_loadu_epi16(m, k + c * d + j);
            ke[c] = _mm512_castsi512_ps(_mm512_slli_epi32(raw, 16));
            ko[c] = _mm512_castsi512_ps(_mm512_and_si512(raw, hi));
        }
        for (int a = 0; a < QT; ++a) {
            const float* qa = pq.qeo + (b + a) * pq.qeo_stride + j;
            const __m512 qe = _mm512_loadu_ps(qa), qo = _mm512_loadu_ps(qa + 16);
            for (int c = 0; c < KT; ++c) {
                acc[a][c] = _mm512_fmadd_ps(qe, ke[c], acc[a][c]);
                acc[a][c] = _mm512_fmadd_ps(qo, ko[c], acc[a][c]);
            }
        }
    }
    store_sums<QT, KT>(acc, out, ld);
}

template <int QT, int KT>
inline void tile_i8(const PreparedQueries& pq, int64_t b, const DenseKeysView& keys, int64_t i,
                    bool prefetch, float* out, int64_t ld) {
    const int64_t d = keys.d;
    const int8_t* k = static_cast<const int8_t*>(keys.data) + i * d;
    const __m512i bias = _mm512_set1_epi8(char(0x80));
    __m512i acc[QT][KT];
    for (int a = 0; a < QT; ++a)
        for (int c = 0; c < KT; ++c) acc[a][c] = _mm512_setzero_si512();
    for (int64_t j = 0; j < d; j += 64) {
        const __mmask64 m = d - j >= 64 ? ~__mmask64(0) : (__mmask64(1) << (d - j)) - 1;
        if (prefetch)
            for (int c = 0; c < KT; ++c)
                _mm_prefetch(reinterpret_cast<const char*>(k + (KT + c) * d + j), _MM_HINT_T0);
        __m512i kv[KT];
        for (int c = 0; c < KT; ++c)
            kv[c] = _mm512_xor_si512(_mm512_maskz_loadu_epi8(m, k + c * d + j), bias);
        for (int a = 0; a < QT; ++a) {
            __m512i qv = _mm512_loadu_si512(pq.q8 + (b + a) * pq.q8_stride + j);
            for (int c = 0; c < KT; ++c) acc[a][c] = _mm512_dpbusd_epi32(acc[a][c], kv[c], qv);
        }
    }
    for (int a = 0; a < QT; ++a) {
        int32_t dots[KT];
        if constexpr (KT == 4)
            _mm_storeu_si128(reinterpret_cast<__m128i*>(dots),
                             hsum4(acc[a][0], acc[a][1], acc[a][2], acc[a][3]));
        else
            for (int c = 0; c < KT; ++c) dots[c] = hsum(acc[a][c]);
        for (int c = 0; c < KT; ++c) {
            const int32_t dot = dots[c] - 128 * pq.qsum[b + a];
            out[a * ld + c] = float(dot) * (pq.qscale[b + a] * keys.scales[i + c]);
        }
    }
}

template <int QT, int KT>
inline void tile(const PreparedQueries& q, int64_t b, const DenseKeysView& keys, int64_t i,
                 float* out, int64_t ld) {
    const int64_t d = keys.d;
    // Software prefetch of the next key tile (the rows right after this one): the hardware
    // streamers lose track of 4 short interleaved row streams, and a single query is DRAM-bound.
    const bool prefetch = i + 2 * KT <= keys.n;
    switch (keys.dtype) {
        case DType::F32:
            tile_float<QT, KT>(q.f32 + b * d, d, static_cast<const float*>(keys.data) + i * d,
                               prefetch, out, ld);
            break;
        case DType::BF16:
            tile_bf16<QT, KT>(q, b, keys, i, prefetch, out, ld);
            break;
        default:
            tile_i8<QT, KT>(q, b, keys, i, prefetch, out, ld);
    }
}

// One key tile (KT rows, kept in L1) against queries [s0, s1), 4 at a time.
template <int KT>
void keys_x_queries(const PreparedQueries& q, int64_t s0, int64_t s1, const DenseKeysView& keys,
                    int64_t i, float* out, int64_t ld) {
    int64_t b = s0;
    for (; b + 4 <= s1; b += 4) tile<4, KT>(q, b, keys, i, out + (b - s0) * ld, ld);
    float* o = out + (b - s0) * ld;
    switch (s1 - b) {
        case 3:
            tile<3, KT>(q, b, keys, i, o, ld);
            break;
        case 2:
            tile<2, KT>(q, b, keys, i, o, ld);
            break;
        case 1:
            tile<1, KT>(q, b, keys, i, o, ld);
            break;
        default:
            break;
    }
}

}  // namespace

// Queries in groups of kQueryGroup (their rows stay in L1 next to one key tile), key tiles of 4
// inside: each key tile is fetched from L2 once per group.
void score_block_avx512(const PreparedQueries& q, int64_t q0, int64_t q1, const DenseKeysView& keys,
                        int64_t k0, int64_t k1, float* out, int64_t ld) {
    constexpr int64_t kQueryGroup = 8;
    for (int64_t s0 = q0; s0 < q1; s0 += kQueryGroup) {
        const int64_t s1 = std::min(q1, s0 + kQueryGroup);
        float* o = out + (s0 - q0) * ld;
        int64_t i = k0;
        for (; i + 4 <= k1; i += 4) keys_x_queries<4>(q, s0, s1, keys, i, o + (i - k0), ld);
        for (; i < k1; ++i) keys_x_queries<1>(q, s0, s1, keys, i, o + (i - k0), ld);
    }
}

}  // namespace mempipe::cpu::dense_detail
