// Internal building blocks shared by the emulated designs: generic source / map stages, the
// streaming top-k retriever of Fig. 7 (a running top-k list whose worst entry is tracked by a
// reduction tree), and the timing of that retriever.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <utility>

#include "mempipe/core/error.h"
#include "mempipe/devices/fpga/cycle_model.h"
#include "mempipe/devices/fpga/stage.h"

namespace mempipe::fpga::detail {

// A scored item on its way to selection: value and index (top_k.h order: value descending, then
// index ascending).
struct Scored {
    float v = 0;
    int32_t i = -1;
    bool end = false;  // end-of-stream marker (for producers of data-dependent length)
};

inline bool scored_before(float av, int32_t ai, float bv, int32_t bi) {
    return av > bv || (av == bv && ai < bi);
}

// Produces n tokens: f(i, token) fills token i. (A loader: reads memory, writes a stream.)
template <class Out, class F>
class Source final : public Stage {
  public:
    Source(std::string_view name, Out& out, int64_t n, F f)
        : Stage(name), out_(out), n_(n), f_(std::move(f)) {}
    StageStatus step() override {
        if (i_ == n_) return StageStatus::Done;
        if (!can_write(out_)) return StageStatus::Blocked;
        typename Out::value_type t;
        f_(i_, t);
        out_.write(t);
        ++i_;
        return progressed();
    }

  private:
    Out& out_;
    int64_t n_, i_ = 0;
    F f_;
};

// Consumes n tokens and produces n tokens: f(in, out).
template <class In, class Out, class F>
class Map final : public Stage {
  public:
    Map(std::string_view name, In& in, Out& out, int64_t n, F f)
        : Stage(name), in_(in), out_(out), n_(n), f_(std::move(f)) {}
    StageStatus step() override {
        if (i_ == n_) return StageStatus::Done;
        if (!can_read(in_) || !can_write(out_)) return StageStatus::Blocked;
        typename Out::value_type t;
        f_(in_.read(), t);
        out_.write(t);
        ++i_;
        return progressed();
    }

  private:
    In& in_;
    Out& out_;
    int64_t n_, i_ = 0;
    F f_;
};

// Consumes n tokens: f(in). (A writer: reads a stream, writes memory.)
template <class In, class F>
class Sink final : public Stage {
  public:
    Sink(std::string_view name, In& in, int64_t n, F f)
        : Stage(name), in_(in), n_(n), f_(std::move(f)) {}
    StageStatus step() override {
        if (i_ == n_) return StageStatus::Done;
        if (!can_read(in_)) return StageStatus::Blocked;
        f_(in_.read());
        ++i_;
        return progressed();
    }

  private:
    In& in_;
    int64_t n_, i_ = 0;
    F f_;
};

// The running top-k list of the retriever (Fig. 7 (b)): up to k entries; once full, the worst
// entry is found by a tournament (reduction) tree over the k slots, and an offer that beats it
// replaces it and replays the tree path (ceil(log2 k) comparisons: the insertion stall of the
// timing model). Exact for any arrival order under the (value desc, index asc) order. Fixed
// storage for k ≤ MaxK.
template <int64_t MaxK>
class RunningTopK {
  public:
    static constexpr int64_t kCapacity = MaxK;
    void reset(int64_t k) {
        MEMPIPE_CHECK_ARG(k >= 0 && k <= MaxK,
                          "fpga top-k retriever: k = {} exceeds the design's list capacity {}", k,
                          MaxK);
        k_ = k;
        n_ = 0;
        inserted_ = 0;
        leaves_ = 1;
        while (leaves_ < k_) leaves_ *= 2;
    }
    int64_t k() const { return k_; }
    int64_t size() const { return n_; }
    int64_t insertions() const { return inserted_; }  // replacements after the list filled
    void offer(float v, int32_t i) {
        if (k_ == 0) return;
        if (n_ < k_) {
            v_[size_t(n_)] = v;
            i_[size_t(n_)] = i;
            if (++n_ == k_) build();
            return;
        }
        const int32_t w = tree_[1];
        if (!scored_before(v, i, v_[size_t(w)], i_[size_t(w)])) return;
        v_[size_t(w)] = v;
        i_[size_t(w)] = i;
        ++inserted_;
        for (int64_t node = (leaves_ + w) / 2; node >= 1; node /= 2) update(node);
    }
    // Sorted output (value desc, index asc), −inf / −1 padded to k. Returns the real count.
    int64_t finish(float* out_v, int32_t* out_i) {
        std::array<int32_t, size_t(MaxK)>& ord = order_;
        for (int64_t j = 0; j < n_; ++j) ord[size_t(j)] = int32_t(j);
        std::sort(ord.begin(), ord.begin() + n_, [&](int32_t a, int32_t b) {
            return scored_before(v_[size_t(a)], i_[size_t(a)], v_[size_t(b)], i_[size_t(b)]);
        });
        for (int64_t j = 0; j < k_; ++j) {
            const bool real = j < n_;
            if (out_v) out_v[j] = real ? v_[size_t(ord[size_t(j)])] : -INFINITY;
            out_i[j] = real ? i_[size_t(ord[size_t(j)])] : -1;
        }
        return n_;
    }

