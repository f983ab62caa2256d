// AVX2 page_scores, the 8-lane twin of page_scores_avx512.cpp. The canonical order of ops/lserve.h
// has 16 lanes, lane l accumulating channels 2l and 2l + 1 of every 32-channel chunk; here a
// 32-byte load holds 16 bf16 channels as 8 (even, odd) pairs, so the first half of a chunk feeds
// accumulator `lo` (lanes 0–7) and the second half accumulator `hi` (lanes 8–15), each lane seeing
// the same fma sequence (even channel, then odd channel, chunk by chunk) as the reference. The tree
// then adds hi to lo (w = 8), the upper 128 bits to the lower (w = 4), and w = 2, 1 in-register:
// bit-identical to ref. q-sign masks pick kmax or kmin; two logical pages × up to 2 query heads in
// flight to hide FMA latency (8 accumulators of 16 registers).
#include <immintrin.h>

#include <algorithm>
#include <vector>

#include "devices/cpu/lserve/page_scores_kernels.h"

namespace mempipe::cpu::lserve_detail {

namespace {

constexpr int kMaxHeads = 2;

// Widens the 16 bf16 channels at p into (even channels, odd channels) f32 vectors.
inline void load_pairs(const uint16_t* p, __m256& even, __m256& odd) {
    __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
    even = _mm256_castsi256_ps(_mm256_slli_epi32(x, 16));
    odd = _mm256_castsi256_ps(_mm256_and_si256(x, _mm256_set1_epi32(int32_t(0xffff0000u))));
}

// The canonical tree over the 16 lanes (lo = lanes 0–7, hi = lanes 8–15): acc[l] += acc[l + w]
// for w = 8, 4, 2, 1; returns acc[0].
inline float tree_sum(__m256 lo, __m256 hi) {
    __m256 a = _mm256_add_ps(lo, hi);                                               // w = 8
    __m128 b = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));  // w = 4
    b = _mm_add_ps(b, _mm_movehl_ps(b, b));                                         // w = 2
    b = _mm_add_ss(b, _mm_shuffle_ps(b, b, 0x55));                                  // w = 1
    return _mm_cvtss_f32(b);
}

// Scores logical pages p and p + 1 (kmax0/kmax1; kmin = kmax + d) for H query heads. q: per head
// and 16-channel half chunk, 8 even- then 8 odd-channel values; qpos: their q ≥ 0 masks (all-ones
// lanes), in the same order.
template <int H, bool kTwo>
__attribute__((always_inline)) inline void score_pages(const float* q, const float* qpos, int64_t d,
                                                       const uint16_t* kmax0, const uint16_t* kmax1,
                                                       float* s0, float* s1) {
    __m256 acc0[H][2], acc1[H][2];  // [head][lo, hi]
    for (int i = 0; i < H; ++i)
        for (int k = 0; k < 2; ++k) acc0[i][k] = acc1[i][k] = _mm256_setzero_ps();
    for (int64_t hc = 0; hc < d / 16; ++hc) {
        const int k = int(hc % 2);  // first or second half of the 32-channel chunk
        __m256 x0[2], n0[2], x1[2], n1[2];
        load_pairs(kmax0 + hc * 16, x0[0], x0[1]);
        load_pairs(kmax0 + d + hc * 16, n0[0], n0[1]);
        if (kTwo) {
            load_pairs(kmax1 + hc * 16, x1[0], x1[1]);
            load_pairs(kmax1 + d + hc * 16, n1[0], n1[1]);
        }
        for (int e = 0; e < 2; ++e)
            for (int i = 0; i < H; ++i) {
                const int64_t at = i * d + hc * 16 + e * 8;
                __m256 qv = _mm256_loadu_ps(q + at);
                __m256 m = _mm256_loadu_ps(qpos + at);
                acc0[i][k] = _mm256_fmadd_ps(qv, _mm256_blendv_ps(n0[e], x0[e], m), acc0[i][k]);
                if (kTwo)
                    acc1[i][k] = _mm256_fmadd_ps(qv, _mm256_blendv_ps(n1[e], x1[e], m), acc1[i][k]);
            }
    }
    for (int i = 0; i < H; ++i) {
        s0[i] = tree_sum(acc0[i][0], acc0[i][1]);
        if (kTwo) s1[i] = tree_sum(acc1[i][0], acc1[i][1]);
    }
}

