// cpu::mqa_relu_logits: prepares the queries once, then scores page-aligned key ranges on each
// thread.
#include <algorithm>

#include "devices/cpu/dsa/indexer_kernels.h"
#include "mempipe/core/parallel.h"
#include "ops/dsa/dsa_internal.h"

namespace mempipe::cpu {

void mqa_relu_logits(const uint8_t* q8, const float* weights, const IndexKeysView& keys,
                     int64_t batch, int64_t heads, float* logits, IndexerPath path) {
    dsa_detail::check_logits("mqa_relu_logits", q8, weights, keys, batch, heads);
    MEMPIPE_CHECK_ARG(batch * keys.len == 0 || logits, "mqa_relu_logits: logits is null");
    const int64_t L = keys.len;
    if (batch == 0 || L == 0) return;
    cpu_dsa::ScoreRangeFn score = cpu_dsa::pick_scorer(path);
    cpu_dsa::PreparedQueries q = cpu_dsa::prepare_queries(q8, weights, batch, heads, path);
    const int64_t pages = (L + kIndexPageTokens - 1) / kIndexPageTokens;
    // ≥ 16 pages (1024 keys, ~17 MFLOP per query) per thread before splitting.
    parallel_for(pages, 16, [&](int64_t p0, int64_t p1) {
        int64_t s0 = p0 * kIndexPageTokens, s1 = std::min(L, p1 * kIndexPageTokens);
        score(q, keys, s0, s1, logits + s0, L);
    });
}

}  // namespace mempipe::cpu
