// CPU bm25_top_k_exhaustive: term-at-a-time over doc-id windows of kWindow docs. Per window every
// query position (fold order, duplicates again) scatters its postings into a window accumulator
// that stays in L1, so the accumulator holds the canonical fold; the window's touched 64-doc
// chunks are then scanned (SIMD) for scores above the current k-th, which go through a size-k
// heap in ascending doc order. The k-th starts at a guess above the impact-ladder floor, as in the
// pruned kernel (kSpeculate: fewer offers; a query with fewer than k hits above the guess runs
// again from the floor). No pass over num_docs, no per-query allocation.
#include <algorithm>
#include <vector>

#include "../../../ops/retrieval/bm25_internal.h"
#include "bm25_kernels.h"
#include "mempipe/core/simd.h"
#include "mempipe/ops/bm25.h"

namespace mempipe::cpu {

namespace bm25_detail {

int64_t top_k_exhaustive_ordered(const PostingsView& index, const uint32_t* terms, int64_t n_terms,
                                 int64_t k, float* out_scores, int32_t* out_docs,
                                 const SimdKernels& simd, float shift, StartFloors floors) {
    Scratch& s = thread_scratch();
    TopKHeap& heap = s.heap;
    const int64_t cap = std::min<int64_t>(k, index.num_docs);
    heap.reset(cap, floors.start);
    if (k == 0 || cap == 0) return heap.write(k, out_scores, out_docs, simd.rank_keys);

    // Unique terms with non-empty lists: [pos, end) left to scan; qmap[i] = unique index or −1.
    thread_local std::vector<uint64_t> pos, end, next;
    thread_local std::vector<int> qmap;
    pos.clear();
    end.clear();
    qmap.assign(size_t(n_terms), -1);
    for (int64_t i = 0; i < n_terms; ++i) {
        const uint32_t t = terms[i];
        const uint64_t b = index.offsets[t], e = index.offsets[t + 1];
        if (b == e) continue;
        int u = -1;
        for (size_t j = 0; j < pos.size(); ++j)
            if (pos[j] == b) u = int(j);
        if (u < 0) {
            u = int(pos.size());
            pos.push_back(b);
            end.push_back(e);
        }
        qmap[size_t(i)] = u;
    }
    next.resize(pos.size());
    const uint32_t* docs = index.docs;
    const float* imps = index.impacts;
    float* wacc = s.window_acc();
    std::byte* cand = s.candidates(size_t(kWindow) * 8);
    uint32_t* sel_dd = reinterpret_cast<uint32_t*>(cand);
    float* sel_score = reinterpret_cast<float*>(cand + size_t(kWindow) * 4);
    float theta = heap.threshold();

    for (;;) {
        // The next window starts at the lowest doc not yet scanned.
        uint64_t w0 = ~uint64_t(0);
        for (size_t u = 0; u < pos.size(); ++u)
            if (pos[u] < end[u]) w0 = std::min<uint64_t>(w0, docs[pos[u]]);
        if (w0 == ~uint64_t(0)) break;
        const uint64_t w1 = std::min<uint64_t>(w0 + kWindow, uint64_t(index.num_docs));
        // Query positions in order (duplicates scatter again): a duplicate's positions restart
        // from the term's window start, so every position scatters the same range.
        for (size_t u = 0; u < pos.size(); ++u) next[u] = pos[u];
        uint64_t chunks = 0;
        for (int64_t i = 0; i < n_terms; ++i) {
            const int u = qmap[size_t(i)];
            if (u < 0) continue;
            next[size_t(u)] = scatter_until(docs, imps, pos[size_t(u)], end[size_t(u)],
                                            uint32_t(w0), uint32_t(w1), wacc, &chunks);
        }
        for (size_t u = 0; u < pos.size(); ++u) pos[u] = next[u];
        const uint32_t n = simd.select(wacc, chunks, shift, theta, sel_dd, sel_score);
        for (uint32_t j = 0; j < n; ++j)
            if (sel_score[j] > theta) {
                heap.offer(sel_score[j], uint32_t(w0) + sel_dd[j]);
                theta = heap.threshold();
            }
    }
    const int64_t found = heap.write(k, out_scores, out_docs, simd.rank_keys);
    if (!floors.retry(found, cap)) return found;
    // The guess was above the k-th best score: run again from the ladder floor.
    return top_k_exhaustive_ordered(index, terms, n_terms, k, out_scores, out_docs, simd, shift,
                                    {floors.safe, floors.safe});
}

int64_t top_k_exhaustive(const PostingsView& index, const uint32_t* terms, int64_t n_terms,
                         int64_t k, float* out_scores, int32_t* out_docs, const SimdKernels& simd,
                         float speculate) {
    thread_local std::vector<uint32_t> reordered;
    terms = mempipe::bm25_detail::fold_order(index, terms, n_terms, reordered);
    const int64_t cap = std::min<int64_t>(k, index.num_docs);
    const float shift = mempipe::bm25_detail::query_shift(index, terms, n_terms);
    return top_k_exhaustive_ordered(index, terms, n_terms, k, out_scores, out_docs, simd, shift,
                                    start_floors(index, terms, n_terms, cap, shift, speculate));
}

}  // namespace bm25_detail

int64_t bm25_top_k_exhaustive(const PostingsView& index, const uint32_t* terms, int64_t n_terms,
                              int64_t k, float* out_scores, int32_t* out_docs) {
    mempipe::bm25_detail::check_query("bm25_top_k_exhaustive", index, terms, n_terms, false);
    mempipe::bm25_detail::check_outputs("bm25_top_k_exhaustive", k, out_scores, out_docs);
    return bm25_detail::top_k_exhaustive(index, terms, n_terms, k, out_scores, out_docs,
                                         bm25_detail::pick_simd_kernels());
}

}  // namespace mempipe::cpu
