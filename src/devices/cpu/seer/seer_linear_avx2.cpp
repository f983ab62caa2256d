// AVX2 (+FMA) variant of the gate's bf16-weight linear: up to 64 outputs per pass in 8 ymm
// accumulators, one broadcast input and one weight row per step (the reference's FMA chain, lane
// by lane, so bit-exact with it). Whole 16-output chunks split each 32-byte weight load into its
// even outputs (`<< 16`) and odd outputs (`& 0xffff0000`) and interleave the two accumulators at
// the end; a remaining 8-output group is widened with vpmovzxwd; the last < 8 outputs run the same
// chain in scalar std::fma.
#include <immintrin.h>

#include <algorithm>
#include <cmath>

#include "devices/cpu/common/simd_avx2.h"
#include "mempipe/core/dtype.h"
#include "seer_linear_kernels.h"

namespace mempipe::cpu::seer_kernels {

namespace {

using cpu_avx2::load_bf16x8;

// Outputs [o0, o0 + 8·NZ).
template <int NZ>
void tile(const float* x, int64_t n_in, const uint16_t* w, int64_t n_out, int64_t o0, float* y) {
    __m256 acc[NZ];
    for (int z = 0; z < NZ; ++z) acc[z] = _mm256_setzero_ps();
    const uint16_t* row = w + o0;
    for (int64_t i = 0; i < n_in; ++i, row += n_out) {
        __m256 p = _mm256_set1_ps(x[i]);
        for (int z = 0; z < NZ; ++z) acc[z] = _mm256_fmadd_ps(p, load_bf16x8(row + 8 * z), acc[z]);
    }
    for (int z = 0; z < NZ; ++z) _mm256_storeu_ps(y + o0 + 8 * z, acc[z]);
}

// Outputs [o0, o0 + 16·NC): NC chunks of 16, even/odd split.
template <int NC>
void tile16(const float* x, int64_t n_in, const uint16_t* w, int64_t n_out, int64_t o0, float* y) {
    const __m256i hi = _mm256_set1_epi32(int(0xFFFF0000u));
    __m256 even[NC], odd[NC];
    for (int c = 0; c < NC; ++c) even[c] = odd[c] = _mm256_setzero_ps();
    const uint16_t* row = w + o0;
    for (int64_t i = 0; i < n_in; ++i, row += n_out) {
        __m256 p = _mm256_set1_ps(x[i]);
        for (int c = 0; c < NC; ++c) {
            __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(row + 16 * c));
            even[c] = _mm256_fmadd_ps(p, _mm256_castsi256_ps(_mm256_slli_epi32(v, 16)), even[c]);
            odd[c] = _mm256_fmadd_ps(p, _mm256_castsi256_ps(_mm256_and_si256(v, hi)), odd[c]);
        }
    }
    for (int c = 0; c < NC; ++c) {
        __m256 lo = _mm256_unpacklo_ps(even[c], odd[c]);  // outputs 0-3 | 8-11
        __m256 up = _mm256_unpackhi_ps(even[c], odd[c]);  // outputs 4-7 | 12-15
        _mm256_storeu_ps(y + o0 + 16 * c, _mm256_permute2f128_ps(lo, up, 0x20));
        _mm256_storeu_ps(y + o0 + 16 * c + 8, _mm256_permute2f128_ps(lo, up, 0x31));
    }
}

using TileFn = void (*)(const float*, int64_t, const uint16_t*, int64_t, int64_t, float*);
constexpr TileFn kTiles16[4] = {tile16<1>, tile16<2>, tile16<3>, tile16<4>};

}  // namespace

void linear_chain_avx2(const float* x, int64_t n_in, const uint16_t* w, int64_t n_out, float* y) {
    int64_t o0 = 0;
    for (; o0 + 16 <= n_out;) {
        const int64_t nc = std::min<int64_t>(4, (n_out - o0) / 16);
        kTiles16[nc - 1](x, n_in, w, n_out, o0, y);
        o0 += 16 * nc;
    }
    if (o0 + 8 <= n_out) {
        tile<1>(x, n_in, w, n_out, o0, y);
        o0 += 8;
    }
    for (int64_t o = o0; o < n_out; ++o) {
        float acc = 0.0f;
        for (int64_t i = 0; i < n_in; ++i) acc = std::fma(x[i], bf16_to_f32(w[i * n_out + o]), acc);
        y[o] = acc;
    }
}

}  // namespace mempipe::cpu::seer_kernels