  private:
    // The worse of two slots (−1 = an empty leaf, never the worst).
    int32_t worse(int32_t a, int32_t b) const {
        if (a < 0) return b;
        if (b < 0) return a;
        return scored_before(v_[size_t(a)], i_[size_t(a)], v_[size_t(b)], i_[size_t(b)]) ? b : a;
    }
    void update(int64_t node) {
        tree_[size_t(node)] = worse(tree_[size_t(2 * node)], tree_[size_t(2 * node + 1)]);
    }
    void build() {
        for (int64_t l = 0; l < leaves_; ++l) tree_[size_t(leaves_ + l)] = l < k_ ? int32_t(l) : -1;
        for (int64_t node = leaves_ - 1; node >= 1; --node) update(node);
    }
    int64_t k_ = 0, n_ = 0, inserted_ = 0, leaves_ = 1;
    std::array<float, size_t(MaxK)> v_{};
    std::array<int32_t, size_t(MaxK)> i_{};
    std::array<int32_t, size_t(2 * MaxK)> tree_{};
    std::array<int32_t, size_t(MaxK)> order_{};
};

// The retriever as a stage: consumes n scored tokens (or, with n < 0, tokens until an end
// marker), then writes the sorted list to out_v / out_i (k entries).
template <class In, int64_t MaxK>
class TopKRetriever final : public Stage {
  public:
    TopKRetriever(std::string_view name, In& in, int64_t n, int64_t k, float* out_v, int32_t* out_i)
        : Stage(name), in_(in), n_(n), out_v_(out_v), out_i_(out_i) {
        list_.reset(k);
    }
    StageStatus step() override {
        if (finished_) return StageStatus::Done;
        if (n_ >= 0 && seen_ == n_) {
            count_ = list_.finish(out_v_, out_i_);
            finished_ = true;
            return progressed();
        }
        if (!can_read(in_)) return StageStatus::Blocked;
        const Scored s = in_.read();
        if (s.end) {
            n_ = seen_;
            return progressed();
        }
        list_.offer(s.v, s.i);
        ++seen_;
        return progressed();
    }
    int64_t insertions() const { return list_.insertions(); }
    int64_t count() const { return count_; }
    int64_t seen() const { return seen_; }

  private:
    In& in_;
    int64_t n_, seen_ = 0, count_ = 0;
    bool finished_ = false;
    float* out_v_;
    int32_t* out_i_;
    RunningTopK<MaxK> list_;
};

// Design knobs of the retriever's timing (Fig. 7 (b)).
struct RetrieverTiming {
    double lanes = 16;       // scores compared with the current worst per cycle
    double sort_lanes = 16;  // entries the output sorter retires per log2(k) cycles
};

// Scan stage: n scores at `lanes` per cycle; each insertion after the list filled stalls for the
// tree replay (ceil(log2 k) cycles). Drain stage: the k survivors sorted by a merge network,
// k·ceil(log2 k) / sort_lanes cycles (runs after the scan: it needs the final list).
inline StageTiming top_k_scan_timing(const char* name, double n, double k, double insertions,
                                     const RetrieverTiming& t) {
    StageTiming s;
    s.name = name;
    s.trip_count = n;
    s.lanes = t.lanes;
    s.ii = 1;
    s.depth = reduction_tree_depth(k) + 2;
    s.extra_cycles = insertions * reduction_tree_depth(k);
    return s;
}
inline StageTiming top_k_drain_timing(const char* name, double k_real, double k,
                                      const RetrieverTiming& t) {
    StageTiming s;
    s.name = name;
    s.trip_count = k_real > 0 ? k_real * reduction_tree_depth(k) : 0;
    s.lanes = t.sort_lanes;
    s.ii = 1;
    s.depth = 2;
    return s;
}

}  // namespace mempipe::fpga::detail
