// Internal to the CPU bm25 kernels: the top-k heap, per-thread scratch and the kernel variants.
//
// Every variant assumes validated arguments (the public entry points check them) and leaves the
// thread's scratch accumulators zeroed on return.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <functional>
#include <limits>
#include <vector>

#include "mempipe/core/buffer.h"
#include "mempipe/core/simd.h"
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

// A hit as an unsigned key ordered like ranks_before: larger key ⇔ ranks before. The score's bits
// are mapped to an order-preserving uint32 (high half; −0 is taken as +0, which compares equal),
// the doc id to 0xFFFFFFFF − doc (low half: a lower id ranks before). Scores are never NaN.
inline uint64_t hit_key(Hit h) {
    const uint32_t u = std::bit_cast<uint32_t>(h.score + 0.0f);  // −0 + 0 = +0
    const uint32_t ordered = (u & 0x80000000u) ? ~u : (u | 0x80000000u);
    return (uint64_t(ordered) << 32) | uint64_t(0xFFFFFFFFu - h.doc);
}
inline Hit key_hit(uint64_t key) {
    const uint32_t ordered = uint32_t(key >> 32);
    const uint32_t u = (ordered & 0x80000000u) ? (ordered & 0x7FFFFFFFu) : ~ordered;
    return {std::bit_cast<float>(u), 0xFFFFFFFFu - uint32_t(key)};
}

// Writes the hits of keys[0, n) to out[0, n) in rank order (the largest key first). The keys are
// distinct (a query offers each doc once) and may be permuted; n ≤ TopKHeap::kExactHeapMax for the
// SIMD variants. The heap's result order (TopKHeap::write), picked per SIMD level like SelectFn:
// the scalar variant sorts; the AVX2 and AVX-512 ones count each key's rank with 4- and 8-wide
// compares (a sort of 64 random keys mispredicts about half its branches).
using RankKeysFn = void (*)(uint64_t* keys, size_t n, Hit* out);
void rank_keys_scalar(uint64_t* keys, size_t n, Hit* out);
void rank_keys_avx2(uint64_t* keys, size_t n, Hit* out);
void rank_keys_avx512(uint64_t* keys, size_t n, Hit* out);

// The best `cap` hits of a stream offered in ascending doc id order. Offers go to a buffer until
// it holds cap hits; then the threshold becomes the cap-th score and
//   * a small cap (≤ kExactHeapMax) keeps a binary heap with the worst kept hit on top, so the
//     threshold is always the exact cap-th score (fewer offers get through). Its entries are
//     64-bit keys whose integer order is the rank order (hit_key), padded so that every node has
//     two children: the sift-down is a fixed number of levels of compares and conditional moves,
//     with no data-dependent branch (a hit's rank decides the branches of a comparison sift-down
//     at random; measured 37.4 → 35.5 µs per 8-word query at k = 64 on the real corpus);
//   * a large cap cuts the buffer back to the best cap whenever it reaches 2·cap + 32
//     (nth_element, amortised O(1) per offer; the threshold lags between cuts).
// Callers offer only scores > threshold(): a later doc with a score equal to the threshold ranks
// after the cap kept hits (its id is higher), so the strict filter is exact.
class TopKHeap {
  public:
    static constexpr size_t kExactHeapMax = 256;

