// Small AVX2 helpers the CPU kernels share: the horizontal sum of 8 f32 lanes and 8 bf16 widened
// exactly to f32. Include only from *_avx2.cpp files (CMake builds those with the AVX2 flags).
#pragma once

#include <immintrin.h>

#include <cstdint>

namespace mempipe::cpu_avx2 {

inline float hsum8(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

// 8 bf16 bit patterns at p (unaligned) as f32: zero-extend, shift left 16 (exact).
inline __m256 load_bf16x8(const uint16_t* p) {
    const __m128i raw = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(raw), 16));
}

}  // namespace mempipe::cpu_avx2
