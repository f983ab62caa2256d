// Argument checks shared by the references and the CPU kernels of the memory_recall family.
#pragma once

#include <cstdint>

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

}  // namespace mempipe::memory_recall_detail
