// The decoder model (model/decoder.h): embedding → layers over per-layer paged KV caches → final
// norm → LM head; chunked prefill, decode and greedy generation.
#include <algorithm>
#include <cmath>

#include "mempipe/core/dtype.h"
#include "mempipe/core/error.h"
#include "mempipe/model/decoder.h"
#include "mempipe/ops/activation.h"
#include "mempipe/ops/linear.h"
#include "mempipe/ops/nn.h"

namespace mempipe::model {

int64_t argmax(const float* x, int64_t n) {
    int64_t best = -1;
    for (int64_t i = 0; i < n; ++i)
        if (!std::isnan(x[i]) && (best < 0 || x[i] > x[best])) best = i;
    return best;
}

DecoderModel::DecoderModel(const ModelConfig& cfg, const DecoderOptions& options)
    : cfg_(cfg), opt_(options) {}

DecoderModel DecoderModel::random(const ModelConfig& cfg, const DecoderOptions& options) {
    MEMPIPE_CHECK_ARG(cfg.arch == Architecture::Decoder && cfg.layers >= 1 && cfg.vocab >= 1,
                      "DecoderModel: config '{}' must be a decoder with ≥ 1 layer and a vocabulary",
                      cfg.name);
    MEMPIPE_CHECK_ARG(
        options.max_tokens >= 1 && options.page_size >= 1 && options.prefill_chunk >= 1,
        "DecoderModel: max_tokens, page_size and prefill_chunk must be ≥ 1, got {}, "
        "{}, {}",
        options.max_tokens, options.page_size, options.prefill_chunk);
    DecoderModel model(cfg, options);
    const int64_t group = options.group ? options.group : default_linear_group(options.format);
    Rng rng(options.seed);
    model.embedding_ = Buffer<uint16_t>(size_t(cfg.vocab * cfg.hidden));
    rng.fill_bf16_normal(model.embedding_.span());
    model.final_norm_ = random_vector(cfg.hidden, 0.1f, rng, 1.0f);
    if (!cfg.tie_embeddings)
        model.lm_head_ =
            LinearStorage::random(cfg.vocab, cfg.hidden, float(1.0 / std::sqrt(double(cfg.hidden))),
                                  rng, options.format, group);
    const int64_t blocks = (options.max_tokens + options.page_size - 1) / options.page_size;
    for (int64_t l = 0; l < cfg.layers; ++l) {
        uint64_t layer_seed = options.seed * 0x9e3779b97f4a7c15ull + uint64_t(l) + 1;
        model.layers_.emplace_back(
            cfg, make_random_decoder_layer(cfg, options.format, group, layer_seed));
        std::vector<int32_t> table(static_cast<size_t>(blocks));
        for (int64_t b = 0; b < blocks; ++b) table[size_t(b)] = int32_t(b);
        if (options.shuffle_pages)
            for (size_t i = table.size(); i > 1; --i)
                std::swap(table[i - 1], table[size_t(rng.uniform_int(0, int64_t(i) - 1))]);
        model.caches_.emplace_back(options.max_tokens, options.page_size, cfg.kv_heads,
                                   cfg.head_dim, std::move(table));
    }
    return model;
}

std::vector<float> DecoderModel::logits_of_last(const float* x, int64_t m) {
    const int64_t H = cfg_.hidden;
    std::vector<float> h(static_cast<size_t>(H)), logits(static_cast<size_t>(cfg_.vocab));
    const float* last = x + (m - 1) * H;
    const bool ref = opt_.backend == Backend::Reference;
    if (ref)
        ref::rms_norm(last, final_norm_.data(), h.data(), 1, H, cfg_.norm_eps);
    else
        cpu::rms_norm(last, final_norm_.data(), h.data(), 1, H, cfg_.norm_eps);
    LinearWeights head = cfg_.tie_embeddings ? LinearWeights::bf16(embedding_.data(), cfg_.vocab, H)
                                             : lm_head_.weights();
    if (ref)
        ref::linear(h.data(), head, nullptr, logits.data(), 1);
    else
        cpu::linear(h.data(), head, nullptr, logits.data(), 1);
    return logits;
}

std::vector<float> DecoderModel::prefill(std::span<const int32_t> ids) {
    const int64_t n = int64_t(ids.size());
    MEMPIPE_CHECK_ARG(n >= 1, "DecoderModel::prefill: no token ids given");
    MEMPIPE_CHECK_ARG(position_ + n <= opt_.max_tokens,
                      "DecoderModel::prefill: {} tokens at position {} exceed max_tokens {}", n,
                      position_, opt_.max_tokens);
    for (int64_t i = 0; i < n; ++i)
        MEMPIPE_CHECK_ARG(ids[size_t(i)] >= 0 && ids[size_t(i)] < cfg_.vocab,
                          "DecoderModel::prefill: token id {} at position {} is outside the "
                          "vocabulary [0, {})",
                          ids[size_t(i)], i, cfg_.vocab);
    const int64_t H = cfg_.hidden;
    const bool ref = opt_.backend == Backend::Reference;
    std::vector<float> x;
    std::vector<float> logits;
    for (int64_t c0 = 0; c0 < n; c0 += opt_.prefill_chunk) {
        const int64_t m = std::min(opt_.prefill_chunk, n - c0);
        x.resize(size_t(m * H));
        if (ref)
            ref::embedding_lookup(embedding_.data(), cfg_.vocab, H, ids.data() + c0, m, x.data());
        else
            cpu::embedding_lookup(embedding_.data(), cfg_.vocab, H, ids.data() + c0, m, x.data());
        for (size_t l = 0; l < layers_.size(); ++l)
            layers_[l].forward(x.data(), m, caches_[l].view(), position_, opt_.backend);
        position_ += m;
        if (c0 + m == n) logits = logits_of_last(x.data(), m);
    }
    return logits;
}

void DecoderModel::embed(std::span<const int32_t> ids, float* out) const {
    const int64_t m = int64_t(ids.size());
    if (opt_.backend == Backend::Reference)
        ref::embedding_lookup(embedding_.data(), cfg_.vocab, cfg_.hidden, ids.data(), m, out);
    else
        cpu::embedding_lookup(embedding_.data(), cfg_.vocab, cfg_.hidden, ids.data(), m, out);
}

void DecoderModel::forward_embeddings(float* x, int64_t m) {
    MEMPIPE_CHECK_ARG(m >= 1 && m <= opt_.max_tokens,
                      "DecoderModel::forward_embeddings: {} rows; the model holds 1 to max_tokens "
                      "= {}",
                      m, opt_.max_tokens);
    const int64_t H = cfg_.hidden;
    for (int64_t c0 = 0; c0 < m; c0 += opt_.prefill_chunk) {
        const int64_t rows = std::min(opt_.prefill_chunk, m - c0);
        for (size_t l = 0; l < layers_.size(); ++l)
            layers_[l].forward(x + c0 * H, rows, caches_[l].view(), c0, opt_.backend);
    }
    normed_.resize(size_t(m * H));
    if (opt_.backend == Backend::Reference)
        ref::rms_norm(x, final_norm_.data(), normed_.data(), m, H, cfg_.norm_eps);
    else
        cpu::rms_norm(x, final_norm_.data(), normed_.data(), m, H, cfg_.norm_eps);
    std::copy(normed_.begin(), normed_.end(), x);
    position_ = m;
}

void DecoderModel::logits(const float* h, int64_t m, float* out) const {
    const LinearWeights head = cfg_.tie_embeddings
                                   ? LinearWeights::bf16(embedding_.data(), cfg_.vocab, cfg_.hidden)
                                   : lm_head_.weights();
    if (opt_.backend == Backend::Reference)
        ref::linear(h, head, nullptr, out, m);
    else
        cpu::linear(h, head, nullptr, out, m);
}

double DecoderModel::embedding_std() const {
    double s = 0, s2 = 0;
    const size_t n = embedding_.size();
    for (size_t i = 0; i < n; ++i) {
        const double v = bf16_to_f32(embedding_[i]);
        s += v;
        s2 += v * v;
    }
    const double mean = s / double(n);
    return std::sqrt(std::max(0.0, s2 / double(n) - mean * mean));
}

std::vector<float> DecoderModel::decode(int32_t id) {
    return prefill(std::span<const int32_t>(&id, 1));
}

std::vector<int32_t> DecoderModel::generate(std::span<const int32_t> prompt, int64_t n_new) {
    MEMPIPE_CHECK_ARG(n_new >= 0, "DecoderModel::generate: n_new must be ≥ 0, got {}", n_new);
    reset();
    std::vector<int32_t> out;
    if (n_new == 0) return out;
    std::vector<float> logits = prefill(prompt);
    for (int64_t i = 0; i < n_new; ++i) {
        int32_t next = int32_t(argmax(logits.data(), cfg_.vocab));
        MEMPIPE_CHECK_ARG(next >= 0, "DecoderModel::generate: every logit is NaN at step {}", i);
        out.push_back(next);
        if (i + 1 < n_new) logits = decode(next);
    }
    return out;
}

}  // namespace mempipe::model
