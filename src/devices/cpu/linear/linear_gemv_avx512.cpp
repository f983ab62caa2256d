// cpu::linear GEMV at AVX-512 (decode, m < 16): each thread streams a contiguous range of weight
// rows once, front to back (one sequential stream per thread), against up to 4 rows of x at a
// time (more rows: further passes over the same weight row, which is then in L1).
//   Bf16: x rounded to bf16 once per call (vcvtne2ps2bf16), `vdpbf16ps` on 32 weights per zmm.
//   Int8: x quantised per row; vpdpbusd(q + 128 as u8, xq as s8), the 128·Σxq excess removed per
//         lane with the x lane sums; Int4: 32 bytes = 64 nibbles unpacked in registers
//         (low nibbles | high nibbles) against x permuted per 64-element chunk to
//         (even elements | odd elements), zero point z·Σxq removed per lane. Integer lane sums are
//         converted to f32 once per group (or once per row for per-row int8) and scaled.
// GCC 12 reports false -W(maybe-)uninitialized inside the AVX-512 intrinsics headers
// (GCC PR 105593).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#include <omp.h>

#include <algorithm>

#include "devices/cpu/linear/linear_kernels.h"
#include "mempipe/core/buffer.h"

namespace mempipe::cpu_linear {

namespace {

// Software prefetch distance into the weight stream: one sequential stream per thread, fetched
// 1 KiB ahead (measured on the dev machine, `mempipe bench linear`: 2 threads went from ~21 to
// ~29 GB/s, the DRAM read roofline being ~30; 512 B and 2 KiB were slower). Prefetches never
// fault, so running past the end of the weights is harmless.
constexpr int kPrefetchBytes = 1024;

inline void prefetch_ahead(const void* p) {
    _mm_prefetch(static_cast<const char*>(p) + kPrefetchBytes, _MM_HINT_T0);
}

// ---- bf16 ------------------------------------------------------------------------------------

// MR rows of x (bf16, [MR × ldx], zero padded to ldx) against one weight row wr [k].
template <int MR>
void bf16_row(const uint16_t* xb, int64_t ldx, const uint16_t* wr, int64_t k, float* out) {
    constexpr int U = MR == 1 ? 4 : MR == 2 ? 2 : 1;  // independent chains per x row
    __m512 acc[MR][U];
    for (int r = 0; r < MR; ++r)
        for (int u = 0; u < U; ++u) acc[r][u] = _mm512_setzero_ps();
    const int64_t full = k / 32;
    int64_t c = 0;
    for (; c + U <= full; c += U)
        for (int u = 0; u < U; ++u) {
            prefetch_ahead(wr + (c + u) * 32);
            const __m512bh wv = (__m512bh)_mm512_loadu_si512(wr + (c + u) * 32);
            for (int r = 0; r < MR; ++r)
                acc[r][u] = _mm512_dpbf16_ps(
                    acc[r][u], wv, (__m512bh)_mm512_load_si512(xb + r * ldx + (c + u) * 32));
        }
    for (; c < full; ++c) {
        prefetch_ahead(wr + c * 32);
        const __m512bh wv = (__m512bh)_mm512_loadu_si512(wr + c * 32);
        for (int r = 0; r < MR; ++r)
            acc[r][0] =
                _mm512_dpbf16_ps(acc[r][0], wv, (__m512bh)_mm512_load_si512(xb + r * ldx + c * 32));
    }
    if (const int64_t rest = k - full * 32; rest > 0) {
        const __mmask32 mk = __mmask32((uint64_t(1) << rest) - 1);
        const __m512bh wv = (__m512bh)_mm512_maskz_loadu_epi16(mk, wr + full * 32);
        for (int r = 0; r < MR; ++r)
            acc[r][0] = _mm512_dpbf16_ps(acc[r][0], wv,
                                         (__m512bh)_mm512_load_si512(xb + r * ldx + full * 32));
    }
    for (int r = 0; r < MR; ++r) {
        __m512 s = acc[r][0];
        for (int u = 1; u < U; ++u) s = _mm512_add_ps(s, acc[r][u]);
        out[r] = _mm512_reduce_add_ps(s);
    }
}

void gemv_bf16(const Call& c) {
    const LinearWeights& w = *c.w;
    const int64_t m = c.m, k = w.k, n = w.n, ldx = round_up(k, 32);
    Buffer<uint16_t> xb(static_cast<size_t>(m * ldx));
    for (int64_t i = 0; i < m; ++i) {
        const float* xi = c.x + i * k;
        for (int64_t t = 0; t < ldx; t += 32) {
            const int64_t lo = std::clamp<int64_t>(k - t, 0, 16),
                          hi = std::clamp<int64_t>(k - t - 16, 0, 16);
            const __m512 a = _mm512_maskz_loadu_ps(__mmask16((1u << lo) - 1), xi + t);
            const __m512 b = _mm512_maskz_loadu_ps(__mmask16((1u << hi) - 1), xi + t + 16);
            _mm512_store_si512(xb.data() + i * ldx + t, (__m512i)_mm512_cvtne2ps_pbh(b, a));
        }
    }
    const uint16_t* wd = static_cast<const uint16_t*>(w.data);
    const int threads = linear_threads(w.bytes());
#pragma omp parallel num_threads(threads)
    {
        const int64_t nt = omp_get_num_threads(), tid = omp_get_thread_num();
        const int64_t j0 = n * tid / nt, j1 = n * (tid + 1) / nt;
        float out[4];
        for (int64_t j = j0; j < j1; ++j) {
            for (int64_t i0 = 0; i0 < m; i0 += 4) {
                const uint16_t* xr = xb.data() + i0 * ldx;
                const int64_t mr = std::min<int64_t>(4, m - i0);
                switch (mr) {
                    case 1:
                        bf16_row<1>(xr, ldx, wd + j * k, k, out);
                        break;
                    case 2:
                        bf16_row<2>(xr, ldx, wd + j * k, k, out);
                        break;
                    case 3:
                        bf16_row<3>(xr, ldx, wd + j * k, k, out);
                        break;
                    default:
                        bf16_row<4>(xr, ldx, wd + j * k, k, out);
                }
                for (int64_t r = 0; r < mr; ++r)
                    c.y[(i0 + r) * n + j] = c.bias ? out[r] + c.bias[j] : out[r];
            }
        }
    }
}

// ---- int8 / int4 -------------------------------------------------------------------------------

enum class Mode { Row, G32, G64, G128 };

// x quantised for the integer GEMV: codes [m × ld] (ld = 64·chunks; Int4: each 64-chunk permuted
// to even | odd elements), per-unit lane sums [m × units × 16] (a unit is what one scale covers:
// the row, one 64-chunk for groups of 32/64 — two groups in lane halves for 32 — or two chunks for
// groups of 128), row scales [m].
struct QuantX {
    int64_t ld = 0, units = 0;
    Buffer<int8_t> q;
    Buffer<int32_t> sums;
    Buffer<float> scale;
};

int64_t unit_of(Mode mode, int64_t chunk) {
    return mode == Mode::Row ? 0 : mode == Mode::G128 ? chunk / 2 : chunk;
}

QuantX quantize_for_gemv(const Call& c, Mode mode) {
    const LinearWeights& w = *c.w;
    const int64_t m = c.m, chunks = (w.k + 63) / 64;
    QuantX qx;
    qx.ld = chunks * 64;
    qx.units = mode == Mode::Row ? 1 : mode == Mode::G128 ? (chunks + 1) / 2 : chunks;
    qx.q = Buffer<int8_t>(static_cast<size_t>(m * qx.ld));
    qx.sums = Buffer<int32_t>(static_cast<size_t>(m * qx.units * 16), 0);
    qx.scale = Buffer<float>(static_cast<size_t>(m));
    quantize_x_rows(c.x, m, w.k, qx.ld, qx.q.data(), qx.scale.data());
    alignas(64) uint8_t perm[64];
    for (int p = 0; p < 64; ++p) perm[p] = uint8_t(p < 32 ? 2 * p : 2 * (p - 32) + 1);
    const __m512i idx = _mm512_load_si512(perm), ones = _mm512_set1_epi8(1);
    for (int64_t i = 0; i < m; ++i)
        for (int64_t ch = 0; ch < chunks; ++ch) {
            int8_t* p = qx.q.data() + i * qx.ld + ch * 64;
            __m512i v = _mm512_load_si512(p);
            if (w.format == LinearFormat::Int4) {
                v = _mm512_permutexvar_epi8(idx, v);
                _mm512_store_si512(p, v);
            }
            int32_t* s = qx.sums.data() + (i * qx.units + unit_of(mode, ch)) * 16;
            const __m512i ls = _mm512_dpbusd_epi32(_mm512_setzero_si512(), ones, v);
            _mm512_store_si512(s, _mm512_add_epi32(_mm512_load_si512(s), ls));
        }
    return qx;
}

// 64 unsigned weight codes of chunk ch of row wr (Int8: q + 128; Int4: nibbles, low | high).
template <LinearFormat F>
inline __m512i load_codes(const uint8_t* wr, int64_t row_bytes, int64_t ch) {
    if constexpr (F == LinearFormat::Int8) {
        prefetch_ahead(wr + ch * 64);
        const int64_t left = row_bytes - ch * 64;
        const __m512i v =
            left >= 64 ? _mm512_loadu_si512(wr + ch * 64)
                       : _mm512_maskz_loadu_epi8(_bzhi_u64(~0ull, unsigned(left)), wr + ch * 64);
        return _mm512_xor_si512(v, _mm512_set1_epi8(char(0x80)));
    } else {
        prefetch_ahead(wr + ch * 32);
        const int64_t left = row_bytes - ch * 32;
        const __m256i b =
            left >= 32 ? _mm256_loadu_si256((const __m256i*)(wr + ch * 32))
                       : _mm256_maskz_loadu_epi8(_bzhi_u32(~0u, unsigned(left)), wr + ch * 32);
        const __m256i mask = _mm256_set1_epi8(0x0F);
        const __m256i lo = _mm256_and_si256(b, mask);
        const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(b, 4), mask);
        return _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1);
    }
}

