// AMX roofline kernels: the AVX-512 table plus tile-resident tdpbf16ps and tdpbssd loops.
//
// Tiles (palette 1): tmm0..tmm3 are 16×16 accumulators (16 rows × 64 B), tmm4/tmm5 two A tiles
// (16 rows × 64 B: 16×32 bf16 or 16×64 int8), tmm6/tmm7 two B tiles in VNNI layout (16 rows × 64 B:
// 32×16 bf16 or 64×16 int8). A and B are loaded once; each loop iteration issues four independent
// dot products C[2i+j] += A[i]·B[j], so every accumulator's chain has 4 instructions in flight
// (4 × the ~16-cycle issue interval covers the instruction latency). Each calling thread configures
// its own tiles and releases them before returning. The caller must have run
// detected_simd_level() (which requests the AMX tile state from the kernel) beforehand.
#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "roofline.h"

namespace mempipe::bench {

namespace {

constexpr int kRows = 16;      // rows of every tile
constexpr int kRowBytes = 64;  // bytes per row of every tile
constexpr int kTileBytes = kRows * kRowBytes;
constexpr int kDotsPerIter = 4;  // tdp* instructions per loop iteration (2 A × 2 B)

// LDTILECFG's 64-byte operand.
struct alignas(64) TileConfig {
    uint8_t palette_id = 1;
    uint8_t start_row = 0;
    uint8_t reserved[14] = {};
    uint16_t colsb[16] = {};
    uint8_t rows[16] = {};
};
static_assert(sizeof(TileConfig) == 64);

void configure_tiles() {
    TileConfig cfg;
    for (int t = 0; t < 8; ++t) {
        cfg.colsb[t] = kRowBytes;
        cfg.rows[t] = kRows;
    }
    // GCC may sink the stores to cfg past ldtilecfg (the intrinsic's memory operand is not seen
    // as a read of cfg): a compiler barrier keeps them before it.
    asm volatile("" : : "r"(&cfg) : "memory");
    _tile_loadconfig(&cfg);
}

// Fills a tile buffer with one repeated 16-bit (bf16) or 8-bit (int8) pattern.
void fill16(uint8_t* p, uint16_t v) {
    for (int i = 0; i < kTileBytes; i += 2) std::memcpy(p + i, &v, 2);
}

// Sum of the four accumulators tmm0..tmm3, read back as `T` (float or int32).
template <class T>
double store_and_sum() {
    alignas(64) T c[4][kTileBytes / sizeof(T)];
    _tile_stored(0, c[0], kRowBytes);
    _tile_stored(1, c[1], kRowBytes);
    _tile_stored(2, c[2], kRowBytes);
    _tile_stored(3, c[3], kRowBytes);
    double total = 0;
    for (const auto& tile : c) {
        for (T x : tile) total += double(x);
    }
    return total;
}

void load_operands(const uint8_t* a, const uint8_t* b) {
    _tile_zero(0);
    _tile_zero(1);
    _tile_zero(2);
    _tile_zero(3);
    _tile_loadd(4, a, kRowBytes);
    _tile_loadd(5, a + kTileBytes, kRowBytes);
    _tile_loadd(6, b, kRowBytes);
    _tile_loadd(7, b + kTileBytes, kRowBytes);
}

// A = bf16 1.0, B = bf16 2^-10: each instruction adds 32 · 2^-10 = 1/32 to every f32 lane, exactly
// (the sums stay exact up to 2^19 per lane and then saturate by absorption, never overflow). After
// `iters` iterations the checksum is 4 tiles × 256 lanes × iters / 32 = 32 · iters.
double amx_bf16_dot(int64_t iters) {
    alignas(64) uint8_t a[2 * kTileBytes], b[2 * kTileBytes];
    fill16(a, 0x3F80);
    fill16(a + kTileBytes, 0x3F80);
    fill16(b, 0x3A80);
    fill16(b + kTileBytes, 0x3A80);
    configure_tiles();
    load_operands(a, b);
    for (int64_t i = 0; i < iters; ++i) {
        _tile_dpbf16ps(0, 4, 6);
        _tile_dpbf16ps(1, 4, 7);
        _tile_dpbf16ps(2, 5, 6);
        _tile_dpbf16ps(3, 5, 7);
    }
    double sum = store_and_sum<float>();
    _tile_release();
    return sum;
}

// A = int8 3, B = int8 −5 (both signed): each instruction adds 64 · (−15) = −960 to every int32
// lane; int32 wrap-around after ~2.2 M iterations is harmless. Before it, the checksum is
// 4 × 256 × (−960) · iters.
double amx_int8_dot(int64_t iters) {
    alignas(64) uint8_t a[2 * kTileBytes], b[2 * kTileBytes];
    std::memset(a, 3, sizeof a);
    std::memset(b, 0xFB, sizeof b);  // −5
    configure_tiles();
    load_operands(a, b);
    for (int64_t i = 0; i < iters; ++i) {
        _tile_dpbssd(0, 4, 6);
        _tile_dpbssd(1, 4, 7);
        _tile_dpbssd(2, 5, 6);
        _tile_dpbssd(3, 5, 7);
    }
    double sum = store_and_sum<int32_t>();
    _tile_release();
    return sum;
}

}  // namespace

RooflineKernels roofline_kernels_amx() {
    RooflineKernels k = roofline_kernels_avx512();
    k.level = "amx";
    k.amx_bf16 = amx_bf16_dot;
    k.amx_int8 = amx_int8_dot;
    k.amx_bf16_per_iter = double(kDotsPerIter) * 16 * 16 * 32 * 2;
    k.amx_int8_per_iter = double(kDotsPerIter) * 16 * 16 * 64 * 2;
    k.amx_bf16_instr = "tdpbf16ps tmm, 4 accumulator tiles (16384 FLOP/instr)";
    k.amx_int8_instr = "tdpbssd tmm, 4 accumulator tiles (32768 OP/instr)";
    return k;
}

}  // namespace mempipe::bench
