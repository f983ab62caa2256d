// AMX variant of the MLA decode engine (see mla_decode_kernels.h): both products on the bf16 tile
// units, with f32-grade accuracy from split operands.
//
// Tokens are processed in chunks of up to 256 (padded to a multiple of 32 with zero rows):
//   gather   the chunk's latent rows (bf16, exact) into a contiguous block: the A tiles of the
//   scores scores   Sᵀ[t, h] = Σ_i kv[t, i]·q'[h, i] with q' = q_abs·scale split into three bf16
//   parts
//            (hi + mid + lo reproduce the f32 value to 2^-24), so Sᵀ carries f32 rounding only;
//            2 token tiles × 2 head tiles of 16 × 16 accumulate per 32-dim step (tdpbf16ps)
//   softmax  per 16-head vector over the chunk (AVX-512): max, α = e^(m_old − m_new), P = e^(S − m)
//   output   O[h, :] = α_h·O[h, :] + P·kv[:, :latent]: P transposed to [heads × tokens] and split
//            into two bf16 parts (relative error 2^-18 ≈ 4e-6 per weight); the latent rows are
//            interleaved in token pairs (the tiles' B layout); 1 head tile × 4 dim tiles per pass.
// All accumulation is f32 (tdpbf16ps: exact bf16 products, f32 sums; denormal inputs read as zero).
#include <immintrin.h>

// GCC 12 warns about the undefined source operand inside the unmasked intrinsics (a false
// positive).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

#include <algorithm>
#include <cstring>

#include "devices/cpu/common/exp_avx512.h"
#include "devices/cpu/mla/mla_decode_kernels.h"
#include "mempipe/core/buffer.h"

namespace mempipe::mla_detail {

namespace {

constexpr int64_t kChunk = 256;  // tokens per pass (multiple of 32)
constexpr int kQParts = 3, kPParts = 2;

struct alignas(64) TileConfig {
    uint8_t palette = 1;
    uint8_t start_row = 0;
    uint8_t reserved[14] = {};
    uint16_t colsb[16] = {};
    uint8_t rows[16] = {};
};

// Every tile is 16 rows × 64 bytes: A = 16 × 32 bf16, B = 16 pair rows × 16 columns, C = 16 × 16
// f32.
void configure_tiles() {
    TileConfig c;
    for (int i = 0; i < 8; ++i) {
        c.rows[i] = 16;
        c.colsb[i] = 64;
    }
    _tile_loadconfig(&c);
}

// In-place transpose of a 16 × 16 matrix of 32-bit elements held in 16 vectors (32-bit, 64-bit
// and two 128-bit-lane interleave stages).
inline void transpose16(__m512i r[16]) {
    __m512i t[16], u[16];
    for (int i = 0; i < 8; ++i) {
        t[2 * i] = _mm512_unpacklo_epi32(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_epi32(r[2 * i], r[2 * i + 1]);
    }
    for (int i = 0; i < 4; ++i) {
        u[4 * i] = _mm512_unpacklo_epi64(t[4 * i], t[4 * i + 2]);
        u[4 * i + 1] = _mm512_unpackhi_epi64(t[4 * i], t[4 * i + 2]);
        u[4 * i + 2] = _mm512_unpacklo_epi64(t[4 * i + 1], t[4 * i + 3]);
        u[4 * i + 3] = _mm512_unpackhi_epi64(t[4 * i + 1], t[4 * i + 3]);
    }
    for (int i = 0; i < 2; ++i)
        for (int c = 0; c < 4; ++c) {
            __m512i a = u[8 * i + c], b = u[8 * i + 4 + c];
            t[8 * i + c] = _mm512_shuffle_i32x4(a, b, 0x88);
            t[8 * i + 4 + c] = _mm512_shuffle_i32x4(a, b, 0xdd);
        }
    for (int c = 0; c < 4; ++c) {
        r[c] = _mm512_shuffle_i32x4(t[c], t[8 + c], 0x88);
        r[8 + c] = _mm512_shuffle_i32x4(t[c], t[8 + c], 0xdd);
        r[4 + c] = _mm512_shuffle_i32x4(t[4 + c], t[12 + c], 0x88);
        r[12 + c] = _mm512_shuffle_i32x4(t[4 + c], t[12 + c], 0xdd);
    }
}

inline __m512 bf16_to_f32_lo(__m512i packed) {  // elements 0..15 of 32 packed bf16
    return _mm512_castsi512_ps(
        _mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm512_castsi512_si256(packed)), 16));
}
inline __m512 bf16_to_f32_hi(__m512i packed) {  // elements 16..31
    return _mm512_castsi512_ps(
        _mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm512_extracti64x4_epi64(packed, 1)), 16));
}
// Splits 32 f32 values (a: 0..15, b: 16..31) into `parts` bf16 vectors whose sum is the value.
inline void split_bf16(__m512 a, __m512 b, int parts, __m512i* out) {
    for (int p = 0; p < parts; ++p) {
        __m512i h = (__m512i)_mm512_cvtne2ps_pbh(b, a);
        out[p] = h;
        a = _mm512_sub_ps(a, bf16_to_f32_lo(h));
        b = _mm512_sub_ps(b, bf16_to_f32_hi(h));
    }
}