// MR rows of quantised x against weight row j: out[r] = Σ_g scale_g · (integer group sum), f32.
template <LinearFormat F, Mode M, bool Zp, int MR>
void int_row(const QuantX& qx, int64_t i0, const LinearWeights& w, int64_t j, float* out) {
    const int64_t k = w.k, rb = w.row_bytes(), chunks = (k + 63) / 64, G = w.groups();
    const uint8_t* wr = static_cast<const uint8_t*>(w.data) + j * rb;
    const float* sc = w.scales + j * G;
    const uint8_t* zr = Zp ? w.zeros + j * G : nullptr;
    // Group 32: which lanes hold the second group of a chunk (Int8: elements 32..63 = lanes 8..15;
    // Int4 permuted: odd/even halves of elements 32..63 = lanes 4..7 and 12..15).
    constexpr __mmask16 kSecond = F == LinearFormat::Int8 ? 0xFF00 : 0xF0F0;
    __m512i a[MR];
    __m512 f[MR];
    for (int r = 0; r < MR; ++r) f[r] = _mm512_setzero_ps();
    for (int64_t ch = 0; ch < chunks; ++ch) {
        const bool first = M == Mode::Row ? ch == 0 : M == Mode::G128 ? (ch & 1) == 0 : true;
        const bool last = M == Mode::Row    ? ch == chunks - 1
                          : M == Mode::G128 ? ((ch & 1) == 1 || ch == chunks - 1)
                                            : true;
        if (first)
            for (int r = 0; r < MR; ++r) a[r] = _mm512_setzero_si512();
        const __m512i wv = load_codes<F>(wr, rb, ch);
        for (int r = 0; r < MR; ++r)
            a[r] = _mm512_dpbusd_epi32(a[r], wv,
                                       _mm512_load_si512(qx.q.data() + (i0 + r) * qx.ld + ch * 64));
        if (!last) continue;
        const int64_t u = unit_of(M, ch);
        __m512 sv;
        __m512i zv = _mm512_setzero_si512();
        if constexpr (M == Mode::G32) {
            const int64_t g1 = 2 * ch + 1;
            sv = _mm512_mask_blend_ps(kSecond, _mm512_set1_ps(sc[2 * ch]),
                                      _mm512_set1_ps(g1 < G ? sc[g1] : 0.0f));
            if constexpr (Zp)
                zv = _mm512_mask_blend_epi32(kSecond, _mm512_set1_epi32(zr[2 * ch]),
                                             _mm512_set1_epi32(g1 < G ? zr[g1] : 0));
        } else {
            sv = _mm512_set1_ps(sc[u]);
            if constexpr (Zp) zv = _mm512_set1_epi32(zr[u]);
        }
        for (int r = 0; r < MR; ++r) {
            const __m512i xs = _mm512_load_si512(qx.sums.data() + ((i0 + r) * qx.units + u) * 16);
            __m512i corr;
            if constexpr (F == LinearFormat::Int8)
                corr = _mm512_slli_epi32(xs, 7);
            else if constexpr (Zp)
                corr = _mm512_mullo_epi32(zv, xs);
            else
                corr = _mm512_slli_epi32(xs, 3);
            f[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(a[r], corr)), sv, f[r]);
        }
    }
    for (int r = 0; r < MR; ++r) out[r] = _mm512_reduce_add_ps(f[r]);
}