    // floor: offers must beat it until cap hits are known (−inf: none). The result is the best
    // cap hits above it, which are the stream's best cap when at least cap hits beat it (always
    // so for a floor strictly below the stream's cap-th best score).
    void reset(int64_t cap, float floor = -std::numeric_limits<float>::infinity()) {
        cap_ = size_t(cap);
        limit_ = cap_;  // the first cut as soon as cap hits are known: θ helps pruning early
        theta_ = floor;
        heap_ = false;
        h_.clear();
    }
    // The floor until cap hits are known, then (a lower bound of) the worst kept score.
    float threshold() const { return theta_; }
    void offer(float score, uint32_t doc) {
        if (heap_) {
            replace_worst(hit_key({score, doc}));
            return;
        }
        h_.push_back({score, doc});
        if (h_.size() >= limit_) compact();
    }
    // Writes the hits in rank order to out[0, k), pads the rest with (−inf, −1); returns the count.
    int64_t write(int64_t k, float* out_scores, int32_t* out_docs,
                  RankKeysFn rank_keys = rank_keys_scalar) {
        if (heap_) {  // keys order as the ranks do; h_ holds cap_ entries since the first cut
            rank_keys(keys_.data(), cap_, h_.data());
        } else {
            if (h_.size() > cap_) compact();
            std::sort(h_.begin(), h_.end(),
                      [](const Hit& a, const Hit& b) { return ranks_before(a, b); });
        }
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
        // The buffer mode's threshold is its cap-th hit in rank order; the heap orders its keys
        // itself, so its first cut (exactly cap hits) needs no selection. A lambda, not the
        // function pointer, so the comparisons inline.
        if (cap_ > kExactHeapMax || h_.size() > cap_) {
            std::nth_element(h_.begin(), h_.begin() + std::ptrdiff_t(cap_ - 1), h_.end(),
                             [](const Hit& a, const Hit& b) { return ranks_before(a, b); });
            h_.resize(cap_);
        }
        if (cap_ <= kExactHeapMax) {
            // A min-heap of keys (the worst kept hit on top) in keys_[0, cap), then ~0 padding
            // up to a power of two > 2·cap + 1, so that node i < cap has children 2i + 1, 2i + 2.
            keys_.assign(std::bit_ceil(2 * cap_ + 2), ~uint64_t(0));
            for (size_t i = 0; i < cap_; ++i) keys_[i] = hit_key(h_[i]);
            levels_ = std::bit_width(cap_);  // ≥ the depth of the deepest node
            // Floyd's construction with the same branch-free sift-down: node i at depth
            // bit_width(i + 1) − 1 needs at most that many levels fewer.
            for (size_t i = cap_ / 2; i-- > 0;)
                sift_down(i, keys_[i], levels_ - (std::bit_width(i + 1) - 1));
            heap_ = true;
            theta_ = key_hit(keys_[0]).score;
            return;
        }
        theta_ = h_[cap_ - 1].score;
        limit_ = 2 * cap_ + 32;
    }
    // Heap mode: the hit replaces the worst kept one if it ranks before it. Sift-down: at every
    // level the smaller child moves up while it is below the key; once it is not, the same node is
    // compared again and nothing moves (padding children are ~0, never below a key).
    void replace_worst(uint64_t key) {
        if (key <= keys_[0]) return;
        sift_down(0, key, levels_);
        theta_ = key_hit(keys_[0]).score;
    }
    // Puts key at node i and sifts it down `levels` levels (at least the subtree's height).
    void sift_down(size_t i, uint64_t key, int levels) {
        uint64_t* h = keys_.data();
        for (int level = 0; level < levels; ++level) {
            const size_t c = 2 * i + 1;
            const uint64_t a = h[c], b = h[c + 1];
            const bool right = b < a;
            const uint64_t smaller = right ? b : a;
            const bool move = smaller < key;
            h[i] = move ? smaller : h[i];
            i = move ? c + size_t(right) : i;
        }
        h[i] = key;
    }

    size_t cap_ = 0, limit_ = 0;
    bool heap_ = false;
    float theta_ = -std::numeric_limits<float>::infinity();
    std::vector<Hit> h_;          // buffer mode (and the result at write)
    std::vector<uint64_t> keys_;  // heap mode
    int levels_ = 0;
};

