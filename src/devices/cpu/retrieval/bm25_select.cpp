// Window selection of the windowed bm25 kernels (see bm25_kernels.h), portable variant, and the
// dispatch.
#include <algorithm>
#include <bit>
#include <cmath>
#include <vector>

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

void sort_candidates(uint32_t* dd, float* score, uint32_t n) {
    if (n > 32) {
        thread_local std::vector<uint64_t> packed;
        packed.resize(n);
        for (uint32_t i = 0; i < n; ++i)
            packed[i] = uint64_t(dd[i]) << 32 | std::bit_cast<uint32_t>(score[i]);
        std::sort(packed.begin(), packed.end());
        for (uint32_t i = 0; i < n; ++i) {
            dd[i] = uint32_t(packed[i] >> 32);
            score[i] = std::bit_cast<float>(uint32_t(packed[i]));
        }
        return;
    }
    for (uint32_t i = 1; i < n; ++i) {
        const uint32_t d = dd[i];
        const float v = score[i];
        uint32_t j = i;
        for (; j > 0 && dd[j - 1] > d; --j) {
            dd[j] = dd[j - 1];
            score[j] = score[j - 1];
        }
        dd[j] = d;
        score[j] = v;
    }
}

SelectFn pick_select() {
    return simd_pick<SelectFn>(select_window_scalar, nullptr, select_window_avx512);
}

}  // namespace mempipe::cpu::bm25_detail