template <LinearFormat F, Mode M, bool Zp>
void gemv_int_typed(const Call& c, const QuantX& qx) {
    const LinearWeights& w = *c.w;
    const int64_t m = c.m, n = w.n;
    const int threads = linear_threads(w.bytes());
#pragma omp parallel num_threads(threads)
    {
        const int64_t nt = omp_get_num_threads(), tid = omp_get_thread_num();
        const int64_t j0 = n * tid / nt, j1 = n * (tid + 1) / nt;
        float out[4];
        for (int64_t j = j0; j < j1; ++j)
            for (int64_t i0 = 0; i0 < m; i0 += 4) {
                const int64_t mr = std::min<int64_t>(4, m - i0);
                switch (mr) {
                    case 1:
                        int_row<F, M, Zp, 1>(qx, i0, w, j, out);
                        break;
                    case 2:
                        int_row<F, M, Zp, 2>(qx, i0, w, j, out);
                        break;
                    case 3:
                        int_row<F, M, Zp, 3>(qx, i0, w, j, out);
                        break;
                    default:
                        int_row<F, M, Zp, 4>(qx, i0, w, j, out);
                }
                for (int64_t r = 0; r < mr; ++r) {
                    const float v = qx.scale[size_t(i0 + r)] * out[r];
                    c.y[(i0 + r) * n + j] = c.bias ? v + c.bias[j] : v;
                }
            }
    }
}

