// AVX2 filters for SeerAttention-R block selection: 8 scores per compare; survivors (rare after the
// first few blocks) are appended one by one from the compare mask, lowest index first.
#include <immintrin.h>

#include <algorithm>
#include <cmath>

#include "seer_select_blocks_kernels.h"

namespace mempipe::cpu::seer_kernels {

namespace {
inline float hmax(__m256 v) {
    __m128 x = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    x = _mm_max_ps(x, _mm_movehl_ps(x, x));
    x = _mm_max_ss(x, _mm_movehdup_ps(x));
    return _mm_cvtss_f32(x);
}
}  // namespace

float group_floor_avx2(const float* x, int64_t n, int64_t k) {
    const int64_t size = n / k;
    float floor = INFINITY;
    for (int64_t g = 0; g < k; ++g) {
        const int64_t begin = g * size, end = g == k - 1 ? n : begin + size;
        __m256 m = _mm256_set1_ps(-INFINITY);
        int64_t b = begin;
        for (; b + 8 <= end; b += 8) m = _mm256_max_ps(_mm256_loadu_ps(x + b), m);  // NaN: keeps m
        float mx = hmax(m);
        for (; b < end; ++b)
            if (x[b] > mx) mx = x[b];
        floor = std::min(floor, mx);
    }
    return floor;
}

void filter_top_avx2(const float* x, int64_t begin, int64_t n, SelectBuffer& buf) {
    const int64_t cap = int64_t(buf.values.size());
    __m256 floor = _mm256_set1_ps(buf.floor);
    int64_t b = begin;
    for (; b + 8 <= n; b += 8) {
        const __m256 v = _mm256_loadu_ps(x + b);
        unsigned m = unsigned(_mm256_movemask_ps(_mm256_cmp_ps(v, floor, _CMP_GT_OQ)));
        if (!m) continue;
        if (buf.size + 8 > cap) {
            buf.shrink();
            floor = _mm256_set1_ps(buf.floor);
            m = unsigned(_mm256_movemask_ps(_mm256_cmp_ps(v, floor, _CMP_GT_OQ)));
        }
        for (; m; m &= m - 1) {
            const int i = __builtin_ctz(m);
            buf.values[size_t(buf.size)] = x[b + i];
            buf.indices[size_t(buf.size)] = int32_t(b + i);
            ++buf.size;
        }
    }
    if (b < n) filter_top_scalar(x, b, n, buf);
}

int64_t filter_above_avx2(const float* x, int64_t n, float tau, int32_t* out) {
    const __m256 t = _mm256_set1_ps(tau);
    int64_t c = 0, b = 0;
    for (; b + 8 <= n; b += 8)
        for (unsigned m =
                 unsigned(_mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(x + b), t, _CMP_GT_OQ)));
             m; m &= m - 1)
            out[c++] = int32_t(b + __builtin_ctz(m));
    for (; b < n; ++b)
        if (x[b] > tau) out[c++] = int32_t(b);
    return c;
}

}  // namespace mempipe::cpu::seer_kernels
