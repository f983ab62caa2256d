#include "ops/attention/paged_common.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "mempipe/core/dtype.h"
#include "mempipe/core/error.h"

namespace mempipe {

namespace {
constexpr int32_t kSinglePage = 0;  // the block table of a contiguous cache
}

PagedKvCache PagedKvCache::contiguous(uint16_t* k, uint16_t* v, int64_t n_tokens, int64_t hkv,
                                      int64_t d) {
    MEMPIPE_CHECK_ARG(n_tokens >= 0, "PagedKvCache::contiguous: n_tokens must be ≥ 0, got {}",
                      n_tokens);
    PagedKvCache c;
    c.k = k;
    c.v = v;
    c.block_table = &kSinglePage;
    c.n_pages = n_tokens > 0 ? 1 : 0;
    c.n_blocks = c.n_pages;
    c.page_size = std::max<int64_t>(n_tokens, 1);
    c.hkv = hkv;
    c.d = d;
    return c;
}

namespace attention_detail {

void check_paged(const char* op, const PagedKvCache& c, int64_t used) {
    MEMPIPE_CHECK_ARG(c.page_size >= 1, "{}: cache page_size must be ≥ 1, got {}", op, c.page_size);
    MEMPIPE_CHECK_ARG(c.n_pages >= 0 && c.n_blocks >= 0,
                      "{}: cache n_pages and n_blocks must be ≥ 0, got {} and {}", op, c.n_pages,
                      c.n_blocks);
    MEMPIPE_CHECK_ARG(c.hkv >= 1 && c.d >= 1, "{}: cache hkv and d must be ≥ 1, got hkv={} d={}",
                      op, c.hkv, c.d);
    MEMPIPE_CHECK_ARG(c.n_pages == 0 || (c.k && c.v), "{}: cache k and v must not be null", op);
    MEMPIPE_CHECK_ARG(c.n_blocks == 0 || c.block_table, "{}: cache block_table is null", op);
    MEMPIPE_CHECK_ARG(used >= 0 && used <= c.capacity(),
                      "{}: positions [0, {}) exceed the cache capacity {} ({} blocks of {} tokens)",
                      op, used, c.capacity(), c.n_blocks, c.page_size);
    const int64_t blocks = (used + c.page_size - 1) / c.page_size;
    for (int64_t b = 0; b < blocks; ++b)
        MEMPIPE_CHECK_ARG(c.block_table[b] >= 0 && c.block_table[b] < c.n_pages,
                          "{}: block_table[{}] = {} is not a page (the cache has {} pages)", op, b,
                          c.block_table[b], c.n_pages);
}

void check_prefill(const float* q, const PagedKvCache& c, const PrefillShape& s, const float* out) {
    const char* op = "attention_prefill";
    MEMPIPE_CHECK_ARG(s.m >= 0 && s.past >= 0, "{}: m and past must be ≥ 0, got m={} past={}", op,
                      s.m, s.past);
    MEMPIPE_CHECK_ARG(s.past + s.m < (int64_t(1) << 31),
                      "{}: positions up to {} exceed the supported 2^31 − 1", op, s.past + s.m);
    check_paged(op, c, s.past + s.m);
    MEMPIPE_CHECK_ARG(s.hq >= 1 && s.hq % c.hkv == 0,
                      "{}: hq ({}) must be a positive multiple of the cache's hkv ({})", op, s.hq,
                      c.hkv);
    MEMPIPE_CHECK_ARG(std::isfinite(s.scale), "{}: scale must be finite, got {}", op, s.scale);
    MEMPIPE_CHECK_ARG(s.m == 0 || (q && out), "{}: q and out must not be null when m ({}) > 0", op,
                      s.m);
}

void check_paged_decode(const float* q, const PagedKvCache& c, int64_t n_tokens, int64_t hq,
                        float scale, const float* out) {
    const char* op = "paged_attention_decode";
    MEMPIPE_CHECK_ARG(n_tokens >= 0, "{}: n_tokens must be ≥ 0, got {}", op, n_tokens);
    check_paged(op, c, n_tokens);
    MEMPIPE_CHECK_ARG(hq >= 1 && hq % c.hkv == 0,
                      "{}: hq ({}) must be a positive multiple of the cache's hkv ({})", op, hq,
                      c.hkv);
    MEMPIPE_CHECK_ARG(std::isfinite(scale), "{}: scale must be finite, got {}", op, scale);
    MEMPIPE_CHECK_ARG(q && out, "{}: q and out must not be null", op);
}
void attend_paged_ref(const float* q_h, const PagedKvCache& c, int64_t kv_head, int64_t n,
                      float scale, float* out_h) {
    const int64_t d = c.d;
    if (n == 0) {
        std::fill(out_h, out_h + d, 0.0f);
        return;
    }
    std::vector<double> scores(static_cast<size_t>(n));
    double m = -std::numeric_limits<double>::infinity();
    for (int64_t t = 0; t < n; ++t) {
        const uint16_t* kt = c.k + paged_offset(c, t, kv_head);
        double dot = 0;
        for (int64_t i = 0; i < d; ++i) dot += double(q_h[i]) * double(bf16_to_f32(kt[i]));
        scores[size_t(t)] = dot * double(scale);
        m = std::max(m, scores[size_t(t)]);
    }
    std::vector<double> acc(static_cast<size_t>(d), 0.0);
    double l = 0;
    for (int64_t t = 0; t < n; ++t) {
        double w = std::exp(scores[size_t(t)] - m);
        l += w;
        const uint16_t* vt = c.v + paged_offset(c, t, kv_head);
        for (int64_t i = 0; i < d; ++i) acc[size_t(i)] += w * double(bf16_to_f32(vt[i]));
    }
    for (int64_t i = 0; i < d; ++i) out_h[i] = float(acc[size_t(i)] / l);
}

}  // namespace attention_detail
}  // namespace mempipe