template <LinearFormat F, bool Zp>
void gemv_int_mode(const Call& c, Mode mode) {
    const QuantX qx = quantize_for_gemv(c, mode);
    switch (mode) {
        case Mode::Row:
            if constexpr (F == LinearFormat::Int8) gemv_int_typed<F, Mode::Row, Zp>(c, qx);
            return;
        case Mode::G32:
            gemv_int_typed<F, Mode::G32, Zp>(c, qx);
            return;
        case Mode::G64:
            gemv_int_typed<F, Mode::G64, Zp>(c, qx);
            return;
        case Mode::G128:
            gemv_int_typed<F, Mode::G128, Zp>(c, qx);
            return;
    }
}

}  // namespace

void gemv_avx512(const Call& c) {
    const LinearWeights& w = *c.w;
    if (w.format == LinearFormat::Bf16) {
        gemv_bf16(c);
        return;
    }
    const Mode mode = w.group == 0    ? Mode::Row
                      : w.group == 32 ? Mode::G32
                      : w.group == 64 ? Mode::G64
                                      : Mode::G128;
    if (w.format == LinearFormat::Int8) {
        gemv_int_mode<LinearFormat::Int8, false>(c, mode);
    } else if (w.zeros) {
        gemv_int_mode<LinearFormat::Int4, true>(c, mode);
    } else {
        gemv_int_mode<LinearFormat::Int4, false>(c, mode);
    }
}

}  // namespace mempipe::cpu_linear
