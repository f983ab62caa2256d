// cpu::linear at AVX2 + FMA (machines without AVX-512: AMD Zen 2/3, Intel before Ice Lake).
//   Bf16: x rounded to bf16 once per call and kept in f32; weights widened in registers (zero
//         extend, shift left 16: exact); FMA in f32. GEMV (m < 16): threads over n, each streams
//         its weight rows once against up to 4 rows of x. GEMM: threads over n; per k-chunk of
//         kKc and block of kMc rows of x (kept in L2), 3 weight rows × 4 x rows per micro-kernel,
//         the partial sums added into y.
//   Int8 / Int4: x quantised per row (linear.h's rule) once per call; 32 weights per step by
//         vpmaddubsw (Int8: |w| against x·sign(w); Int4: the 32 nibbles of 16 bytes, low | high,
//         against x reordered per chunk to even | odd elements, z·Σxq removed per group) and
//         vpmaddwd into int32 lanes (exact: |xq·c| ≤ 127·128, a lane sums k/8 of them, k ≤ 2^20).
//         Lane sums go to f32 once per group, times the group's scale. Each weight row is read
//         from DRAM once, against 4 rows of x at a time.
#include <immintrin.h>

#include <algorithm>
#include <cmath>

#include "devices/cpu/common/simd_avx2.h"
#include "devices/cpu/linear/linear_kernels.h"
#include "mempipe/core/buffer.h"
#include "mempipe/core/dtype.h"
#include "mempipe/core/parallel.h"
#include "ops/linear/linear_internal.h"

