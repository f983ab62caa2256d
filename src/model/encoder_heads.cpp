// Pooling, the embedder, the cross-encoder head and its stage-2 adapter (model/encoder.h).
#include <algorithm>
#include <cmath>

#include "mempipe/core/error.h"
#include "mempipe/model/encoder.h"

namespace mempipe::model {
namespace {

// Consecutive groups of sequences holding about max_tokens tokens each (at least one sequence).
template <class Fn>
void for_each_group(std::span<const EncoderInput> batch, int64_t max_tokens, Fn&& fn) {
    size_t begin = 0;
    while (begin < batch.size()) {
        size_t end = begin;
        int64_t tokens = 0;
        while (end < batch.size() &&
               (end == begin || tokens + int64_t(batch[end].ids.size()) <= max_tokens))
            tokens += int64_t(batch[end++].ids.size());
        fn(begin, batch.subspan(begin, end - begin));
        begin = end;
    }
}

}  // namespace

void Embedder::embed(std::span<const EncoderInput> batch, float* out, Backend backend,
                     int64_t max_batch_tokens) const {
    MEMPIPE_CHECK_ARG(max_batch_tokens > 0, "Embedder: max_batch_tokens must be positive, got {}",
                      max_batch_tokens);
    MEMPIPE_CHECK_ARG(batch.empty() || out != nullptr, "Embedder: out is null");
    const int64_t h = dim();
    EncoderWorkspace ws;
    for_each_group(batch, max_batch_tokens, [&](size_t first, std::span<const EncoderInput> g) {
        enc_.forward(g, ws, backend);
        const Buffer<float>& hs = ws.x;
        int64_t row = 0;
        for (size_t s = 0; s < g.size(); ++s) {
            const int64_t len = int64_t(g[s].ids.size());
            float* o = out + int64_t(first + s) * h;
            if (pooling_ == Pooling::Cls) {
                std::copy(hs.data() + row * h, hs.data() + (row + 1) * h, o);
            } else {
                for (int64_t t = 0; t < h; ++t) {
                    double acc = 0;
                    for (int64_t i = 0; i < len; ++i) acc += hs[size_t((row + i) * h + t)];
                    o[t] = float(acc / double(len));
                }
            }
            if (normalize_) {
                double n2 = 0;
                for (int64_t t = 0; t < h; ++t) n2 += double(o[t]) * o[t];
                const double inv = 1.0 / std::max(std::sqrt(n2), 1e-12);  // torch F.normalize eps
                for (int64_t t = 0; t < h; ++t) o[t] = float(o[t] * inv);
            }
            row += len;
        }
    });
}

PairInput make_pair_input(std::span<const int32_t> query, std::span<const int32_t> passage,
                          const PairFormat& f) {
    const int64_t special = f.double_sep ? 4 : 3;
    MEMPIPE_CHECK_ARG(f.max_len >= special + 1,
                      "make_pair_input: max_len {} leaves no room for tokens ({} special)",
                      f.max_len, special);
    int64_t nq = int64_t(query.size()), np = int64_t(passage.size());
    while (nq + np + special > f.max_len) {  // longest_first: trim the longer side
        if (nq > np)
            --nq;
        else
            --np;
    }
    PairInput p;
    p.ids.push_back(f.cls);
    p.ids.insert(p.ids.end(), query.begin(), query.begin() + nq);
    p.ids.push_back(f.sep);
    const size_t first_part = p.ids.size();
    if (f.double_sep) p.ids.push_back(f.sep);
    p.ids.insert(p.ids.end(), passage.begin(), passage.begin() + np);
    p.ids.push_back(f.sep);
    if (f.with_types) {
        p.token_types.assign(p.ids.size(), 1);
        std::fill(p.token_types.begin(), p.token_types.begin() + int64_t(first_part), 0);
    }
    return p;
}

CrossEncoder::CrossEncoder(Encoder encoder) : enc_(std::move(encoder)) {
    MEMPIPE_CHECK_ARG(enc_.config().num_labels > 0 && !enc_.weights().cls_out.empty(),
                      "CrossEncoder: model \"{}\" has no classifier head (num_labels = 0)",
                      enc_.config().name);
}

void CrossEncoder::logits(std::span<const EncoderInput> batch, float* out, Backend backend,
                          int64_t max_batch_tokens) const {
    MEMPIPE_CHECK_ARG(max_batch_tokens > 0,
                      "CrossEncoder: max_batch_tokens must be positive, got {}", max_batch_tokens);
    MEMPIPE_CHECK_ARG(batch.empty() || out != nullptr, "CrossEncoder: out is null");
    const EncoderWeights& w = enc_.weights();
    const int64_t h = enc_.config().hidden, labels = enc_.config().num_labels;
    EncoderWorkspace ws;
    for_each_group(batch, max_batch_tokens, [&](size_t first, std::span<const EncoderInput> g) {
        enc_.forward(g, ws, backend);
        const Buffer<float>& hs = ws.x;
        const int64_t n = int64_t(g.size());
        Buffer<float> cls{size_t(n * h)}, dense{size_t(n * h)};
        int64_t row = 0;
        for (int64_t s = 0; s < n; ++s) {
            std::copy(hs.data() + row * h, hs.data() + (row + 1) * h, cls.data() + s * h);
            row += int64_t(g[size_t(s)].ids.size());
        }
        if (backend == Backend::Reference)
            ref::linear(cls.data(), w.cls_dense.weights(), w.cls_dense_bias.data(), dense.data(),
                        n);
        else
            cpu::linear(cls.data(), w.cls_dense.weights(), w.cls_dense_bias.data(), dense.data(),
                        n);
        for (int64_t s = 0; s < n; ++s) {
            for (int64_t t = 0; t < h; ++t)
                dense[size_t(s * h + t)] = std::tanh(dense[size_t(s * h + t)]);
            for (int64_t l = 0; l < labels; ++l) {
                double acc = w.cls_out_bias[size_t(l)];
                for (int64_t t = 0; t < h; ++t)
                    acc += double(w.cls_out[size_t(l * h + t)]) * dense[size_t(s * h + t)];
                out[(int64_t(first) + s) * labels + l] = float(acc);
            }
        }
    });
}

std::vector<float> CrossEncoder::score(std::span<const EncoderInput> batch, Backend backend) const {
    const int64_t labels = enc_.config().num_labels;
    std::vector<float> all(batch.size() * size_t(labels));
    logits(batch, all.data(), backend);
    std::vector<float> out(batch.size());
    for (size_t i = 0; i < batch.size(); ++i) out[i] = all[i * size_t(labels)];
    return out;
}

std::vector<float> CrossEncoderScorer::score(std::string_view query_id, std::string_view query_text,
                                             const std::vector<std::string>& doc_ids) {
    const std::vector<int32_t> q = query_tokens_(query_text);
    std::vector<PairInput> pairs;
    pairs.reserve(doc_ids.size());
    for (const std::string& d : doc_ids)
        pairs.push_back(make_pair_input(q, doc_tokens_(d), format_));
    std::vector<EncoderInput> views;
    for (const PairInput& p : pairs) views.push_back(p.view());
    return model_.score(views, backend_);
}

}  // namespace mempipe::model
