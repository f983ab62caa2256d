// AVX2 (+FMA) SeerAttention-R gate scores, the 8-lane twin of seer_gate_scores_avx512.cpp.
//
// Dots: each k_comp row chunk of 16 bf16 is one 32-byte load; its even elements are the low halves
// of the 32-bit lanes (`<< 16` makes them f32) and its odd elements the high halves
// (`& 0xffff0000`), so the query is packed once per call as [8 even | 8 odd] per 16-element chunk.
// Blocks are taken 8 at a time per KV head so each query load serves 8 rows; the 8 row sums are
// reduced together (one transpose-add) into 8 consecutive scores of the head's row. Every (block,
// head) dot runs the same instruction sequence, so equal rows give equal scores. Tails of the
// softmax passes go through an 8-float scratch vector so every element sees the same exp.
#include <immintrin.h>

#include <cmath>
#include <cstring>

#include "devices/cpu/common/exp_avx2.h"
#include "devices/cpu/common/simd_avx2.h"
#include "seer_gate_scores_kernels.h"
#include "seer_linear_kernels.h"

namespace mempipe::cpu::seer_kernels {

namespace {

using cpu_avx2::hsum8;

void query_avx2(const float* q_nope, const uint16_t* wq, const SeerGateShape& s, int64_t k0,
                int64_t k1, float* qg) {
    const int64_t n_in = s.group() * s.d;
    for (int64_t k = k0; k < k1; ++k)
        linear_chain_avx2(q_nope + k * n_in, n_in, wq + k * n_in * s.d_gate, s.d_gate,
                          qg + k * s.d_gate);
}

// [Σ a0, Σ a1, …, Σ a7], the same addition tree for every input.
inline __m256 reduce8(const __m256 a[8]) {
    __m256 t01 = _mm256_hadd_ps(a[0], a[1]);
    __m256 t23 = _mm256_hadd_ps(a[2], a[3]);
    __m256 t45 = _mm256_hadd_ps(a[4], a[5]);
    __m256 t67 = _mm256_hadd_ps(a[6], a[7]);
    __m256 u0 = _mm256_hadd_ps(t01, t23);
    __m256 u1 = _mm256_hadd_ps(t45, t67);
    return _mm256_add_ps(_mm256_permute2f128_ps(u0, u1, 0x20),
                         _mm256_permute2f128_ps(u0, u1, 0x31));
}

// Dots of M ≤ 8 consecutive blocks (rows kc + j·row_stride, j < M) with one head's packed query.
template <int M>
inline __m256 tile_dots(const uint16_t* kc, int64_t row_stride, const float* qh, int64_t dg) {
    const __m256i hi_mask = _mm256_set1_epi32(int(0xFFFF0000u));
    __m256 acc[8];
    for (int j = 0; j < 8; ++j) acc[j] = _mm256_setzero_ps();
    for (int64_t c = 0; c < dg; c += 16) {
        __m256 qe = _mm256_loadu_ps(qh + c), qo = _mm256_loadu_ps(qh + c + 8);
        for (int j = 0; j < M; ++j) {
            __m256i x =
                _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kc + j * row_stride + c));
            acc[j] = _mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_slli_epi32(x, 16)), qe, acc[j]);
            acc[j] = _mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_and_si256(x, hi_mask)), qo, acc[j]);
        }
    }
    return reduce8(acc);
}

// qp: [hkv × d_gate] f32, each 16-element chunk as [8 even elements | 8 odd elements].
void pack_avx2(const float* qg, const SeerGateShape& s, int64_t k0, int64_t k1, void* out) {
    auto* qp = static_cast<float*>(out);
    for (int64_t c = k0 * s.d_gate; c < k1 * s.d_gate; c += 16)
        for (int e = 0; e < 8; ++e) {
            qp[c + e] = qg[c + 2 * e];
            qp[c + 8 + e] = qg[c + 2 * e + 1];
        }
}

