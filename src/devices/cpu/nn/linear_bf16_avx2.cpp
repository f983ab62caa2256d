// cpu::linear_bf16, AVX2 variant: one weight row at a time against up to 3 x-rows, 8-wide f32 FMA.
// GCC 12 reports false -W(maybe-)uninitialized inside the AVX-512 intrinsics headers
// (GCC PR 105593).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <bit>

#include "devices/cpu/common/simd_avx2.h"
#include "devices/cpu/nn/linear_bf16_kernels.h"

namespace mempipe::cpu_nn {

namespace {

using cpu_avx2::hsum8;
using cpu_avx2::load_bf16x8;
template <int MR>
void rows_one_col(const float* x, const uint16_t* wr, int64_t k, float* out) {
    __m256 acc[MR][2];
    for (int r = 0; r < MR; ++r) acc[r][0] = acc[r][1] = _mm256_setzero_ps();
    int64_t t = 0;
    for (; t + 16 <= k; t += 16) {
        __m256 w0 = load_bf16x8(wr + t), w1 = load_bf16x8(wr + t + 8);
        for (int r = 0; r < MR; ++r) {
            acc[r][0] = _mm256_fmadd_ps(_mm256_loadu_ps(x + r * k + t), w0, acc[r][0]);
            acc[r][1] = _mm256_fmadd_ps(_mm256_loadu_ps(x + r * k + t + 8), w1, acc[r][1]);
        }
    }
    for (int r = 0; r < MR; ++r) {
        float s = hsum8(_mm256_add_ps(acc[r][0], acc[r][1]));
        for (int64_t u = t; u < k; ++u)
            s += x[r * k + u] * std::bit_cast<float>(uint32_t(wr[u]) << 16);
        out[r] = s;
    }
}
}  // namespace

void linear_bf16_avx2(const float* x, const uint16_t* w, const float* bias, float* y, int64_t m,
                      int64_t k, int64_t n, int64_t j0, int64_t j1) {
    float out[3];
    for (int64_t i = 0; i < m; i += 3) {
        int64_t mr = m - i < 3 ? m - i : 3;
        for (int64_t j = j0; j < j1; ++j) {
            const uint16_t* wr = w + j * k;
            if (mr == 3)
                rows_one_col<3>(x + i * k, wr, k, out);
            else if (mr == 2)
                rows_one_col<2>(x + i * k, wr, k, out);
            else
                rows_one_col<1>(x + i * k, wr, k, out);
            for (int64_t r = 0; r < mr; ++r) y[(i + r) * n + j] = bias ? out[r] + bias[j] : out[r];
        }
    }
}

}  // namespace mempipe::cpu_nn