struct Scratch {
    int64_t H, W, L, HT, KC, LT;
    Buffer<uint16_t> qb;   // [parts][KC][HT] B tiles of q' (1 KiB each)
    Buffer<uint16_t> kvg;  // [kChunk × W] gathered rows
    Buffer<float> st;      // [kChunk × H] scores, then probabilities
    Buffer<uint16_t> pa;   // [parts][HT][kChunk/32] A tiles of P
    Buffer<uint16_t> vb;   // [LT][kChunk/2] rows of 16 dims × 2 tokens
    Buffer<float> alpha;   // [H]
    uint16_t* q_tile(int p, int64_t kc, int64_t ht) {
        return qb.data() + ((p * KC + kc) * HT + ht) * 512;
    }
    uint16_t* p_tile(int p, int64_t ht, int64_t ks) {
        return pa.data() + ((p * HT + ht) * (kChunk / 32) + ks) * 512;
    }
    uint16_t* v_tile(int64_t dt, int64_t ks) {
        return vb.data() + (dt * (kChunk / 2) + ks * 16) * 32;
    }
};

// B tiles of q' = q_abs·scale: tile (p, kc, ht) row k2, column n = part p of the pair
// (q'[16·ht + n, 32·kc + 2·k2], q'[…, 32·kc + 2·k2 + 1]).
void build_q_tiles(const MlaWork& w, Scratch& sc) {
    const __m512 scale = _mm512_set1_ps(w.s.scale);
    for (int64_t ht = 0; ht < sc.HT; ++ht)
        for (int64_t kc = 0; kc < sc.KC; ++kc) {
            __m512i rows[kQParts][16];
            for (int n = 0; n < 16; ++n) {
                const float* q = w.q_abs + (ht * 16 + n) * sc.W + kc * 32;
                __m512i parts[kQParts];
                split_bf16(_mm512_mul_ps(_mm512_loadu_ps(q), scale),
                           _mm512_mul_ps(_mm512_loadu_ps(q + 16), scale), kQParts, parts);
                for (int p = 0; p < kQParts; ++p) rows[p][n] = parts[p];
            }
            for (int p = 0; p < kQParts; ++p) {
                transpose16(rows[p]);
                uint16_t* dst = sc.q_tile(p, kc, ht);
                for (int k2 = 0; k2 < 16; ++k2) _mm512_storeu_si512(dst + k2 * 32, rows[p][k2]);
            }
        }
}

template <int NH>  // head tiles (1 or 2) at [ht, ht + NH) for token tiles tt, tt + 1
void scores_block(Scratch& sc, int64_t tt, int64_t ht) {
    _tile_zero(0);
    _tile_zero(2);
    if constexpr (NH == 2) {
        _tile_zero(1);
        _tile_zero(3);
    }
    const uint16_t* a = sc.kvg.data() + tt * 16 * sc.W;
    const long stride = long(sc.W * 2);
    for (int64_t kc = 0; kc < sc.KC; ++kc) {
        _tile_loadd(4, a + kc * 32, stride);
        _tile_loadd(5, a + 16 * sc.W + kc * 32, stride);
        for (int p = 0; p < kQParts; ++p) {
            _tile_loadd(6, sc.q_tile(p, kc, ht), 64);
            _tile_dpbf16ps(0, 4, 6);
            _tile_dpbf16ps(2, 5, 6);
            if constexpr (NH == 2) {
                _tile_loadd(7, sc.q_tile(p, kc, ht + 1), 64);
                _tile_dpbf16ps(1, 4, 7);
                _tile_dpbf16ps(3, 5, 7);
            }
        }
    }
    float* s = sc.st.data() + tt * 16 * sc.H + ht * 16;
    const long ss = long(sc.H * 4);
    _tile_stored(0, s, ss);
    _tile_stored(2, s + 16 * sc.H, ss);
    if constexpr (NH == 2) {
        _tile_stored(1, s + 16, ss);
        _tile_stored(3, s + 16 * sc.H + 16, ss);
    }
}

