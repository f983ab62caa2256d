// AVX-512 SeerAttention-R gate scores.
//
// Dots: each k_comp row chunk of 32 bf16 is one 64-byte load; its even elements are the low halves
// of the 32-bit lanes (`<< 16` makes them f32) and its odd elements the high halves
// (`& 0xffff0000`), so the query is packed once per call as [16 even | 16 odd] per 32-element chunk
// and a chunk costs one load, a shift, an and and two f32 FMAs (on Intel cores this beats
// vdpbf16ps, which runs at half the FMA rate, and matches it on Zen 4). Blocks are taken 8 at a
// time per KV head so each query load serves 8 rows; the 8 row sums are reduced together (one
// transpose-add) into 8 consecutive scores of the head's row, stored with one vector store. Every
// (block, head) dot runs the same instruction sequence, so equal rows give equal scores.
// exp: Cephes-style expf (range reduction by ln 2, degree-5 polynomial, scalef), ~1 ulp, x ≤ 0.
// GCC 12 reports its own _mm512_undefined_* placeholders inside the intrinsics as uninitialised.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <immintrin.h>

#include "devices/cpu/common/exp_avx512.h"

#include <cmath>

#include "seer_gate_scores_kernels.h"
#include "seer_linear_kernels.h"

namespace mempipe::cpu::seer_kernels {

namespace {

inline __mmask16 tail_mask(int64_t left) {
    return left >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << left) - 1);
}

void query_avx512(const float* q_nope, const uint16_t* wq, const SeerGateShape& s, int64_t k0,
                  int64_t k1, float* qg) {
    const int64_t n_in = s.group() * s.d;
    for (int64_t k = k0; k < k1; ++k)
        linear_chain_avx512(q_nope + k * n_in, n_in, wq + k * n_in * s.d_gate, s.d_gate,
                            qg + k * s.d_gate);
}

inline __m256 fold(__m512 a) {
    return _mm256_add_ps(_mm512_castps512_ps256(a), _mm512_extractf32x8_ps(a, 1));
}

// [Σ a0, Σ a1, …, Σ a7], the same addition tree for every input.
inline __m256 reduce8(const __m512 a[8]) {
    __m256 t01 = _mm256_hadd_ps(fold(a[0]), fold(a[1]));
    __m256 t23 = _mm256_hadd_ps(fold(a[2]), fold(a[3]));
    __m256 t45 = _mm256_hadd_ps(fold(a[4]), fold(a[5]));
    __m256 t67 = _mm256_hadd_ps(fold(a[6]), fold(a[7]));
    __m256 u0 = _mm256_hadd_ps(t01, t23);
    __m256 u1 = _mm256_hadd_ps(t45, t67);
    return _mm256_add_ps(_mm256_permute2f128_ps(u0, u1, 0x20),
                         _mm256_permute2f128_ps(u0, u1, 0x31));
}

// Dots of M ≤ 8 consecutive blocks (rows kc + j·row_stride, j < M) with one head's packed query.
template <int M>
inline __m256 tile_dots(const uint16_t* kc, int64_t row_stride, const float* qh, int64_t dg) {
    const __m512i hi_mask = _mm512_set1_epi32(int(0xFFFF0000u));
    __m512 acc[8];
    for (int j = 0; j < 8; ++j) acc[j] = _mm512_setzero_ps();
    for (int64_t c = 0; c < dg; c += 32) {
        __m512 qe = _mm512_loadu_ps(qh + c), qo = _mm512_loadu_ps(qh + c + 16);
        for (int j = 0; j < M; ++j) {
            __m512i x = _mm512_loadu_si512(kc + j * row_stride + c);
            acc[j] = _mm512_fmadd_ps(_mm512_castsi512_ps(_mm512_slli_epi32(x, 16)), qe, acc[j]);
            acc[j] = _mm512_fmadd_ps(_mm512_castsi512_ps(_mm512_and_si512(x, hi_mask)), qo, acc[j]);
        }
    }
    return reduce8(acc);
}

// qp: [hkv × d_gate] f32, each 32-element chunk as [16 even elements | 16 odd elements].
void pack_avx512(const float* qg, const SeerGateShape& s, int64_t k0, int64_t k1, void* out) {
    auto* qp = static_cast<float*>(out);
    for (int64_t c = k0 * s.d_gate; c < k1 * s.d_gate; c += 32)
        for (int e = 0; e < 16; ++e) {
            qp[c + e] = qg[c + 2 * e];
            qp[c + 16 + e] = qg[c + 2 * e + 1];
        }
}

void dots_avx512(const void* qp_, const uint16_t* k_comp, int64_t n, const SeerGateShape& s,
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
        for (int64_t h = k0; h < k1; ++h)
            _mm256_mask_storeu_ps(dots + h * n + b, __mmask8((1u << m) - 1),
                                  t[m](tile + h * dg, row, qp + h * dg, dg));
    }
}

float max_avx512(const float* x, int64_t b0, int64_t b1, bool* has_nan) {
    __m512 m = _mm512_set1_ps(-INFINITY);
    __mmask16 nan = 0;
    for (int64_t b = b0; b < b1; b += 16) {
        __mmask16 live = tail_mask(b1 - b);
        __m512 v = _mm512_mask_loadu_ps(_mm512_set1_ps(-INFINITY), live, x + b);
        nan |= _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
        m = _mm512_max_ps(v, m);  // NaN in v: keeps m
    }
    if (nan) *has_nan = true;
    return _mm512_reduce_max_ps(m);
}

float exp_avx512(float* x, int64_t b0, int64_t b1, float m, float scale) {
    const __m512 vm = _mm512_set1_ps(m), vs = _mm512_set1_ps(scale);
    __m512 sum = _mm512_setzero_ps();
    for (int64_t b = b0; b < b1; b += 16) {
        __mmask16 msk = tail_mask(b1 - b);
        __m512 v = _mm512_maskz_loadu_ps(msk, x + b);
        __m512 e = exp512(_mm512_mul_ps(_mm512_sub_ps(v, vm), vs));
        _mm512_mask_storeu_ps(x + b, msk, e);
        sum = _mm512_mask_add_ps(sum, msk, sum, e);
    }
    return _mm512_reduce_add_ps(sum);
}

void norm_avx512(float* x, int64_t b0, int64_t b1, float sum) {
    const __m512 vs = _mm512_set1_ps(sum);
    for (int64_t b = b0; b < b1; b += 16) {
        __mmask16 msk = tail_mask(b1 - b);
        _mm512_mask_storeu_ps(x + b, msk, _mm512_div_ps(_mm512_maskz_loadu_ps(msk, x + b), vs));
    }
}

}  // namespace

const GateKernels kGateAvx512{query_avx512, pack_avx512, dots_avx512,
                              max_avx512,   exp_avx512,  norm_avx512};

}  // namespace mempipe::cpu::seer_kernels
