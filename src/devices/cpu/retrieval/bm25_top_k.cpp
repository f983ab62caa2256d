// CPU bm25_top_k: block-max MaxScore over wide doc-id windows, with presence maps for frequent
// terms and a starting threshold from impact ladders.
//
// Queries whose lists without a presence map are dense (kPrunedMaxUnmappedPerDoc, or
// kPrunedMaxUnmappedPerDocLargeK for k > TopKHeap::kExactHeapMax), or whose candidate filter is
// loose and costly (kPrunedMaxProbedShare; prefer_exhaustive), go to the exhaustive kernel. The
// others start from θ = a guess above the floor from the impact ladders (a score strictly below
// the k-th best; see ops/bm25.h), run again from the floor itself in the rare case that fewer than
// k docs beat the guess (kSpeculate), over windows [w0, w1) of kPrunedWindow doc ids.
//
// Per window every unique query term gets a bound wub = multiplicity × the largest maximum of its
// blocks that may overlap the window (0 when its next posting is past it). Terms sorted by wub
// are split: the longest prefix whose summed bound cannot beat θ is non-essential; if that is
// every term the window is skipped. The non-essential terms with a presence map (the frequent
// ones: low idf, long lists, where a scatter spends its time) are *probed*; every other term is
// scattered into the window accumulator (in fold order, ops/bm25.h; a duplicate scatters again).
// Only docs an essential term touches can beat θ, so the candidates come from a walk over the
// essential terms' window postings (each doc on its first visit), which also resets the
// accumulator:
//   * nothing probed: the accumulator holds the canonical fold; candidates above θ are offered;
//   * otherwise the accumulator is a bound: each probed term's impact (an O(1) presence-map
//     probe) replaces its bound while the candidate can still beat θ, and a survivor's score is
//     the canonical float32 fold of all its impacts. The fold order puts the frequent terms (the
//     only ones with maps) last, so when every scattered term precedes every probed one — always,
//     unless a frequent term was essential in the window — the accumulator is the fold's prefix
//     and the probes finish it; otherwise the fold is redone from presence-map probes and a
//     forward search in the scattered terms' window postings. Absent terms add +0, which is
//     exact, so every path is bit-identical to the exhaustive kernel.
// Candidates and offers go in ascending doc order (see TopKHeap).
//
// Bounds are conservative under float rounding: they are summed in double, inflated by a relative
// margin far above the fold's error (n_terms · 2^-24) and rounded up to float before the shift is
// added (float addition is monotonic). Since docs come in ascending id order, a doc whose bound
// equals θ can be dropped: at best it ties with the k-th and loses on its higher id; the floor is
// strictly below the k-th best score, so it drops nothing that could rank.
#include <bit>
#include <cmath>

#include "../../../ops/retrieval/bm25_internal.h"
#include "bm25_kernels.h"
#include "mempipe/core/simd.h"
#include "mempipe/ops/bm25.h"

