// cpu::linear at SIMD level amx: GEMV as at avx512; the bf16 GEMM in linear_gemm_bf16_amx.cpp; the
// int8 / int4 GEMM here, on AMX tiles.
//
// Tiles (palette 1): tmm0..3 accumulate a 32 × 32 block of C (2 × 2 tiles of 16 rows × 16 int32),
// tmm4/5 hold two A tiles (16 rows of x codes: one k-step of 64, or 32 for groups of 32), tmm6/7
// two B tiles (a VNNI-packed k-step of 16 weight columns, 8 quad rows for groups of 32).
// tdpbsud (x codes signed, weight codes unsigned) accumulates one scale unit (a group, or the
// k-block for per-row scales); the tiles are then stored and folded into the f32 C block with
// AVX-512: C += scale · f32(S − z·Σxq). Each thread configures its tiles once per call.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <cstring>

#include "devices/cpu/linear/linear_amx_tiles.h"
#include "devices/cpu/linear/linear_gemm_driver.h"
#include "devices/cpu/linear/linear_kernels.h"

namespace mempipe::cpu_linear {

namespace {

// ---- int8 / int4 -------------------------------------------------------------------------------

struct IntScope : TileScope {
    explicit IntScope(const LinearWeights& w)
        : TileScope(w.group == 32 ? 32 : 64, w.group == 32 ? 8 : 16) {}
};

// Folds the int32 tile block t [32 × 32] into C: C += scale · f32(t − z·Σxq) for rows [0, 32) and
// 16·NB columns.
template <int NB, bool Asym>
void fold_unit(const int32_t* t, const int32_t* sums, int64_t sum_ld, int64_t gidx, const float* sc,
               const int32_t* zr, int32_t zp, float* cr, int64_t ldc) {
    __m512 sv[NB];
    __m512i zv[NB];
    for (int c = 0; c < NB; ++c) {
        sv[c] = _mm512_loadu_ps(sc + c * 16);
        if constexpr (Asym) zv[c] = _mm512_loadu_si512(zr + c * 16);
    }
    for (int r = 0; r < 32; ++r) {
        const int32_t xs = sums[r * sum_ld + gidx];
        for (int c = 0; c < NB; ++c) {
            const __m512i corr = Asym ? _mm512_mullo_epi32(zv[c], _mm512_set1_epi32(xs))
                                      : _mm512_set1_epi32(zp * xs);
            const __m512i v = _mm512_sub_epi32(_mm512_load_si512(t + r * 32 + c * 16), corr);
            float* cp = cr + r * ldc + c * 16;
            _mm512_storeu_ps(cp,
                             _mm512_fmadd_ps(_mm512_cvtepi32_ps(v), sv[c], _mm512_loadu_ps(cp)));
        }
    }
}

template <int NB, bool Asym>
void int_tiles(const PreparedInt& px, const LinearWeights& w, const BlockArgs& a, int64_t r0,
               int64_t np, int32_t zp) {
    const int64_t S = a.s1 - a.s0, e_begin = a.s0 * 64, e_end = a.s1 * 64;
    const int64_t unit = w.group > 0 ? w.group : e_end - e_begin;
    // K of one tile dot: 64 codes, or 32 for groups of 32 (B tiles of 8 quad rows).
    const int64_t kd = w.group == 32 ? 32 : 64;
    const int64_t mb = (a.xrow0 + r0) / 16;
    const uint8_t* x0 = px.xt.tile(mb, a.s0);  // the block's steps are 1 KiB apart
    const uint8_t* x1 = px.xt.tile(mb + 1, a.s0);
    const uint8_t* wp = static_cast<const uint8_t*>(a.wpack) + np * S * 1024;
    float* cr = a.c + r0 * a.ldc + np * 16;
    alignas(64) int32_t t[32 * 32];
    int64_t u = 0;
    for (int64_t e0 = e_begin; e0 < e_end && e0 < w.k; e0 += unit, ++u) {
        const int64_t e1 = std::min(e0 + unit, e_end);
        _tile_zero(0);
        _tile_zero(2);
        if constexpr (NB == 2) {
            _tile_zero(1);
            _tile_zero(3);
        }
        for (int64_t e = e0; e < e1; e += kd) {
            a.prefetch->step();
            // Weight tile: step (e / 64) of the block, quad rows from (e % 64) / 4.
            const int64_t off = (e / 64 - a.s0) * 1024;
            const uint8_t* b = wp + off + (e % 64) * 16;
            _tile_loadd(4, x0 + off + e % 64, 64);
            _tile_loadd(5, x1 + off + e % 64, 64);
            _tile_loadd(6, b, 64);
            _tile_dpbsud(0, 4, 6);
            _tile_dpbsud(2, 5, 6);
            if constexpr (NB == 2) {
                _tile_loadd(7, b + S * 1024, 64);
                _tile_dpbsud(1, 4, 7);
                _tile_dpbsud(3, 5, 7);
            }
        }
        _tile_stored(0, t, 128);
        _tile_stored(2, t + 16 * 32, 128);
        if constexpr (NB == 2) {
            _tile_stored(1, t + 16, 128);
            _tile_stored(3, t + 16 * 32 + 16, 128);
        }
        fold_unit<NB, Asym>(t, px.sums.data() + (a.xrow0 + r0) * px.granules, px.granules,
                            e0 / px.granule, a.scales + u * a.ldt + np * 16,
                            Asym ? a.zeros + u * a.ldt + np * 16 : nullptr, zp, cr, a.ldc);
    }
}

struct IntAmxKernel {
    static constexpr int64_t kStepElems = 64;
    static constexpr bool kIntegerFormat = true;
    using Prepared = PreparedInt;
    using Elem = uint8_t;
    using Scope = IntScope;
    static void pack(const LinearWeights& w, int64_t j0, int64_t nbb, int64_t s0, int64_t s1,
                     uint8_t* dst) {
        pack_w_u8(w, j0, nbb, s0, s1, dst);
    }
    template <bool Asym>
    static void run(const PreparedInt& px, const LinearWeights& w, const BlockArgs& a) {
        const int32_t zp = w.format == LinearFormat::Int8 ? 128 : 8;
        for (int64_t r0 = 0; r0 < a.rows; r0 += 32) {
            int64_t np = 0;
            for (; np + 2 <= a.nbb; np += 2) int_tiles<2, Asym>(px, w, a, r0, np, zp);
            if (np < a.nbb) int_tiles<1, Asym>(px, w, a, r0, np, zp);
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

void linear_amx(const Call& c) {
    if (c.m < kLinearGemmMinRows) {
        gemv_avx512(c);
    } else if (c.w->format == LinearFormat::Bf16) {
        gemm_amx_bf16(c);
    } else {
        gemm_run<IntAmxKernel>(c);
    }
}

}  // namespace mempipe::cpu_linear