namespace mempipe::cpu_linear {

namespace {

using cpu_avx2::hsum8;
using cpu_avx2::load_bf16x8;

// Software prefetch 1 KiB ahead in the weight stream (as the AVX-512 GEMV; prefetches never
// fault, so running past the end of the weights is harmless).
inline void prefetch_ahead(const void* p) {
    _mm_prefetch(static_cast<const char*>(p) + 1024, _MM_HINT_T0);
}

// ---- bf16 ------------------------------------------------------------------------------------

// Sums over t in [t0, t1) (t1 − t0 a multiple of 8) of MR rows of x (f32, stride ldx) times NR
// weight rows (bf16, stride k): out[r][c] = Σ x[r][t]·w[c][t].
template <int MR, int NR>
void bf16_tile(const float* x, int64_t ldx, const uint16_t* w, int64_t k, int64_t t0, int64_t t1,
               float out[][NR]) {
    __m256 acc[MR][NR];
    for (int r = 0; r < MR; ++r)
        for (int c = 0; c < NR; ++c) acc[r][c] = _mm256_setzero_ps();
    for (int64_t t = t0; t < t1; t += 8) {
        __m256 wv[NR];
        for (int c = 0; c < NR; ++c) {
            if ((t & 31) == 0) prefetch_ahead(w + c * k + t);
            wv[c] = load_bf16x8(w + c * k + t);
        }
        for (int r = 0; r < MR; ++r) {
            const __m256 xv = _mm256_loadu_ps(x + r * ldx + t);
            for (int c = 0; c < NR; ++c) acc[r][c] = _mm256_fmadd_ps(xv, wv[c], acc[r][c]);
        }
    }
    for (int r = 0; r < MR; ++r)
        for (int c = 0; c < NR; ++c) out[r][c] = hsum8(acc[r][c]);
}

// The last k mod 8 elements, in scalar code.
inline float bf16_tail(const float* x, const uint16_t* w, int64_t t0, int64_t k) {
    float s = 0;
    for (int64_t t = t0; t < k; ++t) s += x[t] * bf16_to_f32(w[t]);
    return s;
}

// Rows [i0, i0 + MR) of x against weight rows [j0, j0 + NR) over [t0, t1), added into y.
template <int MR, int NR>
void bf16_add(const Call& c, const float* xr, int64_t ldx, int64_t i0, int64_t j0, int64_t t0,
              int64_t t1) {
    const LinearWeights& w = *c.w;
    const int64_t k = w.k, body = std::min(t1, k / 8 * 8);
    const uint16_t* wj = static_cast<const uint16_t*>(w.data) + j0 * k;
    float part[MR][NR];
    bf16_tile<MR, NR>(xr + i0 * ldx, ldx, wj, k, t0, std::max(t0, body), part);
    for (int r = 0; r < MR; ++r)
        for (int q = 0; q < NR; ++q) {
            float s = part[r][q];
            if (t1 > body) s += bf16_tail(xr + (i0 + r) * ldx, wj + q * k, std::max(t0, body), t1);
            c.y[(i0 + r) * w.n + j0 + q] += s;
        }
}

// All rows of x in blocks of 4 (then 2, 1) against weight rows [j0, j0 + NR) over [t0, t1).
template <int NR>
void bf16_rows(const Call& c, const float* xr, int64_t ldx, int64_t i0, int64_t i1, int64_t j0,
               int64_t t0, int64_t t1) {
    int64_t i = i0;
    for (; i + 4 <= i1; i += 4) bf16_add<4, NR>(c, xr, ldx, i, j0, t0, t1);
    for (; i + 2 <= i1; i += 2) bf16_add<2, NR>(c, xr, ldx, i, j0, t0, t1);
    for (; i < i1; ++i) bf16_add<1, NR>(c, xr, ldx, i, j0, t0, t1);
}

constexpr int64_t kKc = 256;  // GEMM k-chunk: 3 weight rows of it stay in L1
constexpr int64_t kMc = 64;   // GEMM rows of x per block: kMc·kKc·4 = 64 KiB, in L2

void linear_bf16(const Call& c) {
    const LinearWeights& w = *c.w;
    const int64_t m = c.m, n = w.n, k = w.k, ldx = round_up(k, 8);
    Buffer<float> xr(static_cast<size_t>(m * ldx));
    for (int64_t i = 0; i < m; ++i)
        for (int64_t t = 0; t < k; ++t)
            xr[size_t(i * ldx + t)] = bf16_to_f32(f32_to_bf16(c.x[i * k + t]));
    const bool gemm = m >= kLinearGemmMinRows;
    const int threads = linear_threads(w.bytes() * double(m));
    const int64_t grain = std::max<int64_t>(4, (n + threads - 1) / threads);
    parallel_for(n, grain, [&](int64_t j0, int64_t j1) {
        for (int64_t i = 0; i < m; ++i) std::fill(c.y + i * n + j0, c.y + i * n + j1, 0.0f);
        const int64_t kc = gemm ? kKc : round_up(k, 8), mc = gemm ? kMc : m;
        for (int64_t t0 = 0; t0 < k; t0 += kc) {
            const int64_t t1 = std::min(k, t0 + kc);
            for (int64_t i0 = 0; i0 < m; i0 += mc) {
                const int64_t i1 = std::min(m, i0 + mc);
                int64_t j = j0;
                if (m == 1)  // 4 weight streams; with more rows of x, 3 × 4 accumulators
                    for (; j + 4 <= j1; j += 4) bf16_rows<4>(c, xr.data(), ldx, i0, i1, j, t0, t1);
                for (; j + 3 <= j1; j += 3) bf16_rows<3>(c, xr.data(), ldx, i0, i1, j, t0, t1);
                for (; j < j1; ++j) bf16_rows<1>(c, xr.data(), ldx, i0, i1, j, t0, t1);
            }
        }
        if (c.bias)
            for (int64_t i = 0; i < m; ++i)
                for (int64_t j = j0; j < j1; ++j) c.y[i * n + j] += c.bias[j];
    });
}

// ---- int8 / int4 -------------------------------------------------------------------------------

// x of the integer formats, per row: int8 codes in element order (`plain`, for the tails) and, for
// Int4, each 32-element chunk of a group reordered to (16 even | 16 odd elements) (`perm`, the
// order the nibbles unpack in), with the sums of each group's vector part (`gsum`, for z·Σxq).
struct IntX {
    int64_t ld = 0, groups = 0;
    Buffer<int8_t> plain, perm;
    Buffer<int32_t> gsum;
    Buffer<float> scale;
};

// Vector part of a group: the whole 32-element chunks of [t0, t1).
inline int64_t body_end(int64_t t0, int64_t t1) {
    return t0 + (t1 - t0) / 32 * 32;
}

IntX quantize_x(const Call& c) {
    const LinearWeights& w = *c.w;
    const int64_t m = c.m, k = w.k, group = w.group > 0 ? w.group : k;
    IntX x;
    x.ld = round_up(k, 32);
    x.groups = w.groups();
    x.plain = Buffer<int8_t>(static_cast<size_t>(m * x.ld));
    x.scale = Buffer<float>(static_cast<size_t>(m));
    const bool int4 = w.format == LinearFormat::Int4;
    if (int4) {
        x.perm = Buffer<int8_t>(static_cast<size_t>(m * x.ld));
        x.gsum = Buffer<int32_t>(static_cast<size_t>(m * x.groups));
    }
    for (int64_t i = 0; i < m; ++i) {
        int8_t* row = x.plain.data() + i * x.ld;
        x.scale[size_t(i)] = linear_detail::quantize_x_row(c.x + i * k, k, row);
        if (!int4) continue;
        int8_t* out = x.perm.data() + i * x.ld;
        for (int64_t g = 0; g < x.groups; ++g) {
            const int64_t t0 = g * group, body = body_end(t0, std::min(k, t0 + group));
            int32_t sum = 0;
            for (int64_t t = t0; t < body; t += 32)
                for (int e = 0; e < 16; ++e) {
                    out[t + e] = row[t + 2 * e];
                    out[t + 16 + e] = row[t + 2 * e + 1];
                    sum += row[t + 2 * e] + row[t + 2 * e + 1];
                }
            x.gsum[size_t(i * x.groups + g)] = sum;
        }
    }
    return x;
}

// 32 Int8 weights against 32 x codes: 8 int32 lanes of pair sums. vpmaddubsw takes |w| (≤ 128,
// unsigned) and x·sign(w) (|·| ≤ 127), so no pair of products (≤ 2·128·127) saturates int16.
inline __m256i dot32_int8(const int8_t* wq, const int8_t* xq) {
    const __m256i wv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wq));
    const __m256i xv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xq));
    const __m256i p = _mm256_maddubs_epi16(_mm256_abs_epi8(wv), _mm256_sign_epi8(xv, wv));
    return _mm256_madd_epi16(p, _mm256_set1_epi16(1));
}

