// AVX2 (+FMA) variant of the decode-attention engine (see decode_attention_kernels.h), the 8-lane
// twin of decode_attention_avx512.cpp for CPUs without AVX-512.
//
// Per tile of up to 32 tokens and per task (a KV head and up to 4 of its query heads at a time):
// every K row is widened from bf16 once and used by all query heads of the group, with the q chunks
// held in registers (or FMA memory operands) across 2–8 tokens; scores are formed as
// per-(head, token) partial vectors and reduced 8 at a time by a transpose-add tree; the online
// softmax rescales the output once per tile; every V row is widened once and accumulated into all
// heads of the group. bf16 → f32 widening uses the pair trick: in a 32-bit word holding elements
// (2i, 2i+1), `word << 16` is element 2i and `word & 0xffff0000` is element 2i+1, so a 16-element
// chunk (one 32-byte load) becomes an "even" and an "odd" vector with no shuffle. q and the
// accumulators are kept in that permuted order (per 16-element chunk: 8 even then 8 odd elements)
// and restored at the end. All arithmetic is f32.
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "devices/cpu/attention/decode_attention_kernels.h"
#include "devices/cpu/common/exp_avx2.h"
#include "devices/cpu/common/simd_avx2.h"

namespace mempipe::attention_detail {

namespace {

using cpu_avx2::hsum8;

constexpr int kTile = 32;     // tokens per online-softmax step
constexpr int kMaxGroup = 4;  // query heads processed together (register budget)
constexpr int kChunk = 16;    // elements per 32-byte bf16 load

struct Ctx {
    const AttnPlan* plan;
    const float* qp;  // [hq × d], scaled by s.scale, permuted per 16-element chunk
    int64_t d, row;   // row = hkv·d (elements per token)
};

inline __m256 widen_even(__m256i w) {
    return _mm256_castsi256_ps(_mm256_slli_epi32(w, 16));
}
inline __m256 widen_odd(__m256i w) {
    return _mm256_castsi256_ps(_mm256_and_si256(w, _mm256_set1_epi32(int(0xffff0000u))));
}

// lane i = sum of the lanes of v[i], for 8 vectors.
inline __m256 transpose_sum8(const __m256* v) {
    __m256 a0 = _mm256_hadd_ps(v[0], v[1]), a1 = _mm256_hadd_ps(v[2], v[3]);
    __m256 a2 = _mm256_hadd_ps(v[4], v[5]), a3 = _mm256_hadd_ps(v[6], v[7]);
    // b0 = [v0..v3 low-half sums, v0..v3 high-half sums], b1 likewise for v4..v7.
    __m256 b0 = _mm256_hadd_ps(a0, a1), b1 = _mm256_hadd_ps(a2, a3);
    return _mm256_add_ps(_mm256_permute2f128_ps(b0, b1, 0x20),
                         _mm256_permute2f128_ps(b0, b1, 0x31));
}

inline float hmax8(__m256 v) {
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_movehdup_ps(m));
    return _mm_cvtss_f32(m);
}

// Partial score vectors of T consecutive tokens (rows kr, kr + row, ...) for query heads
// [h0, h0 + G): part[g·kTile + t] = Σ over chunks of q·k lane products (summed by transpose_sum8).
template <int G, int T>
inline void qk_block(const Ctx& c, int32_t h0, const uint16_t* kr, __m256* part) {
    __m256 acc[T][G];
    for (int t = 0; t < T; ++t)
        for (int g = 0; g < G; ++g) acc[t][g] = _mm256_setzero_ps();
    for (int64_t ch = 0; ch < c.d / kChunk; ++ch) {
        __m256 qe[G], qo[G];
        for (int g = 0; g < G; ++g) {
            qe[g] = _mm256_loadu_ps(c.qp + (h0 + g) * c.d + kChunk * ch);
            qo[g] = _mm256_loadu_ps(c.qp + (h0 + g) * c.d + kChunk * ch + 8);
        }
        for (int t = 0; t < T; ++t) {
            __m256i w =
                _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kr + t * c.row + kChunk * ch));
            __m256 ke = widen_even(w), ko = widen_odd(w);
            for (int g = 0; g < G; ++g) {
                acc[t][g] = _mm256_fmadd_ps(ke, qe[g], acc[t][g]);
                acc[t][g] = _mm256_fmadd_ps(ko, qo[g], acc[t][g]);
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
    __m256 acc[G][2 * NC];
    for (int g = 0; g < G; ++g) {
        __m256 a = _mm256_set1_ps(alpha[g]);
        for (int x = 0; x < 2 * NC; ++x)
            acc[g][x] =
                _mm256_mul_ps(_mm256_loadu_ps(acc_base + (h0 + g) * c.d + kChunk * ch + 8 * x), a);
    }
    for (int t = 0; t < cnt; ++t) {
        __m256 vv[2 * NC];
        for (int x = 0; x < NC; ++x) {
            __m256i w = _mm256_loadu_si256(
                reinterpret_cast<const __m256i*>(vbase + t * c.row + kChunk * (ch + x)));
            vv[2 * x] = widen_even(w);
            vv[2 * x + 1] = widen_odd(w);
        }
        for (int g = 0; g < G; ++g) {
            __m256 pb = _mm256_set1_ps(p[g][t]);
            for (int x = 0; x < 2 * NC; ++x) acc[g][x] = _mm256_fmadd_ps(pb, vv[x], acc[g][x]);
        }
    }
    for (int g = 0; g < G; ++g)
        for (int x = 0; x < 2 * NC; ++x)
            _mm256_storeu_ps(acc_base + (h0 + g) * c.d + kChunk * ch + 8 * x, acc[g][x]);
}

// One tile [t0, t0 + cnt) for query heads [h0, h0 + G) of KV head j.
template <int G>
void tile(const Ctx& c, int32_t j, int32_t h0, int64_t t0, int cnt, HeadState& st) {
    // 16 ymm registers: G·T score accumulators + 2·G q chunks + 2 widened K halves.
    constexpr int T = G == 1 ? 8 : G == 2 ? 4 : 2;
    // V pass: 2·NC·G accumulators + 2·NC widened V halves + one broadcast.
    constexpr int NC = G <= 2 ? 2 : 1;
    const int64_t d = c.d;
    const uint16_t* kbase = c.plan->k + t0 * c.row + j * d;
    const uint16_t* vbase = c.plan->v + t0 * c.row + j * d;
    alignas(32) __m256 part[G * kTile];
    alignas(32) float p[G][kTile];
    float alpha[G];

    int t = 0;
    for (; t + T <= cnt; t += T) qk_block<G, T>(c, h0, kbase + t * c.row, part + t);
    for (; t < cnt; ++t) qk_block<G, 1>(c, h0, kbase + t * c.row, part + t);
    for (; t < kTile; ++t)
        for (int g = 0; g < G; ++g) part[g * kTile + t] = _mm256_setzero_ps();

    const __m256 neg_inf = _mm256_set1_ps(-INFINITY);
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    __m256 valid[kTile / 8];  // all-ones in lanes of tokens < cnt
    for (int q = 0; q < kTile / 8; ++q)
        valid[q] = _mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_set1_epi32(cnt - 8 * q), lane));
    for (int g = 0; g < G; ++g) {
        int32_t h = h0 + g;
        __m256 s[kTile / 8];
        __m256 mx = neg_inf;
        for (int q = 0; q < kTile / 8; ++q) {
            s[q] = _mm256_blendv_ps(neg_inf, transpose_sum8(part + g * kTile + 8 * q), valid[q]);
            mx = _mm256_max_ps(mx, s[q]);
        }
        float m_new = std::max(st.m[h], hmax8(mx));
        alpha[g] = std::exp(st.m[h] - m_new);
        __m256 mv = _mm256_set1_ps(m_new), sum = _mm256_setzero_ps();
        for (int q = 0; q < kTile / 8; ++q) {
            __m256 e = exp256(_mm256_sub_ps(s[q], mv));
            _mm256_store_ps(p[g] + 8 * q, e);
            sum = _mm256_add_ps(sum, e);
        }
        st.l[h] = st.l[h] * alpha[g] + hsum8(sum);
        st.m[h] = m_new;
    }

