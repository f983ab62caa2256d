// AVX-512 variant of the decode-attention engine (see decode_attention_kernels.h).
//
// Per tile of up to 32 tokens and per task (a KV head and up to 4 of its query heads at a time):
// every K row is widened from bf16 once and used by all query heads of the group, with the q chunks
// held in registers across 4–8 tokens; scores are formed as per-(head, token) partial vectors and
// reduced 16 at a time by a transpose-add tree; the online softmax rescales the output once per
// tile; every V row is widened once and accumulated into all heads of the group, 64 output dims per
// pass. bf16 → f32 widening uses the pair trick: in a 32-bit word holding elements (2i, 2i+1),
// `word << 16` is element 2i and `word & 0xffff0000` is element 2i+1, so a 32-element chunk becomes
// an "even" and an "odd" vector. q and the accumulators are kept in that permuted order (per
// 32-element chunk: 16 even then 16 odd elements) and restored at the end. All arithmetic is f32.
#include <immintrin.h>

// GCC 12 warns about the undefined source operand inside the unmasked intrinsics (a false
// positive).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

#include <algorithm>
#include <cmath>
#include <vector>

#include "devices/cpu/attention/decode_attention_kernels.h"
#include "devices/cpu/common/exp_avx512.h"

namespace mempipe::attention_detail {

namespace {

constexpr int kTile = 32;     // tokens per online-softmax step
constexpr int kMaxGroup = 4;  // query heads processed together (register budget)

struct Ctx {
    const AttnPlan* plan;
    const float* qp;  // [hq × d], scaled by s.scale, permuted per 32-element chunk
    int64_t d, row;   // row = hkv·d (elements per token)
};

inline __m512 widen_even(__m512i w) {
    return _mm512_castsi512_ps(_mm512_slli_epi32(w, 16));
}
inline __m512 widen_odd(__m512i w) {
    return _mm512_castsi512_ps(_mm512_and_si512(w, _mm512_set1_epi32(int(0xffff0000u))));
}

// lane i = sum of the lanes of v[i], for 16 vectors.
inline __m512 transpose_sum16(const __m512* v) {
    __m512 a[8], b[4], c[2];
    for (int i = 0; i < 8; ++i)
        a[i] = _mm512_add_ps(_mm512_unpacklo_ps(v[2 * i], v[2 * i + 1]),
                             _mm512_unpackhi_ps(v[2 * i], v[2 * i + 1]));
    for (int i = 0; i < 4; ++i) {
        __m512d x = _mm512_castps_pd(a[2 * i]), y = _mm512_castps_pd(a[2 * i + 1]);
        b[i] = _mm512_add_ps(_mm512_castpd_ps(_mm512_unpacklo_pd(x, y)),
                             _mm512_castpd_ps(_mm512_unpackhi_pd(x, y)));
    }
    for (int i = 0; i < 2; ++i)
        c[i] = _mm512_add_ps(_mm512_shuffle_f32x4(b[2 * i], b[2 * i + 1], 0x88),
                             _mm512_shuffle_f32x4(b[2 * i], b[2 * i + 1], 0xdd));
    return _mm512_add_ps(_mm512_shuffle_f32x4(c[0], c[1], 0x88),
                         _mm512_shuffle_f32x4(c[0], c[1], 0xdd));
}

// Partial score vectors of T consecutive tokens (rows kr, kr + row, ...) for query heads
// [h0, h0 + G): part[g·kTile + t] = Σ over chunks of q·k lane products (summed by transpose_sum16).
// q chunks stay in registers across the T tokens; G·T ≤ 16 accumulators.
template <int G, int T>
inline void qk_block(const Ctx& c, int32_t h0, const uint16_t* kr, __m512* part) {
    __m512 acc[T][G];
    for (int t = 0; t < T; ++t)
        for (int g = 0; g < G; ++g) acc[t][g] = _mm512_setzero_ps();
    for (int64_t ch = 0; ch < c.d / 32; ++ch) {
        __m512 qe[G], qo[G];
        for (int g = 0; g < G; ++g) {
            qe[g] = _mm512_loadu_ps(c.qp + (h0 + g) * c.d + 32 * ch);
            qo[g] = _mm512_loadu_ps(c.qp + (h0 + g) * c.d + 32 * ch + 16);
        }
        for (int t = 0; t < T; ++t) {
            __m512i w = _mm512_loadu_si512(kr + t * c.row + 32 * ch);
            __m512 ke = widen_even(w), ko = widen_odd(w);
            for (int g = 0; g < G; ++g) {
                acc[t][g] = _mm512_fmadd_ps(ke, qe[g], acc[t][g]);
                acc[t][g] = _mm512_fmadd_ps(ko, qo[g], acc[t][g]);
            }
        }
    }
    for (int t = 0; t < T; ++t)
        for (int g = 0; g < G; ++g) part[g * kTile + t] = acc[t][g];
}

// acc[h0 + g, chunks [ch, ch + NC)] = α_g·acc + Σ_t p[g][t]·v_t over the tile's cnt tokens.
template <int G, int NC>
inline void pv_block(const Ctx& c, int32_t h0, const uint16_t* vbase, int cnt, int64_t ch,
                     const float (*p)[kTile], const float* alpha, float* acc_base) {
    __m512 acc[G][2 * NC];
    for (int g = 0; g < G; ++g) {
        __m512 a = _mm512_set1_ps(alpha[g]);
        for (int x = 0; x < 2 * NC; ++x)
            acc[g][x] =
                _mm512_mul_ps(_mm512_loadu_ps(acc_base + (h0 + g) * c.d + 32 * ch + 16 * x), a);
    }
    for (int t = 0; t < cnt; ++t) {
        __m512 vv[2 * NC];
        for (int x = 0; x < NC; ++x) {
            __m512i w = _mm512_loadu_si512(vbase + t * c.row + 32 * (ch + x));
            vv[2 * x] = widen_even(w);
            vv[2 * x + 1] = widen_odd(w);
        }
        for (int g = 0; g < G; ++g) {
            __m512 pb = _mm512_set1_ps(p[g][t]);
            for (int x = 0; x < 2 * NC; ++x) acc[g][x] = _mm512_fmadd_ps(pb, vv[x], acc[g][x]);
        }
    }
    for (int g = 0; g < G; ++g)
        for (int x = 0; x < 2 * NC; ++x)
            _mm512_storeu_ps(acc_base + (h0 + g) * c.d + 32 * ch + 16 * x, acc[g][x]);
}

// One tile [t0, t0 + cnt) for query heads [h0, h0 + G) of KV head j.
template <int G>
void tile(const Ctx& c, int32_t j, int32_t h0, int64_t t0, int cnt, HeadState& st) {
    constexpr int T = G == 1 ? 8 : G == 2 ? 8 : 4;
    const int64_t d = c.d;
    const uint16_t* kbase = c.plan->k + t0 * c.row + j * d;
    const uint16_t* vbase = c.plan->v + t0 * c.row + j * d;
    alignas(64) __m512 part[G * kTile];
    alignas(64) float p[G][kTile];
    float alpha[G];

    int t = 0;
    for (; t + T <= cnt; t += T) qk_block<G, T>(c, h0, kbase + t * c.row, part + t);
    for (; t < cnt; ++t) qk_block<G, 1>(c, h0, kbase + t * c.row, part + t);
    for (; t < kTile; ++t)
        for (int g = 0; g < G; ++g) part[g * kTile + t] = _mm512_setzero_ps();

    const __m512 neg_inf = _mm512_set1_ps(-INFINITY);
    const __mmask16 valid0 = cnt >= 16 ? __mmask16(0xffff) : __mmask16((1u << cnt) - 1u);
    const __mmask16 valid1 = cnt <= 16 ? __mmask16(0) : __mmask16((1u << (cnt - 16)) - 1u);
    for (int g = 0; g < G; ++g) {
        int32_t h = h0 + g;
        __m512 s0 = _mm512_mask_blend_ps(valid0, neg_inf, transpose_sum16(part + g * kTile));
        __m512 s1 = _mm512_mask_blend_ps(valid1, neg_inf, transpose_sum16(part + g * kTile + 16));
        float m_new = std::max(st.m[h], _mm512_reduce_max_ps(_mm512_max_ps(s0, s1)));
        alpha[g] = std::exp(st.m[h] - m_new);
        __m512 mv = _mm512_set1_ps(m_new);
        __m512 e0 = exp512(_mm512_sub_ps(s0, mv)), e1 = exp512(_mm512_sub_ps(s1, mv));
        _mm512_store_ps(p[g], e0);
        _mm512_store_ps(p[g] + 16, e1);
        st.l[h] = st.l[h] * alpha[g] + _mm512_reduce_add_ps(_mm512_add_ps(e0, e1));
        st.m[h] = m_new;
    }

    const int64_t chunks = d / 32;
    int64_t ch = 0;
    for (; ch + 2 <= chunks; ch += 2) pv_block<G, 2>(c, h0, vbase, cnt, ch, p, alpha, st.acc);
    if (ch < chunks) pv_block<G, 1>(c, h0, vbase, cnt, ch, p, alpha, st.acc);
}

// A prefetch the compiler keeps (GCC drops loops whose only effect is __builtin_prefetch).
inline void prefetch_t0(const void* p) {
    asm volatile("prefetcht0 %0" : : "m"(*static_cast<const char*>(p)));
}

void prefetch_rows(const Ctx& c, int32_t j, int64_t t0, int64_t cnt) {
    for (int64_t t = 0; t < cnt; ++t) {
        const char* kp = reinterpret_cast<const char*>(c.plan->k + (t0 + t) * c.row + j * c.d);
        const char* vp = reinterpret_cast<const char*>(c.plan->v + (t0 + t) * c.row + j * c.d);
        for (int64_t off = 0; off < c.d * 2; off += 64) {
            prefetch_t0(kp + off);
            prefetch_t0(vp + off);
        }
    }
}

using TileFn = void (*)(const Ctx&, int32_t, int32_t, int64_t, int, HeadState&);
constexpr TileFn kTiles[kMaxGroup + 1] = {nullptr, tile<1>, tile<2>, tile<3>, tile<4>};

void task_tile(const Ctx& c, const AttnTask& task, int64_t t0, int cnt, HeadState& st) {
    for (int32_t h = task.q_begin; h < task.q_begin + task.q_count; h += kMaxGroup) {
        int g = int(std::min<int32_t>(kMaxGroup, task.q_begin + task.q_count - h));
        kTiles[g](c, task.kv_head, h, t0, cnt, st);
    }
}

// Permutes each 32-element chunk of x[n] into (16 even, 16 odd) order, or back when `inverse`.
void permute_pairs(const float* x, float* y, int64_t n, float scale, bool inverse) {
    for (int64_t c = 0; c < n; c += 32)
        for (int i = 0; i < 16; ++i) {
            if (!inverse) {
                y[c + i] = x[c + 2 * i] * scale;
                y[c + 16 + i] = x[c + 2 * i + 1] * scale;
            } else {
                y[c + 2 * i] = x[c + i];
                y[c + 2 * i + 1] = x[c + 16 + i];
            }
        }
}

}  // namespace

void attend_avx512(const AttnPlan& plan, const WorkItem* items, size_t n_items, HeadState& st) {
    const AttentionShape& s = plan.s;
    const int64_t d = s.d;
    std::vector<float> qp(static_cast<size_t>(s.hq * d));
    permute_pairs(plan.q, qp.data(), s.hq * d, s.scale, false);
    Ctx c{&plan, qp.data(), d, s.hkv * d};
    for (size_t w = 0; w < n_items; ++w) {
        const WorkItem& it = items[w];
        for (int64_t t0 = it.begin; t0 < it.end; t0 += kTile) {
            int cnt = int(std::min<int64_t>(kTile, it.end - t0));
            // Prefetch the next tile's rows of each KV head while this tile is computed: the rows
            // of one head are 2·d bytes every hkv·d·2 bytes, a pattern the hardware streamers
            // follow poorly (measured: −15% time at 128K tokens, single thread).
            const int64_t tn = t0 + kTile, nt = std::min<int64_t>(kTile, it.end - tn);
            for (int32_t ti = it.task_begin; ti < it.task_end; ++ti) {
                if (nt > 0) prefetch_rows(c, plan.tasks[size_t(ti)].kv_head, tn, nt);
                task_tile(c, plan.tasks[size_t(ti)], t0, cnt, st);
            }
        }
    }
    std::vector<float> tmp(static_cast<size_t>(d));
    for (int64_t h = 0; h < s.hq; ++h) {
        permute_pairs(st.acc + h * d, tmp.data(), d, 1.0f, true);
        std::copy(tmp.begin(), tmp.end(), st.acc + h * d);
    }
}

}  // namespace mempipe::attention_detail
