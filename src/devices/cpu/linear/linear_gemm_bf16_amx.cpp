// cpu::linear bf16 GEMM on AMX tiles (level amx, m ≥ 16), with the weights as the A operand.
//
// The kernel computes Cᵀ [n × m] = W · x̂ᵀ. A tiles are 16 weight rows × one k-step of 32 bf16: a
// weight block is copied row by row into contiguous tiles (no transposes; zero-padded at the n and
// k edges; contiguous so that W's power-of-two row stride cannot alias the tiles' rows into a few
// cache sets); B tiles hold x̂ᵀ in VNNI layout (16 k-pairs × 16 rows of x × 2 bf16), built once
// per call. Per k-step, 2 × 2 Cᵀ tiles (32 weight rows × 32 rows of x) take 4
// tdpbf16ps. Threads split n in 16-row blocks; each walks Cᵀ blocks of 256 weight rows × up to 512
// rows of x (f32, in L2) k-block by k-block (640) and, within, weight blocks of 128 rows
// (prefetching the next one into L2), and transposes every finished Cᵀ block (16 × 16 at a time)
// into y. The accumulators start at the bias. With prepacked weights (LinearWeights::packed, made
// once by cpu::linear_pack in this very tile layout) the weight tiles are read from the packed copy
// and nothing is copied per call; the prefetch then walks the packed tiles of the next block.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <cstdint>

#include "devices/cpu/linear/linear_amx_tiles.h"
#include "devices/cpu/linear/linear_avx512_util.h"
#include "devices/cpu/linear/linear_gemm_driver.h"
#include "devices/cpu/linear/linear_kernels.h"

