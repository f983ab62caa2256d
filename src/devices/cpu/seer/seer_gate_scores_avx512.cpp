// AVX-512 SeerAttention-R gate scores.
//
// Dots: each k_comp row (d_gate bf16) is read as 32-element zmm loads; the even elements are the low
// halves of the 32-bit lanes (`<< 16` makes them f32) and the odd elements the high halves (`& 0xffff0000`),
// so the query is packed once per call into [even 16 | odd 16] per 32-element chunk and each chunk costs
// one load, a shift, an and and two FMAs. Eight KV heads are reduced together (one 8-way transpose-add).
// Every (block, head) dot follows the same instruction sequence, so equal rows give equal scores.
// exp: Cephes-style expf (range reduction by ln 2, degree-5 polynomial, scalef), ~1 ulp for x ≤ 0.
// GCC 12 reports its own _mm512_undefined_* placeholders inside the intrinsics as uninitialised.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <immintrin.h>

#include <cmath>

#include "mempipe/core/dtype.h"
#include "seer_gate_scores_kernels.h"
#include "seer_linear_kernels.h"

namespace mempipe::cpu::seer_kernels {

namespace {

inline __mmask16 tail_mask(int64_t left) { return left >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << left) - 1); }

void query_avx512(const float* q_nope, const uint16_t* wq, const SeerGateShape& s, int64_t k0, int64_t k1,
                  float* qg) {
    const int64_t n_in = s.group() * s.d;
    for (int64_t k = k0; k < k1; ++k)
        linear_chain_avx512(q_nope + k * n_in, n_in, wq + k * n_in * s.d_gate, s.d_gate, qg + k * s.d_gate);
}

void pack_avx512(const float* qg, const SeerGateShape& s, float* qp) {
    const int64_t total = s.hkv * s.d_gate;  // d_gate % 32 == 0
    for (int64_t c = 0; c < total; c += 32)
        for (int e = 0; e < 16; ++e) {
            qp[c + e] = qg[c + 2 * e];
            qp[c + 16 + e] = qg[c + 2 * e + 1];
        }
}

// Σ of one (block, head) row: NC chunks of 32 bf16 against the packed query.
inline __m512 row_dot(const uint16_t* kc, const float* qp, int64_t nc) {
    const __m512i hi_mask = _mm512_set1_epi32(int(0xFFFF0000u));
    __m512 acc = _mm512_setzero_ps();
    for (int64_t c = 0; c < nc; ++c) {
        __m512i x = _mm512_loadu_si512(kc + 32 * c);
        __m512 even = _mm512_castsi512_ps(_mm512_slli_epi32(x, 16));
        __m512 odd = _mm512_castsi512_ps(_mm512_and_si512(x, hi_mask));
        acc = _mm512_fmadd_ps(even, _mm512_loadu_ps(qp + 32 * c), acc);
        acc = _mm512_fmadd_ps(odd, _mm512_loadu_ps(qp + 32 * c + 16), acc);
    }
    return acc;
}

inline __m256 fold(__m512 a) { return _mm256_add_ps(_mm512_castps512_ps256(a), _mm512_extractf32x8_ps(a, 1)); }

// [Σ a0, Σ a1, …, Σ a7].
inline __m256 reduce8(const __m512 a[8]) {
    __m256 t01 = _mm256_hadd_ps(fold(a[0]), fold(a[1]));
    __m256 t23 = _mm256_hadd_ps(fold(a[2]), fold(a[3]));
    __m256 t45 = _mm256_hadd_ps(fold(a[4]), fold(a[5]));
    __m256 t67 = _mm256_hadd_ps(fold(a[6]), fold(a[7]));
    __m256 u0 = _mm256_hadd_ps(t01, t23);
    __m256 u1 = _mm256_hadd_ps(t45, t67);
    return _mm256_add_ps(_mm256_permute2f128_ps(u0, u1, 0x20), _mm256_permute2f128_ps(u0, u1, 0x31));
}

void dots_avx512(const float* qp, const uint16_t* k_comp, int64_t n, const SeerGateShape& s, int64_t b0,
                 int64_t b1, float* dots, float* mx, uint8_t* nan) {
    const int64_t hkv = s.hkv, dg = s.d_gate, nc = dg / 32, groups = hkv / 8;
    alignas(32) float tmp[8];
    for (int64_t b = b0; b < b1; ++b) {
        const uint16_t* row = k_comp + b * hkv * dg;
        for (int64_t gi = 0; gi < groups; ++gi) {
            __m512 acc[8];
            for (int h = 0; h < 8; ++h) acc[h] = row_dot(row + (gi * 8 + h) * dg, qp + (gi * 8 + h) * dg, nc);
            _mm256_store_ps(tmp, reduce8(acc));
            for (int h = 0; h < 8; ++h) {
                int64_t k = gi * 8 + h;
                dots[k * n + b] = tmp[h];
                if (tmp[h] > mx[k]) mx[k] = tmp[h];
                if (std::isnan(tmp[h])) nan[k] = 1;
            }
        }
        for (int64_t k = groups * 8; k < hkv; ++k) {
            float v = _mm512_reduce_add_ps(row_dot(row + k * dg, qp + k * dg, nc));
            dots[k * n + b] = v;
            if (v > mx[k]) mx[k] = v;
            if (std::isnan(v)) nan[k] = 1;
        }
    }
}

// e^x for x ≤ 0 (x ≥ −104 after clamping: smaller values give 0 through scalef's underflow).
inline __m512 exp_neg(__m512 x) {
    const __m512 log2e = _mm512_set1_ps(1.44269504088896341f);
    const __m512 ln2_hi = _mm512_set1_ps(0.693359375f);
    const __m512 ln2_lo = _mm512_set1_ps(-2.12194440e-4f);
    x = _mm512_max_ps(_mm512_set1_ps(-104.0f), x);
    __m512 nf = _mm512_roundscale_ps(_mm512_mul_ps(x, log2e), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(nf, ln2_hi, x);
    r = _mm512_fnmadd_ps(nf, ln2_lo, r);
    __m512 p = _mm512_set1_ps(1.9875691500e-4f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
    __m512 r2 = _mm512_mul_ps(r, r);
    p = _mm512_fmadd_ps(p, r2, _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
    return _mm512_scalef_ps(p, nf);
}

float exp_avx512(float* x, int64_t b0, int64_t b1, float m, float scale) {
    const __m512 vm = _mm512_set1_ps(m), vs = _mm512_set1_ps(scale);
    __m512 sum = _mm512_setzero_ps();
    for (int64_t b = b0; b < b1; b += 16) {
        __mmask16 msk = tail_mask(b1 - b);
        __m512 v = _mm512_maskz_loadu_ps(msk, x + b);
        __m512 e = exp_neg(_mm512_mul_ps(_mm512_sub_ps(v, vm), vs));
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

const GateKernels kGateAvx512{query_avx512, pack_avx512, dots_avx512, exp_avx512, norm_avx512};

}  // namespace mempipe::cpu::seer_kernels
