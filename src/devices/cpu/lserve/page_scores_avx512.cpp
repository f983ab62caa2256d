// AVX-512 page_scores: 16-lane FMA accumulators (lane = channel mod 16, the canonical order), q-sign
// masks pick kmax or kmin, the canonical 8/4/2/1 lane tree; two logical pages × up to 4 query heads in
// flight to hide the FMA latency.
// GCC 12's intrinsic headers use _mm512_undefined_*() internally, which -O3 reports as
// -Wmaybe-uninitialized (GCC PR 105593); the warning is about the header, not this file.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <algorithm>
#include <vector>

#include "devices/cpu/lserve/page_scores_kernels.h"

namespace mempipe::cpu::lserve_detail {

namespace {

inline __m512 load_bf16(const uint16_t* p) {
    __m256i h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
}

// acc[l] += acc[l + w] for w = 8, 4, 2, 1; returns acc[0].
inline float tree_sum(__m512 v) {
    __m256 a = _mm256_add_ps(_mm512_castps512_ps256(v), _mm512_extractf32x8_ps(v, 1));
    __m128 b = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
    __m128 c = _mm_add_ps(b, _mm_movehl_ps(b, b));
    return _mm_cvtss_f32(_mm_add_ss(c, _mm_movehdup_ps(c)));
}

// Scores logical pages p and p + 1 (kmax0/kmax1; kmin = kmax + d) for H query heads.
template <int H, bool kTwo>
inline void score_pages(const float* q, const __mmask16* qpos, int64_t d, const uint16_t* kmax0,
                        const uint16_t* kmax1, float* s0, float* s1) {
    __m512 acc0[H], acc1[H];
    for (int i = 0; i < H; ++i) acc0[i] = acc1[i] = _mm512_setzero_ps();
    const int64_t chunks = d / 16;
    for (int64_t ch = 0; ch < chunks; ++ch) {
        __m512 x0 = load_bf16(kmax0 + ch * 16), n0 = load_bf16(kmax0 + d + ch * 16);
        __m512 x1 = _mm512_setzero_ps(), n1 = x1;
        if (kTwo) {
            x1 = load_bf16(kmax1 + ch * 16);
            n1 = load_bf16(kmax1 + d + ch * 16);
        }
        for (int i = 0; i < H; ++i) {
            __m512 qv = _mm512_loadu_ps(q + i * d + ch * 16);
            __mmask16 m = qpos[i * chunks + ch];
            acc0[i] = _mm512_fmadd_ps(qv, _mm512_mask_blend_ps(m, n0, x0), acc0[i]);
            if (kTwo) acc1[i] = _mm512_fmadd_ps(qv, _mm512_mask_blend_ps(m, n1, x1), acc1[i]);
        }
    }
    for (int i = 0; i < H; ++i) {
        s0[i] = tree_sum(acc0[i]);
        if (kTwo) s1[i] = tree_sum(acc1[i]);
    }
}

template <int H>
void score_range(const float* q, const __mmask16* qpos, const uint16_t* stats, int64_t capacity, int64_t n_logical,
                 int64_t d, int64_t lpp, int64_t j, int64_t n_phys, int64_t pp_begin, int64_t pp_end, int64_t h0,
                 float* out) {
    float logical[2][H];
    std::vector<float> page(size_t(lpp) * H);
    const uint16_t* base = stats + (j * capacity) * 2 * d;
    for (int64_t pp = pp_begin; pp < pp_end; ++pp) {
        int64_t p0 = pp * lpp, p1 = std::min(p0 + lpp, n_logical);
        int64_t i = 0;
        for (; p0 + i + 1 < p1; i += 2) {
            score_pages<H, true>(q, qpos, d, base + (p0 + i) * 2 * d, base + (p0 + i + 1) * 2 * d, logical[0],
                                 logical[1]);
            for (int h = 0; h < H; ++h) {
                page[size_t(i) * H + h] = logical[0][h];
                page[size_t(i + 1) * H + h] = logical[1][h];
            }
        }
        if (p0 + i < p1) {
            score_pages<H, false>(q, qpos, d, base + (p0 + i) * 2 * d, nullptr, logical[0], nullptr);
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
                        const LservePageShape& s, int64_t j, int64_t pp_begin, int64_t pp_end, float* out) {
    const int64_t d = s.d, lpp = s.logical_per_page(), g = s.group(), chunks = d / 16;
    const int64_t n_phys = (n_logical + lpp - 1) / lpp;
    std::vector<__mmask16> qpos(size_t(g * chunks));
    for (int64_t i = 0; i < g; ++i)
        for (int64_t ch = 0; ch < chunks; ++ch)
            qpos[size_t(i * chunks + ch)] =
                _mm512_cmp_ps_mask(_mm512_loadu_ps(q + ((j * g + i) * d) + ch * 16), _mm512_setzero_ps(), _CMP_GE_OQ);
    for (int64_t i = 0; i < g;) {
        int64_t h0 = j * g + i;
        const float* qh = q + h0 * d;
        const __mmask16* m = qpos.data() + i * chunks;
        switch (std::min<int64_t>(4, g - i)) {
            case 4: score_range<4>(qh, m, stats, capacity, n_logical, d, lpp, j, n_phys, pp_begin, pp_end, h0, out); i += 4; break;
            case 3: score_range<3>(qh, m, stats, capacity, n_logical, d, lpp, j, n_phys, pp_begin, pp_end, h0, out); i += 3; break;
            case 2: score_range<2>(qh, m, stats, capacity, n_logical, d, lpp, j, n_phys, pp_begin, pp_end, h0, out); i += 2; break;
            default: score_range<1>(qh, m, stats, capacity, n_logical, d, lpp, j, n_phys, pp_begin, pp_end, h0, out); i += 1; break;
        }
    }
}

}  // namespace mempipe::cpu::lserve_detail
