// cpu::score_top_k: relevancy fused with retrieval. Each thread owns a page-aligned key range and,
// per query, a running top-k: scores of one page (64 keys) land in an L1 buffer, keys that beat the
// current threshold are appended to a candidate list, and when the list reaches its capacity it is
// cut back to the best k (partial selection) and the threshold rises to the k-th value. Keys arrive
// in increasing index order within a thread, so a later key equal to the threshold always loses the
// tie (ties → lower index) and a strict `>` filter is exact. The per-thread selections are merged
// with the same order.
#include <omp.h>

#include <algorithm>
#include <vector>

#include "devices/cpu/dsa/indexer_kernels.h"
#include "mempipe/core/parallel.h"
#include "ops/dsa/dsa_internal.h"

namespace mempipe::cpu {

namespace {
using dsa_detail::Cand;

using select_detail::RunningTopK;
// Int8 path: keep the best m candidates by int8 score and replace their scores by the Faithful
// ones.
void rescore(const uint8_t* q8, const float* weights, const IndexKeysView& keys, int64_t heads,
             int64_t m, std::vector<Cand>& cands) {
    int32_t dummy;
    std::vector<float> iv(static_cast<size_t>(m));
    std::vector<int32_t> idx(static_cast<size_t>(m));
    dsa_detail::finish_top_k(cands, m, iv.data(), m > 0 ? idx.data() : &dummy);
    m = std::count_if(idx.begin(), idx.end(), [](int32_t i) { return i >= 0; });
    idx.resize(size_t(m));
    std::sort(idx.begin(), idx.end());
    Buffer<uint8_t> pages;
    IndexKeysView sub = dsa_detail::gather_keys(keys, idx.data(), m, pages);
    cpu_dsa::PreparedQueries q =
        cpu_dsa::prepare_queries(q8, weights, 1, heads, IndexerPath::Faithful);
    std::vector<float> exact(static_cast<size_t>(m));
    if (m > 0) cpu_dsa::pick_scorer(IndexerPath::Faithful)(q, sub, 0, m, exact.data(), m);
    cands.clear();
    for (int64_t i = 0; i < m; ++i) cands.push_back({exact[size_t(i)], idx[size_t(i)]});
}
}  // namespace

void score_top_k(const uint8_t* q8, const float* weights, const IndexKeysView& keys, int64_t batch,
                 int64_t heads, int64_t k, float* out_values, int32_t* out_indices,
                 IndexerPath path) {
    dsa_detail::check_logits("score_top_k", q8, weights, keys, batch, heads);
    MEMPIPE_CHECK_ARG(k >= 0, "score_top_k: k must be ≥ 0, got {}", k);
    MEMPIPE_CHECK_ARG(batch * k == 0 || out_indices, "score_top_k: out_indices is null");
    if (batch == 0 || k == 0) return;
    const int64_t L = keys.len;
    const int64_t pages = (L + kIndexPageTokens - 1) / kIndexPageTokens;
    const int threads = int(std::clamp<int64_t>(pages / 16, 1, num_threads()));
    std::vector<std::vector<RunningTopK>> state(static_cast<size_t>(threads));
    const int64_t kk = path == IndexerPath::Int8 ? dsa_detail::int8_candidates(k, L) : k;
    if (L > 0) {
        cpu_dsa::ScoreRangeFn score = cpu_dsa::pick_scorer(path);
        cpu_dsa::PreparedQueries q = cpu_dsa::prepare_queries(q8, weights, batch, heads, path);
#pragma omp parallel num_threads(threads)
        {
            const int t = omp_get_thread_num(), nt = omp_get_num_threads();
            std::vector<RunningTopK>& mine = state[size_t(t)];
            mine.reserve(size_t(batch));
            for (int64_t b = 0; b < batch; ++b) mine.emplace_back(kk);
            // Score 8 pages (512 keys, 2 KB of scores per query: L1) per kernel call to amortise
            // its setup, then filter them into the running selections.
            constexpr int64_t kBlock = 8 * kIndexPageTokens;
            std::vector<float> buf(size_t(batch * kBlock));
            const int64_t p0 = pages * t / nt, p1 = pages * (t + 1) / nt;
            for (int64_t s0 = p0 * kIndexPageTokens; s0 < std::min(L, p1 * kIndexPageTokens);
                 s0 += kBlock) {
                const int64_t s1 = std::min({L, s0 + kBlock, p1 * kIndexPageTokens});
                score(q, keys, s0, s1, buf.data(), kBlock);
                for (int64_t b = 0; b < batch; ++b)
                    mine[size_t(b)].push(buf.data() + b * kBlock, s1 - s0, s0);
            }
        }
    }
    std::vector<Cand> all;
    for (int64_t b = 0; b < batch; ++b) {
        all.clear();
        for (auto& th : state)
            if (!th.empty())
                all.insert(all.end(), th[size_t(b)].cands().begin(), th[size_t(b)].cands().end());
        if (path == IndexerPath::Int8)
            rescore(q8 + b * heads * kDsaHeadDim, weights + b * heads, keys, heads, kk, all);
        dsa_detail::finish_top_k(all, k, out_values ? out_values + b * k : nullptr,
                                 out_indices + b * k);
    }
}

}  // namespace mempipe::cpu
