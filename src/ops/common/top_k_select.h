// Top-k selection helpers shared by the fused score + top-k kernels (dsa score_top_k, dense_top_k):
// candidates ordered by value descending, ties → lower index (include/mempipe/ops/top_k.h).
//
// RunningTopK keeps the best k of a stream offered in increasing index order: values that beat the
// current threshold are appended; when the list reaches its capacity it is cut back to the best k
// (partial selection) and the threshold rises to the k-th value. A later index equal to the
// threshold always loses the tie, so the strict `>` filter is exact.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

namespace mempipe::select_detail {

struct Cand {
    float v;
    int32_t i;
};

inline bool cand_before(const Cand& a, const Cand& b) {
    return a.v > b.v || (a.v == b.v && a.i < b.i);
}

// Keeps the best k of cands (partial selection + sort) and writes them with −1/−inf padding.
// out_values may be null.
inline void finish_top_k(std::vector<Cand>& cands, int64_t k, float* out_values,
                         int32_t* out_indices) {
    const int64_t keep = std::min<int64_t>(k, int64_t(cands.size()));
    if (keep < int64_t(cands.size()))
        std::nth_element(cands.begin(), cands.begin() + keep, cands.end(), cand_before);
    std::sort(cands.begin(), cands.begin() + keep, cand_before);
    for (int64_t j = 0; j < k; ++j) {
        const bool real = j < keep;
        if (out_values)
            out_values[j] = real ? cands[size_t(j)].v : -std::numeric_limits<float>::infinity();
        out_indices[j] = real ? cands[size_t(j)].i : -1;
    }
}

class RunningTopK {
  public:
    explicit RunningTopK(int64_t k) : k_(k), cap_(std::max<int64_t>(2 * k, k + 1024)) {
        c_.reserve(size_t(cap_ + 512));
    }
    // Offers values v[0..n) at indices base..base+n−1.
    void push(const float* v, int64_t n, int64_t base) {
        if (k_ == 0) return;
        if (!full_) {
            for (int64_t i = 0; i < n; ++i) c_.push_back({v[i], int32_t(base + i)});
        } else {
            const float t = thr_;
            for (int64_t i = 0; i < n; ++i)
                if (v[i] > t) c_.push_back({v[i], int32_t(base + i)});
        }
        if (int64_t(c_.size()) >= cap_) compact();
    }
    // A superset of the best k offered so far (unordered).
    std::vector<Cand>& cands() { return c_; }

  private:
    void compact() {
        std::nth_element(c_.begin(), c_.begin() + (k_ - 1), c_.end(), cand_before);
        c_.resize(size_t(k_));
        thr_ = c_[size_t(k_ - 1)].v;  // the k-th best: the smallest value kept
        full_ = true;
    }
    int64_t k_, cap_;
    std::vector<Cand> c_;
    bool full_ = false;
    float thr_ = 0;
};

}  // namespace mempipe::select_detail
