// AVX-512 roofline kernels: zmm loads, vfmadd231ps, vdpbf16ps, vpdpbusd.
#include <immintrin.h>

#include "roofline.h"

namespace mempipe::bench {

namespace {

// Horizontal sums through memory (GCC 12's _mm512_reduce_* trip -Wuninitialized).
double hsum(__m512 v) {
    alignas(64) float lanes[16];
    _mm512_store_ps(lanes, v);
    double total = 0;
    for (float x : lanes) total += x;
    return total;
}

double hsum(__m512i v) {
    alignas(64) int32_t lanes[16];
    _mm512_store_si512(lanes, v);
    double total = 0;
    for (int32_t x : lanes) total += x;
    return total;
}

constexpr int kChains = 16;  // independent accumulators: ≥ latency × throughput on every target

double dram_sum_avx512(const float* p, size_t n) {
    __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
    for (size_t i = 0; i < n; i += 128) {
        a0 = _mm512_add_ps(a0, _mm512_load_ps(p + i));
        a1 = _mm512_add_ps(a1, _mm512_load_ps(p + i + 16));
        a2 = _mm512_add_ps(a2, _mm512_load_ps(p + i + 32));
        a3 = _mm512_add_ps(a3, _mm512_load_ps(p + i + 48));
        a4 = _mm512_add_ps(a4, _mm512_load_ps(p + i + 64));
        a5 = _mm512_add_ps(a5, _mm512_load_ps(p + i + 80));
        a6 = _mm512_add_ps(a6, _mm512_load_ps(p + i + 96));
        a7 = _mm512_add_ps(a7, _mm512_load_ps(p + i + 112));
    }
    __m512 s = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)),
                             _mm512_add_ps(_mm512_add_ps(a4, a5), _mm512_add_ps(a6, a7)));
    return hsum(s);
}

double fp32_fma_avx512(int64_t iters) {
    __m512 acc[kChains];
    for (int c = 0; c < kChains; ++c) acc[c] = _mm512_set1_ps(float(c) * 0.01f);
    // acc = acc·m + b converges to b / (1 − m) = 1: no overflow, no denormals.
    const __m512 m = _mm512_set1_ps(0.999f), b = _mm512_set1_ps(0.001f);
    for (int64_t i = 0; i < iters; ++i) {
        for (int c = 0; c < kChains; ++c) acc[c] = _mm512_fmadd_ps(acc[c], m, b);
    }
    __m512 s = _mm512_setzero_ps();
    for (int c = 0; c < kChains; ++c) s = _mm512_add_ps(s, acc[c]);
    return hsum(s);
}

double bf16_dot_avx512(int64_t iters) {
    __m512 acc[kChains];
    for (int c = 0; c < kChains; ++c) acc[c] = _mm512_setzero_ps();
    // bf16 1.0 × bf16 2^-10: the sums grow slowly and saturate by absorption, never overflow.
    const __m512bh a = (__m512bh)_mm512_set1_epi16(short(0x3F80));
    const __m512bh b = (__m512bh)_mm512_set1_epi16(short(0x3A80));
    for (int64_t i = 0; i < iters; ++i) {
        for (int c = 0; c < kChains; ++c) acc[c] = _mm512_dpbf16_ps(acc[c], a, b);
    }
    __m512 s = _mm512_setzero_ps();
    for (int c = 0; c < kChains; ++c) s = _mm512_add_ps(s, acc[c]);
    return hsum(s);
}

double int8_dot_avx512(int64_t iters) {
    __m512i acc[kChains];
    for (int c = 0; c < kChains; ++c) acc[c] = _mm512_set1_epi32(c);
    const __m512i a = _mm512_set1_epi8(3);   // unsigned operand
    const __m512i b = _mm512_set1_epi8(-5);  // signed operand; int32 wrap-around is harmless
    for (int64_t i = 0; i < iters; ++i) {
        for (int c = 0; c < kChains; ++c) acc[c] = _mm512_dpbusd_epi32(acc[c], a, b);
    }
    __m512i s = _mm512_setzero_si512();
    for (int c = 0; c < kChains; ++c) s = _mm512_xor_si512(s, acc[c]);
    return hsum(s);
}

}  // namespace

RooflineKernels roofline_kernels_avx512() {
    RooflineKernels k;
    k.level = "avx512";
    k.dram_sum = dram_sum_avx512;
    k.fp32_fma = fp32_fma_avx512;
    k.bf16_dot = bf16_dot_avx512;
    k.int8_dot = int8_dot_avx512;
    k.fp32_fma_per_iter = double(kChains) * 16 * 2;
    k.bf16_dot_per_iter = double(kChains) * 64;
    k.int8_dot_per_iter = double(kChains) * 128;
    k.fp32_fma_instr = "vfmadd231ps zmm";
    k.bf16_dot_instr = "vdpbf16ps zmm (64 FLOP/instr)";
    k.int8_dot_instr = "vpdpbusd zmm (128 OP/instr)";
    k.dram_instr = "vaddps zmm, one stream/thread";
    return k;
}

}  // namespace mempipe::bench
