// HmtBackbone (model/hmt.h): DecoderModel::random's weights with input embeddings in and final
// hidden states out. The construction below mirrors src/model/decoder_model.cpp step for step
// (the same Rng draws in the same order); tests/model/hmt_test.cpp checks the two agree.
#include <algorithm>
#include <cmath>

#include "mempipe/core/dtype.h"
#include "mempipe/core/error.h"
#include "mempipe/model/hmt.h"
#include "mempipe/ops/activation.h"
#include "mempipe/ops/linear.h"
#include "mempipe/ops/nn.h"

namespace mempipe::model {

HmtBackbone HmtBackbone::random(const ModelConfig& cfg, const DecoderOptions& options) {
    MEMPIPE_CHECK_ARG(cfg.arch == Architecture::Decoder && cfg.layers >= 1 && cfg.vocab >= 1,
                      "HmtBackbone: config '{}' must be a decoder with ≥ 1 layer and a vocabulary",
                      cfg.name);
    MEMPIPE_CHECK_ARG(
        options.max_tokens >= 1 && options.page_size >= 1 && options.prefill_chunk >= 1,
        "HmtBackbone: max_tokens, page_size and prefill_chunk must be ≥ 1, got {}, {}, {}",
        options.max_tokens, options.page_size, options.prefill_chunk);
    HmtBackbone b(cfg, options);
    const int64_t group = options.group ? options.group : default_linear_group(options.format);
    Rng rng(options.seed);
    b.embedding_ = Buffer<uint16_t>(size_t(cfg.vocab * cfg.hidden));
    rng.fill_bf16_normal(b.embedding_.span());
    b.final_norm_ = random_vector(cfg.hidden, 0.1f, rng, 1.0f);
    if (!cfg.tie_embeddings)
        b.lm_head_ =
            LinearStorage::random(cfg.vocab, cfg.hidden, float(1.0 / std::sqrt(double(cfg.hidden))),
                                  rng, options.format, group);
    const int64_t blocks = (options.max_tokens + options.page_size - 1) / options.page_size;
    for (int64_t l = 0; l < cfg.layers; ++l) {
        const uint64_t layer_seed = options.seed * 0x9e3779b97f4a7c15ull + uint64_t(l) + 1;
        b.layers_.emplace_back(cfg,
                               make_random_decoder_layer(cfg, options.format, group, layer_seed));
        std::vector<int32_t> table(static_cast<size_t>(blocks));
        for (int64_t i = 0; i < blocks; ++i) table[size_t(i)] = int32_t(i);
        if (options.shuffle_pages)
            for (size_t i = table.size(); i > 1; --i)
                std::swap(table[i - 1], table[size_t(rng.uniform_int(0, int64_t(i) - 1))]);
        b.caches_.emplace_back(options.max_tokens, options.page_size, cfg.kv_heads, cfg.head_dim,
                               std::move(table));
    }
    return b;
}

void HmtBackbone::embed(std::span<const int32_t> ids, float* out) const {
    const int64_t m = int64_t(ids.size());
    if (opt_.backend == Backend::Reference)
        ref::embedding_lookup(embedding_.data(), cfg_.vocab, cfg_.hidden, ids.data(), m, out);
    else
        cpu::embedding_lookup(embedding_.data(), cfg_.vocab, cfg_.hidden, ids.data(), m, out);
}

void HmtBackbone::forward(float* x, int64_t m) {
    MEMPIPE_CHECK_ARG(m >= 1 && m <= opt_.max_tokens,
                      "HmtBackbone::forward: {} rows; the backbone holds 1 to max_tokens = {}", m,
                      opt_.max_tokens);
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
}

void HmtBackbone::logits(const float* h, int64_t m, float* out) const {
    const LinearWeights head = cfg_.tie_embeddings
                                   ? LinearWeights::bf16(embedding_.data(), cfg_.vocab, cfg_.hidden)
                                   : lm_head_.weights();
    if (opt_.backend == Backend::Reference)
        ref::linear(h, head, nullptr, out, m);
    else
        cpu::linear(h, head, nullptr, out, m);
}

double HmtBackbone::embedding_std() const {
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

}  // namespace mempipe::model
