// HmtMemory and HmtRunner (model/hmt.h): HMT's per-segment loop — summary pass, recall, augmented
// segment pass, memory push — over an HmtBackbone.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "mempipe/core/error.h"
#include "mempipe/core/rng.h"
#include "mempipe/model/hmt.h"

namespace mempipe::model {

int64_t HmtConfig::summary_tokens() const {
    return int64_t(std::llround(double(block()) * sum_fraction));
}

HmtMemory::HmtMemory(int64_t capacity, int64_t d, int64_t h)
    : capacity_(capacity),
      d_(d),
      h_(h),
      mem_(static_cast<size_t>(capacity * d)),
      keys_(static_cast<size_t>(capacity * h)) {
    MEMPIPE_CHECK_ARG(capacity >= 1 && d >= 0 && h >= 0,
                      "HmtMemory: capacity must be ≥ 1 and d, h ≥ 0, got {}, {}, {}", capacity, d,
                      h);
}

void HmtMemory::push(const float* m, const float* key) {
    MEMPIPE_CHECK_ARG(capacity_ >= 1, "HmtMemory::push: the memory has no capacity");
    if (size_ == capacity_) {  // drop the oldest: shift the rest down one row
        std::memmove(mem_.data(), mem_.data() + d_, size_t((size_ - 1) * d_) * sizeof(float));
        std::memmove(keys_.data(), keys_.data() + h_, size_t((size_ - 1) * h_) * sizeof(float));
        --size_;
    }
    std::copy(m, m + d_, mem_.data() + size_ * d_);
    std::copy(key, key + h_, keys_.data() + size_ * h_);
    ++size_;
}

HmtRunner::HmtRunner(HmtBackbone& model, const HmtConfig& config) : model_(model), cfg_(config) {
    const ModelConfig& mc = model.config();
    d_ = mc.hidden;
    h_ = config.recall_dim ? config.recall_dim : d_;
    MEMPIPE_CHECK_ARG(config.sensory >= 0 && config.block() >= 1,
                      "HmtRunner: segment {} with {} sensory tokens leaves no room for input "
                      "(block = segment − 2 − sensory must be ≥ 1)",
                      config.segment, config.sensory);
    MEMPIPE_CHECK_ARG(config.memory_entries >= 1 && config.recall_dim >= 0,
                      "HmtRunner: memory_entries must be ≥ 1 and recall_dim ≥ 0, got {}, {}",
                      config.memory_entries, config.recall_dim);
    MEMPIPE_CHECK_ARG(config.sum_fraction > 0 && config.sum_fraction <= 1,
                      "HmtRunner: sum_fraction must lie in (0, 1], got {}", config.sum_fraction);
    MEMPIPE_CHECK_ARG(config.segment <= model.options().max_tokens,
                      "HmtRunner: segment length {} exceeds the backbone's max_tokens {}",
                      config.segment, model.options().max_tokens);
    Rng rng(config.seed);
    const float w_std = float(1.0 / std::sqrt(double(std::max<int64_t>(d_, 1))));
    wq_ = LinearStorage::random(h_, d_, w_std, rng, LinearFormat::Bf16);
    wk_ = LinearStorage::random(h_, d_, w_std, rng, LinearFormat::Bf16);
    const float e_std = float(model.embedding_std());
    t_.resize(size_t(d_));
    initial_.resize(size_t(d_));
    rng.fill_normal({t_.data(), t_.size()}, e_std);
    rng.fill_normal({initial_.data(), initial_.size()}, e_std);
    memory_ = HmtMemory(config.memory_entries, d_, h_);
}

void HmtRunner::recall(const float* s, float* p, float* weights) const {
    const float scale = memory_recall_scale(d_, h_, cfg_.scale);
    const int64_t n = memory_.size();
    if (model_.options().backend == Backend::Reference)
        ref::memory_recall(s, wq(), memory_.keys(), memory_.embeddings(), n, scale, initial_.data(),
                           weights, p);
    else
        cpu::memory_recall(s, wq(), memory_.keys(), memory_.embeddings(), n, scale, initial_.data(),
                           weights, p);
}

HmtResult HmtRunner::run(std::span<const int32_t> ids) {
    const ModelConfig& mc = model_.config();
    for (size_t i = 0; i < ids.size(); ++i)
        MEMPIPE_CHECK_ARG(ids[i] >= 0 && ids[i] < mc.vocab,
                          "HmtRunner::run: token id {} at position {} is outside the vocabulary "
                          "[0, {})",
                          ids[i], i, mc.vocab);
    memory_.clear();
    const bool ref = model_.options().backend == Backend::Reference;
    const int64_t n = int64_t(ids.size()), block = cfg_.block(), H = d_, V = mc.vocab;
    HmtResult out;
    out.logits.assign(size_t(n * V), 0.0f);
    std::vector<float> x, s(static_cast<size_t>(H)), p(static_cast<size_t>(H)),
        key(static_cast<size_t>(h_));
    for (int64_t start = 0; start < n; start += block) {
        HmtSegmentTrace tr;
        tr.start = start;
        tr.tokens = std::min(block, n - start);
        const std::span<const int32_t> seg = ids.subspan(size_t(start), size_t(tr.tokens));
        // 1. Summary pass over [T ; E(X[0:j]) ; T].
        const int64_t j = std::min(cfg_.summary_tokens(), tr.tokens);
        tr.summary_rows = j + 2;
        x.assign(size_t(tr.summary_rows * H), 0.0f);
        std::copy(t_.begin(), t_.end(), x.begin());
        model_.embed(seg.first(size_t(j)), x.data() + H);
        std::copy(t_.begin(), t_.end(), x.begin() + (j + 1) * H);
        model_.forward_embeddings(x.data(), tr.summary_rows);
        std::copy(x.end() - H, x.end(), s.begin());
        // 2. Recall over the cached memory (the initial memory when it is empty).
        tr.recalled = memory_.size();
        recall(s.data(), p.data());
        // 3. The augmented segment [P ; E(sensory) ; E(X) ; P].
        tr.sensory = start == 0 ? 0 : std::min(cfg_.sensory, block);  // ≤ the previous segment
        tr.segment_rows = 2 + tr.sensory + tr.tokens;
        x.assign(size_t(tr.segment_rows * H), 0.0f);
        std::copy(p.begin(), p.end(), x.begin());
        model_.embed(ids.subspan(size_t(start - tr.sensory), size_t(tr.sensory + tr.tokens)),
                     x.data() + H);
        std::copy(p.begin(), p.end(), x.end() - H);
        model_.forward_embeddings(x.data(), tr.segment_rows);
        model_.logits(x.data() + (1 + tr.sensory) * H, tr.tokens, out.logits.data() + start * V);
        // 4. M_n = the last row's final hidden state; K_n = M_n·Wkᵀ; push.
        const float* m = x.data() + (tr.segment_rows - 1) * H;
        if (ref)
            ref::memory_recall_key(m, 1, wk(), key.data());
        else
            cpu::memory_recall_key(m, 1, wk(), key.data());
        memory_.push(m, key.data());
        out.segments.push_back(tr);
    }
    return out;
}

}  // namespace mempipe::model
