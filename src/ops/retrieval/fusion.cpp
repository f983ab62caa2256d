// Reference fuse_rrf / fuse_weighted: an ordered map from doc to its fused score, built by walking
// the lists in order, then a stable sort under (score desc, doc asc). See ops/fusion.h.
#include "mempipe/ops/fusion.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "fusion_internal.h"
#include "mempipe/core/error.h"
#include "mempipe/ops/top_k.h"

namespace mempipe {

OpCost fuse_rrf_cost(int64_t entries, int64_t k) {
    OpCost c;
    const double e = double(std::max<int64_t>(entries, 0));
    c.flops = 2 * e + (e > 1 ? e * std::log2(e) : 0.0);  // divide + add per entry, sort the union
    c.bytes_read = 4 * e;
    c.bytes_written = 8.0 * double(std::max<int64_t>(k, 0));
    c.pattern = AccessPattern::DataDependent;
    return c;
}

OpCost fuse_weighted_cost(int64_t entries, int64_t k) {
    OpCost c = fuse_rrf_cost(entries, k);
    c.flops += 4 * double(std::max<int64_t>(entries, 0));  // min/max and the normalisation
    c.bytes_read *= 2;                                     // doc ids and scores
    return c;
}

namespace fusion_detail {

namespace {
void check_list(const char* op, const char* name, const int32_t* docs, int64_t n) {
    MEMPIPE_CHECK_ARG(n >= 0, "{}: {} length must be ≥ 0, got {}", op, name, n);
    MEMPIPE_CHECK_ARG(n <= std::numeric_limits<int32_t>::max(), "{}: {} is too long ({})", op, name,
                      n);
    MEMPIPE_CHECK_ARG(n == 0 || docs, "{}: {} is null with length {}", op, name, n);
    for (int64_t j = 0; j < n; ++j)
        MEMPIPE_CHECK_ARG(docs[j] >= -1, "{}: {}[{}] = {} is not a doc id (≥ 0) or padding (−1)",
                          op, name, j, docs[j]);
}
}  // namespace

void check_fuse_rrf(const int32_t* const* lists, const int64_t* lengths, int64_t n_lists,
                    double k_rrf, int64_t k, const int32_t* out_docs) {
    MEMPIPE_CHECK_ARG(n_lists >= 0, "fuse_rrf: n_lists must be ≥ 0, got {}", n_lists);
    MEMPIPE_CHECK_ARG(n_lists == 0 || (lists && lengths), "fuse_rrf: lists or lengths is null");
    MEMPIPE_CHECK_ARG(std::isfinite(k_rrf) && k_rrf >= 0, "fuse_rrf: k_rrf must be ≥ 0, got {}",
                      k_rrf);
    MEMPIPE_CHECK_ARG(k >= 0, "fuse_rrf: k must be ≥ 0, got {}", k);
    MEMPIPE_CHECK_ARG(k == 0 || out_docs, "fuse_rrf: out_docs is null");
    for (int64_t l = 0; l < n_lists; ++l) check_list("fuse_rrf", "list", lists[l], lengths[l]);
}

void check_fuse_weighted(const int32_t* a_docs, const float* a_scores, int64_t n_a,
                         const int32_t* b_docs, const float* b_scores, int64_t n_b, double alpha,
                         int64_t k, const int32_t* out_docs) {
    check_list("fuse_weighted", "a_docs", a_docs, n_a);
    check_list("fuse_weighted", "b_docs", b_docs, n_b);
    MEMPIPE_CHECK_ARG(n_a == 0 || a_scores, "fuse_weighted: a_scores is null");
    MEMPIPE_CHECK_ARG(n_b == 0 || b_scores, "fuse_weighted: b_scores is null");
    for (int64_t j = 0; j < n_a; ++j)
        MEMPIPE_CHECK_ARG(a_docs[j] < 0 || std::isfinite(a_scores[j]),
                          "fuse_weighted: a_scores[{}] = {} is not finite", j, a_scores[j]);
    for (int64_t j = 0; j < n_b; ++j)
        MEMPIPE_CHECK_ARG(b_docs[j] < 0 || std::isfinite(b_scores[j]),
                          "fuse_weighted: b_scores[{}] = {} is not finite", j, b_scores[j]);
    MEMPIPE_CHECK_ARG(alpha >= 0 && alpha <= 1, "fuse_weighted: alpha must be in [0, 1], got {}",
                      alpha);
    MEMPIPE_CHECK_ARG(k >= 0, "fuse_weighted: k must be ≥ 0, got {}", k);
    MEMPIPE_CHECK_ARG(k == 0 || out_docs, "fuse_weighted: out_docs is null");
}

}  // namespace fusion_detail

namespace {

int64_t emit(std::vector<std::pair<float, int32_t>>& fused, int64_t k, float* out_scores,
             int32_t* out_docs) {
    std::stable_sort(fused.begin(), fused.end(), [](const auto& a, const auto& b) {
        return a.first > b.first || (a.first == b.first && a.second < b.second);
    });
    const int64_t m = std::min<int64_t>(k, int64_t(fused.size()));
    for (int64_t j = 0; j < k; ++j) {
        out_docs[j] = j < m ? fused[size_t(j)].second : -1;
        if (out_scores)
            out_scores[j] =
                j < m ? fused[size_t(j)].first : -std::numeric_limits<float>::infinity();
    }
    return m;
}

// First occurrences of the real entries of one scored list, with its min-max normalisation.
std::map<int32_t, double> normalised(const int32_t* docs, const float* scores, int64_t n) {
    std::map<int32_t, float> first;
    for (int64_t j = 0; j < n; ++j)
        if (docs[j] >= 0) first.emplace(docs[j], scores[j]);
    std::map<int32_t, double> out;
    if (first.empty()) return out;
    double mn = std::numeric_limits<double>::infinity(), mx = -mn;
    for (const auto& [d, s] : first) {
        mn = std::min(mn, double(s));
        mx = std::max(mx, double(s));
    }
    for (const auto& [d, s] : first) out[d] = mx == mn ? 1.0 : (double(s) - mn) / (mx - mn);
    return out;
}

}  // namespace

namespace ref {

int64_t fuse_rrf(const int32_t* const* lists, const int64_t* lengths, int64_t n_lists, double k_rrf,
                 int64_t k, float* out_scores, int32_t* out_docs) {
    fusion_detail::check_fuse_rrf(lists, lengths, n_lists, k_rrf, k, out_docs);
    std::map<int32_t, double> sum;
    for (int64_t l = 0; l < n_lists; ++l) {
        std::set<int32_t> seen;
        for (int64_t j = 0; j < lengths[l]; ++j) {
            const int32_t d = lists[l][j];
            if (d < 0 || !seen.insert(d).second) continue;
            sum[d] += 1.0 / (k_rrf + double(j + 1));
        }
    }
    std::vector<std::pair<float, int32_t>> fused;
    for (const auto& [d, s] : sum) fused.push_back({float(s), d});
    return emit(fused, k, out_scores, out_docs);
}

int64_t fuse_weighted(const int32_t* a_docs, const float* a_scores, int64_t n_a,
                      const int32_t* b_docs, const float* b_scores, int64_t n_b, double alpha,
                      int64_t k, float* out_scores, int32_t* out_docs) {
    fusion_detail::check_fuse_weighted(a_docs, a_scores, n_a, b_docs, b_scores, n_b, alpha, k,
                                       out_docs);
    const std::map<int32_t, double> na = normalised(a_docs, a_scores, n_a);
    const std::map<int32_t, double> nb = normalised(b_docs, b_scores, n_b);
    std::set<int32_t> all;
    for (const auto& e : na) all.insert(e.first);
    for (const auto& e : nb) all.insert(e.first);
    std::vector<std::pair<float, int32_t>> fused;
    for (int32_t d : all) {
        const double va = na.count(d) ? na.at(d) : 0.0, vb = nb.count(d) ? nb.at(d) : 0.0;
        fused.push_back({float(alpha * va + (1.0 - alpha) * vb), d});
    }
    return emit(fused, k, out_scores, out_docs);
}

}  // namespace ref
}  // namespace mempipe