void dots_avx2(const void* qp_, const uint16_t* k_comp, int64_t n, const SeerGateShape& s,
               int64_t k0, int64_t k1, float* dots) {
    const auto* qp = static_cast<const float*>(qp_);
    const int64_t hkv = s.hkv, dg = s.d_gate, row = hkv * dg;
    int64_t b = 0;
    for (; b + 8 <= n; b += 8) {
        const uint16_t* tile = k_comp + b * row;
        for (int64_t h = k0; h < k1; ++h)
            _mm256_storeu_ps(dots + h * n + b, tile_dots<8>(tile + h * dg, row, qp + h * dg, dg));
    }
    if (b < n) {
        const int m = int(n - b);
        const uint16_t* tile = k_comp + b * row;
        using Tile = __m256 (*)(const uint16_t*, int64_t, const float*, int64_t);
        constexpr Tile t[9] = {nullptr,      tile_dots<1>, tile_dots<2>, tile_dots<3>, tile_dots<4>,
                               tile_dots<5>, tile_dots<6>, tile_dots<7>, tile_dots<8>};
        alignas(32) float tmp[8];
        for (int64_t h = k0; h < k1; ++h) {
            _mm256_store_ps(tmp, t[m](tile + h * dg, row, qp + h * dg, dg));
            std::memcpy(dots + h * n + b, tmp, size_t(m) * sizeof(float));
        }
    }
}

inline float hmax(__m256 v) {
    __m128 x = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    x = _mm_max_ps(x, _mm_movehl_ps(x, x));
    x = _mm_max_ss(x, _mm_movehdup_ps(x));
    return _mm_cvtss_f32(x);
}

// The last b1 − b (< 8) elements from x + b, the rest of the vector set to `fill`.
inline __m256 load_tail(const float* x, int64_t left, float fill) {
    alignas(32) float tmp[8];
    for (int i = 0; i < 8; ++i) tmp[i] = i < left ? x[i] : fill;
    return _mm256_load_ps(tmp);
}

float max_avx2(const float* x, int64_t b0, int64_t b1, bool* has_nan) {
    __m256 m = _mm256_set1_ps(-INFINITY), nan = _mm256_setzero_ps();
    int64_t b = b0;
    auto step = [&](__m256 v) {
        nan = _mm256_or_ps(nan, _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
        m = _mm256_max_ps(v, m);  // NaN in v: keeps m
    };
    for (; b + 8 <= b1; b += 8) step(_mm256_loadu_ps(x + b));
    if (b < b1) step(load_tail(x + b, b1 - b, -INFINITY));
    if (_mm256_movemask_ps(nan)) *has_nan = true;
    return hmax(m);
}

float exp_avx2(float* x, int64_t b0, int64_t b1, float m, float scale) {
    const __m256 vm = _mm256_set1_ps(m), vs = _mm256_set1_ps(scale);
    __m256 sum = _mm256_setzero_ps();
    int64_t b = b0;
    for (; b + 8 <= b1; b += 8) {
        __m256 e = exp256(_mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(x + b), vm), vs));
        _mm256_storeu_ps(x + b, e);
        sum = _mm256_add_ps(sum, e);
    }
    float total = hsum8(sum);
    if (b < b1) {
        const int64_t left = b1 - b;
        alignas(32) float e[8];
        // Padding lanes hold m: their exp is 1 and is left out of the sum.
        _mm256_store_ps(e, exp256(_mm256_mul_ps(_mm256_sub_ps(load_tail(x + b, left, m), vm), vs)));
        for (int64_t i = 0; i < left; ++i) {
            x[b + i] = e[i];
            total += e[i];
        }
    }
    return total;
}

void norm_avx2(float* x, int64_t b0, int64_t b1, float sum) {
    const __m256 vs = _mm256_set1_ps(sum);
    int64_t b = b0;
    for (; b + 8 <= b1; b += 8) _mm256_storeu_ps(x + b, _mm256_div_ps(_mm256_loadu_ps(x + b), vs));
    for (; b < b1; ++b) x[b] = x[b] / sum;  // IEEE division: the same result as the vector lanes
}

}  // namespace

const GateKernels kGateAvx2{query_avx2, pack_avx2, dots_avx2, max_avx2, exp_avx2, norm_avx2};

}  // namespace mempipe::cpu::seer_kernels
