// AVX-512 variant of chunked-prefill attention (see attention_prefill_kernels.h).
//
// A query tile keeps its up to 32 (row, head) pairs in the 32 lanes of two vectors: q is stored
// transposed (qᵀ: [d × 32], pre-multiplied by the softmax scale), so the scores of one key are
// Σ_e k[e]·qᵀ[e] — a broadcast of k[e] times two q vectors, no horizontal sums — and the online
// softmax (running max, sum, rescale) runs on whole vectors of lanes. Per step of 32 positions:
// resolve each position's page, widen its K and V rows from bf16 to f32 once (shared by all
// lanes), scores 8 positions at a time (16 accumulators), mask positions beyond a lane's own
// (causal), exp, then O[lane] = α·O[lane] + Σ_t p[t, lane]·V[t] for 4 lanes × 64 dims at a time.
// On the diagonal steps (positions some lanes must not see) the P·V update is masked per lane, so a
// NaN or Inf in a V row a lane does not attend cannot reach it (0·NaN would). All arithmetic is
// f32.
#include <immintrin.h>

// GCC 12 warns about the undefined source operand inside the unmasked intrinsics (a false
// positive).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

#include <algorithm>
#include <cmath>
#include <limits>

#include "devices/cpu/attention/attention_prefill_kernels.h"
#include "devices/cpu/common/exp_avx512.h"
#include "ops/attention/paged_common.h"

namespace mempipe::attention_detail {

namespace {

constexpr int kLanes = int(kPrefillLanes);
constexpr int kKeys = int(kPrefillKeys);
static_assert(kLanes == 32, "two 16-lane vectors per tile");

inline void widen_row(const uint16_t* src, float* dst, int64_t d) {
    for (int64_t e = 0; e < d; e += 16) {
        __m512i w =
            _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + e)));
        _mm512_store_ps(dst + e, _mm512_castsi512_ps(_mm512_slli_epi32(w, 16)));
    }
}

// pt[t, :] = scores of positions kf rows [0, T) for the 32 lanes.
template <int T>
inline void scores(const float* qt, const float* kf, int64_t d, float* pt) {
    __m512 acc[T][2];
    for (int t = 0; t < T; ++t) acc[t][0] = acc[t][1] = _mm512_setzero_ps();
    for (int64_t e = 0; e < d; ++e) {
        __m512 qa = _mm512_load_ps(qt + e * kLanes), qb = _mm512_load_ps(qt + e * kLanes + 16);
        for (int t = 0; t < T; ++t) {
            __m512 kb = _mm512_set1_ps(kf[t * d + e]);
            acc[t][0] = _mm512_fmadd_ps(kb, qa, acc[t][0]);
            acc[t][1] = _mm512_fmadd_ps(kb, qb, acc[t][1]);
        }
    }
    for (int t = 0; t < T; ++t) {
        _mm512_store_ps(pt + t * kLanes, acc[t][0]);
        _mm512_store_ps(pt + t * kLanes + 16, acc[t][1]);
    }
}

// o[lanes l0.., dims [16·c0, 16·(c0 + NC))] = α·o + Σ_t p[t, lane]·vf[t] over t < cnt; with
// Masked, position t counts for lane l only when t < lim[l].
template <int LB, int NC, bool Masked>
inline void pv(const float* pt, const float* vf, int64_t d, int cnt, int l0, int64_t c0,
               const float* alpha, const int* lim, float* o) {
    __m512 acc[LB][NC];
    for (int l = 0; l < LB; ++l) {
        __m512 a = _mm512_set1_ps(alpha[l0 + l]);
        for (int x = 0; x < NC; ++x)
            acc[l][x] = _mm512_mul_ps(_mm512_load_ps(o + (l0 + l) * d + 16 * (c0 + x)), a);
    }
    for (int t = 0; t < cnt; ++t) {
        __m512 v[NC];
        for (int x = 0; x < NC; ++x) v[x] = _mm512_load_ps(vf + t * d + 16 * (c0 + x));
        for (int l = 0; l < LB; ++l) {
            __m512 pb = _mm512_set1_ps(pt[t * kLanes + l0 + l]);
            if constexpr (Masked) {
                __mmask16 k = t < lim[l0 + l] ? __mmask16(0xffff) : __mmask16(0);
                for (int x = 0; x < NC; ++x)
                    acc[l][x] = _mm512_mask3_fmadd_ps(pb, v[x], acc[l][x], k);
            } else {
                for (int x = 0; x < NC; ++x) acc[l][x] = _mm512_fmadd_ps(pb, v[x], acc[l][x]);
            }
        }
    }
    for (int l = 0; l < LB; ++l)
        for (int x = 0; x < NC; ++x) _mm512_store_ps(o + (l0 + l) * d + 16 * (c0 + x), acc[l][x]);
}

