// LServe shape helpers and the argument checks shared by every backend.
#include "mempipe/core/error.h"
#include "mempipe/ops/lserve.h"
#include "ops/lserve/lserve_checks.h"

namespace mempipe {

int64_t LservePageShape::width() const {
    int64_t w = page > 0 ? budget / page : 0;
    return w < 3 ? 3 : w;
}

void check_lserve_shape(const LservePageShape& s, const char* op) {
    MEMPIPE_CHECK_ARG(
        s.hq > 0 && s.hkv > 0 && s.d > 0 && s.logical_page > 0 && s.page > 0 && s.budget > 0,
        "{}: every LservePageShape field must be positive (hq={} hkv={} d={} logical_page={} "
        "page={} budget={})",
        op, s.hq, s.hkv, s.d, s.logical_page, s.page, s.budget);
    MEMPIPE_CHECK_ARG(s.hq % s.hkv == 0, "{}: hq={} must be a multiple of hkv={}", op, s.hq, s.hkv);
    MEMPIPE_CHECK_ARG(s.page % s.logical_page == 0,
                      "{}: page={} must be a multiple of logical_page={}", op, s.page,
                      s.logical_page);
    MEMPIPE_CHECK_ARG(s.budget % s.page == 0, "{}: budget={} must be a multiple of page={}", op,
                      s.budget, s.page);
}

int64_t lserve_pages(int64_t history, const LservePageShape& s) {
    return history / s.page + 1;
}

int64_t lserve_logical_pages(int64_t n_tokens, const LservePageShape& s) {
    return (n_tokens + s.logical_page - 1) / s.logical_page;
}

namespace lserve_detail {

int64_t active_kv_heads(const LservePageShape& s, const uint8_t* kv_head_mask) {
    if (!kv_head_mask) return s.hkv;
    int64_t n = 0;
    for (int64_t j = 0; j < s.hkv; ++j) n += kv_head_mask[j] != 0;
    return n;
}

void check_page_minmax(const uint16_t* keys, int64_t n_tokens, const LservePageShape& s,
                       const uint16_t* stats, int64_t capacity) {
    check_lserve_shape(s, "page_minmax");
    MEMPIPE_CHECK_ARG(n_tokens >= 0, "page_minmax: n_tokens must be ≥ 0, got {}", n_tokens);
    int64_t pages = lserve_logical_pages(n_tokens, s);
    MEMPIPE_CHECK_ARG(
        capacity >= pages,
        "page_minmax: capacity={} logical pages cannot hold {} tokens ({} pages of {})", capacity,
        n_tokens, pages, s.logical_page);
    MEMPIPE_CHECK_ARG(n_tokens == 0 || (keys && stats),
                      "page_minmax: keys and stats must be non-null");
}

void check_page_minmax_update(const uint16_t* key, int64_t pos, const LservePageShape& s,
                              const uint16_t* stats, int64_t capacity) {
    check_lserve_shape(s, "page_minmax_update");
    MEMPIPE_CHECK_ARG(pos >= 0, "page_minmax_update: pos must be ≥ 0, got {}", pos);
    MEMPIPE_CHECK_ARG(pos / s.logical_page < capacity,
                      "page_minmax_update: token {} needs logical page {} but capacity is {} pages",
                      pos, pos / s.logical_page, capacity);
    MEMPIPE_CHECK_ARG(key && stats, "page_minmax_update: key and stats must be non-null");
}

void check_page_scores(const float* q, const uint16_t* stats, int64_t capacity, int64_t n_logical,
                       const LservePageShape& s, const float* out) {
    check_lserve_shape(s, "page_scores");
    MEMPIPE_CHECK_ARG(n_logical >= 0 && n_logical <= capacity,
                      "page_scores: n_logical={} must be in [0, capacity={}]", n_logical, capacity);
    MEMPIPE_CHECK_ARG(n_logical == 0 || (q && stats && out),
                      "page_scores: q, stats and out must be non-null");
}

int64_t check_page_select(const float* scores, int64_t score_stride, int64_t history,
                          const LservePageShape& s, const int32_t* out) {
    check_lserve_shape(s, "page_select");
    MEMPIPE_CHECK_ARG(history >= 0, "page_select: history must be ≥ 0, got {}", history);
    MEMPIPE_CHECK_ARG(history < (int64_t(1) << 31) - s.page,
                      "page_select: history={} exceeds the int32 page range", history);
    MEMPIPE_CHECK_ARG(out, "page_select: out must be non-null");
    int64_t n_pages = lserve_pages(history, s);
    if (n_pages > s.width()) {
        MEMPIPE_CHECK_ARG(scores,
                          "page_select: scores must be non-null when {} pages exceed the width {}",
                          n_pages, s.width());
        MEMPIPE_CHECK_ARG(
            score_stride >= n_pages - 1,
            "page_select: score_stride={} must cover the {} complete pages of history {}",
            score_stride, n_pages - 1, history);
    }
    return n_pages;
}

}  // namespace lserve_detail
}  // namespace mempipe
