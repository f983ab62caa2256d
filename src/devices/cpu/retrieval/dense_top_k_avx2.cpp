// AVX2 dense scoring: 4 queries × 4 keys of 8-lane f32 accumulators (16 ymm), d in steps of 8 with
// a scalar tail (f32, added after the lane sum). BF16 keys are widened exactly. I8: bytes widened
// to int16 and multiplied pairwise into int32 (vpmaddwd), exact; the d tail is scalar int32.
#include <immintrin.h>

#include "devices/cpu/retrieval/dense_top_k_kernels.h"
#include "mempipe/core/dtype.h"

namespace mempipe::cpu::dense_detail {

namespace {

inline __m256 load_key(const float* p) {
    return _mm256_loadu_ps(p);
}
inline __m256 load_key(const uint16_t* p) {
    __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
}
inline float key_value(const float* p) {
    return *p;
}
inline float key_value(const uint16_t* p) {
    return bf16_to_f32(*p);
}

inline float hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}
inline int32_t hsum(__m256i v) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
    return _mm_cvtsi128_si32(s);
}

template <int QT, int KT, class K>
inline void tile_float(const float* q, int64_t d, const K* k, float* out, int64_t ld) {
    __m256 acc[QT][KT];
    for (int a = 0; a < QT; ++a)
        for (int c = 0; c < KT; ++c) acc[a][c] = _mm256_setzero_ps();
    int64_t j = 0;
    for (; j + 8 <= d; j += 8) {
        __m256 kv[KT];
        for (int c = 0; c < KT; ++c) kv[c] = load_key(k + c * d + j);
        for (int a = 0; a < QT; ++a) {
            __m256 qv = _mm256_loadu_ps(q + a * d + j);
            for (int c = 0; c < KT; ++c) acc[a][c] = _mm256_fmadd_ps(qv, kv[c], acc[a][c]);
        }
    }
    for (int a = 0; a < QT; ++a)
        for (int c = 0; c < KT; ++c) {
            float tail = 0;
            for (int64_t t = j; t < d; ++t) tail += q[a * d + t] * key_value(k + c * d + t);
            out[a * ld + c] = hsum(acc[a][c]) + tail;
        }
}

template <int QT, int KT>
inline void tile_i8(const PreparedQueries& pq, int64_t b, const DenseKeysView& keys, int64_t i,
                    float* out, int64_t ld) {
    const int64_t d = keys.d;
    const int8_t* k = static_cast<const int8_t*>(keys.data) + i * d;
    __m256i acc[QT][KT];
    for (int a = 0; a < QT; ++a)
        for (int c = 0; c < KT; ++c) acc[a][c] = _mm256_setzero_si256();
    int64_t j = 0;
    for (; j + 16 <= d; j += 16) {
        __m256i kv[KT];
        for (int c = 0; c < KT; ++c)
            kv[c] = _mm256_cvtepi8_epi16(
                _mm_loadu_si128(reinterpret_cast<const __m128i*>(k + c * d + j)));
        for (int a = 0; a < QT; ++a) {
            __m256i qv = _mm256_cvtepi8_epi16(_mm_loadu_si128(
                reinterpret_cast<const __m128i*>(pq.q8 + (b + a) * pq.q8_stride + j)));
            for (int c = 0; c < KT; ++c)
                acc[a][c] = _mm256_add_epi32(acc[a][c], _mm256_madd_epi16(qv, kv[c]));
        }
    }
    for (int a = 0; a < QT; ++a)
        for (int c = 0; c < KT; ++c) {
            int32_t dot = hsum(acc[a][c]);
            const int8_t* qa = pq.q8 + (b + a) * pq.q8_stride;
            for (int64_t t = j; t < d; ++t) dot += int32_t(qa[t]) * int32_t(k[c * d + t]);
            out[a * ld + c] = float(dot) * (pq.qscale[b + a] * keys.scales[i + c]);
        }
}

template <int QT, int KT>
inline void tile(const PreparedQueries& q, int64_t b, const DenseKeysView& keys, int64_t i,
                 float* out, int64_t ld) {
    const int64_t d = keys.d;
    switch (keys.dtype) {
        case DType::F32:
            tile_float<QT, KT>(q.f32 + b * d, d, static_cast<const float*>(keys.data) + i * d, out,
                               ld);
            break;
        case DType::BF16:
            tile_float<QT, KT>(q.f32 + b * d, d, static_cast<const uint16_t*>(keys.data) + i * d,
                               out, ld);
            break;
        default:
            tile_i8<QT, KT>(q, b, keys, i, out, ld);
    }
}

template <int QT>
void query_tile(const PreparedQueries& q, int64_t b, const DenseKeysView& keys, int64_t k0,
                int64_t k1, float* out, int64_t ld) {
    int64_t i = k0;
    for (; i + 4 <= k1; i += 4) tile<QT, 4>(q, b, keys, i, out + (i - k0), ld);
    for (; i < k1; ++i) tile<QT, 1>(q, b, keys, i, out + (i - k0), ld);
}

}  // namespace

void score_block_avx2(const PreparedQueries& q, int64_t q0, int64_t q1, const DenseKeysView& keys,
                      int64_t k0, int64_t k1, float* out, int64_t ld) {
    int64_t b = q0;
    for (; b + 4 <= q1; b += 4) query_tile<4>(q, b, keys, k0, k1, out + (b - q0) * ld, ld);
    switch (q1 - b) {
        case 3:
            query_tile<3>(q, b, keys, k0, k1, out + (b - q0) * ld, ld);
            break;
        case 2:
            query_tile<2>(q, b, keys, k0, k1, out + (b - q0) * ld, ld);
            break;
        case 1:
            query_tile<1>(q, b, keys, k0, k1, out + (b - q0) * ld, ld);
            break;
        default:
            break;
    }
}

}  // namespace mempipe::cpu::dense_detail
