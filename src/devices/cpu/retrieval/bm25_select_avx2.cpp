// Window selection of the windowed bm25 kernels, AVX2: 8 docs per compare, survivors packed in
// ascending order through a permutation table; and the heap's result order by rank counting.
#include <immintrin.h>

#include <array>
#include <climits>

#include "bm25_kernels.h"

namespace mempipe::cpu::bm25_detail {

namespace {

// For each 8-bit mask, the positions of its set bits in ascending order, 4 bits each (lane l of the
// packed vector takes source lane (entry >> 4l) & 7; lanes past the popcount are don't-cares).
constexpr std::array<uint32_t, 256> kPackTable = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t m = 0; m < 256; ++m) {
        uint32_t packed = 0, n = 0;
        for (uint32_t lane = 0; lane < 8; ++lane)
            if (m & (1u << lane)) packed |= lane << (4 * n++);
        t[m] = packed;
    }
    return t;
}();

}  // namespace

uint32_t select_window_avx2(float* wacc, uint64_t chunks, float shift, float theta,
                            uint32_t* out_dd, float* out_score) {
    const __m256 vshift = _mm256_set1_ps(shift), vtheta = _mm256_set1_ps(theta);
    const __m256 neg_zero = _mm256_set1_ps(-0.0f);
    const __m256i nibble = _mm256_setr_epi32(0, 4, 8, 12, 16, 20, 24, 28);
    const __m256i seven = _mm256_set1_epi32(7);
    uint32_t n = 0;
    while (chunks != 0) {
        const uint32_t c = uint32_t(__builtin_ctzll(chunks));
        chunks &= chunks - 1;
        for (uint32_t dd = c * 64; dd < c * 64 + 64; dd += 8) {
            const __m256 v = _mm256_load_ps(wacc + dd);
            const int untouched = _mm256_movemask_ps(v);  // sign bit set: still −0
            const __m256 score = _mm256_add_ps(v, vshift);
            const int keep =
                _mm256_movemask_ps(_mm256_cmp_ps(score, vtheta, _CMP_GT_OQ)) & ~untouched;
            if (keep != 0) {
                // Writes 8 lanes: n + 8 ≤ kWindow, since n ≤ dd (the docs before this group).
                const __m256i lanes = _mm256_and_si256(
                    _mm256_srlv_epi32(_mm256_set1_epi32(int(kPackTable[size_t(keep)])), nibble),
                    seven);
                _mm256_storeu_si256(reinterpret_cast<__m256i*>(out_dd + n),
                                    _mm256_add_epi32(lanes, _mm256_set1_epi32(int(dd))));
                _mm256_storeu_ps(out_score + n, _mm256_permutevar8x32_ps(score, lanes));
                n += uint32_t(__builtin_popcount(unsigned(keep)));
            }
            _mm256_store_ps(wacc + dd, neg_zero);
        }
    }
    return n;
}

// Key i goes to out[number of keys above it] (the keys are distinct): 8 keys' ranks per pass over
// the n keys, in two 4-lane halves; unsigned order by signed compares of keys with the top bit
// flipped.
void rank_keys_avx2(uint64_t* keys, size_t n, Hit* out) {
    if (n > TopKHeap::kExactHeapMax) return rank_keys_scalar(keys, n, out);
    constexpr uint64_t kFlip = uint64_t(1) << 63;
    const __m256i flip = _mm256_set1_epi64x(LLONG_MIN);
    for (size_t i = 0; i < n; i += 8) {
        alignas(32) uint64_t mine[8] = {};  // lanes past n: ranked but never written out
        for (size_t l = 0; l < 8 && i + l < n; ++l) mine[l] = keys[i + l];
        const __m256i lo =
            _mm256_xor_si256(_mm256_load_si256(reinterpret_cast<const __m256i*>(mine)), flip);
        const __m256i hi =
            _mm256_xor_si256(_mm256_load_si256(reinterpret_cast<const __m256i*>(mine + 4)), flip);
        __m256i rank_lo = _mm256_setzero_si256(), rank_hi = _mm256_setzero_si256();
        for (size_t j = 0; j < n; ++j) {
            const __m256i other = _mm256_set1_epi64x((long long)(keys[j] ^ kFlip));
            // A compare gives −1 where the other key is above: subtracting counts it.
            rank_lo = _mm256_sub_epi64(rank_lo, _mm256_cmpgt_epi64(other, lo));
            rank_hi = _mm256_sub_epi64(rank_hi, _mm256_cmpgt_epi64(other, hi));
        }
        alignas(32) uint64_t r[8];
        _mm256_store_si256(reinterpret_cast<__m256i*>(r), rank_lo);
        _mm256_store_si256(reinterpret_cast<__m256i*>(r + 4), rank_hi);
        for (size_t l = 0; l < 8 && i + l < n; ++l) out[r[l]] = key_hit(keys[i + l]);
    }
}

}  // namespace mempipe::cpu::bm25_detail
