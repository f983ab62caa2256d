// CPU bm25_top_k: block-max MaxScore over doc-id windows (Lucene 10's MaxScoreBulkScorer shape).
//
// Per window [w0, w1) of kWindow doc ids, every unique query term gets a window bound wub =
// multiplicity × the largest maximum of its blocks that may overlap the window (0 when its next
// posting is past the window). Terms sorted by wub are split: the longest prefix whose summed bound
// cannot beat the current k-th score θ is non-essential; if that is every term the window is
// skipped. Then one of two window strategies:
//   * exact (nothing non-essential, or the non-essential lists are short next to the essential
//     ones, or too many candidates): every query position scatters its window postings in query
//     order into an L1 accumulator, which then holds the canonical fold; the SIMD window scan
//     (bm25_select*) offers docs above θ;
//   * MaxScore: only the essential terms are scattered (the bound); docs whose bound plus the
//     non-essential bounds beats θ become candidates; the non-essential terms are probed term by
//     term over the live candidates (highest bound first, dropping candidates as soon as their
//     bound falls to θ) with a look-ahead, block_last skips and a branch-free search; a survivor's
//     score is the canonical float32 fold in query order of its impacts (absent terms add +0,
//     which is exact), so every path is bit-identical to the exhaustive one.
// Candidates and offers go in ascending doc order (see TopKHeap).
//
// Bounds are conservative under float rounding: they are summed in double, inflated by a relative
// margin far above the fold's error (n_terms · 2^-24) and rounded up to float before the shift is
// added (float addition is monotonic). Since docs come in ascending id order, a doc whose bound
// equals θ can be dropped: at best it ties with the k-th and loses on its higher id.
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

// When the pruned kernel hands a query to the exhaustive one (PrunedTuning::allow_exhaustive).
// Measured on a 309K-passage real corpus (8- and 32-word queries) and 250K-doc Zipf corpora
// (k = 10, 64, 1000), the windowed exhaustive kernel (~1 ns per posting, L1 accumulator) was never
// slower than pruning: window skips almost never fire for multi-term queries and a probe of a
// long list costs ~20–40 scattered postings. Pruning is therefore kept for queries whose lists
// hold several postings per doc of the corpus, with k a small fraction of them.
constexpr uint64_t kMinPrunedPostings = 2048;
constexpr uint64_t kPrunedPostingsPerDoc = 4;
constexpr uint64_t kPrunedPostingsPerHit = 64;

// One unique query term with a non-empty list.
struct Cursor {
    const uint32_t* docs;  // the term's doc ids, indexed by absolute posting
    const float* imps;
    uint64_t begin, end, pos;     // postings [begin, end); pos = the next posting not yet passed
    uint64_t blk0, blk, blk_end;  // blocks [blk0, blk_end); blk = first block that may reach w0
    float mult;                   // multiplicity in the query
    double wub;                   // window bound
    uint64_t range, probe;        // window postings [range, pos); survivor probe position
    uint64_t wblocks;             // blocks that may overlap the window
};

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

