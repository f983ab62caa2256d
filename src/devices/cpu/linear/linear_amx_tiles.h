// AMX tile configuration for the linear kernels (included only by files built with the AMX flags).
#pragma once

#include <immintrin.h>

#include <cstdint>

namespace mempipe::cpu_linear {

// LDTILECFG's 64-byte operand.
struct alignas(64) TileConfig {
    uint8_t palette_id = 1;
    uint8_t start_row = 0;
    uint8_t reserved[14] = {};
    uint16_t colsb[16] = {};
    uint8_t rows[16] = {};
};
static_assert(sizeof(TileConfig) == 64);

// Configures C (0..3: 16 × 64 B), A (4, 5: 16 rows × a_bytes), B (6, 7: b_rows × 64 B).
class TileScope {
  public:
    TileScope(int a_bytes, int b_rows) {
        TileConfig cfg;
        for (int t = 0; t < 4; ++t) {
            cfg.colsb[t] = 64;
            cfg.rows[t] = 16;
        }
        for (int t = 4; t < 6; ++t) {
            cfg.colsb[t] = uint16_t(a_bytes);
            cfg.rows[t] = 16;
        }
        for (int t = 6; t < 8; ++t) {
            cfg.colsb[t] = 64;
            cfg.rows[t] = uint8_t(b_rows);
        }
        // GCC 12 does not treat ldtilecfg as reading its operand and may sink the stores to cfg
        // past it: a compiler barrier keeps them before.
        asm volatile("" : : "r"(&cfg) : "memory");
        _tile_loadconfig(&cfg);
    }
    ~TileScope() { _tile_release(); }
    TileScope(const TileScope&) = delete;
    TileScope& operator=(const TileScope&) = delete;
};

}  // namespace mempipe::cpu_linear
