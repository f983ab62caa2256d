// The encoder forward pass: embeddings, post-norm blocks with bidirectional attention per
// sequence, GELU MLP (model/encoder.h).
#include "mempipe/model/encoder.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "mempipe/core/dtype.h"
#include "mempipe/core/error.h"
#include "mempipe/core/parallel.h"
#include "mempipe/ops/activation.h"
#include "mempipe/ops/attention.h"
#include "mempipe/ops/linear.h"
#include "mempipe/ops/nn.h"

namespace mempipe::model {
namespace {

struct Span {
    int64_t begin, len;
};

void run_linear(const float* x, const LinearStorage& w, const float* bias, float* y, int64_t m,
                Backend b) {
    if (b == Backend::Reference)
        ref::linear(x, w.weights(), bias, y, m);
    else
        cpu::linear(x, w.weights(), bias, y, m);
}

void run_layer_norm(const float* x, const Buffer<float>& g, const Buffer<float>& beta, float* y,
                    int64_t rows, int64_t dim, float eps, Backend b) {
    if (b == Backend::Reference)
        ref::layer_norm(x, g.data(), beta.data(), y, rows, dim, eps);
    else
        cpu::layer_norm(x, g.data(), beta.data(), y, rows, dim, eps);
}

// x ← x·Φ(x), the erf GELU of BERT ("gelu" in transformers), in place.
void gelu_erf(float* x, int64_t n, Backend b) {
    if (b == Backend::Reference)
        ref::gelu(x, x, n, GeluKind::Erf);
    else
        cpu::gelu(x, x, n, GeluKind::Erf);
}

// Grows `b` to at least n elements (contents not kept).
template <class T>
void ensure(Buffer<T>& b, size_t n) {
    if (b.size() < n) b = Buffer<T>(n);
}

// Bidirectional attention of every sequence over its own tokens: K and V rounded to a contiguous
// bf16 cache, then attention_prefill with causal = false. q, k, v, out: [T × heads × dh] f32.
// With many sequences (the Cpu backend) threads take whole sequences, longest first, in one
// parallel region (the kernels' own regions then run on one thread): one fork/join per layer
// instead of one per sequence.
void attention(const float* q, const float* k, const float* v, float* out,
               const std::vector<Span>& seqs, int64_t heads, int64_t dh, Backend b,
               Buffer<uint16_t>& kc, Buffer<uint16_t>& vc) {
    const int64_t hidden = heads * dh;
    const float scale = 1.0f / std::sqrt(float(dh));
    int64_t longest = 0;
    for (const Span& s : seqs) longest = std::max(longest, s.len);
    auto one = [&](const Span& s, uint16_t* kbuf, uint16_t* vbuf) {
        PagedKvCache cache = PagedKvCache::contiguous(kbuf, vbuf, s.len, heads, dh);
        PrefillShape shape{s.len, 0, heads, scale, false};
        const int64_t at = s.begin * hidden;
        if (b == Backend::Reference) {
            ref::paged_kv_append(cache, 0, k + at, v + at, s.len);
            ref::attention_prefill(q + at, cache, shape, out + at);
        } else {
            cpu::paged_kv_append(cache, 0, k + at, v + at, s.len);
            cpu::attention_prefill(q + at, cache, shape, out + at);
        }
    };
    const int threads = num_threads();
    if (b == Backend::Reference || threads < 2 || int64_t(seqs.size()) < 2 * threads) {
        ensure(kc, size_t(longest * hidden));
        ensure(vc, size_t(longest * hidden));
        for (const Span& s : seqs) one(s, kc.data(), vc.data());
        return;
    }
    std::vector<Span> order = seqs;
    std::stable_sort(order.begin(), order.end(),
                     [](const Span& x, const Span& y) { return x.len > y.len; });
    const int64_t n = int64_t(order.size());
#pragma omp parallel num_threads(threads)
    {
        Buffer<uint16_t> kt{size_t(longest * hidden)}, vt{size_t(longest * hidden)};
#pragma omp for schedule(dynamic, 1)
        for (int64_t i = 0; i < n; ++i) one(order[size_t(i)], kt.data(), vt.data());
    }
}

void add_inplace(float* y, const float* x, int64_t n) {
#pragma omp parallel for schedule(static) if (n > (1 << 16))
    for (int64_t i = 0; i < n; ++i) y[i] += x[i];
}

}  // namespace

Pooling parse_pooling(std::string_view name) {
    if (name == "cls") return Pooling::Cls;
    if (name == "mean") return Pooling::Mean;
    usage_error("unknown pooling \"{}\" (expected cls or mean)", name);
}

Encoder::Encoder(EncoderWeights weights) : w_(std::move(weights)) {
    const ModelConfig& c = w_.config;
    MEMPIPE_CHECK_ARG(c.arch == Architecture::Encoder && int64_t(w_.layers.size()) == c.layers &&
                          w_.word.size() == size_t(c.vocab * c.hidden),
                      "Encoder: weights do not match config \"{}\" (build them with "
                      "make_random_encoder or load_encoder)",
                      c.name);
}

Buffer<float> Encoder::forward(std::span<const EncoderInput> batch, Backend backend) const {
    EncoderWorkspace ws;
    const int64_t total = forward(batch, ws, backend);
    if (ws.x.size() == size_t(total * w_.config.hidden)) return std::move(ws.x);
    Buffer<float> out{size_t(total * w_.config.hidden)};
    std::copy(ws.x.data(), ws.x.data() + out.size(), out.data());
    return out;
}

int64_t Encoder::forward(std::span<const EncoderInput> batch, EncoderWorkspace& ws,
                         Backend backend) const {
    const ModelConfig& c = w_.config;
    const int64_t h = c.hidden, f = c.intermediate;
    const int64_t max_len = c.max_positions - c.position_offset;
    std::vector<Span> seqs;
    int64_t total = 0;
    for (size_t s = 0; s < batch.size(); ++s) {
        const EncoderInput& in = batch[s];
        const int64_t len = int64_t(in.ids.size());
        MEMPIPE_CHECK_ARG(len > 0, "Encoder ({}): sequence {} is empty", c.name, s);
        MEMPIPE_CHECK_ARG(len <= max_len,
                          "Encoder ({}): sequence {} has {} tokens; the model takes at most {} "
                          "(truncate it)",
                          c.name, s, len, max_len);
        MEMPIPE_CHECK_ARG(in.token_types.empty() || int64_t(in.token_types.size()) == len,
                          "Encoder ({}): sequence {} has {} ids but {} token types", c.name, s, len,
                          in.token_types.size());
        for (int64_t i = 0; i < len; ++i) {
            MEMPIPE_CHECK_ARG(in.ids[size_t(i)] >= 0 && in.ids[size_t(i)] < c.vocab,
                              "Encoder ({}): sequence {} position {}: token id {} is outside "
                              "[0, vocab {})",
                              c.name, s, i, in.ids[size_t(i)], c.vocab);
            const int32_t tt = in.token_types.empty() ? 0 : in.token_types[size_t(i)];
            MEMPIPE_CHECK_ARG(tt >= 0 && (tt < c.type_vocab || (tt == 0 && c.type_vocab == 0)),
                              "Encoder ({}): sequence {} position {}: token type {} is outside "
                              "[0, type_vocab {})",
                              c.name, s, i, tt, c.type_vocab);
        }
        seqs.push_back({total, len});
        total += len;
    }
    if (total == 0) return 0;
    const size_t th = size_t(total * h);
    for (Buffer<float>* b : {&ws.x, &ws.q, &ws.k, &ws.v, &ws.a, &ws.tmp}) ensure(*b, th);
    ensure(ws.mid, size_t(total * f));
    Buffer<float>&x = ws.x, &q = ws.q, &k = ws.k, &v = ws.v, &a = ws.a, &tmp = ws.tmp,
    &mid = ws.mid;
    for (size_t s = 0; s < batch.size(); ++s) {
        const EncoderInput& in = batch[s];
        for (int64_t i = 0; i < seqs[s].len; ++i) {
            float* row = x.data() + (seqs[s].begin + i) * h;
            const float* word = w_.word.data() + int64_t(in.ids[size_t(i)]) * h;
            const float* pos = w_.position.data() + (c.position_offset + i) * h;
            const int32_t tt = in.token_types.empty() ? 0 : in.token_types[size_t(i)];
            const float* type = c.type_vocab > 0 ? w_.token_type.data() + int64_t(tt) * h : nullptr;
            // transformers' order: (inputs_embeds + token_type_embeddings) + position_embeddings.
            for (int64_t t = 0; t < h; ++t) row[t] = (word[t] + (type ? type[t] : 0.0f)) + pos[t];
        }
    }
    run_layer_norm(x.data(), w_.emb_norm_gamma, w_.emb_norm_beta, x.data(), total, h, c.norm_eps,
                   backend);

    for (const EncoderLayerWeights& L : w_.layers) {
        run_linear(x.data(), L.q, L.q_bias.data(), q.data(), total, backend);
        run_linear(x.data(), L.k, L.k_bias.data(), k.data(), total, backend);
        run_linear(x.data(), L.v, L.v_bias.data(), v.data(), total, backend);
        attention(q.data(), k.data(), v.data(), a.data(), seqs, c.heads, h / c.heads, backend,
                  ws.k_cache, ws.v_cache);
        run_linear(a.data(), L.o, L.o_bias.data(), tmp.data(), total, backend);
        add_inplace(tmp.data(), x.data(), total * h);
        run_layer_norm(tmp.data(), L.attn_norm_gamma, L.attn_norm_beta, x.data(), total, h,
                       c.norm_eps, backend);
        run_linear(x.data(), L.up, L.up_bias.data(), mid.data(), total, backend);
        gelu_erf(mid.data(), total * f, backend);
        run_linear(mid.data(), L.down, L.down_bias.data(), tmp.data(), total, backend);
        add_inplace(tmp.data(), x.data(), total * h);
        run_layer_norm(tmp.data(), L.out_norm_gamma, L.out_norm_beta, x.data(), total, h,
                       c.norm_eps, backend);
    }
    return total;
}

}  // namespace mempipe::model