template <int H>
void score_range(const float* q, const float* qpos, const uint16_t* stats, int64_t capacity,
                 int64_t n_logical, int64_t d, int64_t lpp, int64_t j, int64_t n_phys,
                 int64_t pp_begin, int64_t pp_end, int64_t h0, float* out) {
    float logical[2][H];
    std::vector<float> page(size_t(lpp) * H);
    const uint16_t* base = stats + (j * capacity) * 2 * d;
    for (int64_t pp = pp_begin; pp < pp_end; ++pp) {
        int64_t p0 = pp * lpp, p1 = std::min(p0 + lpp, n_logical);
        int64_t i = 0;
        for (; p0 + i + 1 < p1; i += 2) {
            score_pages<H, true>(q, qpos, d, base + (p0 + i) * 2 * d, base + (p0 + i + 1) * 2 * d,
                                 logical[0], logical[1]);
            for (int h = 0; h < H; ++h) {
                page[size_t(i) * H + h] = logical[0][h];
                page[size_t(i + 1) * H + h] = logical[1][h];
            }
        }
        if (p0 + i < p1) {
            score_pages<H, false>(q, qpos, d, base + (p0 + i) * 2 * d, nullptr, logical[0],
                                  nullptr);
            for (int h = 0; h < H; ++h) page[size_t(i) * H + h] = logical[0][h];
            ++i;
        }
        for (; i < lpp; ++i)  // slots past n_logical score 0
            for (int h = 0; h < H; ++h) page[size_t(i) * H + h] = 0.0f;
        for (int h = 0; h < H; ++h) {
            float best = 0.0f;
            for (int64_t l = 0; l < lpp; ++l) {
                float v = page[size_t(l) * H + h];
                best = l == 0 || v > best ? v : best;
            }
            out[(h0 + h) * n_phys + pp] = best;
        }
    }
}

}  // namespace

void page_scores_avx2(const float* q, const uint16_t* stats, int64_t capacity, int64_t n_logical,
                      const LservePageShape& s, int64_t j, int64_t pp_begin, int64_t pp_end,
                      float* out) {
    const int64_t d = s.d, lpp = s.logical_per_page(), g = s.group();
    const int64_t n_phys = (n_logical + lpp - 1) / lpp;
    // q of the KV head's query heads, de-interleaved per 16-channel half chunk: 8 even then 8 odd
    // channels; qpos holds all-ones where q ≥ 0 (false for NaN, as in ref).
    std::vector<float> qd(size_t(g * d)), qpos(size_t(g * d));
    for (int64_t i = 0; i < g; ++i)
        for (int64_t c = 0; c < d; ++c)
            qd[size_t(i * d + (c / 16) * 16 + (c % 2) * 8 + (c % 16) / 2)] = q[(j * g + i) * d + c];
    for (int64_t at = 0; at < g * d; at += 8)
        _mm256_storeu_ps(qpos.data() + at, _mm256_cmp_ps(_mm256_loadu_ps(qd.data() + at),
                                                         _mm256_setzero_ps(), _CMP_GE_OQ));
    for (int64_t i = 0; i < g;) {
        const int64_t h0 = j * g + i;
        const float* qh = qd.data() + i * d;
        const float* m = qpos.data() + i * d;
        if (g - i >= kMaxHeads) {
            score_range<2>(qh, m, stats, capacity, n_logical, d, lpp, j, n_phys, pp_begin, pp_end,
                           h0, out);
            i += 2;
        } else {
            score_range<1>(qh, m, stats, capacity, n_logical, d, lpp, j, n_phys, pp_begin, pp_end,
                           h0, out);
            i += 1;
        }
    }
}

}  // namespace mempipe::cpu::lserve_detail
