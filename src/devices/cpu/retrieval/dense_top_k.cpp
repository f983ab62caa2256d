// cpu::dense_scores / cpu::dense_top_k: the entry points (checks, query preparation, one SIMD pick
// per call), the portable scalar kernel, and the threaded blocked scan.
//
// Scan: each thread owns a contiguous key range (or, when there are too few key blocks to share, a
// query range) and walks it in key blocks of ~128 KB (L2). Every block is scored against the
// thread's queries in chunks of kQueryChunk into an L1/L2 score buffer, then filtered into one
// running top-k per query: keys arrive in ascending index order within a thread, so once the
// candidate buffer has been cut back to the best k, only scores strictly above the k-th value can
// still enter (an equal score at a higher index loses the tie) — the strict filter is exact. The
// per-thread candidates are merged and sorted (score desc, index asc), padded with −1/−inf.
#include <omp.h>

#include <algorithm>
#include <limits>
#include <vector>

#include "devices/cpu/retrieval/dense_top_k_kernels.h"
#include "mempipe/core/buffer.h"
#include "mempipe/core/error.h"
#include "mempipe/core/parallel.h"
#include "mempipe/core/simd.h"
#include "ops/common/top_k_select.h"
#include "ops/retrieval/dense_internal.h"

namespace mempipe::cpu {

namespace dense_detail {

void score_block_scalar(const PreparedQueries& q, int64_t q0, int64_t q1, const DenseKeysView& keys,
                        int64_t k0, int64_t k1, float* out, int64_t ld) {
    const int64_t d = keys.d;
    for (int64_t b = q0; b < q1; ++b)
        for (int64_t i = k0; i < k1; ++i) {
            float s;
            if (keys.dtype == DType::I8) {
                const int8_t* k = static_cast<const int8_t*>(keys.data) + i * d;
                const int8_t* qq = q.q8 + b * q.q8_stride;
                int32_t dot = 0;
                for (int64_t j = 0; j < d; ++j) dot += int32_t(qq[j]) * int32_t(k[j]);
                s = float(dot) * (q.qscale[b] * keys.scales[i]);
            } else {
                const float* qq = q.f32 + b * d;
                float acc = 0;
                if (keys.dtype == DType::F32) {
                    const float* k = static_cast<const float*>(keys.data) + i * d;
                    for (int64_t j = 0; j < d; ++j) acc += qq[j] * k[j];
                } else {
                    const uint16_t* k = static_cast<const uint16_t*>(keys.data) + i * d;
                    for (int64_t j = 0; j < d; ++j) acc += qq[j] * bf16_to_f32(k[j]);
                }
                s = acc;
            }
            out[(b - q0) * ld + (i - k0)] = s;
        }
}

}  // namespace dense_detail

namespace {

using dense_detail::PreparedQueries;
using dense_detail::ScoreBlockFn;

constexpr int64_t kQueryChunk = 64;

struct Prepared {
    PreparedQueries view;
    Buffer<int8_t> q8;
    std::vector<float> qscale;
    std::vector<int32_t> qsum;
    Buffer<float> qeo;
};

void prepare(const float* queries, int64_t nq, const DenseKeysView& keys, Prepared& p) {
    p.view.f32 = queries;
    p.view.nq = nq;
    p.view.d = keys.d;
    if (keys.dtype == DType::BF16) {
        const int64_t c = dense_detail::kBf16Chunk, stride = (keys.d + c - 1) / c * c;
        p.qeo = Buffer<float>(size_t(std::max<int64_t>(nq * stride, 1)));
        std::fill(p.qeo.data(), p.qeo.data() + nq * stride, 0.0f);
        for (int64_t b = 0; b < nq; ++b)
            for (int64_t j = 0; j < keys.d; ++j)
                p.qeo[size_t(b * stride + j / c * c + (j % 2) * (c / 2) + (j % c) / 2)] =
                    queries[b * keys.d + j];
        p.view.qeo = p.qeo.data();
        p.view.qeo_stride = stride;
    }
    if (keys.dtype != DType::I8) return;
    const int64_t stride =
        (keys.d + dense_detail::kI8Pad - 1) / dense_detail::kI8Pad * dense_detail::kI8Pad;
    p.q8 = Buffer<int8_t>(size_t(std::max<int64_t>(nq * stride, 1)));
    std::fill(p.q8.data(), p.q8.data() + nq * stride, int8_t(0));
    p.qscale.resize(size_t(nq));
    p.qsum.resize(size_t(nq));
    for (int64_t b = 0; b < nq; ++b) {
        int8_t* row = p.q8.data() + b * stride;
        p.qscale[size_t(b)] =
            mempipe::dense_detail::quantize_row_i8(queries + b * keys.d, keys.d, row);
        int32_t s = 0;
        for (int64_t j = 0; j < keys.d; ++j) s += row[j];
        p.qsum[size_t(b)] = s;
    }
    p.view.q8 = p.q8.data();
    p.view.q8_stride = stride;
    p.view.qscale = p.qscale.data();
    p.view.qsum = p.qsum.data();
}

ScoreBlockFn pick_kernel() {
    return simd_pick<ScoreBlockFn>(dense_detail::score_block_scalar, dense_detail::score_block_avx2,
                                   dense_detail::score_block_avx512);
}

// Keys per block: about 128 KB of key bytes, a multiple of 16, in [16, 1024].
int64_t key_block(const DenseKeysView& keys) {
    const int64_t row = std::max<int64_t>(1, keys.d * int64_t(dtype_size(keys.dtype)));
    return std::clamp<int64_t>((128 * 1024 / row) / 16 * 16, 16, 1024);
}

using select_detail::Cand;
using select_detail::RunningTopK;

struct Work {
    int64_t q0, q1, k0, k1;
};

// Splits (queries × keys) over threads: by key range when there are enough key blocks, else by
// query range.
std::vector<Work> split(int64_t nq, int64_t n, int64_t kb) {
    const int64_t blocks = (n + kb - 1) / kb;
    const int64_t work = blocks * std::max<int64_t>(nq, 1);
    const int64_t t =
        std::clamp<int64_t>(std::min<int64_t>(num_threads(), work / 4), 1, num_threads());
    std::vector<Work> w;
    if (blocks >= 2 * t || nq < t) {
        for (int64_t i = 0; i < t; ++i)
            w.push_back(
                {0, nq, std::min(n, blocks * i / t * kb), std::min(n, blocks * (i + 1) / t * kb)});
    } else {
        for (int64_t i = 0; i < t; ++i) w.push_back({nq * i / t, nq * (i + 1) / t, 0, n});
    }
    return w;
}

}  // namespace

void dense_scores(const float* queries, int64_t nq, const DenseKeysView& keys, float* out_scores) {
    mempipe::dense_detail::check_queries("dense_scores", queries, nq, keys);
    MEMPIPE_CHECK_ARG(nq * keys.n == 0 || out_scores, "dense_scores: out_scores is null");
    if (nq == 0 || keys.n == 0) return;
    Prepared p;
    prepare(queries, nq, keys, p);
    const ScoreBlockFn kernel = pick_kernel();
    const int64_t kb = key_block(keys);
    const std::vector<Work> w = split(nq, keys.n, kb);
#pragma omp parallel for num_threads(int(w.size())) schedule(static, 1)
    for (size_t t = 0; t < w.size(); ++t)
        for (int64_t k0 = w[t].k0; k0 < w[t].k1; k0 += kb)
            kernel(p.view, w[t].q0, w[t].q1, keys, k0, std::min(w[t].k1, k0 + kb),
                   out_scores + w[t].q0 * keys.n + k0, keys.n);
}

void dense_top_k(const float* queries, int64_t nq, const DenseKeysView& keys, int64_t k,
                 float* out_values, int32_t* out_indices) {
    mempipe::dense_detail::check_queries("dense_top_k", queries, nq, keys);
    MEMPIPE_CHECK_ARG(k >= 0, "dense_top_k: k must be ≥ 0, got {}", k);
    MEMPIPE_CHECK_ARG(nq * k == 0 || out_indices, "dense_top_k: out_indices is null");
    if (nq == 0 || k == 0) return;
    const int64_t n = keys.n;
    const int64_t kb = key_block(keys);
    const std::vector<Work> w = split(nq, n, kb);
    std::vector<std::vector<RunningTopK>> state(w.size());
    if (n > 0) {
        Prepared p;
        prepare(queries, nq, keys, p);
        const ScoreBlockFn kernel = pick_kernel();
#pragma omp parallel for num_threads(int(w.size())) schedule(static, 1)
        for (size_t t = 0; t < w.size(); ++t) {
            const Work& wt = w[t];
            std::vector<RunningTopK>& mine = state[t];
            for (int64_t b = wt.q0; b < wt.q1; ++b) mine.emplace_back(k);
            std::vector<float> buf(size_t(kQueryChunk * kb));
            for (int64_t k0 = wt.k0; k0 < wt.k1; k0 += kb) {
                const int64_t k1 = std::min(wt.k1, k0 + kb);
                for (int64_t c0 = wt.q0; c0 < wt.q1; c0 += kQueryChunk) {
                    const int64_t c1 = std::min(wt.q1, c0 + kQueryChunk);
                    kernel(p.view, c0, c1, keys, k0, k1, buf.data(), kb);
                    for (int64_t b = c0; b < c1; ++b)
                        mine[size_t(b - wt.q0)].push(buf.data() + (b - c0) * kb, k1 - k0, k0);
                }
            }
        }
    }
    std::vector<Cand> all;
    for (int64_t b = 0; b < nq; ++b) {
        all.clear();
        for (size_t t = 0; t < w.size(); ++t)
            if (b >= w[t].q0 && b < w[t].q1 && !state[t].empty()) {
                const auto& c = state[t][size_t(b - w[t].q0)].cands();
                all.insert(all.end(), c.begin(), c.end());
            }
        select_detail::finish_top_k(all, k, out_values ? out_values + b * k : nullptr,
                                    out_indices + b * k);
    }
}

}  // namespace mempipe::cpu
