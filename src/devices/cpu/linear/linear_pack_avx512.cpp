// Packing for the linear GEMMs (AVX-512; also called by the AMX variant): x quantised per row,
// weight blocks transposed into VNNI tiles (16×16 dword
// transposes), see linear_kernels.h for the layouts.
// GCC 12 reports false -W(maybe-)uninitialized inside the AVX-512 intrinsics headers
// (GCC PR 105593).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "devices/cpu/linear/linear_avx512_util.h"
#include "devices/cpu/linear/linear_kernels.h"

namespace mempipe::cpu_linear {

namespace {

// 64 codes of int4 row bytes [32·step, 32·step + 32) in natural element order.
inline __m512i int4_step(const uint8_t* row, int64_t row_bytes, int64_t step) {
    const int64_t left = row_bytes - step * 32;
    if (left <= 0) return _mm512_setzero_si512();
    const __m256i b =
        left >= 32 ? _mm256_loadu_si256((const __m256i*)(row + step * 32))
                   : _mm256_maskz_loadu_epi8(_bzhi_u32(~0u, unsigned(left)), row + step * 32);
    const __m256i m = _mm256_set1_epi8(0x0F);
    const __m256i lo = _mm256_and_si256(b, m), hi = _mm256_and_si256(_mm256_srli_epi16(b, 4), m);
    // Per 128-bit lane: unpacklo → elements 0..15 (lane 0) / 32..47 (lane 1), unpackhi → 16..31 /
    // 48..63.
    const __m256i a = _mm256_unpacklo_epi8(lo, hi), c = _mm256_unpackhi_epi8(lo, hi);
    const __m512i z = _mm512_inserti64x4(_mm512_castsi256_si512(a), c, 1);
    return _mm512_shuffle_i64x2(z, z, _MM_SHUFFLE(3, 1, 2, 0));
}

}  // namespace

void quantize_x_rows(const float* x, int64_t m, int64_t k, int64_t ld, int8_t* dst, float* scales) {
#pragma omp parallel for schedule(static) if (m * k >= (int64_t(1) << 16))
    for (int64_t i = 0; i < m; ++i) {
        const float* xi = x + i * k;
        int8_t* qi = dst + i * ld;
        __m512 amax = _mm512_setzero_ps();
        __mmask16 bad = 0;
        for (int64_t t = 0; t < k; t += 16) {
            const __m512 v = _mm512_maskz_loadu_ps(mask16(k - t), xi + t);
            bad |= _mm512_fpclass_ps_mask(v, 0x99);  // QNaN | +Inf | −Inf | SNaN
            amax = _mm512_max_ps(amax, _mm512_abs_ps(v));
        }
        const float a = _mm512_reduce_max_ps(amax);
        const float s = a / 127.0f;
        if (bad || !(s > 0)) {
            std::memset(qi, 0, size_t(ld));
            scales[i] = bad ? std::nanf("") : s;
            continue;
        }
        scales[i] = s;
        const __m512 sv = _mm512_set1_ps(s);
        const __m512i lo = _mm512_set1_epi32(-127), hi = _mm512_set1_epi32(127);
        for (int64_t t = 0; t < ld; t += 16) {
            const __mmask16 mk = mask16(k - t);
            const __m512 v = _mm512_maskz_loadu_ps(mk, xi + t);
            __m512i q = _mm512_cvtps_epi32(_mm512_div_ps(v, sv));  // RNE (MXCSR default)
            q = _mm512_min_epi32(_mm512_max_epi32(q, lo), hi);
            _mm_storeu_si128((__m128i*)(qi + t),
                             _mm512_cvtepi32_epi8(_mm512_maskz_mov_epi32(mk, q)));
        }
    }
}

void pack_w_bf16(const LinearWeights& w, int64_t j0, int64_t nblocks, int64_t s0, int64_t s1,
                 uint16_t* dst) {
    const uint16_t* wd = static_cast<const uint16_t*>(w.data);
    const int64_t n = w.n, k = w.k, steps = s1 - s0;
    __m512i r[16];
    for (int64_t b = 0; b < nblocks; ++b)
        for (int64_t s = s0; s < s1; ++s) {
            const int64_t t0 = s * 32;
            const __mmask32 mk = t0 + 32 <= k ? __mmask32(~0u)
                                 : t0 >= k    ? __mmask32(0)
                                              : __mmask32(_bzhi_u32(~0u, unsigned(k - t0)));
            for (int i = 0; i < 16; ++i) {
                const int64_t j = j0 + b * 16 + i;
                r[i] =
                    j < n ? _mm512_maskz_loadu_epi16(mk, wd + j * k + t0) : _mm512_setzero_si512();
            }
            transpose16(r);
            uint16_t* out = dst + (b * steps + (s - s0)) * 512;
            for (int i = 0; i < 16; ++i) _mm512_store_si512(out + i * 32, r[i]);
        }
}

void pack_w_u8(const LinearWeights& w, int64_t j0, int64_t nblocks, int64_t s0, int64_t s1,
               uint8_t* dst) {
    const uint8_t* wd = static_cast<const uint8_t*>(w.data);
    const int64_t n = w.n, k = w.k, rb = w.row_bytes(), steps = s1 - s0;
    const bool int8 = w.format == LinearFormat::Int8;
    const __m512i flip = _mm512_set1_epi8(char(0x80));
    __m512i r[16];
    for (int64_t b = 0; b < nblocks; ++b)
        for (int64_t s = s0; s < s1; ++s) {
            const int64_t t0 = s * 64;
            for (int i = 0; i < 16; ++i) {
                const int64_t j = j0 + b * 16 + i;
                if (j >= n || t0 >= k) {
                    r[i] = _mm512_setzero_si512();
                } else if (int8) {
                    const __m512i v =
                        t0 + 64 <= k ? _mm512_loadu_si512(wd + j * k + t0)
                                     : _mm512_maskz_loadu_epi8(_bzhi_u64(~0ull, unsigned(k - t0)),
                                                               wd + j * k + t0);
                    r[i] = _mm512_xor_si512(v, flip);  // past k: 128, multiplied by x = 0
                } else {
                    r[i] = int4_step(wd + j * rb, rb, s);
                }
            }
            transpose16(r);
            uint8_t* out = dst + (b * steps + (s - s0)) * 1024;
            for (int i = 0; i < 16; ++i) _mm512_store_si512(out + i * 64, r[i]);
        }
}

}  // namespace mempipe::cpu_linear
