// The blocked GEMM loop of cpu::linear with the weights as the B operand (VNNI-packed): the AVX-512
// bf16 / int8 / int4 GEMMs and the AMX int8 / int4 GEMM (included by linear_gemm_avx512.cpp and
// linear_gemm_amx.cpp, compiled with each file's ISA flags). The AMX bf16 GEMM has its own loop
// (linear_gemm_bf16_amx.cpp) and shares XTiles, Scratch, WeightPrefetch and the block sizes.
//
// x is prepared once per call (bf16, or int8 codes + row scales + group sums of the codes, in A
// tiles). Threads split the output columns in 16-column blocks. Each thread walks C blocks of up
// to kMc rows × 16·kNbBlocks columns (f32 accumulators in a thread-local buffer that stays in L2);
// for each k-block of kKc elements it packs the weight block into VNNI tiles (L2; the next block is
// prefetched while the current one is computed) and runs the kernel's `block` over it. bf16
// kernels start from the bias and store finished tiles straight into y; the integer kernels' C
// block is written to y at the end with the row scales of x and the bias.
#pragma once

#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <cstring>

#include "devices/cpu/linear/linear_avx512_util.h"
#include "devices/cpu/linear/linear_kernels.h"
#include "mempipe/core/buffer.h"
#include "mempipe/core/parallel.h"

