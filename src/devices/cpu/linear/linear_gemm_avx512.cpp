// cpu::linear GEMM at AVX-512 (prefill, m ≥ 16): register tiles of 8 rows of x × 32 output
// columns (two VNNI weight zmm per k-pair / k-quad, x broadcast from its rows).
//   Bf16: 16 f32 accumulators, `vdpbf16ps`, loaded from and stored to the C block once per
//         k-block of 512.
//   Int8 / Int4: 16 int32 accumulators per scale unit (a group, or the k-block for per-row
//         scales), `vpdpbusd(weight codes as u8, x codes as s8)`; at the end of a unit the
//         zero-point excess z·Σxq (z = 128 for int8, 8 or the stored zero point for int4) is
//         removed, the sums converted to f32 and accumulated into the C block with the weight
//         scales.
// GCC 12 reports false -W(maybe-)uninitialized inside the AVX-512 intrinsics headers
// (GCC PR 105593).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <cstring>

#include "devices/cpu/linear/linear_gemm_driver.h"
#include "devices/cpu/linear/linear_kernels.h"

namespace mempipe::cpu_linear {

namespace {

constexpr int kMr = 8;  // rows of x per register tile

inline __m512i bcast32(const void* p) {
    int32_t v;
    std::memcpy(&v, p, 4);
    return _mm512_set1_epi32(v);
}

struct NoScope {
    explicit NoScope(const LinearWeights&) {}
};

// ---- bf16 --------------------------------------------------------------------------------------

template <int NR>
void bf16_tile(const PreparedBf16& px, const BlockArgs& a, int64_t r0, int64_t np) {
    const int64_t S = a.s1 - a.s0;
    const uint16_t* wp = static_cast<const uint16_t*>(a.wpack) + np * S * 512;
    const int64_t row = a.xrow0 + r0;  // 8 rows inside one 16-row tile
    const uint8_t* xr = px.xt.tile(row / 16, a.s0) + (row % 16) * 64;
    float* cr = a.c + r0 * a.ldc + np * 16;
    __m512 acc[kMr][NR];
    for (int r = 0; r < kMr; ++r)
        for (int c = 0; c < NR; ++c)
            acc[r][c] = !a.first     ? _mm512_loadu_ps(cr + r * a.ldc + c * 16)
                        : a.bias_row ? _mm512_loadu_ps(a.bias_row + (np + c) * 16)
                                     : _mm512_setzero_ps();
    for (int64_t s = 0; s < S; ++s) {
        a.prefetch->step();
        for (int p = 0; p < 16; ++p) {
            __m512bh wv[NR];
            for (int c = 0; c < NR; ++c)
                wv[c] = (__m512bh)_mm512_load_si512(wp + (c * S + s) * 512 + p * 32);
            for (int r = 0; r < kMr; ++r) {
                const __m512bh xb = (__m512bh)bcast32(xr + s * 1024 + r * 64 + 4 * p);
                for (int c = 0; c < NR; ++c) acc[r][c] = _mm512_dpbf16_ps(acc[r][c], wv[c], xb);
            }
        }
    }
    // To y when the enclosing 16 × 16 tile lies inside it (last k-block), else to the C block.
    for (int c = 0; c < NR; ++c) {
        const bool direct = a.direct(r0 / 16, np + c);
        float* dst = direct ? a.y + r0 * a.ldy + (np + c) * 16 : cr + c * 16;
        const int64_t ld = direct ? a.ldy : a.ldc;
        for (int r = 0; r < kMr; ++r) _mm512_storeu_ps(dst + r * ld, acc[r][c]);
    }
}

struct Bf16Kernel {
    static constexpr int64_t kStepElems = 32;
    static constexpr bool kIntegerFormat = false;
    using Prepared = PreparedBf16;
    using Elem = uint16_t;
    using Scope = NoScope;
    static void pack(const LinearWeights& w, int64_t j0, int64_t nbb, int64_t s0, int64_t s1,
                     uint16_t* dst) {
        pack_w_bf16(w, j0, nbb, s0, s1, dst);
    }
    static void block(const PreparedBf16& px, const LinearWeights&, const BlockArgs& a) {
        for (int64_t r0 = 0; r0 < a.rows; r0 += kMr) {
            int64_t np = 0;
            for (; np + 2 <= a.nbb; np += 2) bf16_tile<2>(px, a, r0, np);
            if (np < a.nbb) bf16_tile<1>(px, a, r0, np);
        }
    }
};

// ---- int8 / int4 -------------------------------------------------------------------------------

// zp: the constant zero point of the codes (128 for int8, 8 for symmetric int4) when !Asym.
template <int NR, bool Asym>
void int_tile(const PreparedInt& px, const LinearWeights& w, const BlockArgs& a, int64_t r0,
              int64_t np, int32_t zp) {
    const int64_t S = a.s1 - a.s0, e_begin = a.s0 * 64, e_end = a.s1 * 64;
    const int64_t unit = w.group > 0 ? w.group : e_end - e_begin;
    const uint8_t* wp = static_cast<const uint8_t*>(a.wpack) + np * S * 1024;
    const int64_t row = a.xrow0 + r0;  // 8 rows inside one 16-row tile
    const uint8_t* xr = px.xt.tile(row / 16, a.s0) + (row % 16) * 64;
    const int32_t* sums = px.sums.data() + (a.xrow0 + r0) * px.granules;
    float* cr = a.c + r0 * a.ldc + np * 16;
    int64_t u = 0;
    for (int64_t e0 = e_begin; e0 < e_end && e0 < w.k; e0 += unit, ++u) {
        const int64_t e1 = std::min(e0 + unit, e_end);
        __m512i acc[kMr][NR];
        for (int r = 0; r < kMr; ++r)
            for (int c = 0; c < NR; ++c) acc[r][c] = _mm512_setzero_si512();
        for (int64_t Q = e0 / 4; Q < e1 / 4; ++Q) {
            const int64_t s = Q / 16 - a.s0, q = Q % 16;
            if (q == 0) a.prefetch->step();
            __m512i wv[NR];
            for (int c = 0; c < NR; ++c)
                wv[c] = _mm512_load_si512(wp + (c * S + s) * 1024 + q * 64);
            for (int r = 0; r < kMr; ++r) {
                const __m512i xb = bcast32(xr + s * 1024 + r * 64 + 4 * q);
                for (int c = 0; c < NR; ++c) acc[r][c] = _mm512_dpbusd_epi32(acc[r][c], wv[c], xb);
            }
        }
        const int64_t gidx = e0 / px.granule;
        __m512 sv[NR];
        __m512i zv[NR];
        for (int c = 0; c < NR; ++c) {
            sv[c] = _mm512_loadu_ps(a.scales + u * a.ldt + (np + c) * 16);
            if constexpr (Asym) zv[c] = _mm512_loadu_si512(a.zeros + u * a.ldt + (np + c) * 16);
        }
        for (int r = 0; r < kMr; ++r) {
            const int32_t xs = sums[r * px.granules + gidx];
            for (int c = 0; c < NR; ++c) {
                const __m512i corr = Asym ? _mm512_mullo_epi32(zv[c], _mm512_set1_epi32(xs))
                                          : _mm512_set1_epi32(zp * xs);
                const __m512 f = _mm512_cvtepi32_ps(_mm512_sub_epi32(acc[r][c], corr));
                float* cp = cr + r * a.ldc + c * 16;
                _mm512_storeu_ps(cp, _mm512_fmadd_ps(f, sv[c], _mm512_loadu_ps(cp)));
            }
        }
    }
}

struct IntKernel {
    static constexpr int64_t kStepElems = 64;
    static constexpr bool kIntegerFormat = true;
    using Prepared = PreparedInt;
    using Elem = uint8_t;
    using Scope = NoScope;
    static void pack(const LinearWeights& w, int64_t j0, int64_t nbb, int64_t s0, int64_t s1,
                     uint8_t* dst) {
        pack_w_u8(w, j0, nbb, s0, s1, dst);
    }
    template <bool Asym>
    static void run(const PreparedInt& px, const LinearWeights& w, const BlockArgs& a) {
        const int32_t zp = w.format == LinearFormat::Int8 ? 128 : 8;
        for (int64_t r0 = 0; r0 < a.rows; r0 += kMr) {
            int64_t np = 0;
            for (; np + 2 <= a.nbb; np += 2) int_tile<2, Asym>(px, w, a, r0, np, zp);
            if (np < a.nbb) int_tile<1, Asym>(px, w, a, r0, np, zp);
        }
    }
    static void block(const PreparedInt& px, const LinearWeights& w, const BlockArgs& a) {
        if (a.zeros) {
            run<true>(px, w, a);
        } else {
            run<false>(px, w, a);
        }
    }
};

}  // namespace

void gemm_avx512(const Call& c) {
    if (c.w->format == LinearFormat::Bf16) {
        gemm_run<Bf16Kernel>(c);
    } else {
        gemm_run<IntKernel>(c);
    }
}

void linear_avx512(const Call& c) {
    if (c.m < kLinearGemmMinRows) {
        gemv_avx512(c);
    } else {
        gemm_avx512(c);
    }
}

}  // namespace mempipe::cpu_linear
