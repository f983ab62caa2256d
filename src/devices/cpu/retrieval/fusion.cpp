// cpu::fuse_rrf / cpu::fuse_weighted: the union is built by sorting (doc, list order) pairs instead
// of the reference's ordered map, and the fused list is cut with a partial sort. The arithmetic is
// the reference's, in the same order, so results are bit-identical. Fusion lists are short (≤ a
// few thousand entries): a single thread.
#include "mempipe/ops/fusion.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "../../../ops/retrieval/fusion_internal.h"
#include "mempipe/core/error.h"

namespace mempipe::cpu {

namespace {

struct Entry {
    int32_t doc;
    int32_t list;  // list order, then position: the fold order of the reference
    int32_t pos;
};

// Real entries sorted by (doc, list, position): the first entry of each (doc, list) run is the
// doc's best rank in that list.
std::vector<Entry> sorted_entries(const int32_t* const* lists, const int64_t* lengths, int64_t n) {
    std::vector<Entry> e;
    for (int64_t l = 0; l < n; ++l)
        for (int64_t j = 0; j < lengths[l]; ++j)
            if (lists[l][j] >= 0) e.push_back({lists[l][j], int32_t(l), int32_t(j)});
    std::sort(e.begin(), e.end(), [](const Entry& a, const Entry& b) {
        return a.doc != b.doc ? a.doc < b.doc : a.list != b.list ? a.list < b.list : a.pos < b.pos;
    });
    return e;
}

struct Fused {
    float v;
    int32_t doc;
};

int64_t emit(std::vector<Fused>& f, int64_t k, float* out_scores, int32_t* out_docs) {
    const int64_t m = std::min<int64_t>(k, int64_t(f.size()));
    std::partial_sort(f.begin(), f.begin() + m, f.end(), [](const Fused& a, const Fused& b) {
        return a.v > b.v || (a.v == b.v && a.doc < b.doc);
    });
    for (int64_t j = 0; j < k; ++j) {
        out_docs[j] = j < m ? f[size_t(j)].doc : -1;
        if (out_scores)
            out_scores[j] = j < m ? f[size_t(j)].v : -std::numeric_limits<float>::infinity();
    }
    return m;
}

// Min-max normalisation of the first occurrences in one list: fills norm[i] for entries e[i] of
// list `l` that are first occurrences (others untouched).
void normalise(const std::vector<Entry>& e, const float* scores, int32_t l,
               std::vector<double>& norm) {
    double mn = std::numeric_limits<double>::infinity(), mx = -mn;
    for (size_t i = 0; i < e.size(); ++i)
        if (e[i].list == l && (i == 0 || e[i - 1].doc != e[i].doc || e[i - 1].list != l)) {
            mn = std::min(mn, double(scores[e[i].pos]));
            mx = std::max(mx, double(scores[e[i].pos]));
        }
    for (size_t i = 0; i < e.size(); ++i)
        if (e[i].list == l && (i == 0 || e[i - 1].doc != e[i].doc || e[i - 1].list != l))
            norm[i] = mx == mn ? 1.0 : (double(scores[e[i].pos]) - mn) / (mx - mn);
}

}  // namespace

int64_t fuse_rrf(const int32_t* const* lists, const int64_t* lengths, int64_t n_lists, double k_rrf,
                 int64_t k, float* out_scores, int32_t* out_docs) {
    fusion_detail::check_fuse_rrf(lists, lengths, n_lists, k_rrf, k, out_docs);
    const std::vector<Entry> e = sorted_entries(lists, lengths, n_lists);
    std::vector<Fused> f;
    for (size_t i = 0; i < e.size();) {
        double s = 0;
        size_t j = i;
        for (; j < e.size() && e[j].doc == e[i].doc; ++j)
            if (j == i || e[j - 1].list != e[j].list) s += 1.0 / (k_rrf + double(e[j].pos + 1));
        f.push_back({float(s), e[i].doc});
        i = j;
    }
    return emit(f, k, out_scores, out_docs);
}

int64_t fuse_weighted(const int32_t* a_docs, const float* a_scores, int64_t n_a,
                      const int32_t* b_docs, const float* b_scores, int64_t n_b, double alpha,
                      int64_t k, float* out_scores, int32_t* out_docs) {
    fusion_detail::check_fuse_weighted(a_docs, a_scores, n_a, b_docs, b_scores, n_b, alpha, k,
                                       out_docs);
    const int32_t* lists[2] = {a_docs, b_docs};
    const int64_t lengths[2] = {n_a, n_b};
    const std::vector<Entry> e = sorted_entries(lists, lengths, 2);
    std::vector<double> norm(e.size(), 0.0);
    normalise(e, a_scores, 0, norm);
    normalise(e, b_scores, 1, norm);
    std::vector<Fused> f;
    for (size_t i = 0; i < e.size();) {
        double va = 0, vb = 0;
        size_t j = i;
        for (; j < e.size() && e[j].doc == e[i].doc; ++j)
            if (j == i || e[j - 1].list != e[j].list) (e[j].list == 0 ? va : vb) = norm[j];
        f.push_back({float(alpha * va + (1.0 - alpha) * vb), e[i].doc});
        i = j;
    }
    return emit(f, k, out_scores, out_docs);
}

}  // namespace mempipe::cpu
