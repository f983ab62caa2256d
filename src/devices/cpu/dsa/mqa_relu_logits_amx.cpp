// AMX scoring kernels of the DSA indexer (Faithful: TDPBF16PS; Int8: TDPBUSD), for CPUs with AMX
// tiles.
//
// The keys are the A operand (rows = 16 keys, K = dims), so the converted key rows of a page load
// as A tiles directly with no transpose; the query is the B operand in the pair (bf16) / quad
// (int8) layout that the AVX-512 kernels already use (PreparedQueries::qt / qt8: rows = dim pairs
// or quads, columns = 16 heads). Per 16 keys and 64 heads: C = 4 tiles [16 keys × 16 heads] f32 /
// s32, 16 (bf16) or 8 (int8) tile dot products, then an AVX-512 epilogue (relu · w, head sum) per
// key. Tile numbers: 0–3 C, 4 A, 5–7 B. AMX tile dot products accumulate exact products in f32
// (bf16) or s32 (int8), so the numerics are those of the AVX-512 kernels (dsa.h bound).
// GCC 12 reports false -W(maybe-)uninitialized inside the AVX-512 intrinsics headers
// (GCC PR 105593).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
// vpermi2b (AVX512-VBMI) for the key conversion: every AMX CPU has it; pick_scorer() checks at run
// time.
#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <type_traits>

#include "devices/cpu/dsa/indexer_convert_avx512.h"
#include "devices/cpu/dsa/indexer_kernels.h"

