// AVX-512 variant of the gate's bf16-weight linear: up to 128 outputs per pass in 8 zmm
// accumulators, one broadcast input and one weight row per step (the reference's FMA chain, lane
// by lane). When the pass covers whole 32-output chunks, each 64-byte weight load is split into
// its even outputs (`<< 16`) and odd outputs (`& 0xffff0000`) instead of being widened 16 at a
// time, and the two accumulator sets are interleaved back at the end: the same FMAs per output,
// fewer instructions.
// GCC 12 reports its own _mm512_undefined_* placeholders inside the intrinsics as uninitialised.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <immintrin.h>

#include <algorithm>

#include "seer_linear_kernels.h"

namespace mempipe::cpu::seer_kernels {

namespace {

inline __mmask16 tail_mask(int64_t left) {
    return left >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << left) - 1);
}

inline __m512 load_bf16(const uint16_t* p, __mmask16 m) {
    __m256i raw = _mm256_maskz_loadu_epi16(m, p);
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(raw), 16));
}

// Outputs [o0, o0 + 16·NZ) (the last vector masked by `last`).
template <int NZ>
void tile(const float* x, int64_t n_in, const uint16_t* w, int64_t n_out, int64_t o0,
          __mmask16 last, float* y) {
    __m512 acc[NZ];
    for (int z = 0; z < NZ; ++z) acc[z] = _mm512_setzero_ps();
    const uint16_t* row = w + o0;
    for (int64_t i = 0; i < n_in; ++i, row += n_out) {
        __m512 p = _mm512_set1_ps(x[i]);
        for (int z = 0; z < NZ; ++z)
            acc[z] = _mm512_fmadd_ps(
                p, load_bf16(row + 16 * z, z == NZ - 1 ? last : __mmask16(0xFFFF)), acc[z]);
    }
    for (int z = 0; z < NZ; ++z)
        _mm512_mask_storeu_ps(y + o0 + 16 * z, z == NZ - 1 ? last : __mmask16(0xFFFF), acc[z]);
}

using TileFn = void (*)(const float*, int64_t, const uint16_t*, int64_t, int64_t, __mmask16,
                        float*);
constexpr TileFn kTiles[8] = {tile<1>, tile<2>, tile<3>, tile<4>,
                              tile<5>, tile<6>, tile<7>, tile<8>};

// Outputs [o0, o0 + 32·NC): NC chunks of 32, even/odd split.
template <int NC>
void tile32(const float* x, int64_t n_in, const uint16_t* w, int64_t n_out, int64_t o0, float* y) {
    const __m512i hi = _mm512_set1_epi32(int(0xFFFF0000u));
    __m512 even[NC], odd[NC];
    for (int c = 0; c < NC; ++c) even[c] = odd[c] = _mm512_setzero_ps();
    const uint16_t* row = w + o0;
    for (int64_t i = 0; i < n_in; ++i, row += n_out) {
        __m512 p = _mm512_set1_ps(x[i]);
        for (int c = 0; c < NC; ++c) {
            __m512i v = _mm512_loadu_si512(row + 32 * c);
            even[c] = _mm512_fmadd_ps(p, _mm512_castsi512_ps(_mm512_slli_epi32(v, 16)), even[c]);
            odd[c] = _mm512_fmadd_ps(p, _mm512_castsi512_ps(_mm512_and_si512(v, hi)), odd[c]);
        }
    }
    const __m512i lo_idx =
        _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    const __m512i hi_idx =
        _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    for (int c = 0; c < NC; ++c) {
        _mm512_storeu_ps(y + o0 + 32 * c, _mm512_permutex2var_ps(even[c], lo_idx, odd[c]));
        _mm512_storeu_ps(y + o0 + 32 * c + 16, _mm512_permutex2var_ps(even[c], hi_idx, odd[c]));
    }
}

constexpr TileFn kTiles32[4] = {
    [](const float* x, int64_t n, const uint16_t* w, int64_t no, int64_t o0, __mmask16, float* y) {
        tile32<1>(x, n, w, no, o0, y);
    },
    [](const float* x, int64_t n, const uint16_t* w, int64_t no, int64_t o0, __mmask16, float* y) {
        tile32<2>(x, n, w, no, o0, y);
    },
    [](const float* x, int64_t n, const uint16_t* w, int64_t no, int64_t o0, __mmask16, float* y) {
        tile32<3>(x, n, w, no, o0, y);
    },
    [](const float* x, int64_t n, const uint16_t* w, int64_t no, int64_t o0, __mmask16, float* y) {
        tile32<4>(x, n, w, no, o0, y);
    },
};

}  // namespace

void linear_chain_avx512(const float* x, int64_t n_in, const uint16_t* w, int64_t n_out, float* y) {
    int64_t o0 = 0;
    for (; o0 + 32 <= n_out; o0 += 128) {  // whole 32-output chunks, up to 4 per pass
        int64_t nc = std::min<int64_t>(4, (n_out - o0) / 32);
        kTiles32[nc - 1](x, n_in, w, n_out, o0, 0, y);
        if (nc < 4) {
            o0 += 32 * nc;
            break;
        }
    }
    for (; o0 < n_out; o0 += 128) {
        int64_t left = n_out - o0;
        int64_t nz = left >= 128 ? 8 : (left + 15) / 16;
        kTiles[nz - 1](x, n_in, w, n_out, o0, tail_mask(left - 16 * (nz - 1)), y);
    }
}

}  // namespace mempipe::cpu::seer_kernels
