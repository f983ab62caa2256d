// The paged index-key cache (DeepGEMM layout) and the reference append.
#include <algorithm>
#include <cstring>

#include "ops/dsa/dsa_internal.h"

namespace mempipe {

OpCost index_cache_append_cost(int64_t tokens) {
    OpCost c;
    c.bytes_read = double(tokens) * (kDsaHeadDim + 4);
    c.bytes_written = double(tokens) * (kDsaHeadDim + 4);
    return c;
}

IndexKeyCache::IndexKeyCache(int64_t capacity_tokens) {
    MEMPIPE_CHECK_ARG(capacity_tokens >= 0, "IndexKeyCache: capacity must be ≥ 0, got {}",
                      capacity_tokens);
    capacity_ = capacity_tokens;
    pages_ = (capacity_tokens + kIndexPageTokens - 1) / kIndexPageTokens;
    data_ = Buffer<uint8_t>(size_t(pages_ * kIndexPageBytes));
    if (!data_.empty()) std::memset(data_.data(), 0, data_.bytes());
}

uint8_t* IndexKeyCache::page(int64_t p) {
    MEMPIPE_CHECK_ARG(p >= 0 && p < pages_, "IndexKeyCache: page {} out of range [0, {})", p,
                      pages_);
    return data_.data() + p * kIndexPageBytes;
}
const uint8_t* IndexKeyCache::page(int64_t p) const {
    MEMPIPE_CHECK_ARG(p >= 0 && p < pages_, "IndexKeyCache: page {} out of range [0, {})", p,
                      pages_);
    return data_.data() + p * kIndexPageBytes;
}
const uint8_t* IndexKeyCache::key(int64_t pos) const {
    MEMPIPE_CHECK_ARG(pos >= 0 && pos < capacity_,
                      "IndexKeyCache: position {} out of range [0, {})", pos, capacity_);
    return page(pos / kIndexPageTokens) + (pos % kIndexPageTokens) * kDsaHeadDim;
}
float IndexKeyCache::scale(int64_t pos) const {
    MEMPIPE_CHECK_ARG(pos >= 0 && pos < capacity_,
                      "IndexKeyCache: position {} out of range [0, {})", pos, capacity_);
    float s;
    std::memcpy(&s,
                page(pos / kIndexPageTokens) + kIndexPageTokens * kDsaHeadDim +
                    (pos % kIndexPageTokens) * 4,
                sizeof s);
    return s;
}
void IndexKeyCache::append(int64_t pos, const uint8_t* k8, float k_scale) {
    MEMPIPE_CHECK_ARG(pos >= 0 && pos < capacity_,
                      "IndexKeyCache::append: position {} out of range [0, {})", pos, capacity_);
    uint8_t* pg = page(pos / kIndexPageTokens);
    std::memcpy(pg + (pos % kIndexPageTokens) * kDsaHeadDim, k8, kDsaHeadDim);
    std::memcpy(pg + kIndexPageTokens * kDsaHeadDim + (pos % kIndexPageTokens) * 4, &k_scale,
                sizeof k_scale);
    size_ = std::max(size_, pos + 1);
}
IndexKeysView IndexKeyCache::view(int64_t len) const {
    MEMPIPE_CHECK_ARG(len >= 0 && len <= size_, "IndexKeyCache::view: len {} out of range [0, {}]",
                      len, size_);
    return {data_.data(), nullptr, len};
}

namespace ref {
void index_cache_append(IndexKeyCache& cache, int64_t pos, const uint8_t* k8, const float* k_scale,
                        int64_t n) {
    MEMPIPE_CHECK_ARG(n >= 0 && pos >= 0 && pos + n <= cache.capacity(),
                      "index_cache_append: positions [{}, {}) exceed the capacity {}", pos, pos + n,
                      cache.capacity());
    MEMPIPE_CHECK_ARG(n == 0 || (k8 && k_scale), "index_cache_append: k8 or k_scale is null");
    for (int64_t t = 0; t < n; ++t) cache.append(pos + t, k8 + t * kDsaHeadDim, k_scale[t]);
}
}  // namespace ref

}  // namespace mempipe