namespace mempipe::cpu_linear {

namespace {

// k-steps of 32 per k-block. The Cᵀ tiles are stored and reloaded once per k-block, and a tile
// store waits for the tile's last tdpbf16ps: the longer the k-block, the fewer such stalls, as long
// as the two x̂ᵀ tiles' k-block slices (2 × 20 KiB) stay in L1 while the weight tiles stream past
// them (tileloaddt1). 20 against 8: 3–4% faster at 512 × 4096 → 4096 (interleaved A/B, 2 threads).
constexpr int64_t kSteps = 20;
// 16-row weight blocks per packed weight block. W's rows are often 2^p bytes apart, so rows 16
// apart share L2 sets (2 MiB, 16 ways): 128 rows keep ≤ 8 lines per set.
constexpr int64_t kRowBlocks = 8;
// 16-row blocks per Cᵀ block (256 weight rows, 2 packed weight blocks): x̂ᵀ is streamed from L3
// once per Cᵀ block, its k-block slice (640 KiB at 512 rows) then stays in L2 for both weight
// blocks, beside the Cᵀ block (540 KiB) and the current and next weight blocks (2 × 160 KiB).
constexpr int64_t kBigBlocks = 16;

// x̂ᵀ in the XTiles layout: tile (mb, s) row p holds, for rows [16·mb, 16·mb + 16) of x, the pair
// (x̂[i, 32s + 2p], x̂[i, 32s + 2p + 1]) as one dword per row i.
void build_xt(const Call& c, XTiles& xt) {
    const int64_t m = c.m, k = c.w->k;
#pragma omp parallel for schedule(static) if (m * k >= (int64_t(1) << 16))
    for (int64_t mb = 0; mb < xt.mblocks; ++mb)
        for (int64_t s = 0; s < xt.steps; ++s) {
            __m512i r[16];
            const int64_t t = s * 32;
            for (int q = 0; q < 16; ++q) {
                const int64_t i = mb * 16 + q;
                if (i >= m) {
                    r[q] = _mm512_setzero_si512();
                    continue;
                }
                const __m512 lo = _mm512_maskz_loadu_ps(mask16(k - t), c.x + i * k + t);
                const __m512 hi = _mm512_maskz_loadu_ps(mask16(k - t - 16), c.x + i * k + t + 16);
                r[q] = (__m512i)_mm512_cvtne2ps_pbh(hi, lo);
            }
            transpose16(r);
            uint8_t* dst = xt.row(mb * 16, s);
            for (int p = 0; p < 16; ++p) _mm512_store_si512(dst + p * 64, r[p]);
        }
}

struct Block {
    const uint16_t* wp = nullptr;  // weight tiles: row block b, k-step s at wp + (b·wb + s)·512
    int64_t wb = kSteps;           // tiles from one row block to the next (packed: all k-steps)
    int64_t S = 0;                 // k-steps of this block
    const float* bias = nullptr;   // [kRowBlocks][16 × 16]: row r = bias of weight row 16b + r
    float* ct = nullptr;           // Cᵀ rows of the weight block [16·kRowBlocks × ldc]
    int64_t ldc = 0;
    bool first = false;
    WeightPrefetch* prefetch = nullptr;
};

// Cᵀ tiles of weight blocks b, b+1 (NB = 2) or b (NB = 1) × x blocks mb, mb+1 over the block's
// k-steps. Tiles: 0 = (b, mb), 1 = (b, mb+1), 2 = (b+1, mb), 3 = (b+1, mb+1).
template <int NB>
void ct_tiles(const Block& bk, const uint8_t* x0, const uint8_t* x1, int64_t b, int64_t mb) {
    float* c0 = bk.ct + b * 16 * bk.ldc + mb * 16;
    const int64_t cs = bk.ldc * 4;
    if (bk.first) {
        _tile_loadd(0, bk.bias + b * 256, 64);
        _tile_loadd(1, bk.bias + b * 256, 64);
        if constexpr (NB == 2) {
            _tile_loadd(2, bk.bias + (b + 1) * 256, 64);
            _tile_loadd(3, bk.bias + (b + 1) * 256, 64);
        }
    } else {
        _tile_loadd(0, c0, cs);
        _tile_loadd(1, c0 + 16, cs);
        if constexpr (NB == 2) {
            _tile_loadd(2, c0 + 16 * bk.ldc, cs);
            _tile_loadd(3, c0 + 16 * bk.ldc + 16, cs);
        }
    }
    for (int64_t s = 0; s < bk.S; ++s) {
        bk.prefetch->step();
        _tile_stream_loadd(4, bk.wp + (b * bk.wb + s) * 512, 64);
        _tile_loadd(6, x0 + s * 1024, 64);
        _tile_loadd(7, x1 + s * 1024, 64);
        _tile_dpbf16ps(0, 4, 6);
        _tile_dpbf16ps(1, 4, 7);
        if constexpr (NB == 2) {
            _tile_stream_loadd(5, bk.wp + ((b + 1) * bk.wb + s) * 512, 64);
            _tile_dpbf16ps(2, 5, 6);
            _tile_dpbf16ps(3, 5, 7);
        }
    }
    _tile_stored(0, c0, cs);
    _tile_stored(1, c0 + 16, cs);
    if constexpr (NB == 2) {
        _tile_stored(2, c0 + 16 * bk.ldc, cs);
        _tile_stored(3, c0 + 16 * bk.ldc + 16, cs);
    }
}

// Weight rows [j0, j0 + 16·nbb), k-steps [s0, s1) copied into A tiles (pack_weight_tile):
// dst [nbb][kSteps][16 rows][32 bf16].
void pack_rows(const LinearWeights& w, int64_t j0, int64_t nbb, int64_t s0, int64_t s1,
               uint16_t* dst) {
    const uint16_t* wd = static_cast<const uint16_t*>(w.data);
    for (int64_t b = 0; b < nbb; ++b)
        for (int64_t s = s0; s < s1; ++s)
            pack_weight_tile(wd, w.n, w.k, j0 + 16 * b, 32 * s, dst + (b * kSteps + s - s0) * 512);
}

// Outputs of at least this many bytes are written with non-temporal stores: they exceed the L2
// caches, and streaming them saves reading every line of y before it is overwritten.
constexpr int64_t kStreamBytes = int64_t(4) << 20;

// Cᵀ rows [0, 16·nbb) × columns [0, rows) → y rows [i0, i0 + mrows), columns [j0, j0 + 16·nbb) ∩ n.
// 16 rows of y at a time: their 16 × 16 tiles are transposed into `stage` [16 × 16·nbb] (L1),
// then each row is written out contiguously (one run per row of y, not 16 rows per tile);
// `stream`: the 64-byte aligned part of each run with non-temporal stores.
void store_transposed(const float* ct, int64_t ldc, int64_t nbb, int64_t rows, int64_t mrows,
                      float* y, int64_t n, int64_t i0, int64_t j0, float* stage, bool stream) {
    __m512i r[16];
    const int64_t cols = std::min(16 * nbb, n - j0);
    for (int64_t mb = 0; mb < rows / 16; ++mb) {
        for (int64_t b = 0; b < nbb; ++b) {
            for (int q = 0; q < 16; ++q)
                r[q] = _mm512_castps_si512(_mm512_loadu_ps(ct + (b * 16 + q) * ldc + mb * 16));
            transpose16(r);
            for (int q = 0; q < 16; ++q) _mm512_store_si512(stage + q * 16 * nbb + b * 16, r[q]);
        }
        for (int q = 0; q < 16 && mb * 16 + q < mrows; ++q) {
            const float* src = stage + q * 16 * nbb;
            float* dst = y + (i0 + mb * 16 + q) * n + j0;
            int64_t c = 0;
            if (stream) {
                for (; c < cols && (reinterpret_cast<uintptr_t>(dst + c) & 63) != 0; ++c)
                    dst[c] = src[c];
                for (; c + 16 <= cols; c += 16) _mm512_stream_ps(dst + c, _mm512_loadu_ps(src + c));
            }
            for (; c < cols; c += 16)
                _mm512_mask_storeu_ps(dst + c, mask16(cols - c), _mm512_loadu_ps(src + c));
        }
    }
}

}  // namespace

void gemm_amx_bf16(const Call& c) {
    const LinearWeights& w = *c.w;
    const int64_t m = c.m, n = w.n, k = w.k;
    const int64_t steps = (k + 31) / 32, nblk = (n + 15) / 16;
    const uint16_t* packed = w.packed ? w.packed->tiles.data() : nullptr;
    XTiles xt(m, steps, kSteps);
    build_xt(c, xt);
    const int threads = int(std::min<int64_t>(num_threads(), nblk));
#pragma omp parallel num_threads(threads)
    {
        const int64_t nt = omp_get_num_threads(), tid = omp_get_thread_num();
        const int64_t jb0 = nblk * tid / nt, jb1 = nblk * (tid + 1) / nt;
        const int64_t ldc = kMc + 16;
        const Scratch ct_s(kSlotC, size_t(16 * kBigBlocks * ldc) * 4);
        const Scratch wp_s(kSlotWeights, packed ? 0 : size_t(kRowBlocks * kSteps * 1024));
        const Scratch bias_s(kSlotScales, size_t(kBigBlocks * 1024));
        const Scratch stage_s(kSlotZeros, size_t(kBigBlocks * 1024));
        float *bias = bias_s.as<float>(), *ct = ct_s.as<float>();
        TileScope scope(64, 16);
        Block blk;
        blk.wp = wp_s.as<uint16_t>();
        blk.ldc = ldc;
        WeightPrefetch pf;
        blk.prefetch = &pf;
        const bool stream = m * n * 4 >= kStreamBytes;
        // Prefetch the weight block of row blocks [nb0, nb0 + kRowBlocks), k-steps from s0: W's
        // rows, or the packed tiles (one contiguous run per row block).
        auto aim = [&](int64_t nb0, int64_t s0) {
            const int64_t nbb = std::min(kRowBlocks, jb1 - nb0), s1 = std::min(steps, s0 + kSteps);
            if (packed) {
                pf.base = reinterpret_cast<const uint8_t*>(packed + (nb0 * steps + s0) * 512);
                pf.stride = steps * 1024;
                pf.lines = (s1 - s0) * 16;
                pf.rows = nbb;
            } else {
                pf.base = static_cast<const uint8_t*>(w.data) + (nb0 * 16 * k + s0 * 32) * 2;
                pf.stride = 2 * k;
                pf.lines = ((s1 - s0) * 64 + 63) / 64;
                pf.rows = std::min(16 * nbb, n - nb0 * 16);
            }
            pf.row = pf.line = 0;
        };
        for (int64_t mc0 = 0; mc0 < m && jb0 < jb1; mc0 += kMc) {
            const int64_t mrows = std::min(kMc, m - mc0), rows = round_up(mrows, 32);
            for (int64_t nb0 = jb0; nb0 < jb1; nb0 += kBigBlocks) {
                const int64_t nbig = std::min(kBigBlocks, jb1 - nb0);
                const int64_t j0 = nb0 * 16;
                for (int64_t b = 0; b < nbig; ++b)
                    for (int r = 0; r < 16; ++r) {
                        const int64_t j = j0 + 16 * b + r;
                        const float v = c.bias && j < n ? c.bias[j] : 0.0f;
                        _mm512_storeu_ps(bias + b * 256 + r * 16, _mm512_set1_ps(v));
                    }
                for (int64_t s0 = 0; s0 < steps; s0 += kSteps) {
                    const int64_t s1 = std::min(steps, s0 + kSteps);
                    blk.S = s1 - s0;
                    blk.first = s0 == 0;
                    for (int64_t sub = 0; sub < nbig; sub += kRowBlocks) {
                        const int64_t nbb = std::min(kRowBlocks, nbig - sub);
                        if (packed) {
                            blk.wp = packed + ((nb0 + sub) * steps + s0) * 512;
                            blk.wb = steps;
                        } else {
                            pack_rows(w, j0 + sub * 16, nbb, s0, s1, wp_s.as<uint16_t>());
                        }
                        if (sub + kRowBlocks < nbig) {  // the next weight block, then prefetch it
                            aim(nb0 + sub + kRowBlocks, s0);
                        } else if (s1 < steps) {
                            aim(nb0, s1);
                        } else if (nb0 + kBigBlocks < jb1) {
                            aim(nb0 + kBigBlocks, 0);
                        } else {
                            pf.rows = 0;
                        }
                        const int64_t calls = (rows / 32) * ((nbb + 1) / 2) * blk.S;
                        pf.per_step =
                            (pf.rows * pf.lines + calls - 1) / std::max<int64_t>(1, calls);
                        blk.ct = ct + sub * 16 * ldc;
                        blk.bias = bias + sub * 256;
                        for (int64_t mb = 0; mb < rows / 16; mb += 2) {
                            const uint8_t* x0 = xt.tile(mc0 / 16 + mb, s0);
                            const uint8_t* x1 = xt.tile(mc0 / 16 + mb + 1, s0);
                            int64_t b = 0;
                            for (; b + 2 <= nbb; b += 2) ct_tiles<2>(blk, x0, x1, b, mb);
                            if (b < nbb) ct_tiles<1>(blk, x0, x1, b, mb);
                        }
                    }
                }
                store_transposed(ct, ldc, nbig, rows, mrows, c.y, n, mc0, j0, stage_s.as<float>(),
                                 stream);
            }
        }
        if (stream) _mm_sfence();  // order the streaming stores before the region's barrier
    }
}

}  // namespace mempipe::cpu_linear
