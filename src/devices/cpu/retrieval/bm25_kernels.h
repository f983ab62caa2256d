// Internal to the CPU bm25 kernels: the top-k heap, per-thread scratch and the kernel variants.
//
// Every variant assumes validated arguments (the public entry points check them) and leaves the
// thread's scratch accumulators zeroed on return.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

#include "mempipe/core/buffer.h"
#include "mempipe/ops/bm25.h"

namespace mempipe::cpu::bm25_detail {

struct Hit {
    float score;
    uint32_t doc;
};

// a ranks before b: score descending, ties → lower doc id.
inline bool ranks_before(const Hit& a, const Hit& b) {
    return a.score > b.score || (a.score == b.score && a.doc < b.doc);
}

// The best `cap` hits of a stream offered in ascending doc id order. Offers go to a buffer; when it
// holds cap hits (the first time), then 2·cap + 32, it is cut to the best cap (nth_element,
// amortised O(1) per offer) and the threshold becomes the cap-th score. Callers offer only scores >
// threshold(): a later doc with a score equal to the threshold ranks after the cap kept hits (its
// id is higher), so the strict filter is exact.
class TopKHeap {
  public:
    void reset(int64_t cap) {
        cap_ = size_t(cap);
        limit_ = cap_;  // the first cut as soon as cap hits are known: θ helps pruning early
        theta_ = -std::numeric_limits<float>::infinity();
        h_.clear();
    }
    // −inf until cap hits are known, then (a lower bound of) the worst kept score.
    float threshold() const { return theta_; }
    void offer(float score, uint32_t doc) {
        h_.push_back({score, doc});
        if (h_.size() >= limit_) compact();
    }
    // Writes the hits in rank order to out[0, k), pads the rest with (−inf, −1); returns the count.
    int64_t write(int64_t k, float* out_scores, int32_t* out_docs) {
        if (h_.size() > cap_) compact();
        std::sort(h_.begin(), h_.end(),
                  [](const Hit& a, const Hit& b) { return ranks_before(a, b); });
        const int64_t n = int64_t(h_.size());
        for (int64_t j = 0; j < n; ++j) {
            out_scores[j] = h_[size_t(j)].score;
            out_docs[j] = int32_t(h_[size_t(j)].doc);
        }
        for (int64_t j = n; j < k; ++j) {
            out_scores[j] = -std::numeric_limits<float>::infinity();
            out_docs[j] = -1;
        }
        return n;
    }

  private:
    void compact() {
        // A lambda, not the function pointer, so the comparisons inline.
        std::nth_element(h_.begin(), h_.begin() + std::ptrdiff_t(cap_ - 1), h_.end(),
                         [](const Hit& a, const Hit& b) { return ranks_before(a, b); });
        h_.resize(cap_);
        theta_ = h_[cap_ - 1].score;
        limit_ = 2 * cap_ + 32;
    }

