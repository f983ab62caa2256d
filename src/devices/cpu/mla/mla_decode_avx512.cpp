// AVX-512 variant of the MLA decode engine (see mla_decode_kernels.h).
//
// Every selected latent row (latent + rope bf16) is read once and used by all heads. Tokens are
// taken in tiles of 32: the rows are gathered and widened to f32 (tail padded with zero rows to a
// multiple of 4), then
//   scores  S[t, h] = Σ_i kv[t, i] · Qt[i, h]      (Qt = (q_abs · scale)ᵀ, heads in vector lanes:
//                                                  4 tokens × 4 head vectors = 16 accumulators,
//                                                  outer products, no horizontal sums)
//   softmax per head vector: running max/sum across the tile, vectorised over 16 heads
//   output  O[h, :] = α_h·O[h, :] + Σ_t P[t, h] · kv[t, :latent]   (4 heads × 4 dim vectors)
// All arithmetic is f32 FMA on exactly widened bf16 values.
#include <immintrin.h>

// GCC 12 warns about the undefined source operand inside the unmasked intrinsics (a false
// positive).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

#include <algorithm>
#include <cmath>

#include "devices/cpu/common/exp_avx512.h"
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

// S[t0 .. t0+4) × head vectors [v0, v0 + NV).
template <int NV>
void scores_block(const Scratch& sc, int64_t width, int64_t H, int64_t t0, int64_t v0, float* S) {
    __m512 acc[4][NV];
    for (int t = 0; t < 4; ++t)
        for (int v = 0; v < NV; ++v) acc[t][v] = _mm512_setzero_ps();
    const float* q = sc.qt.data() + v0 * 16;
    const float* k0 = sc.kvf.data() + t0 * width;
    for (int64_t i = 0; i < width; ++i) {
        __m512 qv[NV];
        for (int v = 0; v < NV; ++v) qv[v] = _mm512_loadu_ps(q + i * H + 16 * v);
        for (int t = 0; t < 4; ++t) {
            __m512 b = _mm512_set1_ps(k0[t * width + i]);
            for (int v = 0; v < NV; ++v) acc[t][v] = _mm512_fmadd_ps(b, qv[v], acc[t][v]);
        }
    }
    for (int t = 0; t < 4; ++t)
        for (int v = 0; v < NV; ++v) _mm512_storeu_ps(S + (t0 + t) * H + (v0 + v) * 16, acc[t][v]);
}

// O[h0 .. h0+4) × dim vectors [d0, d0 + ND).
template <int ND>
void output_block(const Scratch& sc, int64_t width, int64_t H, int64_t L, int64_t cnt, int64_t h0,
                  int64_t d0, float* O) {
    __m512 acc[4][ND];
    for (int h = 0; h < 4; ++h) {
        __m512 a = _mm512_set1_ps(sc.alpha[size_t(h0 + h)]);
        for (int v = 0; v < ND; ++v)
            acc[h][v] = _mm512_mul_ps(_mm512_loadu_ps(O + (h0 + h) * L + (d0 + v) * 16), a);
    }
    const float* P = sc.s.data() + h0;
    for (int64_t t = 0; t < cnt; ++t) {
        const float* kr = sc.kvf.data() + t * width + d0 * 16;
        __m512 kv[ND];
        for (int v = 0; v < ND; ++v) kv[v] = _mm512_loadu_ps(kr + 16 * v);
        for (int h = 0; h < 4; ++h) {
            __m512 p = _mm512_set1_ps(P[t * H + h]);
            for (int v = 0; v < ND; ++v) acc[h][v] = _mm512_fmadd_ps(p, kv[v], acc[h][v]);
        }
    }
    for (int h = 0; h < 4; ++h)
        for (int v = 0; v < ND; ++v) _mm512_storeu_ps(O + (h0 + h) * L + (d0 + v) * 16, acc[h][v]);
}

template <int N, class F>
void dispatch_tail(int n, F&& f) {
    if constexpr (N >= 1) {
        if (n == N) return f(std::integral_constant<int, N>{});
        dispatch_tail<N - 1>(n, f);
    }
}

void tile(const MlaWork& w, Scratch& sc, int64_t j0, int64_t cnt, MlaState& st) {
    const MlaShape& s = w.s;
    const int64_t H = s.heads, L = s.latent, width = L + s.rope, HV = H / 16, LV = L / 16;
    const int64_t padded = (cnt + 3) / 4 * 4;
    float* kvf = sc.kvf.data();
    for (int64_t t = 0; t < cnt; ++t) {
        int64_t row = w.tokens ? w.tokens[j0 + t] : j0 + t;
        const uint16_t* src = w.kv + row * width;
        float* dst = kvf + t * width;
        for (int64_t i = 0; i < width; i += 16) {
            __m512i x = _mm512_cvtepu16_epi32(
                _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i)));
            _mm512_storeu_ps(dst + i, _mm512_castsi512_ps(_mm512_slli_epi32(x, 16)));
        }
    }
    std::fill(kvf + cnt * width, kvf + padded * width, 0.0f);

    float* S = sc.s.data();
    for (int64_t t0 = 0; t0 < padded; t0 += 4)
        for (int64_t v0 = 0; v0 < HV; v0 += 4)
            dispatch_tail<4>(int(std::min<int64_t>(4, HV - v0)), [&](auto nv) {
                scores_block<decltype(nv)::value>(sc, width, H, t0, v0, S);
            });

    for (int64_t v = 0; v < HV; ++v) {
        __m512 m_old = _mm512_loadu_ps(st.m + 16 * v), mx = m_old;
        for (int64_t t = 0; t < cnt; ++t)
            mx = _mm512_max_ps(mx, _mm512_loadu_ps(S + t * H + 16 * v));
        __m512 sum = _mm512_setzero_ps();
        for (int64_t t = 0; t < cnt; ++t) {
            __m512 p = exp512(_mm512_sub_ps(_mm512_loadu_ps(S + t * H + 16 * v), mx));
            _mm512_storeu_ps(S + t * H + 16 * v, p);
            sum = _mm512_add_ps(sum, p);
        }
        __m512 alpha = exp512(_mm512_sub_ps(m_old, mx));
        _mm512_storeu_ps(sc.alpha.data() + 16 * v, alpha);
        _mm512_storeu_ps(st.l + 16 * v,
                         _mm512_fmadd_ps(_mm512_loadu_ps(st.l + 16 * v), alpha, sum));
        _mm512_storeu_ps(st.m + 16 * v, mx);
    }

    for (int64_t h0 = 0; h0 < H; h0 += 4)
        for (int64_t d0 = 0; d0 < LV; d0 += 4)
            dispatch_tail<4>(int(std::min<int64_t>(4, LV - d0)), [&](auto nd) {
                output_block<decltype(nd)::value>(sc, width, H, L, cnt, h0, d0, st.o);
            });
}

}  // namespace

void mla_attend_avx512(const MlaWork& w, int64_t begin, int64_t end, MlaState& st) {
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