namespace mempipe::cpu {

namespace bm25_detail {

namespace {

constexpr uint64_t kBlock = uint64_t(kBm25BlockSize);

// One unique query term with a non-empty list.
struct Cursor {
    const uint32_t* docs;  // the term's doc ids, indexed by absolute posting
    const float* imps;
    uint64_t begin, end, pos;     // postings [begin, end); pos = the next posting not yet passed
    uint64_t blk0, blk, blk_end;  // blocks [blk0, blk_end); blk = first block that may reach w0
    float mult;                   // multiplicity in the query
    double wub;                   // window bound
    uint64_t range;               // window postings [range, pos) of a scattered term
    const uint64_t* bits;         // presence map [words] or null
    const uint32_t* rank;         // [words]
    bool probed;                  // this window: non-essential with a map: probed, not scattered
    bool essential;               // this window: its postings may lift a doc past θ
};

// The impact of doc d in a term with a presence map (0 when d is not in its list).
inline float presence_impact(const Cursor& c, uint32_t d) {
    const uint64_t word = c.bits[d >> 6];
    const uint64_t bit = uint64_t(1) << (d & 63);
    if ((word & bit) == 0) return 0.0f;
    return c.imps[c.begin + c.rank[d >> 6] + uint64_t(std::popcount(word & (bit - 1)))];
}

// First position in [first, first + n) with *pos ≥ target, or first + n; n ≥ 1. Branch-free
// halving (conditional moves), so the probe of a dense list costs no mispredictions.
inline const uint32_t* lower_bound_branchless(const uint32_t* first, uint64_t n, uint32_t target) {
    while (n > 1) {
        const uint64_t half = n / 2;
        first = first[half - 1] < target ? first + half : first;
        n -= half;
    }
    return first + (*first < target);
}

// Moves c.pos to the first posting with doc ≥ target: a look 16 postings ahead (probes are
// ascending and often close), else block_last skips; then a branch-free search.
inline void advance(Cursor& c, uint32_t target, const uint32_t* block_last) {
    uint64_t p = c.pos;
    if (p >= c.end || c.docs[p] >= target) return;
    ++p;
    if (p + 16 <= c.end && c.docs[p + 15] >= target) {
        c.pos = uint64_t(lower_bound_branchless(c.docs + p, 16, target) - c.docs);
        return;
    }
    uint64_t b = c.blk0 + (p - c.begin) / kBlock;
    while (b < c.blk_end && block_last[b] < target) ++b;
    if (b == c.blk_end) {
        c.pos = c.end;
        return;
    }
    // The block's last doc is ≥ target, so the answer lies inside it.
    p = std::max(p, c.begin + (b - c.blk0) * kBlock);
    const uint64_t block_end = std::min(c.end, c.begin + (b - c.blk0 + 1) * kBlock);
    c.pos = uint64_t(lower_bound_branchless(c.docs + p, block_end - p, target) - c.docs);
}

// The smallest float ≥ x, for x ≥ 0.
inline float round_up(double x) {
    float f = float(x);
    if (double(f) < x) f = std::bit_cast<float>(std::bit_cast<uint32_t>(f) + 1);
    return f;
}

// Pruning bounds in raw (unshifted, double) space: a raw bound r can be dropped against θ when
// round_up(r · inflate) + shift ≤ θ. Since that is monotonic in r, it holds for every r ≤ limit().
class Threshold {
  public:
    Threshold(double inflate, float shift) : inflate_(inflate), shift_(shift) {}
    double limit() const { return limit_; }
    void set(float theta) {
        if (theta == theta_) return;
        theta_ = theta;
        if (theta == -std::numeric_limits<float>::infinity()) {
            limit_ = -1.0;  // bounds are ≥ 0: nothing is dropped
            return;
        }
        auto ok = [&](double g) { return round_up(g * inflate_) + shift_ <= theta; };
        double g = (double(theta) - double(shift_)) / inflate_;
        for (int step = 0; step < 64 && g > 0 && !ok(g); ++step) g -= g * 0x1p-20 + 0x1p-149;
        if (!(g > 0 && ok(g))) g = ok(0.0) ? 0.0 : -1.0;
        limit_ = g;
    }

