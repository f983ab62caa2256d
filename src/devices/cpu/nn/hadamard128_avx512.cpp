// cpu::hadamard128, AVX-512 variant: a row is 8 zmm registers. Strides 64/32/16 pair whole
// registers; strides 8/4/2/1 pair lanes i and i^h inside a register (permute, then add or reversed
// subtract), which reproduces the scalar butterflies exactly.
// GCC 12 reports false -W(maybe-)uninitialized inside the AVX-512 intrinsics headers
// (GCC PR 105593).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include "devices/cpu/nn/norm_kernels.h"

namespace mempipe::cpu_nn {

namespace {
template <int H>
inline __m512 lane_butterfly(__m512 v) {
    alignas(64) static const int idx[16] = {0 ^ H,  1 ^ H,  2 ^ H,  3 ^ H, 4 ^ H,  5 ^ H,
                                            6 ^ H,  7 ^ H,  8 ^ H,  9 ^ H, 10 ^ H, 11 ^ H,
                                            12 ^ H, 13 ^ H, 14 ^ H, 15 ^ H};
    constexpr __mmask16 hi = __mmask16(((H == 8   ? 0xff00
                                         : H == 4 ? 0xf0f0
                                         : H == 2 ? 0xcccc
                                                  : 0xaaaa)));
    __m512 p = _mm512_permutexvar_ps(_mm512_load_si512(idx), v);
    // lanes without bit H: v + partner; lanes with bit H: partner − v (= a − b of the pair).
    return _mm512_mask_sub_ps(_mm512_add_ps(v, p), hi, p, v);
}
}  // namespace

void hadamard128_avx512(float* x, int64_t rows) {
    const __m512 scale = _mm512_set1_ps(0.08838834764831845f);
    for (int64_t r = 0; r < rows; ++r) {
        float* v = x + r * 128;
        __m512 z[8];
        for (int i = 0; i < 8; ++i) z[i] = _mm512_loadu_ps(v + 16 * i);
        for (int h = 4; h >= 1; h >>= 1)
            for (int i = 0; i < 8; ++i)
                if ((i & h) == 0) {
                    __m512 a = z[i], b = z[i + h];
                    z[i] = _mm512_add_ps(a, b);
                    z[i + h] = _mm512_sub_ps(a, b);
                }
        for (int i = 0; i < 8; ++i) {
            __m512 t = lane_butterfly<8>(z[i]);
            t = lane_butterfly<4>(t);
            t = lane_butterfly<2>(t);
            t = lane_butterfly<1>(t);
            _mm512_storeu_ps(v + 16 * i, _mm512_mul_ps(t, scale));
        }
    }
}

}  // namespace mempipe::cpu_nn
