// Window selection and result order of the bm25 kernels (see bm25_kernels.h), portable variants,
// and the dispatch.
#include <algorithm>
#include <cmath>
#include <functional>

#include "bm25_kernels.h"
#include "mempipe/core/simd.h"

namespace mempipe::cpu::bm25_detail {

uint32_t select_window_scalar(float* wacc, uint64_t chunks, float shift, float theta,
                              uint32_t* out_dd, float* out_score) {
    uint32_t n = 0;
    while (chunks != 0) {
        const uint32_t c = uint32_t(__builtin_ctzll(chunks));
        chunks &= chunks - 1;
        for (uint32_t dd = c * 64; dd < c * 64 + 64; ++dd) {
            const float v = wacc[dd];
            const float score = v + shift;
            if (!std::signbit(v) && score > theta) {
                out_dd[n] = dd;
                out_score[n] = score;
                ++n;
            }
            wacc[dd] = -0.0f;
        }
    }
    return n;
}

void rank_keys_scalar(uint64_t* keys, size_t n, Hit* out) {
    std::sort(keys, keys + n, std::greater<uint64_t>());
    for (size_t i = 0; i < n; ++i) out[i] = key_hit(keys[i]);
}

SimdKernels pick_simd_kernels() {
    SimdKernels k;
    k.select = simd_pick<SelectFn>(select_window_scalar, select_window_avx2, select_window_avx512);
    k.rank_keys = simd_pick<RankKeysFn>(rank_keys_scalar, rank_keys_avx2, rank_keys_avx512);
    k.pruned = std::min(active_simd_level(), SimdLevel::Avx2);
    return k;
}

}  // namespace mempipe::cpu::bm25_detail
