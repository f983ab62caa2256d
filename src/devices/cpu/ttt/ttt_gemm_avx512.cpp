// cpu_ttt::gemm_avx512: blocked f32 GEMM, C (+)= op(A)·op(B).
//
// BLIS-style: each thread takes a contiguous range of kMc-row blocks of C; for each block of kNc
// columns and kKc of the reduction it packs op(B) into panels of 32 columns ([kc][32]), then each
// of its row blocks of op(A) into panels of 8 rows ([kc][8]), and runs the 8 × 32 micro-kernel
// (16 zmm accumulators, two B loads and eight broadcasts per k) over every B panel. Panels are
// zero-padded, so edge tiles compute full and store masked.
// GCC 12 flags the undefined pass-through operand of its own AVX-512 intrinsics (a false positive).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <immintrin.h>
#include <omp.h>

#include <algorithm>

#include "devices/cpu/ttt/ttt_kernels.h"
#include "mempipe/core/buffer.h"
#include "mempipe/core/parallel.h"

namespace mempipe::cpu_ttt {

namespace {

constexpr int64_t kMr = 8, kNr = 32, kKc = 256, kMc = 64, kNc = 1024;

void pack_a(const Gemm& g, int64_t i0, int64_t mc, int64_t p0, int64_t kc, float* dst) {
    for (int64_t ir = 0; ir < mc; ir += kMr) {
        const int64_t mr = std::min(kMr, mc - ir);
        float* d = dst + ir * kc;
        if (g.trans_a) {
            const __mmask16 m = __mmask16((1u << mr) - 1);
            for (int64_t p = 0; p < kc; ++p) {
                const float* src = g.a + (p0 + p) * g.lda + i0 + ir;
                _mm256_storeu_ps(d + p * kMr,
                                 _mm512_castps512_ps256(_mm512_maskz_loadu_ps(m, src)));
            }
        } else {
            for (int64_t r = 0; r < kMr; ++r) {
                if (r < mr) {
                    const float* src = g.a + (i0 + ir + r) * g.lda + p0;
                    for (int64_t p = 0; p < kc; ++p) d[p * kMr + r] = src[p];
                } else {
                    for (int64_t p = 0; p < kc; ++p) d[p * kMr + r] = 0.0f;
                }
            }
        }
    }
}

inline __mmask16 lane_mask(int64_t valid) {
    return valid >= 16  ? __mmask16(0xffff)
           : valid <= 0 ? __mmask16(0)
                        : __mmask16((1u << valid) - 1);
}

void pack_b_panel(const Gemm& g, int64_t j0, int64_t nr, int64_t p0, int64_t kc, float* d) {
    if (!g.trans_b) {
        const __mmask16 m0 = lane_mask(nr), m1 = lane_mask(nr - 16);
        for (int64_t p = 0; p < kc; ++p) {
            const float* src = g.b + (p0 + p) * g.ldb + j0;
            _mm512_store_ps(d + p * kNr, _mm512_maskz_loadu_ps(m0, src));
            _mm512_store_ps(d + p * kNr + 16, _mm512_maskz_loadu_ps(m1, src + 16));
        }
        return;
    }
    for (int64_t c = 0; c < kNr; ++c) {
        if (c < nr) {
            const float* src = g.b + (j0 + c) * g.ldb + p0;
            for (int64_t p = 0; p < kc; ++p) d[p * kNr + c] = src[p];
        } else {
            for (int64_t p = 0; p < kc; ++p) d[p * kNr + c] = 0.0f;
        }
    }
}

void micro(int64_t kc, const float* ap, const float* bp, float* c, int64_t ldc, int64_t mr,
           int64_t nr, bool overwrite) {
    __m512 acc[kMr][2];
#pragma GCC unroll 8
    for (int r = 0; r < kMr; ++r) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
    for (int64_t p = 0; p < kc; ++p) {
        const __m512 b0 = _mm512_load_ps(bp + p * kNr), b1 = _mm512_load_ps(bp + p * kNr + 16);
        const float* a = ap + p * kMr;
#pragma GCC unroll 8
        for (int r = 0; r < kMr; ++r) {
            const __m512 av = _mm512_set1_ps(a[r]);
            acc[r][0] = _mm512_fmadd_ps(av, b0, acc[r][0]);
            acc[r][1] = _mm512_fmadd_ps(av, b1, acc[r][1]);
        }
    }
    const __mmask16 m0 = lane_mask(nr), m1 = lane_mask(nr - 16);
#pragma GCC unroll 8
    for (int r = 0; r < kMr; ++r) {
        if (r >= mr) break;
        float* cr = c + r * ldc;
        __m512 v0 = acc[r][0], v1 = acc[r][1];
        if (!overwrite) {
            v0 = _mm512_add_ps(v0, _mm512_maskz_loadu_ps(m0, cr));
            v1 = _mm512_add_ps(v1, _mm512_maskz_loadu_ps(m1, cr + 16));
        }
        _mm512_mask_storeu_ps(cr, m0, v0);
        _mm512_mask_storeu_ps(cr + 16, m1, v1);
    }
}

}  // namespace

void gemm_avx512(const Gemm& g) {
    if (g.m == 0 || g.n == 0) return;
    if (g.k == 0) {
        if (!g.accumulate)
            for (int64_t i = 0; i < g.m; ++i)
                std::fill(g.c + i * g.ldc, g.c + i * g.ldc + g.n, 0.0f);
        return;
    }
    const double work = double(g.m) * double(g.n) * double(g.k);
    const int64_t mblocks = (g.m + kMc - 1) / kMc;
    const int threads = work < 4.0e6 ? 1 : int(std::min<int64_t>(num_threads(), mblocks));
    const int64_t nc_max = std::min(g.n, kNc);
    // Each thread owns a contiguous range of row blocks and packs its own copy of op(B): no
    // barrier inside the call (a barrier per block costs a time slice whenever the cores are
    // shared), at the price of packing B once per thread (K·N floats against 2·K·N·M/threads
    // FLOPs).
#pragma omp parallel num_threads(threads)
    {
        const int t = omp_get_thread_num(), nt = omp_get_num_threads();
        const int64_t b0 = mblocks * t / nt, b1 = mblocks * (t + 1) / nt;
        // Packing buffers of this thread, kept across calls (64-byte aligned).
        thread_local Buffer<float> apack, bpack;
        if (apack.size() < size_t(kMc * kKc)) apack = Buffer<float>(size_t(kMc * kKc));
        const size_t bsize = size_t((nc_max + kNr - 1) / kNr * kNr * kKc);
        if (bpack.size() < bsize) bpack = Buffer<float>(bsize);
        for (int64_t j0 = 0; j0 < g.n && b0 < b1; j0 += kNc) {
            const int64_t nc = std::min(kNc, g.n - j0), panels = (nc + kNr - 1) / kNr;
            for (int64_t p0 = 0; p0 < g.k; p0 += kKc) {
                const int64_t kc = std::min(kKc, g.k - p0);
                const bool overwrite = !g.accumulate && p0 == 0;
                for (int64_t jp = 0; jp < panels; ++jp)
                    pack_b_panel(g, j0 + jp * kNr, std::min(kNr, nc - jp * kNr), p0, kc,
                                 bpack.data() + jp * kNr * kc);
                for (int64_t ib = b0; ib < b1; ++ib) {
                    const int64_t i0 = ib * kMc, mc = std::min(kMc, g.m - i0);
                    pack_a(g, i0, mc, p0, kc, apack.data());
                    for (int64_t jp = 0; jp < panels; ++jp)
                        for (int64_t ir = 0; ir < mc; ir += kMr)
                            micro(kc, apack.data() + ir * kc, bpack.data() + jp * kNr * kc,
                                  g.c + (i0 + ir) * g.ldc + j0 + jp * kNr, g.ldc,
                                  std::min(kMr, mc - ir), std::min(kNr, nc - jp * kNr), overwrite);
                }
            }
        }
    }
}

}  // namespace mempipe::cpu_ttt