template <int LB, bool Masked>
void pv_lanes(const float* pt, const float* vf, int64_t d, int cnt, int l0, const float* alpha,
              const int* lim, float* o) {
    const int64_t chunks = d / 16;
    int64_t c = 0;
    for (; c + 4 <= chunks; c += 4) pv<LB, 4, Masked>(pt, vf, d, cnt, l0, c, alpha, lim, o);
    switch (chunks - c) {
        case 3:
            pv<LB, 3, Masked>(pt, vf, d, cnt, l0, c, alpha, lim, o);
            break;
        case 2:
            pv<LB, 2, Masked>(pt, vf, d, cnt, l0, c, alpha, lim, o);
            break;
        case 1:
            pv<LB, 1, Masked>(pt, vf, d, cnt, l0, c, alpha, lim, o);
            break;
        default:
            break;
    }
}

template <bool Masked>
void pv_all(const float* pt, const float* vf, int64_t d, int cnt, int n, const float* alpha,
            const int* lim, float* o) {
    int l = 0;
    for (; l + 4 <= n; l += 4) pv_lanes<4, Masked>(pt, vf, d, cnt, l, alpha, lim, o);
    switch (n - l) {
        case 3:
            pv_lanes<3, Masked>(pt, vf, d, cnt, l, alpha, lim, o);
            break;
        case 2:
            pv_lanes<2, Masked>(pt, vf, d, cnt, l, alpha, lim, o);
            break;
        case 1:
            pv_lanes<1, Masked>(pt, vf, d, cnt, l, alpha, lim, o);
            break;
        default:
            break;
    }
}

}  // namespace