template <int ND>  // dim tiles [dt, dt + ND) of head tile ht over ks32 steps of 32 tokens
void output_block(Scratch& sc, float* O, int64_t ht, int64_t dt, int64_t ks32) {
    float* c = O + ht * 16 * sc.L + dt * 16;
    const long cs = long(sc.L * 4);
    _tile_loadd(0, c, cs);
    if constexpr (ND > 1) _tile_loadd(1, c + 16, cs);
    if constexpr (ND > 2) _tile_loadd(2, c + 32, cs);
    if constexpr (ND > 3) _tile_loadd(3, c + 48, cs);
    for (int64_t ks = 0; ks < ks32; ++ks) {
        _tile_loadd(4, sc.p_tile(0, ht, ks), 64);
        _tile_loadd(5, sc.p_tile(1, ht, ks), 64);
        _tile_loadd(6, sc.v_tile(dt, ks), 64);
        _tile_dpbf16ps(0, 4, 6);
        _tile_dpbf16ps(0, 5, 6);
        if constexpr (ND > 1) {
            _tile_loadd(7, sc.v_tile(dt + 1, ks), 64);
            _tile_dpbf16ps(1, 4, 7);
            _tile_dpbf16ps(1, 5, 7);
        }
        if constexpr (ND > 2) {
            _tile_loadd(6, sc.v_tile(dt + 2, ks), 64);
            _tile_dpbf16ps(2, 4, 6);
            _tile_dpbf16ps(2, 5, 6);
        }
        if constexpr (ND > 3) {
            _tile_loadd(7, sc.v_tile(dt + 3, ks), 64);
            _tile_dpbf16ps(3, 4, 7);
            _tile_dpbf16ps(3, 5, 7);
        }
    }
    _tile_stored(0, c, cs);
    if constexpr (ND > 1) _tile_stored(1, c + 16, cs);
    if constexpr (ND > 2) _tile_stored(2, c + 32, cs);
    if constexpr (ND > 3) _tile_stored(3, c + 48, cs);
}