int64_t top_k_pruned(const PostingsView& index, const uint32_t* terms, int64_t n_terms, int64_t k,
                     float* out_scores, int32_t* out_docs, const PrunedTuning& tuning) {
    Scratch& s = thread_scratch();
    TopKHeap& heap = s.heap;
    const int64_t cap = std::min<int64_t>(k, index.num_docs);
    heap.reset(cap);
    if (k == 0) return 0;

    // Unique terms with non-empty lists; qmap[i] = the unique index of query position i or −1.
    thread_local std::vector<Cursor> cursors;
    thread_local std::vector<int> qmap, order;
    thread_local std::vector<double> ne_bound;  // ne_bound[j] = Σ wub of order[0, j)
    thread_local std::vector<float> vals;
    cursors.clear();
    qmap.assign(size_t(n_terms), -1);
    uint64_t postings = 0;
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
            cursors.push_back(c);
        }
        cursors[size_t(u)].mult += 1.0f;
        postings += end - begin;
        qmap[size_t(i)] = u;
    }
    if (cursors.empty()) return heap.write(k, out_scores, out_docs);
    if (tuning.allow_exhaustive && (postings < kMinPrunedPostings ||
                                    postings < kPrunedPostingsPerDoc * uint64_t(index.num_docs) ||
                                    uint64_t(cap) * kPrunedPostingsPerHit > postings))
        return top_k_exhaustive(index, terms, n_terms, k, out_scores, out_docs, tuning.select);

    const int n = int(cursors.size());
    const float shift = mempipe::bm25_detail::query_shift(index, terms, n_terms);
    Threshold limit(1.0 + double(n_terms + 8) * 0x1p-21, shift);
    const uint32_t* block_last = index.block_last;
    const float* block_max = index.block_max;
    const SelectFn select = tuning.select;

    const uint32_t window = std::clamp<uint32_t>(tuning.max_window, 64, kWindow) & ~uint32_t(63);
    float* wacc = s.window_acc();  // [window], −0.0f between uses
    // Candidates: doc offset, score or bound, probed non-essential impacts by rank.
    std::byte* cand = s.candidates(size_t(window) * (20 + 4 * size_t(n)));
    double* cand_bound = reinterpret_cast<double*>(cand);                  // [window]
    uint32_t* cand_dd = reinterpret_cast<uint32_t*>(cand_bound + window);  // [window]
    uint32_t* cand_live = cand_dd + window;                                // [window]
    float* cand_score = reinterpret_cast<float*>(cand_live + window);      // [window]
    float* cand_vals = cand_score + window;                                // [(n − 1) × window]

    uint32_t lo = std::numeric_limits<uint32_t>::max(), hi = 0;
    for (const Cursor& c : cursors) {
        lo = std::min(lo, c.docs[c.begin]);
        hi = std::max(hi, c.docs[c.end - 1]);
    }
    order.resize(size_t(n));
    ne_bound.resize(size_t(n) + 1);
    vals.resize(size_t(n));
    float theta = heap.threshold();
    limit.set(theta);

    for (uint64_t w0 = lo; w0 <= hi;) {
        const uint64_t w1 = std::min<uint64_t>(w0 + window, uint64_t(hi) + 1);
        for (int u = 0; u < n; ++u) {
            Cursor& c = cursors[size_t(u)];
            while (c.blk < c.blk_end && block_last[c.blk] < w0) ++c.blk;
            // Blocks that may overlap the window: none when the term's next posting is past it
            // (known from the cursor, or from the first doc of its block), else from c.blk up
            // to the first block ending at or past w1 (block metadata only).
            float m = 0.0f;
            uint64_t b = c.blk;
            uint64_t next = ~uint64_t(0);  // a doc ≤ the term's first doc ≥ w0
            if (c.pos < c.end && c.docs[c.pos] >= w0)
                next = c.docs[c.pos];
            else if (b < c.blk_end)
                next = std::max<uint64_t>(w0, c.docs[c.begin + (b - c.blk0) * kBlock]);
            if (next < w1) {
                for (; b < c.blk_end; ++b) {
                    m = std::max(m, block_max[b]);
                    if (block_last[b] >= w1) {
                        ++b;
                        break;
                    }
                }
            }
            c.wub = double(c.mult) * double(m);
            c.wblocks = b - c.blk;
            order[size_t(u)] = u;
        }
        std::sort(order.begin(), order.end(),
                  [&](int a, int b) { return cursors[size_t(a)].wub < cursors[size_t(b)].wub; });
        int ne = 0;
        ne_bound[0] = 0.0;
        while (ne < n) {
            const double next = ne_bound[size_t(ne)] + cursors[size_t(order[size_t(ne)])].wub;
            if (!(next <= limit.limit())) break;
            ne_bound[size_t(++ne)] = next;
        }
        if (ne == n) {  // nothing in this window can beat θ
            w0 = w1;
            continue;
        }
        // Lazy cursors catch up to the window; c.range = the window's first posting. Each
        // term's window end is found by the scatter loop itself (docs[p] < w1).
        uint64_t ess_postings = 0, ne_postings = 0;  // exact / bound (blocks × 128)
        for (int j = ne; j < n; ++j) {
            Cursor& c = cursors[size_t(order[size_t(j)])];
            advance(c, uint32_t(w0), block_last);
            c.range = c.pos;
            c.pos = gallop_to(c.docs, c.range, c.end, w1);
            ess_postings += c.pos - c.range;
        }
        for (int j = 0; j < ne; ++j)
            ne_postings += cursors[size_t(order[size_t(j)])].wblocks * kBlock;

        // Exact window: every term scattered in query order (duplicates again), so the
        // accumulator holds the canonical fold and needs no probing.
        auto exact_window = [&]() {
            for (int j = 0; j < ne; ++j) {
                Cursor& c = cursors[size_t(order[size_t(j)])];
                advance(c, uint32_t(w0), block_last);
                c.range = c.pos;
            }
            for (int u = 0; u < n; ++u) {
                Cursor& c = cursors[size_t(u)];
                c.pos = gallop_to(c.docs, c.range, c.end, w1);
            }
            uint64_t chunks = 0;
            for (int64_t i = 0; i < n_terms; ++i) {
                const int u = qmap[size_t(i)];
                if (u < 0) continue;
                const Cursor& c = cursors[size_t(u)];
                chunks |= scatter_window(c.docs, c.imps, c.range, c.pos, uint32_t(w0), wacc);
            }
            const uint32_t nsel = select(wacc, chunks, shift, theta, cand_dd, cand_score);
            for (uint32_t j = 0; j < nsel; ++j)
                if (cand_score[j] > theta) {
                    heap.offer(cand_score[j], uint32_t(w0) + cand_dd[j]);
                    theta = heap.threshold();
                }
            limit.set(theta);
        };
        // Taken when nothing is non-essential or when the non-essential lists are short next to
        // the essential ones.
        if (ne == 0 || ne_postings <= tuning.full_scatter_ratio * ess_postings) {
            exact_window();
            w0 = w1;
            continue;
        }

        // MaxScore window. 1: scatter the essential terms' bound contributions.
        uint64_t chunks = 0;
        for (int j = ne; j < n; ++j) {
            Cursor& c = cursors[size_t(order[size_t(j)])];
            const uint32_t* docs = c.docs;
            const float* imps = c.imps;
            const float mult = c.mult;
            for (uint64_t p = c.range; p < c.pos; ++p)
                wacc[docs[p] - uint32_t(w0)] += mult * imps[p];
            if (c.pos > c.range)
                chunks |= chunk_span(docs[c.range] - uint32_t(w0), docs[c.pos - 1] - uint32_t(w0));
        }
        // 2: candidates whose bound (accumulator + Σ non-essential bounds) beats θ; the float
        // pre-filter is rounded down so that it keeps every such doc.
        const double ne_total = ne_bound[size_t(ne)];
        const double lim = limit.limit();
        const double pre = lim - ne_total;
        float pre_f = float(pre);
        if (double(pre_f) > pre)
            pre_f = std::nextafter(pre_f, -std::numeric_limits<float>::infinity());
        const uint32_t n_sel = select(wacc, chunks, 0.0f, pre_f, cand_dd, cand_score);
        // Live candidates are indices into cand_dd / cand_bound / cand_vals.
        uint32_t nc = 0;
        for (uint32_t i = 0; i < n_sel; ++i) {
            const double bound = double(cand_score[i]) + ne_total;
            cand_bound[i] = bound;
            cand_live[nc] = i;
            nc += bound > lim;
        }
        // Too many candidates for probing to pay: score the window exactly instead (the
        // accumulator is clean again).
        if (uint64_t(nc) * uint64_t(ne) * tuning.probe_cost > ne_postings) {
            exact_window();
            w0 = w1;
            continue;
        }
        // 3: probe the non-essential terms, highest bound first, term by term over the live
        // candidates (an ascending pass per list); drop candidates whose bound falls to θ.
        // Survivors have every non-essential term probed.
        for (int j = ne - 1; j >= 0 && nc > 0; --j) {
            Cursor& c = cursors[size_t(order[size_t(j)])];
            float* cv = cand_vals + size_t(j) * window;
            const double mult = double(c.mult), wub = c.wub;
            uint32_t kept = 0;
            for (uint32_t l = 0; l < nc; ++l) {
                const uint32_t i = cand_live[l];
                const uint32_t d = uint32_t(w0) + cand_dd[i];
                advance(c, d, block_last);
                const float v = (c.pos < c.end && c.docs[c.pos] == d) ? c.imps[c.pos] : 0.0f;
                const double bound = cand_bound[i] + mult * double(v) - wub;
                cand_bound[i] = bound;
                cv[i] = v;
                cand_live[kept] = i;
                kept += bound > lim;
            }
            nc = kept;
        }
        // 4: survivors: the essential impacts from the window ranges, the canonical fold.
        for (int j = ne; j < n; ++j) {
            Cursor& c = cursors[size_t(order[size_t(j)])];
            c.probe = c.range;
        }
        for (uint32_t l = 0; l < nc; ++l) {
            const uint32_t i = cand_live[l];
            const uint32_t d = uint32_t(w0) + cand_dd[i];
            for (int j = 0; j < n; ++j) {
                Cursor& c = cursors[size_t(order[size_t(j)])];
                float v;
                if (j < ne) {
                    v = cand_vals[size_t(j) * window + i];
                } else {
                    c.probe =
                        uint64_t(std::lower_bound(c.docs + c.probe, c.docs + c.pos, d) - c.docs);
                    v = (c.probe < c.pos && c.docs[c.probe] == d) ? c.imps[c.probe] : 0.0f;
                }
                vals[size_t(order[size_t(j)])] = v;
            }
            float score = 0.0f;
            for (int64_t q = 0; q < n_terms; ++q)
                if (qmap[size_t(q)] >= 0) score += vals[size_t(qmap[size_t(q)])];
            score += shift;
            if (score > theta) {
                heap.offer(score, d);
                theta = heap.threshold();
            }
        }
        limit.set(theta);
        w0 = w1;
    }
    return heap.write(k, out_scores, out_docs);
}

}  // namespace bm25_detail

int64_t bm25_top_k(const PostingsView& index, const uint32_t* terms, int64_t n_terms, int64_t k,
                   float* out_scores, int32_t* out_docs) {
    mempipe::bm25_detail::check_query("bm25_top_k", index, terms, n_terms, true);
    mempipe::bm25_detail::check_outputs("bm25_top_k", k, out_scores, out_docs);
    bm25_detail::PrunedTuning tuning;
    tuning.select = bm25_detail::pick_select();
    return bm25_detail::top_k_pruned(index, terms, n_terms, k, out_scores, out_docs, tuning);
}

}  // namespace mempipe::cpu