void prefill_tile_avx512(const PrefillCtx& c, int64_t j, int64_t lane_begin, int64_t n_lanes,
                         float* scratch) {
    const int64_t d = c.cache.d, hq = c.s.hq, g = c.g;
    const int n = int(n_lanes);
    float* qt = scratch;
    float* kf = qt + kLanes * d;
    float* vf = kf + kKeys * d;
    float* o = vf + kKeys * d;
    float* pt = o + kLanes * d;
    float* mrun = pt + kKeys * kLanes;
    float* lrun = mrun + kLanes;
    float* alpha = lrun + kLanes;
    alignas(64) int32_t pos[kLanes];
    int lim[kLanes];

    for (int l = 0; l < kLanes; ++l) {
        if (l < n) {
            const int64_t L = lane_begin + l, i = L / g, h = j * g + L % g;
            const float* qh = c.q + (i * hq + h) * d;
            for (int64_t e = 0; e < d; ++e) qt[e * kLanes + l] = qh[e] * c.s.scale;
            pos[l] = int32_t(c.s.past + i);
        } else {
            for (int64_t e = 0; e < d; ++e) qt[e * kLanes + l] = 0.0f;
            pos[l] = std::numeric_limits<int32_t>::max();  // padding: never masked, never output
        }
        mrun[l] = -std::numeric_limits<float>::infinity();
        lrun[l] = 0.0f;
    }
    std::fill(o, o + int64_t(n) * d, 0.0f);

    const int64_t first_row = lane_begin / g, last_row = (lane_begin + n - 1) / g;
    const int64_t key_end = c.s.causal ? c.s.past + last_row + 1 : c.s.past + c.s.m;
    const int64_t mask_from = c.s.causal ? c.s.past + first_row + 1 : key_end;
    const __m512i pos0 = _mm512_load_si512(pos), pos1 = _mm512_load_si512(pos + 16);
    const __m512 neg_inf = _mm512_set1_ps(-std::numeric_limits<float>::infinity());

    for (int64_t t0 = 0; t0 < key_end; t0 += kKeys) {
        const int cnt = int(std::min<int64_t>(kKeys, key_end - t0));
        for (int t = 0; t < cnt; ++t) {
            const int64_t off = paged_offset(c.cache, t0 + t, j);
            widen_row(c.cache.k + off, kf + t * d, d);
            widen_row(c.cache.v + off, vf + t * d, d);
        }
        int t = 0;
        for (; t + 8 <= cnt; t += 8) scores<8>(qt, kf + t * d, d, pt + t * kLanes);
        for (; t < cnt; ++t) scores<1>(qt, kf + t * d, d, pt + t * kLanes);

        const bool masked = t0 + cnt > mask_from;
        if (masked) {
            for (t = int(std::max<int64_t>(0, mask_from - t0)); t < cnt; ++t) {
                __m512i p = _mm512_set1_epi32(int32_t(t0 + t));
                __mmask16 k0 = _mm512_cmplt_epi32_mask(pos0, p),
                          k1 = _mm512_cmplt_epi32_mask(pos1, p);
                float* row = pt + t * kLanes;
                _mm512_store_ps(row, _mm512_mask_mov_ps(_mm512_load_ps(row), k0, neg_inf));
                _mm512_store_ps(row + 16,
                                _mm512_mask_mov_ps(_mm512_load_ps(row + 16), k1, neg_inf));
            }
            for (int l = 0; l < n; ++l)
                lim[l] = int(std::clamp<int64_t>(int64_t(pos[l]) - t0 + 1, 0, cnt));
        }

        // Online softmax on the lane vectors. max(score, running) returns `running` for a NaN
        // score; the NaN still reaches the lane through its weight exp(NaN − max).
        __m512 mo0 = _mm512_load_ps(mrun), mo1 = _mm512_load_ps(mrun + 16);
        __m512 mx0 = mo0, mx1 = mo1;
        for (t = 0; t < cnt; ++t) {
            mx0 = _mm512_max_ps(_mm512_load_ps(pt + t * kLanes), mx0);
            mx1 = _mm512_max_ps(_mm512_load_ps(pt + t * kLanes + 16), mx1);
        }
        __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
        for (t = 0; t < cnt; ++t) {
            float* row = pt + t * kLanes;
            __m512 p0 = exp512(_mm512_sub_ps(_mm512_load_ps(row), mx0));
            __m512 p1 = exp512(_mm512_sub_ps(_mm512_load_ps(row + 16), mx1));
            _mm512_store_ps(row, p0);
            _mm512_store_ps(row + 16, p1);
            s0 = _mm512_add_ps(s0, p0);
            s1 = _mm512_add_ps(s1, p1);
        }
        __m512 a0 = exp512(_mm512_sub_ps(mo0, mx0)), a1 = exp512(_mm512_sub_ps(mo1, mx1));
        _mm512_store_ps(alpha, a0);
        _mm512_store_ps(alpha + 16, a1);
        _mm512_store_ps(lrun, _mm512_fmadd_ps(_mm512_load_ps(lrun), a0, s0));
        _mm512_store_ps(lrun + 16, _mm512_fmadd_ps(_mm512_load_ps(lrun + 16), a1, s1));
        _mm512_store_ps(mrun, mx0);
        _mm512_store_ps(mrun + 16, mx1);

        if (masked)
            pv_all<true>(pt, vf, d, cnt, n, alpha, lim, o);
        else
            pv_all<false>(pt, vf, d, cnt, n, alpha, lim, o);
    }

    for (int l = 0; l < n; ++l) {
        const int64_t L = lane_begin + l, i = L / g, h = j * g + L % g;
        float* dst = c.out + (i * hq + h) * d;
        const __m512 lv = _mm512_set1_ps(lrun[l]);
        for (int64_t e = 0; e < d; e += 16)
            _mm512_storeu_ps(dst + e, _mm512_div_ps(_mm512_load_ps(o + l * d + e), lv));
    }
}

}  // namespace mempipe::attention_detail
