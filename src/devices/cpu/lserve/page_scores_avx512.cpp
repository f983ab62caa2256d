// AVX-512 page_scores: a 64-byte load holds 32 bf16 channels as 16 (even, odd) pairs; the odd
// channel widens to f32 with an AND, the even one with a shift, so lane l accumulates channels 2l
// and 2l + 1 of every 32-channel chunk — the canonical order of ops/lserve.h. q-sign masks pick
// kmax or kmin; the canonical 8/4/2/1 lane tree; two logical pages × up to 4 query heads in flight
// to hide FMA latency. GCC 12's intrinsic headers use _mm512_undefined_*() internally, which -O3
// reports as -Wmaybe-uninitialized (GCC PR 105593); the warning is about the header, not this file.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>

#include <algorithm>
#include <vector>

#include "devices/cpu/lserve/page_scores_kernels.h"

namespace mempipe::cpu::lserve_detail {

namespace {

// Widens the 32 bf16 channels at p into (even channels, odd channels) f32 vectors.
inline void load_pairs(const uint16_t* p, __m512& even, __m512& odd) {
    __m512i x = _mm512_loadu_si512(p);
    even = _mm512_castsi512_ps(_mm512_slli_epi32(x, 16));
    odd = _mm512_castsi512_ps(_mm512_and_si512(x, _mm512_set1_epi32(int32_t(0xffff0000u))));
}

// The canonical tree (acc[l] += acc[l + w] for w = 8, 4, 2, 1) of four accumulators at once; out[i]
// is head i's acc[0]. Each step adds the same lane pairs as the scalar tree.
inline void tree_sum4(const __m512* acc, float* out) {
    // w = 8: 128-bit blocks 0,1 + 2,3 of a and b side by side.
    __m512 ab = _mm512_add_ps(_mm512_shuffle_f32x4(acc[0], acc[1], 0x44),
                              _mm512_shuffle_f32x4(acc[0], acc[1], 0xee));
    __m512 cd = _mm512_add_ps(_mm512_shuffle_f32x4(acc[2], acc[3], 0x44),
                              _mm512_shuffle_f32x4(acc[2], acc[3], 0xee));
    // w = 4: block 0 + block 1 of each head → one block per head.
    __m512 u =
        _mm512_add_ps(_mm512_shuffle_f32x4(ab, cd, 0x88), _mm512_shuffle_f32x4(ab, cd, 0xdd));
    // w = 2 and w = 1 inside every block.
    __m512 v = _mm512_add_ps(u, _mm512_shuffle_ps(u, u, 0xee));
    __m512 r = _mm512_add_ps(v, _mm512_shuffle_ps(v, v, 0x55));
    alignas(64) float lanes[16];
    _mm512_store_ps(lanes, r);
    for (int i = 0; i < 4; ++i) out[i] = lanes[4 * i];
}

// Scores logical pages p and p + 1 (kmax0/kmax1; kmin = kmax + d) for H query heads. q: per head
// and 32-channel chunk, 16 even- then 16 odd-channel values; qpos: their q ≥ 0 masks, in the same
// order.
template <int H, bool kTwo>
__attribute__((always_inline)) inline void score_pages(const float* q, const __mmask16* qpos,
                                                       int64_t d, const uint16_t* kmax0,
                                                       const uint16_t* kmax1, float* s0,
                                                       float* s1) {
    __m512 acc0[4], acc1[4];  // heads ≥ H stay zero (tree_sum4 reduces four)
    for (int i = 0; i < 4; ++i) acc0[i] = acc1[i] = _mm512_setzero_ps();
    const int64_t halves = d / 16;  // (chunk, even/odd) pairs
    for (int64_t ch = 0; ch < d / 32; ++ch) {
        __m512 x0[2], n0[2], x1[2], n1[2];
        load_pairs(kmax0 + ch * 32, x0[0], x0[1]);
        load_pairs(kmax0 + d + ch * 32, n0[0], n0[1]);
        if (kTwo) {
            load_pairs(kmax1 + ch * 32, x1[0], x1[1]);
            load_pairs(kmax1 + d + ch * 32, n1[0], n1[1]);
        }
        for (int e = 0; e < 2; ++e)
            for (int i = 0; i < H; ++i) {
                const int64_t at = i * halves + ch * 2 + e;
                __m512 qv = _mm512_loadu_ps(q + at * 16);
                __mmask16 m = qpos[at];
                acc0[i] = _mm512_fmadd_ps(qv, _mm512_mask_blend_ps(m, n0[e], x0[e]), acc0[i]);
                if (kTwo)
                    acc1[i] = _mm512_fmadd_ps(qv, _mm512_mask_blend_ps(m, n1[e], x1[e]), acc1[i]);
            }
    }
    float r0[4], r1[4];
    tree_sum4(acc0, r0);
    if (kTwo) tree_sum4(acc1, r1);
    for (int i = 0; i < H; ++i) {
        s0[i] = r0[i];
        if (kTwo) s1[i] = r1[i];
    }
}

template <int H>
void score_range(const float* q, const __mmask16* qpos, const uint16_t* stats, int64_t capacity,
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

void page_scores_avx512(const float* q, const uint16_t* stats, int64_t capacity, int64_t n_logical,
                        const LservePageShape& s, int64_t j, int64_t pp_begin, int64_t pp_end,
                        float* out) {
    const int64_t d = s.d, lpp = s.logical_per_page(), g = s.group(), halves = d / 16;
    const int64_t n_phys = (n_logical + lpp - 1) / lpp;
    // q of the KV head's query heads, de-interleaved per 32-channel chunk: 16 even then 16 odd
    // channels.
    std::vector<float> qd(size_t(g * d));
    std::vector<__mmask16> qpos(size_t(g * halves));
    for (int64_t i = 0; i < g; ++i)
        for (int64_t c = 0; c < d; ++c)
            qd[size_t(i * d + (c / 32) * 32 + (c % 2) * 16 + (c % 32) / 2)] =
                q[(j * g + i) * d + c];
    for (int64_t at = 0; at < g * halves; ++at)
        qpos[size_t(at)] = _mm512_cmp_ps_mask(_mm512_loadu_ps(qd.data() + at * 16),
                                              _mm512_setzero_ps(), _CMP_GE_OQ);
    for (int64_t i = 0; i < g;) {
        int64_t h0 = j * g + i;
        const float* qh = qd.data() + i * d;
        const __mmask16* m = qpos.data() + i * halves;
        switch (std::min<int64_t>(4, g - i)) {
            case 4:
                score_range<4>(qh, m, stats, capacity, n_logical, d, lpp, j, n_phys, pp_begin,
                               pp_end, h0, out);
                i += 4;
                break;
            case 3:
                score_range<3>(qh, m, stats, capacity, n_logical, d, lpp, j, n_phys, pp_begin,
                               pp_end, h0, out);
                i += 3;
                break;
            case 2:
                score_range<2>(qh, m, stats, capacity, n_logical, d, lpp, j, n_phys, pp_begin,
                               pp_end, h0, out);
                i += 2;
                break;
            default:
                score_range<1>(qh, m, stats, capacity, n_logical, d, lpp, j, n_phys, pp_begin,
                               pp_end, h0, out);
                i += 1;
                break;
        }
    }
}

}  // namespace mempipe::cpu::lserve_detail
