// cpu::index_cache_append: copies runs of tokens page by page (values and scales are two memcpys
// per page).
#include <algorithm>
#include <cstring>

#include "ops/dsa/dsa_internal.h"

namespace mempipe::cpu {

void index_cache_append(IndexKeyCache& cache, int64_t pos, const uint8_t* k8, const float* k_scale,
                        int64_t n) {
    MEMPIPE_CHECK_ARG(n >= 0 && pos >= 0 && pos + n <= cache.capacity(),
                      "index_cache_append: positions [{}, {}) exceed the capacity {}", pos, pos + n,
                      cache.capacity());
    MEMPIPE_CHECK_ARG(n == 0 || (k8 && k_scale), "index_cache_append: k8 or k_scale is null");
    int64_t t = 0;
    while (t < n) {
        const int64_t p = pos + t, off = p % kIndexPageTokens;
        const int64_t run = std::min(n - t, kIndexPageTokens - off);
        if (run == 1) {  // keep size() bookkeeping in one place
            cache.append(p, k8 + t * kDsaHeadDim, k_scale[t]);
        } else {
            uint8_t* pg = cache.page(p / kIndexPageTokens);
            std::memcpy(pg + off * kDsaHeadDim, k8 + t * kDsaHeadDim, size_t(run * kDsaHeadDim));
            std::memcpy(pg + kIndexPageTokens * kDsaHeadDim + off * 4, k_scale + t,
                        size_t(run) * 4);
            cache.append(p + run - 1, k8 + (t + run - 1) * kDsaHeadDim,
                         k_scale[t + run - 1]);  // marks the size
        }
        t += run;
    }
}

}  // namespace mempipe::cpu
