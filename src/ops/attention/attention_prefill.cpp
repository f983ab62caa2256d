// Chunked-prefill attention over a paged cache: the reference (each row's softmax in double over
// the positions it attends) and the cost signature.
#include <cmath>

#include "mempipe/ops/attention.h"
#include "ops/attention/paged_common.h"

namespace mempipe {

OpCost attention_prefill_cost(const PrefillShape& s, int64_t hkv, int64_t d) {
    OpCost c;
    const double m = double(s.m), past = double(s.past), D = double(d);
    // Σ over rows of the positions attended: causal (past + 1) + … + (past + m), else m·(past + m).
    double attended = s.causal ? m * past + m * (m + 1) / 2 : m * (past + m);
    c.flops = 4.0 * D * attended * double(s.hq);
    double g = hkv > 0 ? double(s.hq) / double(hkv) : 0;
    double tiles = hkv > 0 ? double(hkv) * std::ceil(m * g / 32.0) : 0;  // query tiles
    double kv_per_tile = s.causal ? past + m / 2 : past + m;  // mean positions a tile reads
    c.bytes_read = tiles * kv_per_tile * 2.0 * D * 2.0 + m * double(s.hq) * D * 4.0;
    c.bytes_written = m * double(s.hq) * D * 4.0;
    c.pattern = AccessPattern::Regular;
    return c;
}

namespace ref {
void attention_prefill(const float* q, const PagedKvCache& cache, const PrefillShape& s,
                       float* out) {
    attention_detail::check_prefill(q, cache, s, out);
    const int64_t d = cache.d, g = s.hq / cache.hkv;
    for (int64_t i = 0; i < s.m; ++i) {
        int64_t n = s.causal ? s.past + i + 1 : s.past + s.m;
        for (int64_t h = 0; h < s.hq; ++h)
            attention_detail::attend_paged_ref(q + (i * s.hq + h) * d, cache, h / g, n, s.scale,
                                               out + (i * s.hq + h) * d);
    }
}
}  // namespace ref

}  // namespace mempipe