namespace mempipe::cpu_dsa {

namespace {
struct alignas(64) TileConfig {
    uint8_t palette = 1;
    uint8_t start_row = 0;
    uint8_t reserved[14] = {};
    uint16_t colsb[16] = {};
    uint8_t rows[16] = {};
};

class TileScope {  // all 8 tiles 16 rows × 64 B for the duration of one kernel call
  public:
    TileScope() {
        TileConfig cfg;
        for (int t = 0; t < 8; ++t) cfg.colsb[t] = 64, cfg.rows[t] = 16;
        _tile_loadconfig(&cfg);
    }
    ~TileScope() { _tile_release(); }
};

// sums[j] += Σ_g Σ_h relu(C_g[j, h]) · w_g[h] for the 16 keys of a block (C_g: [16 keys × 16
// heads]).
template <class T>
inline void epilogue(const T* c, const float* w, float* sums) {
    const __m512 w0 = _mm512_loadu_ps(w), w1 = _mm512_loadu_ps(w + 16),
                 w2 = _mm512_loadu_ps(w + 32), w3 = _mm512_loadu_ps(w + 48);
    auto row = [&](int g, int64_t j) {
        if constexpr (std::is_same_v<T, float>) {
            return _mm512_max_ps(_mm512_load_ps(c + g * 256 + j * 16), _mm512_setzero_ps());
        } else {  // the +128 offset correction was preloaded into the accumulator tiles
            return _mm512_cvtepi32_ps(
                _mm512_max_epi32(_mm512_load_si512(c + g * 256 + j * 16), _mm512_setzero_si512()));
        }
    };
    __m512 v[16];
    for (int j = 0; j < 16; ++j) {
        v[j] = _mm512_mul_ps(row(0, j), w0);
        v[j] = _mm512_fmadd_ps(row(1, j), w1, v[j]);
        v[j] = _mm512_fmadd_ps(row(2, j), w2, v[j]);
        v[j] = _mm512_fmadd_ps(row(3, j), w3, v[j]);
    }
    _mm512_store_ps(sums, _mm512_add_ps(_mm512_load_ps(sums), hsum16(v)));
}
}  // namespace

void score_faithful_amx(const PreparedQueries& q, const IndexKeysView& keys, int64_t s0, int64_t s1,
                        float* out, int64_t out_stride) {
    alignas(64) uint16_t kb[kPage * kD];
    alignas(64) float ks[kPage];
    alignas(64) float c[4 * 16 * 16];
    TileScope tiles;
    const int64_t hp = q.hp, bstride = hp * 4;
    for (int64_t p0 = s0; p0 < s1; p0 += kPage) {
        const int64_t n = std::min(kPage, s1 - p0), n16 = (n + 15) / 16 * 16;
        const uint8_t* page = dsa_detail::page_ptr(keys, p0 / kPage);
        convert_bf16(page, n, kb);
        if (n16 > n) std::memset(kb + n * kD, 0, size_t((n16 - n) * kD) * sizeof(uint16_t));
        std::memcpy(ks, page + kPage * kD, size_t(n) * sizeof(float));
        for (int64_t b = 0; b < q.batch; ++b) {
            const uint32_t* qt = q.qt.data() + b * (kD / 2) * hp;
            float* o = out + b * out_stride + (p0 - s0);
            for (int64_t j0 = 0; j0 < n; j0 += 16) {
                alignas(64) float sums[16] = {};
                for (int64_t hc = 0; hc < hp; hc += kHeadChunk) {
                    _tile_zero(0);
                    _tile_zero(1);
                    _tile_zero(2);
                    _tile_zero(3);
                    for (int64_t ch = 0; ch < kD / 32; ++ch) {
                        const uint32_t* bq = qt + (16 * ch) * hp + hc;
                        _tile_loadd(4, kb + j0 * kD + 32 * ch, kD * 2);
                        _tile_loadd(5, bq, bstride);
                        _tile_dpbf16ps(0, 4, 5);
                        _tile_loadd(6, bq + 16, bstride);
                        _tile_dpbf16ps(1, 4, 6);
                        _tile_loadd(7, bq + 32, bstride);
                        _tile_dpbf16ps(2, 4, 7);
                        _tile_loadd(5, bq + 48, bstride);
                        _tile_dpbf16ps(3, 4, 5);
                    }
                    _tile_stored(0, c, 64);
                    _tile_stored(1, c + 256, 64);
                    _tile_stored(2, c + 512, 64);
                    _tile_stored(3, c + 768, 64);
                    epilogue(c, q.w.data() + b * hp + hc, sums);
                }
                for (int64_t j = 0; j < std::min<int64_t>(16, n - j0); ++j)
                    o[j0 + j] = sums[j] * ks[j0 + j];
            }
        }
    }
}

void score_int8_amx(const PreparedQueries& q, const IndexKeysView& keys, int64_t s0, int64_t s1,
                    float* out, int64_t out_stride) {
    alignas(64) uint8_t ku[kPage * kD];
    alignas(64) float kf[kPage];
    alignas(64) int32_t c[4 * 16 * 16];
    TileScope tiles;
    const int64_t hp = q.hp, bstride = hp * 4;
    for (int64_t p0 = s0; p0 < s1; p0 += kPage) {
        const int64_t n = std::min(kPage, s1 - p0), n16 = (n + 15) / 16 * 16;
        convert_int8(dsa_detail::page_ptr(keys, p0 / kPage), n, ku, kf);
        if (n16 > n) std::memset(ku + n * kD, 0x80, size_t((n16 - n) * kD));
        for (int64_t b = 0; b < q.batch; ++b) {
            const uint32_t* qt = q.qt8.data() + b * (kD / 4) * hp;
            float* o = out + b * out_stride + (p0 - s0);
            for (int64_t j0 = 0; j0 < n; j0 += 16) {
                alignas(64) float sums[16] = {};
                for (int64_t hc = 0; hc < hp; hc += kHeadChunk) {
                    const int32_t* ci = q.corr_rows.data() + (b * hp + hc) * 16;  // −128·Σq rows
                    _tile_loadd(0, ci, 64);
                    _tile_loadd(1, ci + 256, 64);
                    _tile_loadd(2, ci + 512, 64);
                    _tile_loadd(3, ci + 768, 64);
                    for (int64_t ch = 0; ch < kD / 64; ++ch) {
                        const uint32_t* bq = qt + (16 * ch) * hp + hc;
                        _tile_loadd(4, ku + j0 * kD + 64 * ch, kD);
                        _tile_loadd(5, bq, bstride);
                        _tile_dpbusd(0, 4, 5);
                        _tile_loadd(6, bq + 16, bstride);
                        _tile_dpbusd(1, 4, 6);
                        _tile_loadd(7, bq + 32, bstride);
                        _tile_dpbusd(2, 4, 7);
                        _tile_loadd(5, bq + 48, bstride);
                        _tile_dpbusd(3, 4, 5);
                    }
                    _tile_stored(0, c, 64);
                    _tile_stored(1, c + 256, 64);
                    _tile_stored(2, c + 512, 64);
                    _tile_stored(3, c + 768, 64);
                    epilogue(c, q.w.data() + b * hp + hc, sums);
                }
                for (int64_t j = 0; j < std::min<int64_t>(16, n - j0); ++j)
                    o[j0 + j] = sums[j] * kf[j0 + j];
            }
        }
    }
}

}  // namespace mempipe::cpu_dsa
