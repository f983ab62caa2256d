// Reference dense_scores / dense_top_k: plain loops, F32/BF16 dot products in double rounded once
// to f32, I8 dot products exact in int64 (dense_retrieval.h), then ref::top_k per query.
#include <cmath>
#include <limits>
#include <vector>

#include "mempipe/core/error.h"
#include "mempipe/ops/top_k.h"
#include "ops/retrieval/dense_internal.h"

namespace mempipe {

namespace dense_detail {

void check_keys(const char* op, const DenseKeysView& keys) {
    MEMPIPE_CHECK_ARG(keys.n >= 0 && keys.d >= 0,
                      "{}: keys.n and keys.d must be ≥ 0, got {} and {}", op, keys.n, keys.d);
    MEMPIPE_CHECK_ARG(keys.n <= std::numeric_limits<int32_t>::max(),
                      "{}: keys.n = {} exceeds the int32 index range; shard the keys", op, keys.n);
    MEMPIPE_CHECK_ARG(
        keys.dtype == DType::F32 || keys.dtype == DType::BF16 || keys.dtype == DType::I8,
        "{}: key dtype {} is not supported (use f32, bf16 or int8)", op, dtype_name(keys.dtype));
    MEMPIPE_CHECK_ARG(keys.n * keys.d == 0 || keys.data, "{}: keys.data is null", op);
    if (keys.dtype == DType::I8) {
        MEMPIPE_CHECK_ARG(keys.n == 0 || keys.scales, "{}: int8 keys need per-row scales", op);
        MEMPIPE_CHECK_ARG(keys.d <= kDenseI8MaxDim,
                          "{}: int8 keys support d ≤ {} (exact int32 dot products), got d = {}", op,
                          kDenseI8MaxDim, keys.d);
    }
}

void check_queries(const char* op, const float* queries, int64_t nq, const DenseKeysView& keys) {
    check_keys(op, keys);
    MEMPIPE_CHECK_ARG(nq >= 0, "{}: nq must be ≥ 0, got {}", op, nq);
    MEMPIPE_CHECK_ARG(nq * keys.d == 0 || queries, "{}: queries is null", op);
}

}  // namespace dense_detail

namespace {
double key_bytes(DType t) {
    return t == DType::F32 ? 4.0 : t == DType::BF16 ? 2.0 : 1.0;
}

float ref_score(const float* q, const int8_t* q8, float qscale, const DenseKeysView& keys,
                int64_t i) {
    const int64_t d = keys.d;
    if (keys.dtype == DType::I8) {
        const int8_t* k = static_cast<const int8_t*>(keys.data) + i * d;
        int64_t dot = 0;
        for (int64_t j = 0; j < d; ++j) dot += int64_t(q8[j]) * int64_t(k[j]);
        return float(dot) * (qscale * keys.scales[i]);
    }
    double acc = 0;
    if (keys.dtype == DType::F32) {
        const float* k = static_cast<const float*>(keys.data) + i * d;
        for (int64_t j = 0; j < d; ++j) acc += double(q[j]) * double(k[j]);
    } else {
        const uint16_t* k = static_cast<const uint16_t*>(keys.data) + i * d;
        for (int64_t j = 0; j < d; ++j) acc += double(q[j]) * double(bf16_to_f32(k[j]));
    }
    return float(acc);
}
}  // namespace

OpCost dense_scores_cost(int64_t nq, int64_t n, int64_t d, DType dtype) {
    OpCost c;
    c.flops = 2.0 * double(nq) * double(n) * double(d);
    c.bytes_read = double(n) * double(d) * key_bytes(dtype) + 4.0 * double(nq) * double(d) +
                   (dtype == DType::I8 ? 4.0 * double(n) : 0.0);
    c.bytes_written = 4.0 * double(nq) * double(n);
    return c;
}

OpCost dense_top_k_cost(int64_t nq, int64_t n, int64_t d, DType dtype, int64_t k) {
    OpCost c = dense_scores_cost(nq, n, d, dtype);
    c.bytes_written = 0;  // scores stay in cache: only the selections are written
    OpCost sel = top_k_cost(n, k);
    sel.flops *= double(nq);
    sel.bytes_read = 0;
    sel.bytes_written *= double(nq);
    c += sel;
    return c;
}

namespace ref {

void dense_scores(const float* queries, int64_t nq, const DenseKeysView& keys, float* out_scores) {
    dense_detail::check_queries("dense_scores", queries, nq, keys);
    MEMPIPE_CHECK_ARG(nq * keys.n == 0 || out_scores, "dense_scores: out_scores is null");
    std::vector<int8_t> q8(size_t(keys.d));
    for (int64_t b = 0; b < nq; ++b) {
        const float* q = queries + b * keys.d;
        float qscale = 0;
        if (keys.dtype == DType::I8) qscale = dense_detail::quantize_row_i8(q, keys.d, q8.data());
        for (int64_t i = 0; i < keys.n; ++i)
            out_scores[b * keys.n + i] = ref_score(q, q8.data(), qscale, keys, i);
    }
}

void dense_top_k(const float* queries, int64_t nq, const DenseKeysView& keys, int64_t k,
                 float* out_values, int32_t* out_indices) {
    dense_detail::check_queries("dense_top_k", queries, nq, keys);
    MEMPIPE_CHECK_ARG(k >= 0, "dense_top_k: k must be ≥ 0, got {}", k);
    MEMPIPE_CHECK_ARG(nq * k == 0 || out_indices, "dense_top_k: out_indices is null");
    std::vector<float> scores(static_cast<size_t>(keys.n)), values(static_cast<size_t>(k));
    for (int64_t b = 0; b < nq; ++b) {
        dense_scores(queries + b * keys.d, 1, keys, scores.data());
        top_k(scores.data(), keys.n, k, values.data(), out_indices + b * k);
        if (out_values)
            for (int64_t j = 0; j < k; ++j) out_values[b * k + j] = values[size_t(j)];
    }
}

}  // namespace ref
}  // namespace mempipe