    size_t cap_ = 0, limit_ = 0;
    float theta_ = -std::numeric_limits<float>::infinity();
    std::vector<Hit> h_;
};

// Doc ids per window of the windowed kernels (a [kWindow] float accumulator stays in L1).
inline constexpr uint32_t kWindow = 4096;

// First index in [p, e) whose doc is ≥ bound (e if none), galloping from p: O(log distance).
inline uint64_t gallop_to(const uint32_t* docs, uint64_t p, uint64_t e, uint64_t bound) {
    if (p >= e || docs[p] >= bound) return p;
    uint64_t lo = p, step = 1;  // docs[lo] < bound
    while (lo + step < e && docs[lo + step] < bound) {
        lo += step;
        step *= 2;
    }
    const uint64_t hi = std::min(lo + step, e);
    return uint64_t(std::lower_bound(docs + lo + 1, docs + hi, bound) - docs);
}

// The 64-doc chunks of a window spanned by window offsets [first, last] (a superset of the
// touched chunks: the selection skips untouched docs by their sign bit).
inline uint64_t chunk_span(uint32_t first, uint32_t last) {
    return ((uint64_t(2) << (last >> 6)) - 1) & ~((uint64_t(1) << (first >> 6)) - 1);
}

// Scatters postings [p, e), all in the window starting at w0, into wacc; returns their chunks.
// Doc ids within one list are distinct, so the four adds of an unrolled step never alias.
inline uint64_t scatter_window(const uint32_t* __restrict docs, const float* __restrict imps,
                               uint64_t p, uint64_t e, uint32_t w0, float* __restrict wacc) {
    if (p == e) return 0;
    const uint64_t first = docs[p] - w0, last = docs[e - 1] - w0;
    uint64_t q = p;
    for (; q + 4 <= e; q += 4) {
        const uint32_t d0 = docs[q] - w0, d1 = docs[q + 1] - w0;
        const uint32_t d2 = docs[q + 2] - w0, d3 = docs[q + 3] - w0;
        const float a0 = wacc[d0] + imps[q], a1 = wacc[d1] + imps[q + 1];
        const float a2 = wacc[d2] + imps[q + 2], a3 = wacc[d3] + imps[q + 3];
        wacc[d0] = a0;
        wacc[d1] = a1;
        wacc[d2] = a2;
        wacc[d3] = a3;
    }
    for (; q < e; ++q) wacc[docs[q] - w0] += imps[q];
    return chunk_span(uint32_t(first), uint32_t(last));
}

// Scatters the postings of [p, e) whose doc is below w1 (all ≥ w0) into wacc and returns the first
// posting not scattered; *chunks gets their 64-doc chunks. Finds the window end while scattering
// (a predictable branch per 4 postings) instead of searching for it first.
inline uint64_t scatter_until(const uint32_t* __restrict docs, const float* __restrict imps,
                              uint64_t p, uint64_t e, uint32_t w0, uint32_t w1,
                              float* __restrict wacc, uint64_t* chunks) {
    const uint64_t start = p;
    while (p + 4 <= e && docs[p + 3] < w1) {
        const uint32_t d0 = docs[p] - w0, d1 = docs[p + 1] - w0;
        const uint32_t d2 = docs[p + 2] - w0, d3 = docs[p + 3] - w0;
        const float a0 = wacc[d0] + imps[p], a1 = wacc[d1] + imps[p + 1];
        const float a2 = wacc[d2] + imps[p + 2], a3 = wacc[d3] + imps[p + 3];
        wacc[d0] = a0;
        wacc[d1] = a1;
        wacc[d2] = a2;
        wacc[d3] = a3;
        p += 4;
    }
    for (; p < e && docs[p] < w1; ++p) wacc[docs[p] - w0] += imps[p];
    if (p > start) *chunks |= chunk_span(docs[start] - w0, docs[p - 1] - w0);
    return p;
}

// Per-thread scratch, grown on demand and reused across calls.
struct Scratch {
    // [kWindow] window accumulator. Every entry is −0.0f between uses: −0 + x == +0 + x for every
    // x ≥ 0, so the fold is unchanged, and a clear sign bit marks a touched doc.
    Buffer<float> wacc;
    Buffer<std::byte> cand;  // candidate arrays of the windowed kernels
    TopKHeap heap;

    float* window_acc() {
        if (wacc.size() < kWindow) wacc = Buffer<float>(kWindow, -0.0f);
        return wacc.data();
    }
    std::byte* candidates(size_t bytes) {
        if (cand.size() < bytes) cand = Buffer<std::byte>(bytes);
        return cand.data();
    }
};

inline Scratch& thread_scratch() {
    thread_local Scratch scratch;
    return scratch;
}

// Selection of a window: for every 64-doc chunk c set in `chunks`, every touched doc dd of the
// chunk (sign bit of wacc[dd] clear) with score = wacc[dd] + shift > theta is appended, in
// ascending dd, to out_dd / out_score; the chunk is reset to −0.0f. Returns the count (≤ 64 ×
// popcount(chunks)). wacc: [kWindow], 64-byte aligned; out_dd, out_score: [kWindow]. The only
// SIMD-specific code of the family: the kernels call it once per window.
using SelectFn = uint32_t (*)(float* wacc, uint64_t chunks, float shift, float theta,
                              uint32_t* out_dd, float* out_score);
uint32_t select_window_scalar(float* wacc, uint64_t chunks, float shift, float theta,
                              uint32_t* out_dd, float* out_score);
uint32_t select_window_avx512(float* wacc, uint64_t chunks, float shift, float theta,
                              uint32_t* out_dd, float* out_score);
// The variant for the active SIMD level.
SelectFn pick_select();

// The kernels (validated arguments; `select` picked once per call by the entry point).
int64_t top_k_exhaustive(const PostingsView& index, const uint32_t* terms, int64_t n_terms,
                         int64_t k, float* out_scores, int32_t* out_docs, SelectFn select);

// Knobs of the pruned kernel, exposed so tests can force its code paths on small indexes.
struct PrunedTuning {
    uint32_t max_window = kWindow;  // doc ids per window (64..kWindow, a multiple of 64)
    bool allow_exhaustive = true;   // hand small or large-k queries to the exhaustive kernel
    // A window is scored exactly (every term scattered, no probing) when the non-essential terms
    // have at most this many times the essential terms' blocks in it: a scattered posting costs a
    // few instructions, a probed candidate tens.
    uint64_t full_scatter_ratio = 3;
    // A probed candidate costs about this many scattered postings (a search in a list vs an add);
    // a MaxScore window whose candidates would cost more than scattering the non-essential lists
    // is scored exactly. 0 = always probe.
    uint64_t probe_cost = 16;
    SelectFn select = select_window_scalar;
};
int64_t top_k_pruned(const PostingsView& index, const uint32_t* terms, int64_t n_terms, int64_t k,
                     float* out_scores, int32_t* out_docs, const PrunedTuning& tuning);

}  // namespace mempipe::cpu::bm25_detail
