// Argument checks shared by the references and the CPU kernels of the memory_recall family.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "mempipe/core/error.h"
#include "mempipe/ops/linear.h"

namespace mempipe::memory_recall_detail {

inline void check_key(const float* mem, int64_t n, const LinearWeights& wk, const float* keys) {
    MEMPIPE_CHECK_ARG(n >= 0, "memory_recall_key: n must be ≥ 0, got {}", n);
    MEMPIPE_CHECK_ARG(wk.n >= 0 && wk.k >= 0, "memory_recall_key: Wk is [{} × {}]", wk.n, wk.k);
    MEMPIPE_CHECK_ARG(n == 0 || ((mem || wk.k == 0) && (keys || wk.n == 0)),
                      "memory_recall_key: mem or keys is null with n = {}", n);
}

inline void check_scores(const float* q, const float* keys, int64_t n, int64_t h,
                         const float* scores) {
    MEMPIPE_CHECK_ARG(n >= 0 && h >= 0, "memory_recall_scores: n and h must be ≥ 0, got {}, {}", n,
                      h);
    MEMPIPE_CHECK_ARG(n == 0 || scores, "memory_recall_scores: scores is null with n = {}", n);
    MEMPIPE_CHECK_ARG(n * h == 0 || (q && keys),
                      "memory_recall_scores: q or keys is null with n = {}, h = {}", n, h);
}

inline void check_read(const float* scores, const float* mem, int64_t n, int64_t d,
                       const float* p) {
    MEMPIPE_CHECK_ARG(n >= 0 && d >= 0, "memory_recall_read: n and d must be ≥ 0, got {}, {}", n,
                      d);
    MEMPIPE_CHECK_ARG(n == 0 || scores, "memory_recall_read: scores is null with n = {}", n);
    MEMPIPE_CHECK_ARG(d == 0 || p, "memory_recall_read: p is null with d = {}", d);
    MEMPIPE_CHECK_ARG(n * d == 0 || mem, "memory_recall_read: mem is null with n = {}, d = {}", n,
                      d);
}

inline void check_recall(const float* s, const LinearWeights& wq, int64_t n) {
    MEMPIPE_CHECK_ARG(wq.n >= 0 && wq.k >= 0, "memory_recall: Wq is [{} × {}]", wq.n, wq.k);
    MEMPIPE_CHECK_ARG(n >= 0, "memory_recall: n must be ≥ 0, got {}", n);
    MEMPIPE_CHECK_ARG(n == 0 || wq.k == 0 || s, "memory_recall: s is null with d = {}", wq.k);
}

// The compositions ref:: and cpu:: share, each over its own backend's kernels (passed as callables
// with the signatures of linear, memory_recall_scores and memory_recall_read).
template <class Linear>
void recall_key(const float* mem, int64_t n, const LinearWeights& wk, float* keys,
                const Linear& linear) {
    check_key(mem, n, wk, keys);
    if (n == 0 || wk.n == 0) return;
    if (wk.k == 0) {
        std::fill(keys, keys + n * wk.n, 0.0f);
        return;
    }
    linear(mem, wk, nullptr, keys, n);
}

template <class Linear, class Scores, class Read>
void recall(const float* s, const LinearWeights& wq, const float* keys, const float* mem, int64_t n,
            float scale, const float* initial, float* weights, float* p, const Linear& linear,
            const Scores& scores, const Read& read) {
    check_recall(s, wq, n);
    const int64_t h = wq.n, d = wq.k;
    std::vector<float> q(static_cast<size_t>(h), 0.0f), sc(static_cast<size_t>(n));
    if (n > 0 && h > 0 && d > 0) linear(s, wq, nullptr, q.data(), 1);
    scores(q.data(), keys, n, h, scale, sc.data());
    read(sc.data(), mem, n, d, initial, weights, p);
}

}  // namespace mempipe::memory_recall_detail
