#include "ops/attention/attention_common.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "mempipe/core/dtype.h"
#include "mempipe/core/error.h"

namespace mempipe::attention_detail {

void check_shape(const char* op, const float* q, const uint16_t* k, const uint16_t* v,
                 const AttentionShape& s, const float* out) {
    MEMPIPE_CHECK_ARG(s.n_tokens >= 0, "{}: n_tokens must be ≥ 0, got {}", op, s.n_tokens);
    MEMPIPE_CHECK_ARG(s.hq >= 1 && s.hkv >= 1, "{}: hq and hkv must be ≥ 1, got hq={} hkv={}", op,
                      s.hq, s.hkv);
    MEMPIPE_CHECK_ARG(
        s.hq % s.hkv == 0,
        "{}: hq ({}) must be a multiple of hkv ({}) (query head h uses KV head h/(hq/hkv))", op,
        s.hq, s.hkv);
    MEMPIPE_CHECK_ARG(s.d >= 1, "{}: head dim d must be ≥ 1, got {}", op, s.d);
    MEMPIPE_CHECK_ARG(std::isfinite(s.scale), "{}: scale must be finite, got {}", op, s.scale);
    MEMPIPE_CHECK_ARG(q != nullptr && out != nullptr, "{}: q and out must not be null", op);
    MEMPIPE_CHECK_ARG(s.n_tokens == 0 || (k != nullptr && v != nullptr),
                      "{}: k and v must not be null when n_tokens ({}) > 0", op, s.n_tokens);
}

int64_t selection_group_count(const AttentionShape& s, SelectionGroups groups) {
    return groups == SelectionGroups::PerKvHead ? s.hkv : s.hq;
}

void check_blocks(const AttentionShape& s, const int32_t* blocks, int64_t max_blocks,
                  int64_t block_size, SelectionGroups groups) {
    MEMPIPE_CHECK_ARG(block_size >= 1,
                      "block_sparse_attention_decode: block_size must be ≥ 1, got {}", block_size);
    MEMPIPE_CHECK_ARG(max_blocks >= 0,
                      "block_sparse_attention_decode: max_blocks must be ≥ 0, got {}", max_blocks);
    MEMPIPE_CHECK_ARG(
        max_blocks == 0 || blocks != nullptr,
        "block_sparse_attention_decode: blocks must not be null when max_blocks ({}) > 0",
        max_blocks);
    int64_t n_blocks = (s.n_tokens + block_size - 1) / block_size;
    int64_t total = selection_group_count(s, groups) * max_blocks;
    for (int64_t i = 0; i < total; ++i) {
        int64_t b = blocks[i];
        MEMPIPE_CHECK_ARG(
            b >= -1 && b < n_blocks,
            "block_sparse_attention_decode: block index {} at list {} slot {} is out of "
            "range: valid blocks are 0..{} for {} tokens in blocks of {} (−1 = padding)",
            b, i / max_blocks, i % max_blocks, n_blocks - 1, s.n_tokens, block_size);
    }
}

void check_streaming(int64_t sink, int64_t local) {
    MEMPIPE_CHECK_ARG(
        sink >= 0 && local >= 0,
        "streaming_attention_decode: sink and local must be ≥ 0, got sink={} local={}", sink,
        local);
}

void block_ranges(const int32_t* list, int64_t max_blocks, int64_t block_size, int64_t n_tokens,
                  std::vector<TokenRange>& out) {
    out.clear();
    std::vector<int32_t> ids;
    ids.reserve(size_t(max_blocks));
    for (int64_t i = 0; i < max_blocks; ++i)
        if (list[i] >= 0) ids.push_back(list[i]);
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    for (int32_t b : ids) {
        int64_t begin = int64_t(b) * block_size;
        int64_t end = std::min(begin + block_size, n_tokens);
        if (!out.empty() && out.back().end == begin)
            out.back().end = end;
        else
            out.push_back({begin, end});
    }
}

std::vector<TokenRange> streaming_ranges(int64_t n_tokens, int64_t sink, int64_t local) {
    std::vector<TokenRange> r;
    int64_t head_end = std::min(sink, n_tokens);
    int64_t tail_begin = std::max<int64_t>(0, n_tokens - std::min(local, n_tokens));
    if (head_end >= tail_begin) {
        if (n_tokens > 0 && (head_end > 0 || tail_begin < n_tokens)) r.push_back({0, n_tokens});
        return r;
    }
    if (head_end > 0) r.push_back({0, head_end});
    if (tail_begin < n_tokens) r.push_back({tail_begin, n_tokens});
    return r;
}

void attend_head_ref(const float* q_h, const uint16_t* k, const uint16_t* v,
                     const AttentionShape& s, int64_t kv_head,
                     const std::vector<TokenRange>& ranges, float* out_h) {
    const int64_t d = s.d, row = s.hkv * s.d;
    std::vector<double> scores;
    std::vector<int64_t> tokens;
    for (const TokenRange& r : ranges)
        for (int64_t t = r.begin; t < r.end; ++t) tokens.push_back(t);
    if (tokens.empty()) {
        for (int64_t i = 0; i < d; ++i) out_h[i] = 0.0f;
        return;
    }
    double m = -std::numeric_limits<double>::infinity();
    for (int64_t t : tokens) {
        const uint16_t* kt = k + t * row + kv_head * d;
        double dot = 0;
        for (int64_t i = 0; i < d; ++i) dot += double(q_h[i]) * double(bf16_to_f32(kt[i]));
        double sc = dot * double(s.scale);
        scores.push_back(sc);
        m = std::max(m, sc);
    }
    std::vector<double> acc(static_cast<size_t>(d), 0.0);
    double l = 0;
    for (size_t j = 0; j < tokens.size(); ++j) {
        double w = std::exp(scores[j] - m);
        l += w;
        const uint16_t* vt = v + tokens[j] * row + kv_head * d;
        for (int64_t i = 0; i < d; ++i) acc[size_t(i)] += w * double(bf16_to_f32(vt[i]));
    }
    for (int64_t i = 0; i < d; ++i) out_h[i] = float(acc[size_t(i)] / l);
}

}  // namespace mempipe::attention_detail
