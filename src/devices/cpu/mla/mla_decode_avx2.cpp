// AVX2 (+FMA) variant of the MLA decode engine (see mla_decode_kernels.h); the 8-lane twin of
// mla_decode_avx512.cpp for CPUs without AVX-512.
//
// Every selected latent row (latent + rope bf16) is read once and used by all heads. Tokens are
// taken in tiles of 32: the rows are gathered and widened to f32 (tail padded with zero rows to a
// multiple of 4), then
//   scores  S[t, h] = Σ_i kv[t, i] · Qt[i, h]      (Qt = (q_abs · scale)ᵀ, heads in vector lanes:
//                                                  4 tokens × 2 head vectors = 8 accumulators,
//                                                  outer products, no horizontal sums)
//   softmax per head vector: running max/sum across the tile, vectorised over 8 heads (exp256)
//   output  O[h, :] = α_h·O[h, :] + Σ_t P[t, h] · kv[t, :latent]   (4 heads × 2 dim vectors)
// All arithmetic is f32 FMA on exactly widened bf16 values. The block sizes keep the 16 ymm
// registers enough for accumulators, operands and the broadcast.
#include <immintrin.h>

#include <algorithm>
#include <cmath>

#include "devices/cpu/common/exp_avx2.h"
#include "devices/cpu/mla/mla_decode_kernels.h"
#include "mempipe/core/buffer.h"

namespace mempipe::mla_detail {

namespace {

constexpr int64_t kTile = 32;

struct Scratch {
    Buffer<float> qt;     // [width × heads]
    Buffer<float> kvf;    // [kTile × width]
    Buffer<float> s;      // [kTile × heads] scores, then probabilities
    Buffer<float> alpha;  // [heads]
};

// S[t0 .. t0+4) × heads [h0, h0 + 16) (two 8-lane head vectors).
void scores_block(const Scratch& sc, int64_t width, int64_t H, int64_t t0, int64_t h0, float* S) {
    __m256 acc[4][2];
    for (int t = 0; t < 4; ++t) acc[t][0] = acc[t][1] = _mm256_setzero_ps();
    const float* q = sc.qt.data() + h0;
    const float* k0 = sc.kvf.data() + t0 * width;
    for (int64_t i = 0; i < width; ++i) {
        __m256 q0 = _mm256_loadu_ps(q + i * H), q1 = _mm256_loadu_ps(q + i * H + 8);
        for (int t = 0; t < 4; ++t) {
            __m256 b = _mm256_broadcast_ss(k0 + t * width + i);
            acc[t][0] = _mm256_fmadd_ps(b, q0, acc[t][0]);
            acc[t][1] = _mm256_fmadd_ps(b, q1, acc[t][1]);
        }
    }
    for (int t = 0; t < 4; ++t) {
        _mm256_storeu_ps(S + (t0 + t) * H + h0, acc[t][0]);
        _mm256_storeu_ps(S + (t0 + t) * H + h0 + 8, acc[t][1]);
    }
}

// O[h0 .. h0+4) × dims [d0, d0 + 16).
void output_block(const Scratch& sc, int64_t width, int64_t H, int64_t L, int64_t cnt, int64_t h0,
                  int64_t d0, float* O) {
    __m256 acc[4][2];
    for (int h = 0; h < 4; ++h) {
        __m256 a = _mm256_set1_ps(sc.alpha[size_t(h0 + h)]);
        float* oh = O + (h0 + h) * L + d0;
        acc[h][0] = _mm256_mul_ps(_mm256_loadu_ps(oh), a);
        acc[h][1] = _mm256_mul_ps(_mm256_loadu_ps(oh + 8), a);
    }
    const float* P = sc.s.data() + h0;
    for (int64_t t = 0; t < cnt; ++t) {
        const float* kr = sc.kvf.data() + t * width + d0;
        __m256 k0 = _mm256_loadu_ps(kr), k1 = _mm256_loadu_ps(kr + 8);
        for (int h = 0; h < 4; ++h) {
            __m256 p = _mm256_broadcast_ss(P + t * H + h);
            acc[h][0] = _mm256_fmadd_ps(p, k0, acc[h][0]);
            acc[h][1] = _mm256_fmadd_ps(p, k1, acc[h][1]);
        }
    }
    for (int h = 0; h < 4; ++h) {
        float* oh = O + (h0 + h) * L + d0;
        _mm256_storeu_ps(oh, acc[h][0]);
        _mm256_storeu_ps(oh + 8, acc[h][1]);
    }
}

void tile(const MlaWork& w, Scratch& sc, int64_t j0, int64_t cnt, MlaState& st) {
    const MlaShape& s = w.s;
    const int64_t H = s.heads, L = s.latent, width = L + s.rope;
    const int64_t padded = (cnt + 3) / 4 * 4;
    float* kvf = sc.kvf.data();
    for (int64_t t = 0; t < cnt; ++t) {
        int64_t row = w.tokens ? w.tokens[j0 + t] : j0 + t;
        const uint16_t* src = w.kv + row * width;
        float* dst = kvf + t * width;
        for (int64_t i = 0; i < width; i += 8) {
            __m256i x =
                _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i)));
            _mm256_storeu_ps(dst + i, _mm256_castsi256_ps(_mm256_slli_epi32(x, 16)));
        }
    }
    std::fill(kvf + cnt * width, kvf + padded * width, 0.0f);

    float* S = sc.s.data();
    for (int64_t t0 = 0; t0 < padded; t0 += 4)
        for (int64_t h0 = 0; h0 < H; h0 += 16) scores_block(sc, width, H, t0, h0, S);

    for (int64_t h = 0; h < H; h += 8) {
        __m256 m_old = _mm256_loadu_ps(st.m + h), mx = m_old;
        for (int64_t t = 0; t < cnt; ++t) mx = _mm256_max_ps(mx, _mm256_loadu_ps(S + t * H + h));
        __m256 sum = _mm256_setzero_ps();
        for (int64_t t = 0; t < cnt; ++t) {
            __m256 p = exp256(_mm256_sub_ps(_mm256_loadu_ps(S + t * H + h), mx));
            _mm256_storeu_ps(S + t * H + h, p);
            sum = _mm256_add_ps(sum, p);
        }
        __m256 alpha = exp256(_mm256_sub_ps(m_old, mx));
        _mm256_storeu_ps(sc.alpha.data() + h, alpha);
        _mm256_storeu_ps(st.l + h, _mm256_fmadd_ps(_mm256_loadu_ps(st.l + h), alpha, sum));
        _mm256_storeu_ps(st.m + h, mx);
    }

    for (int64_t h0 = 0; h0 < H; h0 += 4)
        for (int64_t d0 = 0; d0 < L; d0 += 16) output_block(sc, width, H, L, cnt, h0, d0, st.o);
}

}  // namespace

void mla_attend_avx2(const MlaWork& w, int64_t begin, int64_t end, MlaState& st) {
    const MlaShape& s = w.s;
    const int64_t H = s.heads, width = s.latent + s.rope;
    Scratch sc;
    sc.qt = Buffer<float>(size_t(width * H));
    for (int64_t h = 0; h < H; ++h)
        for (int64_t i = 0; i < width; ++i)
            sc.qt[size_t(i * H + h)] = w.q_abs[h * width + i] * s.scale;
    sc.kvf = Buffer<float>(size_t(kTile * width));
    sc.s = Buffer<float>(size_t(kTile * H));
    sc.alpha = Buffer<float>(size_t(H));
    for (int64_t j = begin; j < end; j += kTile) tile(w, sc, j, std::min(kTile, end - j), st);
}

}  // namespace mempipe::mla_detail