// 16 bytes of Int4 weights (32 nibbles) as (16 low | 16 high nibbles), unsigned q.
inline __m256i nibbles32(const uint8_t* b) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b));
    const __m128i mask = _mm_set1_epi8(15);
    return _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(v, 4), mask), _mm_and_si128(v, mask));
}

// Rows [i0, i0 + MR) of x against weight row j: y = s_i · Σ_g scale · Σ_{t∈g} xq·(q − z).
template <int MR>
void int_row(const Call& c, const IntX& x, int64_t i0, int64_t j) {
    const LinearWeights& w = *c.w;
    const int64_t k = w.k, group = w.group > 0 ? w.group : k;
    const bool int4 = w.format == LinearFormat::Int4;
    const uint8_t* wr = static_cast<const uint8_t*>(w.data) + j * w.row_bytes();
    const __m256i ones = _mm256_set1_epi16(1);
    __m256 fsum[MR];
    for (int r = 0; r < MR; ++r) fsum[r] = _mm256_setzero_ps();
    for (int64_t g = 0; g < x.groups; ++g) {
        const int64_t t0 = g * group, t1 = std::min(k, t0 + group), body = body_end(t0, t1);
        __m256i isum[MR];
        for (int r = 0; r < MR; ++r) isum[r] = _mm256_setzero_si256();
        for (int64_t t = t0; t < body; t += 32) {
            if (int4) {
                if ((t & 127) == 0) prefetch_ahead(wr + t / 2);
                const __m256i q = nibbles32(wr + t / 2);
                for (int r = 0; r < MR; ++r) {
                    const __m256i xv = _mm256_loadu_si256(
                        reinterpret_cast<const __m256i*>(x.perm.data() + (i0 + r) * x.ld + t));
                    const __m256i p = _mm256_madd_epi16(_mm256_maddubs_epi16(q, xv), ones);
                    isum[r] = _mm256_add_epi32(isum[r], p);
                }
            } else {
                if ((t & 63) == 0) prefetch_ahead(wr + t);
                for (int r = 0; r < MR; ++r)
                    isum[r] = _mm256_add_epi32(isum[r],
                                               dot32_int8(reinterpret_cast<const int8_t*>(wr) + t,
                                                          x.plain.data() + (i0 + r) * x.ld + t));
            }
        }
        // The group's zero point (Int4: Σ xq·(q − z) = Σ xq·q − z·Σ xq) and its tail.
        const int32_t z = int4 ? (w.zeros ? w.zeros[j * x.groups + g] : 8) : 0;
        int32_t extra[MR];
        for (int r = 0; r < MR; ++r) {
            extra[r] = int4 ? -z * x.gsum[size_t((i0 + r) * x.groups + g)] : 0;
            const int8_t* xr = x.plain.data() + (i0 + r) * x.ld;
            for (int64_t t = body; t < t1; ++t)
                extra[r] += int32_t(xr[t]) * linear_detail::weight_int(w, j, t);
        }
        const __m256 scale = _mm256_set1_ps(linear_detail::weight_scale(w, j, t0));
        for (int r = 0; r < MR; ++r) {
            const __m256i s =
                _mm256_add_epi32(isum[r], _mm256_setr_epi32(extra[r], 0, 0, 0, 0, 0, 0, 0));
            fsum[r] = _mm256_fmadd_ps(scale, _mm256_cvtepi32_ps(s), fsum[r]);
        }
    }
    for (int r = 0; r < MR; ++r) {
        const float v = x.scale[size_t(i0 + r)] * hsum8(fsum[r]);
        c.y[(i0 + r) * w.n + j] = c.bias ? v + c.bias[j] : v;
    }
}

void linear_int(const Call& c) {
    const LinearWeights& w = *c.w;
    const int64_t m = c.m;
    const IntX x = quantize_x(c);
    const int threads = linear_threads(w.bytes() * double(m));
    const int64_t grain = std::max<int64_t>(1, (w.n + threads - 1) / threads);
    parallel_for(w.n, grain, [&](int64_t j0, int64_t j1) {
        for (int64_t j = j0; j < j1; ++j) {
            int64_t i = 0;
            for (; i + 4 <= m; i += 4) int_row<4>(c, x, i, j);
            for (; i < m; ++i) int_row<1>(c, x, i, j);
        }
    });
}

}  // namespace

void linear_avx2(const Call& c) {
    if (c.w->format == LinearFormat::Bf16)
        linear_bf16(c);
    else
        linear_int(c);
}

}  // namespace mempipe::cpu_linear