// Doc ids per window of the windowed kernels (a [kWindow] float accumulator stays in L1).
inline constexpr uint32_t kWindow = 4096;
// Doc ids per window of the pruned kernel. Its queries scatter few postings per doc (see
// kPrunedMaxUnmappedPerDoc), so narrow windows would pay the per-window work (bounds, a scatter
// call per term) for a handful of postings; its windows are selected by walking their postings,
// so only the accumulator grows ([128 KiB], L2). Measured on the 309K-passage real corpus: 4096
// → 32768 took 8-word queries at k = 64 from 61 to 38 µs.
inline constexpr uint32_t kPrunedWindow = 32768;
// Queries whose lists without a presence map hold at least one posting per this many docs go to
// the exhaustive kernel: pruning scatters those lists anyway, and with many terms its bounds and
// survivor folds cost more than the exhaustive scan (measured: 32-word queries, 131 µs
// exhaustive vs 205 µs pruned; 8-word queries 66 vs 39 µs, k = 64).
inline constexpr uint64_t kPrunedMaxUnmappedPerDoc = 10;
// At k ≤ TopKHeap::kExactHeapMax the dense-list test counts each posting of the query's mapped
// terms as this many docs more (unmapped × kPrunedMaxUnmappedPerDoc ≥ num_docs + this × mapped):
// the exhaustive kernel scans those lists, which the pruned kernel only probes, so the more of
// them a query holds the denser its other lists may be before the exhaustive scan wins. Replayed
// per-query timings (best of 15, real corpus): 32-word queries 91.7 → 83.2 µs at k = 10 and 100.3 →
// 95.6 µs at k = 64 (oracle routing 80.2 / 94.0); 8-word queries and the synthetic corpus within
// 1% (docs/rag.md). Not at k = 1000, where it costs the real corpus 1%.
inline constexpr uint64_t kDenseMappedWeight = 2;
// The same for k > TopKHeap::kExactHeapMax, where the pruned kernel's threshold is lower and lags
// (the heap's buffer mode): ≥ 1 posting per 50 docs. Measured at k = 1000 (best of 15 per query):
// 8-word queries, real corpus 139 → 126 µs, synthetic 1M-doc corpus 456 → 278 µs; 32 words 229 →
// 221 µs. (At k ≤ 256 both corpora want the threshold at 10 once kPrunedMaxProbedShare routes
// the queries with loose candidate filters; docs/rag.md.)
inline constexpr uint64_t kPrunedMaxUnmappedPerDocLargeK = 50;
// Queries whose terms with a presence map (the probed ones) have maxima summing to at least this
// fraction of the starting threshold (above the shift) have a loose candidate filter: the pruned
// kernel compares the accumulator with θ less the probed terms' bounds, so it then passes docs
// that the scattered terms lift to half of θ, and each candidate costs a presence-map probe per
// probed term. They go to the exhaustive kernel when those probes could cost more than its scan:
// unmapped postings × probed positions × kProbeCostPostings ≥ all the query's postings (a
// candidate's probe costs about as much as 8 postings of the exhaustive scan: on the synthetic
// 1M-doc corpus, queries with two probed terms break even at ~6.5% unmapped postings).
// Measured (best of 15 per query): synthetic 8-word queries with two frequent terms offered ~75K
// candidates each and took 490–1,150 µs pruned against 200–250 µs exhaustive. Replayed over 14
// query sets, the rule takes synthetic 8-word queries at k = 10 / 64 / 1000 from 129 / 170 / 276
// to 115 / 131 / 265 µs per query and real-corpus queries of 2 frequent + 6 mid-frequency terms
// from 134 to 74 µs; it routes no bench query of the real corpus differently and keeps queries of
// one frequent term and rare terms (few candidates, however loose the filter) on the pruned kernel
// (docs/rag.md).
inline constexpr double kPrunedMaxProbedShare = 0.5;
inline constexpr uint64_t kProbeCostPostings = 8;

// What the router reads of a query, per query position (a duplicate counts again).
struct RouteStats {
    uint64_t unmapped = 0;  // postings of the positions without a presence map
    uint64_t mapped = 0;    // postings of the positions with one (the probed terms)
    uint64_t probed = 0;    // positions with a presence map
    double probed_max = 0;  // Σ term_max over those positions (0 without term maxima)
};
// Whether top_k_pruned hands the query to the exhaustive kernel: its unmapped lists are dense
// (kPrunedMaxUnmappedPerDoc with kDenseMappedWeight, kPrunedMaxUnmappedPerDocLargeK for
// cap > TopKHeap::kExactHeapMax), or its candidate filter is loose and its probes would cost more
// than the exhaustive scan (kPrunedMaxProbedShare, kProbeCostPostings). start and shift: the
// query's starting threshold (start_floors) and shift.
bool prefer_exhaustive(const RouteStats& q, int64_t num_docs, int64_t cap, float start,
                       float shift);

// The kernels start from this multiple of the impact-ladder floor (above the shift), a guess at a
// threshold closer to the k-th best score; a query that finds fewer than k hits above it runs
// again from the ladder floor itself (the result is exact either way). On the 309K-passage real
// corpus the k-th best 8-word-query score is at least 1.13× the ladder floor for 97% of the queries
// at k = 10, 64 and 1000 (median 1.35× at k = 64); at 1.1× 1.6% of the queries run twice and the
// pruned kernel's 8-word queries at k = 64 take 3–6% less time (same-process A/B).
inline constexpr float kSpeculate = 1.1f;