void chunk(const MlaWork& w, Scratch& sc, int64_t j0, int64_t cnt, MlaState& st) {
    const int64_t H = sc.H, W = sc.W, L = sc.L, padded = (cnt + 31) / 32 * 32;
    for (int64_t t = 0; t < cnt; ++t) {
        int64_t row = w.tokens ? w.tokens[j0 + t] : j0 + t;
        std::memcpy(sc.kvg.data() + t * W, w.kv + row * W, size_t(W) * 2);
    }
    std::memset(sc.kvg.data() + cnt * W, 0, size_t((padded - cnt) * W) * 2);

    for (int64_t tt = 0; tt < padded / 16; tt += 2) {
        int64_t ht = 0;
        for (; ht + 2 <= sc.HT; ht += 2) scores_block<2>(sc, tt, ht);
        if (ht < sc.HT) scores_block<1>(sc, tt, ht);
    }

    // Online softmax per 16-head vector; probabilities replace the scores, padding gets 0.
    bool rescale = false;
    float* S = sc.st.data();
    for (int64_t v = 0; v < H / 16; ++v) {
        __m512 m_old = _mm512_loadu_ps(st.m + 16 * v), mx = m_old;
        for (int64_t t = 0; t < cnt; ++t)
            mx = _mm512_max_ps(mx, _mm512_loadu_ps(S + t * H + 16 * v));
        __m512 sum = _mm512_setzero_ps();
        for (int64_t t = 0; t < cnt; ++t) {
            __m512 p = exp512(_mm512_sub_ps(_mm512_loadu_ps(S + t * H + 16 * v), mx));
            _mm512_storeu_ps(S + t * H + 16 * v, p);
            sum = _mm512_add_ps(sum, p);
        }
        for (int64_t t = cnt; t < padded; ++t)
            _mm512_storeu_ps(S + t * H + 16 * v, _mm512_setzero_ps());
        __m512 alpha = exp512(_mm512_sub_ps(m_old, mx));
        rescale |= _mm512_cmpneq_ps_mask(alpha, _mm512_set1_ps(1.0f)) != 0 &&
                   _mm512_cmpneq_ps_mask(_mm512_loadu_ps(st.l + 16 * v), _mm512_setzero_ps()) != 0;
        _mm512_storeu_ps(sc.alpha.data() + 16 * v, alpha);
        _mm512_storeu_ps(st.l + 16 * v,
                         _mm512_fmadd_ps(_mm512_loadu_ps(st.l + 16 * v), alpha, sum));
        _mm512_storeu_ps(st.m + 16 * v, mx);
    }
    if (rescale)
        for (int64_t h = 0; h < H; ++h) {
            __m512 a = _mm512_set1_ps(sc.alpha[size_t(h)]);
            for (int64_t i = 0; i < L; i += 16)
                _mm512_storeu_ps(st.o + h * L + i,
                                 _mm512_mul_ps(_mm512_loadu_ps(st.o + h * L + i), a));
        }

    // P → A tiles: per head tile and 32 tokens, transpose [tokens × heads] to [heads × tokens].
    for (int64_t ht = 0; ht < sc.HT; ++ht)
        for (int64_t ks = 0; ks < padded / 32; ++ks) {
            __m512i lo[16], hi[16];
            for (int t = 0; t < 16; ++t) {
                lo[t] = _mm512_castps_si512(_mm512_loadu_ps(S + (ks * 32 + t) * H + ht * 16));
                hi[t] = _mm512_castps_si512(_mm512_loadu_ps(S + (ks * 32 + 16 + t) * H + ht * 16));
            }
            transpose16(lo);
            transpose16(hi);
            uint16_t* d0 = sc.p_tile(0, ht, ks);
            uint16_t* d1 = sc.p_tile(1, ht, ks);
            for (int n = 0; n < 16; ++n) {
                __m512i parts[kPParts];
                split_bf16(_mm512_castsi512_ps(lo[n]), _mm512_castsi512_ps(hi[n]), kPParts, parts);
                _mm512_storeu_si512(d0 + n * 32, parts[0]);
                _mm512_storeu_si512(d1 + n * 32, parts[1]);
            }
        }

    // Latent rows → B tiles: per token pair and 32 dims, interleave the two rows' elements.
    const __m512i lo_idx =
        _mm512_setr_epi32(0x00200000, 0x00210001, 0x00220002, 0x00230003, 0x00240004, 0x00250005,
                          0x00260006, 0x00270007, 0x00280008, 0x00290009, 0x002a000a, 0x002b000b,
                          0x002c000c, 0x002d000d, 0x002e000e, 0x002f000f);
    const __m512i hi_idx = _mm512_add_epi16(lo_idx, _mm512_set1_epi16(16));
    for (int64_t tp = 0; tp < padded / 2; ++tp) {
        const uint16_t* r0 = sc.kvg.data() + 2 * tp * W;
        const uint16_t* r1 = r0 + W;
        for (int64_t c = 0; c < L / 32; ++c) {
            __m512i a = _mm512_loadu_si512(r0 + 32 * c), b = _mm512_loadu_si512(r1 + 32 * c);
            _mm512_storeu_si512(sc.vb.data() + ((2 * c) * (kChunk / 2) + tp) * 32,
                                _mm512_permutex2var_epi16(a, lo_idx, b));
            _mm512_storeu_si512(sc.vb.data() + ((2 * c + 1) * (kChunk / 2) + tp) * 32,
                                _mm512_permutex2var_epi16(a, hi_idx, b));
        }
        if (L % 32) {  // one trailing 16-dim tile
            int64_t c = L / 32;
            __m512i a = _mm512_maskz_loadu_epi16(0xffff, r0 + 32 * c),
                    b = _mm512_maskz_loadu_epi16(0xffff, r1 + 32 * c);
            _mm512_storeu_si512(sc.vb.data() + ((2 * c) * (kChunk / 2) + tp) * 32,
                                _mm512_permutex2var_epi16(a, lo_idx, b));
        }
    }

    for (int64_t ht = 0; ht < sc.HT; ++ht) {
        int64_t dt = 0;
        for (; dt + 4 <= sc.LT; dt += 4) output_block<4>(sc, st.o, ht, dt, padded / 32);
        switch (sc.LT - dt) {
            case 3:
                output_block<3>(sc, st.o, ht, dt, padded / 32);
                break;
            case 2:
                output_block<2>(sc, st.o, ht, dt, padded / 32);
                break;
            case 1:
                output_block<1>(sc, st.o, ht, dt, padded / 32);
                break;
            default:
                break;
        }
    }
}

}  // namespace

void mla_attend_amx(const MlaWork& w, int64_t begin, int64_t end, MlaState& st) {
    const MlaShape& s = w.s;
    Scratch sc;
    sc.H = s.heads;
    sc.W = s.latent + s.rope;
    sc.L = s.latent;
    sc.HT = sc.H / 16;
    sc.KC = sc.W / 32;
    sc.LT = sc.L / 16;
    sc.qb = Buffer<uint16_t>(size_t(kQParts * sc.KC * sc.HT * 512));
    sc.kvg = Buffer<uint16_t>(size_t(kChunk * sc.W));
    sc.st = Buffer<float>(size_t(kChunk * sc.H));
    sc.pa = Buffer<uint16_t>(size_t(kPParts * sc.HT * (kChunk / 32) * 512));
    sc.vb = Buffer<uint16_t>(size_t(sc.LT * (kChunk / 2) * 32));
    sc.alpha = Buffer<float>(size_t(sc.H));
    configure_tiles();
    build_q_tiles(w, sc);
    for (int64_t j = begin; j < end; j += kChunk) chunk(w, sc, j, std::min(kChunk, end - j), st);
    _tile_release();
}

}  // namespace mempipe::mla_detail
