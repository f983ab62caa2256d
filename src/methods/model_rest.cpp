#include "model_rest.h"

#include <algorithm>
#include <cmath>

#include "mempipe/core/error.h"
#include "mempipe/ops/activation.h"
#include "mempipe/ops/attention.h"
#include "mempipe/ops/nn.h"
#include "recipes.h"

namespace mempipe {

namespace {

ModelRestShape base_shape(const model::ModelConfig& c) {
    ModelRestShape s;
    s.model = c.name;
    s.layers = c.layers;
    s.hidden = c.hidden;
    s.intermediate = c.intermediate;
    s.vocab = c.vocab;
    s.heads = c.heads;
    s.kv_heads = c.kv_heads;
    s.head_dim = c.head_dim;
    s.norm_eps = c.norm_eps;
    return s;
}

int64_t widest_row(const ModelRestShape& s) {
    int64_t w = std::max(s.hidden, s.intermediate);
    for (const auto& p : s.attention) w = std::max({w, p.in, p.out});
    return w;
}

}  // namespace

ModelRestShape gqa_model_rest(const model::ModelConfig& c) {
    MEMPIPE_CHECK_ARG(c.arch == model::Architecture::Decoder,
                      "gqa_model_rest: {} is not a decoder configuration", c.name);
    ModelRestShape s = base_shape(c);
    const int64_t q = c.heads * c.head_dim, kv = c.kv_heads * c.head_dim;
    s.attention = {{"qkv_proj", c.hidden, q + 2 * kv}, {"o_proj", q, c.hidden}};
    return s;
}

ModelRestShape mla_model_rest(const model::ModelConfig& c) {
    MEMPIPE_CHECK_ARG(c.arch == model::Architecture::DeepSeekLayer,
                      "mla_model_rest: {} is not a DeepSeek layer configuration", c.name);
    ModelRestShape s = base_shape(c);
    const auto& m = c.mla;
    s.attention = {{"wq_a", c.hidden, m.q_lora_rank},
                   {"wq_b", m.q_lora_rank, c.heads * (m.qk_nope_head_dim + m.qk_rope_head_dim)},
                   {"wkv_a", c.hidden, m.kv_lora_rank + m.qk_rope_head_dim},
                   {"wo", c.heads * m.v_head_dim, c.hidden}};
    return s;
}

double ModelRest::state_bytes(const ModelRestShape& s, int batch, int64_t max_rows,
                              int64_t max_context) {
    double params = double(3 * s.intermediate * s.hidden) + double(s.vocab * s.hidden);
    for (const auto& p : s.attention) params += double(p.in * p.out);
    const double rows = double(batch) * double(std::max<int64_t>(max_rows, 1));
    const double acts = rows * double(2 * widest_row(s) + 2 * s.hidden + 2 * s.intermediate +
                                      2 * s.heads * s.head_dim);
    const double kv = double(batch) * double(max_context) * double(s.kv_heads * s.head_dim) * 4;
    return params * 2.0 + acts * 4.0 + kv + double(batch) * double(s.vocab) * 4.0;
}

ModelRest::Matrix ModelRest::make_matrix(int64_t n, int64_t k, uint64_t seed) const {
    Matrix m;
    m.w = Buffer<uint16_t>(size_t(n * k));
    // Uniform with variance 1/k: outputs of O(1) inputs stay O(1).
    synth_fill_bf16(m.w.data(), n * k, seed,
                    float(std::sqrt(3.0 / double(std::max<int64_t>(k, 1)))));
    m.view = LinearWeights::bf16(m.w.data(), n, k);
    return m;
}

void ModelRest::setup(const ModelRestShape& s, int batch, uint64_t seed, int64_t max_rows,
                      int64_t max_context) {
    MEMPIPE_CHECK_ARG(s.layers >= 1 && s.hidden >= 1 && s.intermediate >= 1 && s.vocab >= 1,
                      "model rest of {}: layers, hidden, intermediate and vocab must be ≥ 1",
                      s.model);
    MEMPIPE_CHECK_ARG(batch >= 1 && max_rows >= 1 && max_context >= 0,
                      "model rest: batch and rows must be ≥ 1 and context ≥ 0");
    shape_ = s;
    batch_ = batch;
    max_rows_ = max_rows;
    max_context_ = max_context;
    attention_.clear();
    for (size_t i = 0; i < s.attention.size(); ++i)
        attention_.push_back(make_matrix(s.attention[i].out, s.attention[i].in, seed * 131 + i));
    gate_up_ = make_matrix(2 * s.intermediate, s.hidden, seed * 131 + 101);
    down_ = make_matrix(s.hidden, s.intermediate, seed * 131 + 102);
    lm_head_ = make_matrix(s.vocab, s.hidden, seed * 131 + 103);
    norm_gamma_ = Buffer<float>(size_t(s.hidden), 1.0f);
    const int64_t R = int64_t(batch) * max_rows, W = widest_row(s);
    auto random = [&](int64_t n, uint64_t k) {
        Buffer<float> b{size_t(n)};
        synth_fill_f32(b.data(), n, seed * 131 + k, 1.0f);
        return b;
    };
    x_ = random(R * s.hidden, 104);
    y_ = Buffer<float>(size_t(R * s.hidden), 0.0f);
    in_ = random(R * W, 105);
    out_ = Buffer<float>(size_t(R * W), 0.0f);
    act_ = Buffer<float>(size_t(R * 2 * s.intermediate), 0.0f);
    logits_ = Buffer<float>(size_t(batch) * size_t(s.vocab), 0.0f);
    if (max_context > 0) {
        const int64_t kv = int64_t(batch) * max_context * s.kv_heads * s.head_dim;
        k_cache_ = Buffer<uint16_t>(size_t(kv));
        v_cache_ = Buffer<uint16_t>(size_t(kv));
        synth_fill_bf16(k_cache_.data(), kv, seed * 131 + 106, 1.0f);
        synth_fill_bf16(v_cache_.data(), kv, seed * 131 + 107, 1.0f);
        q_ = random(R * s.heads * s.head_dim, 108);
        attn_out_ = Buffer<float>(size_t(R * s.heads * s.head_dim), 0.0f);
    }
}

int ModelRest::add_nodes(Graph& g, Backend backend, int after, const ModelPass& pass) {
    MEMPIPE_CHECK_ARG(batch_ >= 1, "model rest: call setup() before add_nodes()");
    MEMPIPE_CHECK_ARG(
        pass.rows >= 1 && pass.rows <= max_rows_ && pass.context <= max_context_ && pass.times > 0,
        "model rest pass '{}': rows {} (set up for ≤ {}), context {} (≤ {}), "
        "times {} (> 0)",
        pass.prefix, pass.rows, max_rows_, pass.context, max_context_, pass.times);
    MEMPIPE_CHECK_ARG(pass.rows == 1 || pass.context == 0 || pass.context == pass.rows,
                      "model rest pass '{}': a prefill attends its own {} rows, not {}",
                      pass.prefix, pass.rows, pass.context);
    const bool ref = backend == Backend::Reference;
    const int64_t B = batch_, M = B * pass.rows, H = shape_.hidden, I = shape_.intermediate;
    const double per_layer = double(shape_.layers) * pass.times;
    int last = after;
    auto add = [&](const std::string& op_name, const char* op, double repeat, OpCost cost,
                   std::function<void()> fn) {
        OpNode n;
        n.name = pass.prefix + "." + op_name;
        n.op = op;
        n.step = pass.step;
        n.repeat = repeat;
        n.cost = cost;
        if (last >= 0) n.inputs = {last};
        n.run = std::move(fn);
        last = g.add(std::move(n));
    };
    auto norm = [this, ref, H](int64_t rows) {
        return [this, ref, H, rows] {
            if (ref)
                ref::rms_norm(x_.data(), norm_gamma_.data(), y_.data(), rows, H, shape_.norm_eps);
            else
                cpu::rms_norm(x_.data(), norm_gamma_.data(), y_.data(), rows, H, shape_.norm_eps);
        };
    };
    auto linear = [ref](const float* x, const LinearWeights* w, float* y, int64_t m) {
        return [ref, x, w, y, m] {
            if (ref)
                ref::linear(x, *w, nullptr, y, m);
            else
                cpu::linear(x, *w, nullptr, y, m);
        };
    };
    add("attn_norm", "rms_norm", per_layer, norm_cost(M, H), norm(M));
    for (size_t i = 0; i < attention_.size(); ++i) {
        const LinearWeights* w = &attention_[i].view;
        add(shape_.attention[i].name, "linear", per_layer, linear_cost(M, *w),
            linear(in_.data(), w, out_.data(), M));
        if (i == 0 && pass.context > 0) {  // after the q/k/v projection
            const int64_t hq = shape_.heads, hkv = shape_.kv_heads, d = shape_.head_dim;
            const int64_t rows = pass.rows, ctx = pass.context;
            const float scale = float(1.0 / std::sqrt(double(d)));
            auto cache = [this, hkv, d, ctx](int64_t b) {
                const int64_t off = b * max_context_ * hkv * d;
                return PagedKvCache::contiguous(k_cache_.data() + off, v_cache_.data() + off, ctx,
                                                hkv, d);
            };
            if (rows == 1) {
                const AttentionShape as{ctx, hq, hkv, d, scale};
                add("attention", "dense_attention", per_layer, batched(dense_attention_cost(as), B),
                    [this, ref, as, B, cache] {
                        for (int64_t b = 0; b < B; ++b) {
                            const PagedKvCache c = cache(b);
                            const float* q = q_.data() + b * as.hq * as.d;
                            float* o = attn_out_.data() + b * as.hq * as.d;
                            if (ref)
                                ref::dense_attention_decode(q, c.k, c.v, as, nullptr, o);
                            else
                                cpu::dense_attention_decode(q, c.k, c.v, as, nullptr, o);
                        }
                    });
            } else {
                const PrefillShape ps{rows, 0, hq, scale, true};
                add("attention", "attention_prefill", per_layer,
                    batched(attention_prefill_cost(ps, hkv, d), B), [this, ref, ps, B, d, cache] {
                        for (int64_t b = 0; b < B; ++b) {
                            const PagedKvCache c = cache(b);
                            const float* q = q_.data() + b * ps.m * ps.hq * d;
                            float* o = attn_out_.data() + b * ps.m * ps.hq * d;
                            if (ref)
                                ref::attention_prefill(q, c, ps, o);
                            else
                                cpu::attention_prefill(q, c, ps, o);
                        }
                    });
            }
        }
    }
    add("mlp_norm", "rms_norm", per_layer, norm_cost(M, H), norm(M));
    add("gate_up", "linear", per_layer, linear_cost(M, gate_up_.view),
        linear(y_.data(), &gate_up_.view, act_.data(), M));
    add("silu_mul", "silu_mul", per_layer, silu_mul_cost(M * I), [this, ref, M, I] {
        for (int64_t r = 0; r < M; ++r) {
            const float* row = act_.data() + r * 2 * I;
            if (ref)
                ref::silu_mul(row, row + I, out_.data() + r * I, I);
            else
                cpu::silu_mul(row, row + I, out_.data() + r * I, I);
        }
    });
    add("down", "linear", per_layer, linear_cost(M, down_.view),
        linear(out_.data(), &down_.view, y_.data(), M));
    if (!pass.lm_head) return last;
    // Logits of the last row of each sequence (prefill) or of the one decoded token.
    add("final_norm", "rms_norm", pass.times, norm_cost(B, H), norm(B));
    add("lm_head", "linear", pass.times, linear_cost(B, lm_head_.view),
        linear(y_.data(), &lm_head_.view, logits_.data(), B));
    return last;
}

}  // namespace mempipe
