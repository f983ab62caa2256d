// AVX2 roofline kernels: ymm loads, vfmadd231ps ymm, and the AVX2 int8 dot idiom
// (vpmaddubsw + vpmaddwd + vpaddd). AVX2 has no bf16 dot instruction (reported as 0 with a note).
#include <immintrin.h>

#include "roofline.h"

namespace mempipe::bench {

namespace {

// AVX2 has 16 ymm registers: 12 accumulators + constants stay register-resident, and 12 still
// exceeds latency × throughput (4 × 2) of FMA on current cores.
constexpr int kChains = 12;

double dram_sum_avx2(const float* p, size_t n) {
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
    for (size_t i = 0; i < n; i += 64) {
        a0 = _mm256_add_ps(a0, _mm256_load_ps(p + i));
        a1 = _mm256_add_ps(a1, _mm256_load_ps(p + i + 8));
        a2 = _mm256_add_ps(a2, _mm256_load_ps(p + i + 16));
        a3 = _mm256_add_ps(a3, _mm256_load_ps(p + i + 24));
        a4 = _mm256_add_ps(a4, _mm256_load_ps(p + i + 32));
        a5 = _mm256_add_ps(a5, _mm256_load_ps(p + i + 40));
        a6 = _mm256_add_ps(a6, _mm256_load_ps(p + i + 48));
        a7 = _mm256_add_ps(a7, _mm256_load_ps(p + i + 56));
    }
    __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)),
                             _mm256_add_ps(_mm256_add_ps(a4, a5), _mm256_add_ps(a6, a7)));
    alignas(32) float lanes[8];
    _mm256_store_ps(lanes, s);
    double total = 0;
    for (float x : lanes) total += x;
    return total;
}

double fp32_fma_avx2(int64_t iters) {
    __m256 acc[kChains];
    for (int c = 0; c < kChains; ++c) acc[c] = _mm256_set1_ps(float(c) * 0.01f);
    // acc = acc·m + b converges to b / (1 − m) = 1: no overflow, no denormals.
    const __m256 m = _mm256_set1_ps(0.999f), b = _mm256_set1_ps(0.001f);
    for (int64_t i = 0; i < iters; ++i) {
        for (int c = 0; c < kChains; ++c) acc[c] = _mm256_fmadd_ps(acc[c], m, b);
    }
    __m256 s = _mm256_setzero_ps();
    for (int c = 0; c < kChains; ++c) s = _mm256_add_ps(s, acc[c]);
    alignas(32) float lanes[8];
    _mm256_store_ps(lanes, s);
    double total = 0;
    for (float x : lanes) total += x;
    return total;
}

// Per chain and iteration: 32 u8×s8 products summed into 8 int32 lanes = 64 OP in 3 instructions.
// The unsigned operand is the accumulator itself, so the products cannot be hoisted out of the
// loop.
double int8_dot_avx2(int64_t iters) {
    constexpr int kInt8Chains = 8;  // accumulators + temporaries + 2 constants fit 16 registers
    __m256i acc[kInt8Chains];
    for (int c = 0; c < kInt8Chains; ++c) acc[c] = _mm256_set1_epi32(c);
    const __m256i b = _mm256_set1_epi8(-5), ones = _mm256_set1_epi16(1);
    for (int64_t i = 0; i < iters; ++i) {
        for (int c = 0; c < kInt8Chains; ++c) {
            __m256i pairs = _mm256_maddubs_epi16(acc[c], b);  // int32 wrap-around is harmless
            acc[c] = _mm256_add_epi32(acc[c], _mm256_madd_epi16(pairs, ones));
        }
    }
    __m256i s = _mm256_setzero_si256();
    for (int c = 0; c < kInt8Chains; ++c) s = _mm256_xor_si256(s, acc[c]);
    alignas(32) int32_t lanes[8];
    _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), s);
    double total = 0;
    for (int32_t x : lanes) total += x;
    return total;
}

}  // namespace

RooflineKernels roofline_kernels_avx2() {
    RooflineKernels k;
    k.level = "avx2";
    k.dram_sum = dram_sum_avx2;
    k.fp32_fma = fp32_fma_avx2;
    k.int8_dot = int8_dot_avx2;
    k.fp32_fma_per_iter = double(kChains) * 8 * 2;
    k.int8_dot_per_iter = 8.0 * 64;
    k.fp32_fma_instr = "vfmadd231ps ymm";
    k.int8_dot_instr = "vpmaddubsw+vpmaddwd+vpaddd ymm (64 OP/3 instr)";
    k.dram_instr = "vaddps ymm, one stream/thread";
    return k;
}

}  // namespace mempipe::bench
