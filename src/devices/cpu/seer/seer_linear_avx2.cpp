// AVX2 (+FMA) variant of the gate's bf16-weight linear: up to 64 outputs per pass in 8 ymm
// accumulators, one broadcast input and one weight row per step (the reference's FMA chain, lane
// by lane, so bit-exact with it). The last < 8 outputs run the same chain in scalar std::fma.
#include <immintrin.h>

#include <algorithm>
#include <cmath>

#include "mempipe/core/dtype.h"
#include "seer_linear_kernels.h"

namespace mempipe::cpu::seer_kernels {

namespace {

inline __m256 load_bf16(const uint16_t* p) {
    __m128i raw = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(raw), 16));
}

// Outputs [o0, o0 + 8·NZ).
template <int NZ>
void tile(const float* x, int64_t n_in, const uint16_t* w, int64_t n_out, int64_t o0, float* y) {
    __m256 acc[NZ];
    for (int z = 0; z < NZ; ++z) acc[z] = _mm256_setzero_ps();
    const uint16_t* row = w + o0;
    for (int64_t i = 0; i < n_in; ++i, row += n_out) {
        __m256 p = _mm256_set1_ps(x[i]);
        for (int z = 0; z < NZ; ++z) acc[z] = _mm256_fmadd_ps(p, load_bf16(row + 8 * z), acc[z]);
    }
    for (int z = 0; z < NZ; ++z) _mm256_storeu_ps(y + o0 + 8 * z, acc[z]);
}

using TileFn = void (*)(const float*, int64_t, const uint16_t*, int64_t, int64_t, float*);
constexpr TileFn kTiles[8] = {tile<1>, tile<2>, tile<3>, tile<4>,
                              tile<5>, tile<6>, tile<7>, tile<8>};

}  // namespace

void linear_chain_avx2(const float* x, int64_t n_in, const uint16_t* w, int64_t n_out, float* y) {
    const int64_t full = n_out / 8 * 8;
    for (int64_t o0 = 0; o0 < full; o0 += 64)
        kTiles[std::min<int64_t>(8, (full - o0) / 8) - 1](x, n_in, w, n_out, o0, y);
    for (int64_t o = full; o < n_out; ++o) {
        float acc = 0.0f;
        for (int64_t i = 0; i < n_in; ++i) acc = std::fma(x[i], bf16_to_f32(w[i * n_out + o]), acc);
        y[o] = acc;
    }
}

}  // namespace mempipe::cpu::seer_kernels