  private:
    double inflate_;
    float shift_;
    float theta_ = std::numeric_limits<float>::quiet_NaN();
    double limit_ = -1.0;
};

}  // namespace

StartFloors start_floors(const PostingsView& index, const uint32_t* terms, int64_t n_terms,
                         int64_t k, float shift, float speculate) {
    constexpr float kNone = -std::numeric_limits<float>::infinity();
    const int level = std::bit_width(uint64_t(std::max<int64_t>(k, 1) - 1));  // 2^level ≥ k
    if (index.ladder_slot == nullptr || k < 1 || level >= kBm25LadderLevels) return {kNone, kNone};
    float best = 0.0f;
    bool any = false;
    for (int64_t i = 0; i < n_terms; ++i) {
        const uint32_t slot = index.ladder_slot[terms[i]];
        if (slot == kBm25NoPresence) continue;
        best = std::max(best, index.ladder[uint64_t(slot) * kBm25LadderLevels + uint64_t(level)]);
        any = true;
    }
    if (!any) return {kNone, kNone};
    const float safe = std::nextafter(best + shift, kNone);
    if (!(speculate > 1.0f)) return {safe, safe};
    const float guess = (safe - shift) * speculate + shift;
    return {safe, guess > safe ? guess : safe};
}

bool prefer_exhaustive(const RouteStats& q, int64_t num_docs, int64_t cap, float start,
                       float shift) {
    const bool large_k = cap > int64_t(TopKHeap::kExactHeapMax);
    if (large_k ? q.unmapped * kPrunedMaxUnmappedPerDocLargeK >= uint64_t(num_docs)
                : q.unmapped * kPrunedMaxUnmappedPerDoc >=
                      uint64_t(num_docs) + kDenseMappedWeight * q.mapped)
        return true;
    const bool loose =
        std::isfinite(start) && q.probed_max >= kPrunedMaxProbedShare * (double(start) - shift);
    return loose && q.unmapped * q.probed * kProbeCostPostings >= q.unmapped + q.mapped;
}

namespace {

// The kernel, inlined into one function per SIMD level (below).
[[gnu::always_inline]] inline int64_t pruned_body(const PostingsView& index, const uint32_t* terms,
                                                  int64_t n_terms, int64_t k, float* out_scores,
                                                  int32_t* out_docs, const PrunedTuning& tuning) {
    const uint32_t* query_terms = terms;  // as given, for a retry
    thread_local std::vector<uint32_t> reordered;
    terms = mempipe::bm25_detail::fold_order(index, terms, n_terms, reordered);
    Scratch& s = thread_scratch();
    TopKHeap& heap = s.heap;
    const int64_t cap = std::min<int64_t>(k, index.num_docs);
    if (k == 0) return 0;

    // Unique terms with non-empty lists; qmap[i] = the unique index of query position i or −1.
    thread_local std::vector<Cursor> cursors;
    thread_local std::vector<int> qmap, order;
    thread_local std::vector<float> surv_vals;  // [n × survivors] of a window
    cursors.clear();
    qmap.assign(size_t(n_terms), -1);
    const uint64_t words = bm25_presence_words(index.num_docs);
    RouteStats route;
    for (int64_t i = 0; i < n_terms; ++i) {
        const uint32_t t = terms[i];
        const uint64_t begin = index.offsets[t], end = index.offsets[t + 1];
        if (begin == end) continue;
        int u = -1;
        for (size_t j = 0; j < cursors.size(); ++j)
            if (cursors[j].begin == begin) u = int(j);
        if (u < 0) {
            u = int(cursors.size());
            Cursor c{};
            c.docs = index.docs;
            c.imps = index.impacts;
            c.begin = c.pos = begin;
            c.end = end;
            c.blk0 = c.blk = index.block_offsets[t];
            c.blk_end = index.block_offsets[t + 1];
            c.mult = 0.0f;
            if (index.presence_slot != nullptr && index.presence_slot[t] != kBm25NoPresence) {
                c.bits = index.presence_bits + uint64_t(index.presence_slot[t]) * words;
                c.rank = index.presence_rank + uint64_t(index.presence_slot[t]) * words;
            }
            cursors.push_back(c);
        }
        cursors[size_t(u)].mult += 1.0f;
        if (cursors[size_t(u)].bits == nullptr) {
            route.unmapped += end - begin;
        } else {
            route.mapped += end - begin;
            ++route.probed;
            if (index.term_max != nullptr) route.probed_max += double(index.term_max[t]);
        }
        qmap[size_t(i)] = u;
    }
    if (cursors.empty()) {  // nothing matches: k padded slots
        heap.reset(cap);
        return heap.write(k, out_scores, out_docs);
    }
    const float shift = mempipe::bm25_detail::query_shift(index, terms, n_terms);
    const StartFloors floors = start_floors(index, terms, n_terms, cap, shift, tuning.speculate);
    if (tuning.allow_exhaustive &&
        prefer_exhaustive(route, index.num_docs, cap, floors.start, shift))
        return top_k_exhaustive_ordered(index, terms, n_terms, k, out_scores, out_docs, tuning.simd,
                                        shift, floors);

    const int n = int(cursors.size());
    heap.reset(cap, floors.start);
    Threshold limit(1.0 + double(n_terms + 8) * 0x1p-21, shift);
    const uint32_t* block_last = index.block_last;
    const float* block_max = index.block_max;

    const uint32_t window = std::clamp<uint32_t>(tuning.window, 64, kPrunedWindow) & ~uint32_t(63);
    float* wacc = s.window_acc();  // [window], −0.0f between uses
    std::byte* cand = s.candidates(size_t(window) * 8 + size_t(window) / 8);
    uint32_t* cand_dd = reinterpret_cast<uint32_t*>(cand);                   // [window]
    float* cand_score = reinterpret_cast<float*>(cand_dd + window);          // [window]
    uint64_t* cand_mark = reinterpret_cast<uint64_t*>(cand_score + window);  // [window / 64]
    std::fill(cand_mark, cand_mark + window / 64, uint64_t(0));
    // Bit w of the summary: word w of cand_mark may be non-zero.
    constexpr uint32_t kSummaryWords = kPrunedWindow / 4096;
    uint64_t cand_summary[kSummaryWords] = {};

    uint32_t lo = std::numeric_limits<uint32_t>::max(), hi = 0;
    for (const Cursor& c : cursors) {
        lo = std::min(lo, c.docs[c.begin]);
        hi = std::max(hi, c.docs[c.end - 1]);
    }
    order.resize(size_t(n));
    for (int u = 0; u < n; ++u) order[size_t(u)] = u;
    float theta = heap.threshold();
    limit.set(theta);
    // Offers go in ascending doc order; θ follows the heap.
    auto offer = [&](float score, uint32_t doc) {
        if (score > theta) {
            heap.offer(score, doc);
            theta = heap.threshold();
        }
    };

    for (uint64_t w0 = lo; w0 <= hi;) {
        const uint64_t w1 = std::min<uint64_t>(w0 + window, uint64_t(hi) + 1);
        for (int u = 0; u < n; ++u) {
            Cursor& c = cursors[size_t(u)];
            while (c.blk < c.blk_end && block_last[c.blk] < w0) ++c.blk;
            // Blocks that may overlap the window: none when the term's next posting is past it
            // (known from the cursor, or from the first doc of its block), else from c.blk up
            // to the first block ending at or past w1 (block metadata only).
            float m = 0.0f;
            uint64_t next = ~uint64_t(0);  // a doc ≤ the term's first doc ≥ w0
            if (c.pos < c.end && c.docs[c.pos] >= w0)
                next = c.docs[c.pos];
            else if (c.blk < c.blk_end)
                next = std::max<uint64_t>(w0, c.docs[c.begin + (c.blk - c.blk0) * kBlock]);
            if (next < w1) {
                uint64_t b = c.blk;
                for (; b < c.blk_end; ++b) {
                    m = std::max(m, block_max[b]);
                    if (block_last[b] >= w1) break;
                }
                c.blk = b;  // the blocks before b end before w1, where the next window starts
            }
            c.wub = double(c.mult) * double(m);
            c.probed = c.essential = false;
        }
        // Terms by ascending bound: an insertion sort from the previous window's order (bounds
        // change little from window to window).
        for (int i = 1; i < n; ++i) {
            const int u = order[size_t(i)];
            const double b = cursors[size_t(u)].wub;
            int j = i;
            for (; j > 0 && cursors[size_t(order[size_t(j - 1)])].wub > b; --j)
                order[size_t(j)] = order[size_t(j - 1)];
            order[size_t(j)] = u;
        }
        // The non-essential prefix; its terms with a presence map are probed.
        int ne = 0;
        double ne_total = 0.0, probed_total = 0.0;
        bool any_probed = false;
        while (ne < n) {
            Cursor& c = cursors[size_t(order[size_t(ne)])];
            const double next = ne_total + c.wub;
            if (!(next <= limit.limit())) break;
            ne_total = next;
            if (c.bits != nullptr) {
                c.probed = any_probed = true;
                probed_total += c.wub;
            }
            ++ne;
        }
        if (ne == n) {  // nothing in this window can beat θ
            w0 = w1;
            continue;
        }
        for (int j = ne; j < n; ++j) cursors[size_t(order[size_t(j)])].essential = true;
        // Scatter the other terms' window postings, query position by query position (a
        // duplicate scatters the same range again); lazy cursors catch up to the window first.
        for (int u = 0; u < n; ++u) {
            Cursor& c = cursors[size_t(u)];
            if (c.probed) continue;
            advance(c, uint32_t(w0), block_last);
            c.range = c.pos;
        }
        // prefix: every scattered position precedes every probed one, so the accumulator is a
        // prefix of each doc's fold.
        bool prefix = true, seen_probed = false;
        for (int64_t i = 0; i < n_terms; ++i) {
            const int u = qmap[size_t(i)];
            if (u < 0) continue;
            Cursor& c = cursors[size_t(u)];
            if (c.probed) {
                seen_probed = true;
                continue;
            }
            prefix &= !seen_probed;
            c.pos = scatter_until(c.docs, c.imps, c.range, c.end, uint32_t(w0), uint32_t(w1), wacc,
                                  nullptr);
        }
        // Candidates: docs whose accumulator (+ the probed terms' bounds) may beat θ. Only docs
        // an essential term touches can (the others score at most the non-essential bounds), so
        // the essential terms' postings are visited (each doc on its first visit, which resets
        // it), then the other scattered terms' docs are reset. The float pre-filter is rounded
        // down so that it keeps every doc whose bound beats the limit.
        const double lim = limit.limit();
        float sel_shift = shift, sel_theta = theta;
        if (any_probed) {
            const double pre = lim - probed_total;
            sel_shift = 0.0f;
            sel_theta = float(pre);
            if (double(sel_theta) > pre)
                sel_theta = std::nextafter(sel_theta, -std::numeric_limits<float>::infinity());
        }
        // Mark candidates in a bitmap (and its words in a summary) and reset the others on the
        // way (a doc in two lists is marked twice; a reset doc reads −0 on a later visit, which
        // cannot pass where its sum did not); read the candidates back in ascending order,
        // resetting them; then reset the docs only non-essential scattered terms touched. A
        // candidate is rare (~4% of the walk), so the walk branches on it: one store per posting
        // (the reset) instead of two (reset and mark), measured 40.7 → 39.1 µs per 8-word query
        // at k = 64 on the real corpus; the summary saves scanning the empty words (→ 37.5 µs).
        for (int u = 0; u < n; ++u) {
            const Cursor& c = cursors[size_t(u)];
            if (!c.essential) continue;
            for (uint64_t p = c.range; p < c.pos; ++p) {
                const uint32_t dd = c.docs[p] - uint32_t(w0);
                if (__builtin_expect(wacc[dd] + sel_shift > sel_theta, 0)) {
                    cand_mark[dd >> 6] |= uint64_t(1) << (dd & 63);
                    cand_summary[dd >> 12] |= uint64_t(1) << ((dd >> 6) & 63);
                } else {
                    wacc[dd] = -0.0f;
                }
            }
        }
        uint32_t nsel = 0;
        for (uint32_t sw = 0; sw < kSummaryWords; ++sw) {
            for (uint64_t words = cand_summary[sw]; words != 0; words &= words - 1) {
                const uint32_t w = sw * 64 + uint32_t(std::countr_zero(words));
                uint64_t bits = cand_mark[w];
                cand_mark[w] = 0;
                while (bits != 0) {
                    const uint32_t dd = w * 64 + uint32_t(std::countr_zero(bits));
                    bits &= bits - 1;
                    cand_dd[nsel] = dd;
                    cand_score[nsel] = wacc[dd] + sel_shift;
                    wacc[dd] = -0.0f;
                    ++nsel;
                }
            }
            cand_summary[sw] = 0;
        }
        for (int u = 0; u < n; ++u) {
            const Cursor& c = cursors[size_t(u)];
            if (c.probed || c.essential) continue;
            for (uint64_t p = c.range; p < c.pos; ++p) wacc[c.docs[p] - uint32_t(w0)] = -0.0f;
        }
        if (!any_probed) {  // every term scattered: the accumulator holds the canonical fold
            for (uint32_t j = 0; j < nsel; ++j) offer(cand_score[j], uint32_t(w0) + cand_dd[j]);
            limit.set(theta);
            w0 = w1;
            continue;
        }
        // Survivors: the probed terms' impacts replace their bounds, highest bound first, while
        // the doc can still beat θ.
        uint32_t ns = 0;
        for (uint32_t i = 0; i < nsel; ++i) {
            const uint32_t d = uint32_t(w0) + cand_dd[i];
            double bound = double(cand_score[i]) + probed_total;
            for (int j = ne - 1; j >= 0 && bound > lim; --j) {
                const Cursor& c = cursors[size_t(order[size_t(j)])];
                if (c.probed) bound += double(c.mult) * double(presence_impact(c, d)) - c.wub;
            }
            cand_dd[ns] = cand_dd[i];
            cand_score[ns] = cand_score[i];
            ns += bound > lim;
        }
        // Each survivor's canonical fold, in ascending doc order: the accumulator (a prefix of
        // the fold; sel_shift is 0 here) finished by the probed terms' impacts.
        if (prefix) {
            for (uint32_t l = 0; l < ns; ++l) {
                const uint32_t d = uint32_t(w0) + cand_dd[l];
                float score = cand_score[l];
                for (int64_t q = 0; q < n_terms; ++q) {
                    const int u = qmap[size_t(q)];
                    if (u >= 0 && cursors[size_t(u)].probed)
                        score += presence_impact(cursors[size_t(u)], d);
                }
                offer(score + shift, d);
            }
            limit.set(theta);
            w0 = w1;
            continue;
        }
        // Otherwise the survivors' impacts in the scattered terms without a map: a merge of the
        // term's window postings with the (ascending) survivors, or a search per survivor when
        // they are few next to the postings.
        surv_vals.resize(size_t(n) * ns);
        for (int u = 0; u < n; ++u) {
            const Cursor& c = cursors[size_t(u)];
            if (c.bits != nullptr) continue;
            float* vals = surv_vals.data() + size_t(u) * ns;
            uint64_t p = c.range;
            if (uint64_t(ns) * 16 < c.pos - c.range) {
                for (uint32_t l = 0; l < ns; ++l) {
                    const uint32_t d = uint32_t(w0) + cand_dd[l];
                    p = gallop_to(c.docs, p, c.pos, d);
                    vals[l] = (p < c.pos && c.docs[p] == d) ? c.imps[p] : 0.0f;
                }
                continue;
            }
            for (uint32_t l = 0; l < ns; ++l) {
                const uint32_t d = uint32_t(w0) + cand_dd[l];
                while (p < c.pos && c.docs[p] < d) ++p;
                vals[l] = (p < c.pos && c.docs[p] == d) ? c.imps[p] : 0.0f;
            }
        }
        // Each survivor's canonical fold of its impacts, in ascending doc order.
        for (uint32_t l = 0; l < ns; ++l) {
            const uint32_t d = uint32_t(w0) + cand_dd[l];
            float score = 0.0f;
            for (int64_t q = 0; q < n_terms; ++q) {
                const int u = qmap[size_t(q)];
                if (u < 0) continue;
                const Cursor& c = cursors[size_t(u)];
                score += c.bits != nullptr ? presence_impact(c, d) : surv_vals[size_t(u) * ns + l];
            }
            offer(score + shift, d);
        }
        limit.set(theta);
        w0 = w1;
    }
    const int64_t found = heap.write(k, out_scores, out_docs, tuning.simd.rank_keys);
    if (!floors.retry(found, cap)) return found;
    // The guess was above the k-th best score: run again from the safe floor.
    PrunedTuning safe = tuning;
    safe.speculate = 1.0f;
    return top_k_pruned(index, query_terms, n_terms, k, out_scores, out_docs, safe);
}

int64_t pruned_scalar(const PostingsView& index, const uint32_t* terms, int64_t n_terms, int64_t k,
                      float* out_scores, int32_t* out_docs, const PrunedTuning& tuning) {
    return pruned_body(index, terms, n_terms, k, out_scores, out_docs, tuning);
}

// The same kernel compiled for the Avx2 level (the flags of *_avx2.cpp files): measured −1.4 to
// −2.9% per 8-word query at k = 64 on the real corpus (best of 11 per query; popcnt, BMI and VEX
// code; AVX-512 gains no more). A target region rather than a *_avx2.cpp file: the inline
// functions of bm25_kernels.h and of this file are defined above it, so their out-of-line copies
// stay baseline code (only their inlined bodies here are AVX2), and no baseline caller can be
// linked to an AVX2 copy.
#pragma GCC push_options
#pragma GCC target("avx2,fma,f16c,bmi2")
int64_t pruned_avx2(const PostingsView& index, const uint32_t* terms, int64_t n_terms, int64_t k,
                    float* out_scores, int32_t* out_docs, const PrunedTuning& tuning) {
    return pruned_body(index, terms, n_terms, k, out_scores, out_docs, tuning);
}
#pragma GCC pop_options

}  // namespace

int64_t top_k_pruned(const PostingsView& index, const uint32_t* terms, int64_t n_terms, int64_t k,
                     float* out_scores, int32_t* out_docs, const PrunedTuning& tuning) {
    return tuning.simd.pruned >= SimdLevel::Avx2
               ? pruned_avx2(index, terms, n_terms, k, out_scores, out_docs, tuning)
               : pruned_scalar(index, terms, n_terms, k, out_scores, out_docs, tuning);
}

}  // namespace bm25_detail

int64_t bm25_top_k(const PostingsView& index, const uint32_t* terms, int64_t n_terms, int64_t k,
                   float* out_scores, int32_t* out_docs) {
    mempipe::bm25_detail::check_query("bm25_top_k", index, terms, n_terms, true);
    mempipe::bm25_detail::check_outputs("bm25_top_k", k, out_scores, out_docs);
    bm25_detail::PrunedTuning tuning;
    tuning.simd = bm25_detail::pick_simd_kernels();
    return bm25_detail::top_k_pruned(index, terms, n_terms, k, out_scores, out_docs, tuning);
}

}  // namespace mempipe::cpu