// The thresholds a query starts from. `safe`: a score strictly below its k-th best (−inf when none
// is known): the largest ladder entry for k among its terms, plus the shift, less one ulp
// (ops/bm25.h). `start`: safe scaled by `speculate` above the shift (safe itself when speculate ≤ 1
// or no floor is known). Any start gives the exact result when the run finds k hits (each is a real
// score above it, so the k-th best is too, and no doc that could rank was dropped); with fewer
// (retry()), the kernel runs again from safe.
struct StartFloors {
    float safe, start;
    bool retry(int64_t found, int64_t cap) const { return found < cap && start != safe; }
};
StartFloors start_floors(const PostingsView& index, const uint32_t* terms, int64_t n_terms,
                         int64_t k, float shift, float speculate);

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
// (a predictable branch per 4 postings) instead of searching for it first. chunks may be null
// (windows wider than kWindow, selected by walking).
inline uint64_t scatter_until(const uint32_t* __restrict docs, const float* __restrict imps,
                              uint64_t p, uint64_t e, uint32_t w0, uint32_t w1,
                              float* __restrict wacc, uint64_t* chunks) {
    const uint64_t start = p;
    // The list's next window is a few cache lines further on: ask for them now (a short run per
    // window and list defeats the hardware prefetcher).
    __builtin_prefetch(docs + p + 32);
    __builtin_prefetch(imps + p + 32);
    __builtin_prefetch(docs + p + 48);
    __builtin_prefetch(imps + p + 48);
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
    if (chunks != nullptr && p > start) *chunks |= chunk_span(docs[start] - w0, docs[p - 1] - w0);
    return p;
}

// Per-thread scratch, grown on demand and reused across calls.
struct Scratch {
    // [kPrunedWindow] window accumulator. Every entry is −0.0f between uses: −0 + x == +0 + x for
    // every x ≥ 0, so the fold is unchanged, and a clear sign bit marks a touched doc.
    Buffer<float> wacc;
    Buffer<std::byte> cand;  // candidate arrays of the windowed kernels
    TopKHeap heap;

    float* window_acc() {
        if (wacc.size() < kPrunedWindow) wacc = Buffer<float>(kPrunedWindow, -0.0f);
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
// popcount(chunks)). wacc: [kWindow], 64-byte aligned; out_dd, out_score: [kWindow], of which
// entries past the count may be overwritten. The kernels call it once per window.
using SelectFn = uint32_t (*)(float* wacc, uint64_t chunks, float shift, float theta,
                              uint32_t* out_dd, float* out_score);
uint32_t select_window_scalar(float* wacc, uint64_t chunks, float shift, float theta,
                              uint32_t* out_dd, float* out_score);
uint32_t select_window_avx2(float* wacc, uint64_t chunks, float shift, float theta,
                            uint32_t* out_dd, float* out_score);
uint32_t select_window_avx512(float* wacc, uint64_t chunks, float shift, float theta,
                              uint32_t* out_dd, float* out_score);

// The SIMD-specific code of the family: the window selection, the heap's result order, and the
// level the pruned kernel's code is compiled for (Scalar or Avx2).
struct SimdKernels {
    SelectFn select = select_window_scalar;
    RankKeysFn rank_keys = rank_keys_scalar;
    SimdLevel pruned = SimdLevel::Scalar;
};
// The variants for the active SIMD level.
SimdKernels pick_simd_kernels();

// The kernels (validated arguments; `simd` picked once per call by the entry point). Each puts
// the query in fold order itself (bm25_detail::fold_order), so tests may call them directly.
// Offers start above start_floors(…, speculate).start (kSpeculate; ≤ 1: the ladder floor).
int64_t top_k_exhaustive(const PostingsView& index, const uint32_t* terms, int64_t n_terms,
                         int64_t k, float* out_scores, int32_t* out_docs, const SimdKernels& simd,
                         float speculate = kSpeculate);
// The same for a query already in fold order, with its shift and start floors
// (start_floors(…, min(k, num_docs), shift, speculate)) known: the pruned kernel's hand-off.
int64_t top_k_exhaustive_ordered(const PostingsView& index, const uint32_t* terms, int64_t n_terms,
                                 int64_t k, float* out_scores, int32_t* out_docs,
                                 const SimdKernels& simd, float shift, StartFloors floors);

// Knobs of the pruned kernel, exposed so tests can force its code paths on small indexes.
struct PrunedTuning {
    uint32_t window = kPrunedWindow;  // doc ids per window (64..kPrunedWindow, a multiple of 64)
    // Hand dense queries (kPrunedMaxUnmappedPerDoc) to the exhaustive kernel.
    bool allow_exhaustive = true;
    SimdKernels simd;  // the code level, the heap's result order, the exhaustive kernel's selection
    // Start from this multiple of the ladder floor (kSpeculate; ≤ 1: the floor itself).
    float speculate = kSpeculate;
};
int64_t top_k_pruned(const PostingsView& index, const uint32_t* terms, int64_t n_terms, int64_t k,
                     float* out_scores, int32_t* out_docs, const PrunedTuning& tuning);

}  // namespace mempipe::cpu::bm25_detail
