#include "ops/mla/mla_common.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "mempipe/core/dtype.h"
#include "mempipe/core/error.h"

namespace mempipe::mla_detail {

void check_shape(const char* op, const MlaShape& s) {
    MEMPIPE_CHECK_ARG(
        s.heads >= 1 && s.latent >= 1 && s.rope >= 0 && s.v_head >= 1 && s.nope >= 1,
        "{}: MlaShape needs heads, latent, v_head, nope ≥ 1 and rope ≥ 0, got heads={} "
        "latent={} rope={} v_head={} nope={}",
        op, s.heads, s.latent, s.rope, s.v_head, s.nope);
}

void check_decode(const char* op, const float* q_abs, const uint16_t* kv, int64_t n_tokens,
                  const MlaShape& s, const float* out) {
    check_shape(op, s);
    MEMPIPE_CHECK_ARG(std::isfinite(s.scale),
                      "{}: scale must be finite, got {} (use mla_softmax_scale)", op, s.scale);
    MEMPIPE_CHECK_ARG(n_tokens >= 0, "{}: n_tokens must be ≥ 0, got {}", op, n_tokens);
    MEMPIPE_CHECK_ARG(q_abs != nullptr && out != nullptr, "{}: q_abs and out must not be null", op);
    MEMPIPE_CHECK_ARG(n_tokens == 0 || kv != nullptr,
                      "{}: kv must not be null when n_tokens ({}) > 0", op, n_tokens);
}

std::vector<int32_t> valid_indices(const int32_t* indices, int64_t topk, int64_t n_tokens) {
    MEMPIPE_CHECK_ARG(topk >= 0, "sparse_mla_decode: topk must be ≥ 0, got {}", topk);
    MEMPIPE_CHECK_ARG(topk == 0 || indices != nullptr,
                      "sparse_mla_decode: indices must not be null when topk ({}) > 0", topk);
    std::vector<int32_t> out;
    out.reserve(size_t(topk));
    std::vector<uint64_t> seen(static_cast<size_t>((n_tokens + 63) / 64), 0);
    for (int64_t i = 0; i < topk; ++i) {
        int32_t t = indices[i];
        if (t == -1) continue;
        MEMPIPE_CHECK_ARG(
            t >= 0 && t < n_tokens,
            "sparse_mla_decode: index {} at position {} is out of range [0, {}) (−1 = skip)", t, i,
            n_tokens);
        uint64_t bit = uint64_t(1) << (t & 63);
        MEMPIPE_CHECK_ARG(
            !(seen[size_t(t >> 6)] & bit),
            "sparse_mla_decode: index {} appears twice (again at position {}); indices "
            "must be unique",
            t, i);
        seen[size_t(t >> 6)] |= bit;
        out.push_back(t);
    }
    return out;
}

void attend_ref(const float* q_abs, const uint16_t* kv, const std::vector<int32_t>& tokens,
                const MlaShape& s, float* out) {
    const int64_t w = s.latent + s.rope;
    std::vector<double> scores(tokens.size()), acc(size_t(s.latent));
    for (int64_t h = 0; h < s.heads; ++h) {
        float* o = out + h * s.latent;
        if (tokens.empty()) {
            std::fill(o, o + s.latent, 0.0f);
            continue;
        }
        const float* qh = q_abs + h * w;
        double m = -std::numeric_limits<double>::infinity();
        for (size_t j = 0; j < tokens.size(); ++j) {
            const uint16_t* row = kv + int64_t(tokens[j]) * w;
            double dot = 0;
            for (int64_t i = 0; i < w; ++i) dot += double(qh[i]) * double(bf16_to_f32(row[i]));
            scores[j] = dot * double(s.scale);
            m = std::max(m, scores[j]);
        }
        std::fill(acc.begin(), acc.end(), 0.0);
        double l = 0;
        for (size_t j = 0; j < tokens.size(); ++j) {
            double p = std::exp(scores[j] - m);
            l += p;
            const uint16_t* row = kv + int64_t(tokens[j]) * w;
            for (int64_t i = 0; i < s.latent; ++i)
                acc[size_t(i)] += p * double(bf16_to_f32(row[i]));
        }
        for (int64_t i = 0; i < s.latent; ++i) o[i] = float(acc[size_t(i)] / l);
    }
}

}  // namespace mempipe::mla_detail
