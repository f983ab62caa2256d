// CPU page_minmax (parallel over logical pages) and page_minmax_update, plus the portable variant.
#include <cstring>

#include "devices/cpu/lserve/page_minmax_kernels.h"
#include "mempipe/core/dtype.h"
#include "mempipe/core/parallel.h"
#include "mempipe/core/simd.h"
#include "ops/lserve/lserve_checks.h"

namespace mempipe::cpu {

namespace lserve_detail {

namespace {
void merge(const uint16_t* key, uint16_t* kmax, uint16_t* kmin, int64_t d) {
    for (int64_t c = 0; c < d; ++c) {
        float k = bf16_to_f32(key[c]);
        if (k > bf16_to_f32(kmax[c])) kmax[c] = key[c];
        if (k < bf16_to_f32(kmin[c])) kmin[c] = key[c];
    }
}
}  // namespace

void page_minmax_scalar(const uint16_t* keys, int64_t n_tokens, const LservePageShape& s,
                        const uint8_t* kv_head_mask, uint16_t* stats, int64_t capacity,
                        int64_t p_begin, int64_t p_end) {
    const int64_t d = s.d, lp = s.logical_page;
    for (int64_t p = p_begin; p < p_end; ++p) {
        int64_t t0 = p * lp, t1 = std::min(n_tokens, t0 + lp);
        for (int64_t j = 0; j < s.hkv; ++j) {
            if (kv_head_mask && !kv_head_mask[j]) continue;
            uint16_t* kmax = stats + ((j * capacity + p) * 2) * d;
            uint16_t* kmin = kmax + d;
            std::memcpy(kmax, keys + (t0 * s.hkv + j) * d, size_t(d) * 2);
            std::memcpy(kmin, kmax, size_t(d) * 2);
            for (int64_t t = t0 + 1; t < t1; ++t) merge(keys + (t * s.hkv + j) * d, kmax, kmin, d);
        }
    }
}

}  // namespace lserve_detail

void page_minmax(const uint16_t* keys, int64_t n_tokens, const LservePageShape& s,
                 const uint8_t* kv_head_mask, uint16_t* stats, int64_t capacity) {
    mempipe::lserve_detail::check_page_minmax(keys, n_tokens, s, stats, capacity);
    using namespace lserve_detail;
    PageMinmaxFn fn = simd_pick<PageMinmaxFn>(page_minmax_scalar, nullptr,
                                              s.d % 16 == 0 ? page_minmax_avx512 : nullptr);
    int64_t pages = lserve_logical_pages(n_tokens, s);
    parallel_for(pages, 64, [&](int64_t b, int64_t e) {
        fn(keys, n_tokens, s, kv_head_mask, stats, capacity, b, e);
    });
}

void page_minmax_update(const uint16_t* key, int64_t pos, const LservePageShape& s,
                        const uint8_t* kv_head_mask, uint16_t* stats, int64_t capacity) {
    mempipe::lserve_detail::check_page_minmax_update(key, pos, s, stats, capacity);
    // hkv·d elements: a single pass, no threads.
    const int64_t d = s.d, p = pos / s.logical_page;
    for (int64_t j = 0; j < s.hkv; ++j) {
        if (kv_head_mask && !kv_head_mask[j]) continue;
        uint16_t* kmax = stats + ((j * capacity + p) * 2) * d;
        uint16_t* kmin = kmax + d;
        if (pos % s.logical_page == 0) {
            std::memcpy(kmax, key + j * d, size_t(d) * 2);
            std::memcpy(kmin, key + j * d, size_t(d) * 2);
        } else {
            lserve_detail::merge(key + j * d, kmax, kmin, d);
        }
    }
}

}  // namespace mempipe::cpu