namespace mempipe::cpu_linear {

inline constexpr int64_t kMc = 512;       // rows of x per C block
inline constexpr int64_t kNbBlocks = 16;  // 16-column blocks per C block (256 columns)
inline constexpr int64_t kKc = 256;       // elements of k per packed weight block

// x in A tiles: tile (mb, s) holds k-step s (64 bytes: 32 bf16 or 64 int8 codes) of rows
// [16·mb, 16·mb + 16), one row per 64 bytes. Tiles are stored k-block by k-block (kcs steps), and
// within a k-block m-block by m-block, so the tiles of one m-block in one k-block are contiguous:
// [k-block][m-block][step][16 rows][64 B]. Rows past m are zero.
struct XTiles {
    int64_t mblocks = 0, steps = 0, kcs = 0;
    Scratch t;
    XTiles(int64_t m, int64_t steps_, int64_t kcs_)
        : mblocks(round_up(m, 32) / 16),
          steps(steps_),
          kcs(kcs_),
          t(kSlotX, size_t(mblocks * steps * 1024)) {}
    const uint8_t* tile(int64_t mb, int64_t s) const {
        const int64_t kb = s / kcs, span = std::min(kcs, steps - kb * kcs);
        return t.as<uint8_t>() + (kb * kcs * mblocks + mb * span + s % kcs) * 1024;
    }
    uint8_t* row(int64_t i, int64_t s) {
        return const_cast<uint8_t*>(tile(i / 16, s)) + (i % 16) * 64;
    }
};

// x rounded to bf16 (RNE, vcvtne2ps2bf16) in A tiles of 32 bf16 per k-step.
struct PreparedBf16 {
    XTiles xt;
    explicit PreparedBf16(const Call& c) : xt(c.m, (c.w->k + 31) / 32, kKc / 32) {
        const int64_t m = c.m, k = c.w->k, rows = xt.mblocks * 16;
#pragma omp parallel for schedule(static) if (rows * k >= (int64_t(1) << 16))
        for (int64_t i = 0; i < rows; ++i)
            for (int64_t s0 = 0; s0 < xt.steps; s0 += xt.kcs) {
                uint8_t* dst = xt.row(i, s0);  // the steps of one k-block are 1 KiB apart
                for (int64_t s = s0; s < std::min(xt.steps, s0 + xt.kcs); ++s, dst += 1024) {
                    const int64_t t = s * 32;
                    __m512 lo = _mm512_setzero_ps(), hi = _mm512_setzero_ps();
                    if (i < m) {
                        lo = _mm512_maskz_loadu_ps(mask16(k - t), c.x + i * k + t);
                        hi = _mm512_maskz_loadu_ps(mask16(k - t - 16), c.x + i * k + t + 16);
                    }
                    _mm512_store_si512(dst, (__m512i)_mm512_cvtne2ps_pbh(hi, lo));
                }
            }
    }
};

// x quantised per row in A tiles of 64 codes per k-step; scales [m]; the sum of the codes of every
// granule of `granule` elements (the weight group, or kKc for per-row scales): sums [rows ×
// granules].
struct PreparedInt {
    XTiles xt;
    int64_t granule = 0, granules = 0;
    Buffer<float> scale;
    Buffer<int32_t> sums;
    explicit PreparedInt(const Call& c)
        : xt(c.m, (c.w->k + 63) / 64, kKc / 64),
          granule(c.w->group > 0 ? c.w->group : kKc),
          granules((c.w->k + granule - 1) / granule),
          scale(size_t(c.m)),
          sums(size_t(xt.mblocks * 16 * granules), 0) {
        const int64_t m = c.m, k = c.w->k, ld = xt.steps * 64, rows = xt.mblocks * 16;
        const Scratch qs(kSlotXRows, size_t(m * ld));
        int8_t* q = qs.as<int8_t>();
        quantize_x_rows(c.x, m, k, ld, q, scale.data());
#pragma omp parallel for schedule(static) if (rows * k >= (int64_t(1) << 16))
        for (int64_t i = 0; i < rows; ++i) {
            for (int64_t s0 = 0; s0 < xt.steps; s0 += xt.kcs) {
                uint8_t* dst = xt.row(i, s0);  // the steps of one k-block are 1 KiB apart
                for (int64_t s = s0; s < std::min(xt.steps, s0 + xt.kcs); ++s, dst += 1024) {
                    if (i < m) {
                        std::memcpy(dst, q + i * ld + s * 64, 64);
                    } else {
                        std::memset(dst, 0, 64);
                    }
                }
            }
            if (i >= m) continue;
            for (int64_t g = 0; g < granules; ++g) {
                const int8_t* p = q + i * ld + g * granule;
                const int64_t len = std::min(granule, k - g * granule);
                int32_t sum = 0;
                for (int64_t t = 0; t < len; ++t) sum += p[t];
                sums[size_t(i * granules + g)] = sum;
            }
        }
    }
};

// Software prefetch (into L2) of the next weight block while the current one is computed, so
// that packing it does not wait for DRAM: `lines` cache lines per row of `rows` rows `stride`
// bytes apart from `base`, `per_step` lines per call of step().
struct WeightPrefetch {
    const uint8_t* base = nullptr;
    int64_t stride = 0, lines = 0, rows = 0, per_step = 0;
    int64_t row = 0, line = 0;  // the next line to fetch
    void step() {
        for (int64_t i = 0; i < per_step && row < rows; ++i) {
            _mm_prefetch(reinterpret_cast<const char*>(base + row * stride + line * 64),
                         _MM_HINT_T1);
            if (++line == lines) {
                line = 0;
                ++row;
            }
        }
    }
};

// What a kernel's `block` gets: C rows [0, rows) of the thread's buffer (x rows [xrow0, …)), nbb
// packed 16-column blocks of k-steps [s0, s1), and for the integer formats the per-unit scale (and
// zero-point) tables [units × 16·nbb] of this weight block. Integer kernels accumulate into c
// (zeroed by the driver). When `y` is set (bf16, last k-block) the kernel stores every 16 × 16 tile
// that lies inside y (row block < y_rows / 16, column block < y_cols / 16) there instead of into c.
struct BlockArgs {
    int64_t xrow0 = 0, rows = 0;  // rows: a multiple of 32
    int64_t nbb = 0, s0 = 0, s1 = 0;
    const void* wpack = nullptr;
    const float* scales = nullptr;   // integer formats: [units × ldt]
    const int32_t* zeros = nullptr;  // asymmetric int4: [units × ldt]
    int64_t ldt = 0;
    float* c = nullptr;  // [rows × ldc] f32, row 0 = x row xrow0
    int64_t ldc = 0;
    float* y = nullptr;  // y + xrow0·ldy + first column of the block, or nullptr
    int64_t ldy = 0, y_rows = 0, y_cols = 0;
    // bf16: on the first k-block (first = true) C starts at the bias row [16·nbb] (zero past n),
    // or at zero when bias_row is null, instead of being loaded from c.
    bool first = false;
    const float* bias_row = nullptr;
    WeightPrefetch* prefetch = nullptr;
    bool direct(int64_t row_block, int64_t col_block) const {
        return y && (row_block + 1) * 16 <= y_rows && (col_block + 1) * 16 <= y_cols;
    }
};

// The scale (and zero-point) tables of weight rows [j0, j0 + 16·nbb) for the units of k-steps
// [s0, s1) of `step` elements: unit u covers one group (or the whole k-block for per-row scales).
inline int64_t fill_unit_tables(const LinearWeights& w, int64_t j0, int64_t nbb, int64_t s0,
                                int64_t s1, int64_t step, float* scales, int32_t* zeros,
                                int64_t ldt) {
    const int64_t G = w.groups(), e0 = s0 * step, e1 = std::min(w.k, s1 * step);
    const int64_t g0 = w.group > 0 ? e0 / w.group : 0;
    const int64_t units = w.group > 0 ? (e1 - e0 + w.group - 1) / w.group : 1;
    for (int64_t u = 0; u < units; ++u)
        for (int64_t c = 0; c < 16 * nbb; ++c) {
            const int64_t j = j0 + c;
            const bool in = j < w.n;
            scales[u * ldt + c] = in ? w.scales[j * G + g0 + u] : 0.0f;
            if (zeros) zeros[u * ldt + c] = in ? w.zeros[j * G + g0 + u] : 0;
        }
    return units;
}

// Runs the blocked GEMM with kernel K: K::kStepElems (32 bf16 or 64 int8 per k-step),
// K::Prepared (PreparedBf16 / PreparedInt), K::Elem (packed weight element), K::pack(w, j0, nbb,
// s0, s1, dst), K::Scope (per-thread setup, e.g. the AMX tile configuration),
// K::block(prepared, w, args) accumulating into args.c, and K::kIntegerFormat.
template <class K>
void gemm_run(const Call& c) {
    const LinearWeights& w = *c.w;
    const int64_t m = c.m, n = w.n;
    const int64_t nblk = (n + 15) / 16;
    const int64_t ksteps = (w.k + K::kStepElems - 1) / K::kStepElems;
    const int64_t kcs = kKc / K::kStepElems;
    const typename K::Prepared px(c);
    const int threads = int(std::min<int64_t>(num_threads(), nblk));
#pragma omp parallel num_threads(threads)
    {
        const int64_t nt = omp_get_num_threads(), tid = omp_get_thread_num();
        const int64_t jb0 = nblk * tid / nt, jb1 = nblk * (tid + 1) / nt;
        const int64_t ldc = 16 * kNbBlocks + 16, ldt = 16 * kNbBlocks;
        const Scratch wpack_s(kSlotWeights, size_t(kNbBlocks * kcs * 1024));
        const Scratch cbuf_s(kSlotC, size_t(round_up(std::min(m, kMc), 32) * ldc) * 4);
        const Scratch stab_s(kSlotScales, size_t(16 * ldt) * 4);
        const Scratch ztab_s(kSlotZeros, size_t(16 * ldt) * 4);
        uint8_t* wpack = wpack_s.as<uint8_t>();
        float *cbuf = cbuf_s.as<float>(), *stab = stab_s.as<float>();
        int32_t* ztab = ztab_s.as<int32_t>();
        float* bias_row = stab;  // bf16 uses the scale table's space for the bias row
        typename K::Scope scope(w);
        // The weight blocks this thread packs, in order: (row chunk, column block, k-block).
        const int64_t wstep = w.format == LinearFormat::Int4 ? 32 : 64;  // W bytes per k-step
        auto aim = [&](WeightPrefetch& pf, int64_t nb0, int64_t s0) {
            const int64_t nbb = std::min(kNbBlocks, jb1 - nb0), s1 = std::min(ksteps, s0 + kcs);
            pf.base = static_cast<const uint8_t*>(w.data) + nb0 * 16 * w.row_bytes() + s0 * wstep;
            pf.stride = w.row_bytes();
            pf.lines = ((s1 - s0) * wstep + 63) / 64;
            pf.rows = std::min(16 * nbb, n - nb0 * 16);
            pf.row = pf.line = 0;
        };
        WeightPrefetch pf;
        for (int64_t mc0 = 0; mc0 < m && jb0 < jb1; mc0 += kMc) {
            const int64_t mrows = std::min(kMc, m - mc0), rows = round_up(mrows, 32);
            for (int64_t nb0 = jb0; nb0 < jb1; nb0 += kNbBlocks) {
                const int64_t nbb = std::min(kNbBlocks, jb1 - nb0);
                const int64_t j0 = nb0 * 16, j1 = std::min(n, (nb0 + nbb) * 16);
                // Integer formats accumulate into a zeroed C (bias added at the end); bf16 starts
                // its tiles at the bias row.
                if constexpr (K::kIntegerFormat) {
                    std::memset(cbuf, 0, size_t(rows * ldc) * sizeof(float));
                } else if (c.bias) {
                    std::memset(bias_row, 0, size_t(ldt) * sizeof(float));
                    std::memcpy(bias_row, c.bias + j0, size_t(j1 - j0) * sizeof(float));
                }
                for (int64_t s0 = 0; s0 < ksteps; s0 += kcs) {
                    const int64_t s1 = std::min(ksteps, s0 + kcs);
                    K::pack(w, nb0 * 16, nbb, s0, s1, reinterpret_cast<typename K::Elem*>(wpack));
                    if (s1 < ksteps) {
                        aim(pf, nb0, s1);
                    } else if (nb0 + kNbBlocks < jb1) {
                        aim(pf, nb0 + kNbBlocks, 0);
                    } else {
                        pf.rows = 0;
                    }
                    const int64_t calls = (rows / 32) * ((nbb + 1) / 2) * (s1 - s0);
                    pf.per_step = (pf.rows * pf.lines + calls - 1) / std::max<int64_t>(1, calls);
                    BlockArgs a;
                    a.xrow0 = mc0;
                    a.rows = rows;
                    a.nbb = nbb;
                    a.s0 = s0;
                    a.s1 = s1;
                    a.wpack = wpack;
                    a.c = cbuf;
                    a.ldc = ldc;
                    a.prefetch = &pf;
                    a.first = s0 == 0;
                    a.bias_row = c.bias ? bias_row : nullptr;
                    if constexpr (K::kIntegerFormat) {
                        fill_unit_tables(w, nb0 * 16, nbb, s0, s1, K::kStepElems, stab,
                                         w.zeros ? ztab : nullptr, ldt);
                        a.scales = stab;
                        a.zeros = w.zeros ? ztab : nullptr;
                        a.ldt = ldt;
                    } else if (s1 == ksteps) {
                        a.y = c.y + mc0 * n + j0;
                        a.ldy = n;
                        a.y_rows = mrows;
                        a.y_cols = j1 - j0;
                    }
                    K::block(px, w, a);
                }
                // Write what the kernel did not store into y itself.
                const int64_t full_rows = K::kIntegerFormat ? 0 : mrows / 16 * 16;
                const int64_t full_cols = K::kIntegerFormat ? 0 : (j1 - j0) / 16 * 16;
                for (int64_t r = 0; r < mrows; ++r) {
                    const int64_t i = mc0 + r;
                    const float* cr = cbuf + r * ldc;
                    float* yr = c.y + i * n;
                    if constexpr (K::kIntegerFormat) {
                        const float s = px.scale[size_t(i)];
                        for (int64_t j = j0; j < j1; ++j) {
                            const float v = s * cr[j - j0];
                            yr[j] = c.bias ? v + c.bias[j] : v;
                        }
                    } else {
                        for (int64_t j = r < full_rows ? j0 + full_cols : j0; j < j1; ++j)
                            yr[j] = cr[j - j0];
                    }
                }
            }
        }
    }
}

}  // namespace mempipe::cpu_linear