    const int64_t chunks = d / kChunk;
    int64_t ch = 0;
    for (; ch + NC <= chunks; ch += NC) pv_block<G, NC>(c, h0, vbase, cnt, ch, p, alpha, st.acc);
    for (; ch < chunks; ++ch) pv_block<G, 1>(c, h0, vbase, cnt, ch, p, alpha, st.acc);
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

// Permutes each 16-element chunk of x[n] into (8 even, 8 odd) order, or back when `inverse`.
void permute_pairs(const float* x, float* y, int64_t n, float scale, bool inverse) {
    for (int64_t c = 0; c < n; c += kChunk)
        for (int i = 0; i < kChunk / 2; ++i) {
            if (!inverse) {
                y[c + i] = x[c + 2 * i] * scale;
                y[c + kChunk / 2 + i] = x[c + 2 * i + 1] * scale;
            } else {
                y[c + 2 * i] = x[c + i];
                y[c + 2 * i + 1] = x[c + kChunk / 2 + i];
            }
        }
}

}  // namespace

void attend_avx2(const AttnPlan& plan, const WorkItem* items, size_t n_items, HeadState& st) {
    const AttentionShape& s = plan.s;
    const int64_t d = s.d;
    std::vector<float> qp(static_cast<size_t>(s.hq * d));
    permute_pairs(plan.q, qp.data(), s.hq * d, s.scale, false);
    Ctx c{&plan, qp.data(), d, s.hkv * d};
    for (size_t w = 0; w < n_items; ++w) {
        const WorkItem& it = items[w];
        for (int64_t t0 = it.begin; t0 < it.end; t0 += kTile) {
            int cnt = int(std::min<int64_t>(kTile, it.end - t0));
            // Prefetch the next tile's rows of each KV head while this tile is computed (the rows
            // of one head are strided by hkv·d·2 bytes; see decode_attention_avx512.cpp).
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
