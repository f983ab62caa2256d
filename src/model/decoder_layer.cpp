// Decoder layers (model/decoder.h): random weights, the owning paged KV cache and the layer's
// forward pass routed to ref:: or cpu:: ops.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "mempipe/core/error.h"
#include "mempipe/model/decoder.h"
#include "mempipe/ops/activation.h"
#include "mempipe/ops/linear.h"
#include "mempipe/ops/nn.h"

namespace mempipe::model {

namespace {

void check_decoder_config(const ModelConfig& c) {
    MEMPIPE_CHECK_ARG(c.arch == Architecture::Decoder,
                      "decoder layer: config '{}' is not a decoder (pick llama/qwen configs)",
                      c.name);
    MEMPIPE_CHECK_ARG(
        c.hidden >= 1 && c.heads >= 1 && c.kv_heads >= 1 && c.head_dim >= 2 && c.intermediate >= 1,
        "decoder layer: config '{}' has a non-positive size (hidden {} heads {} "
        "kv_heads {} head_dim {} intermediate {})",
        c.name, c.hidden, c.heads, c.kv_heads, c.head_dim, c.intermediate);
    MEMPIPE_CHECK_ARG(c.heads % c.kv_heads == 0 && c.head_dim % 2 == 0,
                      "decoder layer: config '{}': heads ({}) must be a multiple of kv_heads ({}) "
                      "and head_dim ({}) even",
                      c.name, c.heads, c.kv_heads, c.head_dim);
}

// The backend switch: one place where every op of the layer picks ref:: or cpu::.
struct Ops {
    Backend b;
    void linear(const float* x, const LinearStorage& w, const Buffer<float>& bias, float* y,
                int64_t m) const {
        const float* bp = bias.empty() ? nullptr : bias.data();
        if (b == Backend::Reference)
            ref::linear(x, w.weights(), bp, y, m);
        else
            cpu::linear(x, w.weights(), bp, y, m);
    }
    void rms_norm(const float* x, const float* g, float* y, int64_t rows, int64_t dim,
                  float eps) const {
        if (b == Backend::Reference)
            ref::rms_norm(x, g, y, rows, dim, eps);
        else
            cpu::rms_norm(x, g, y, rows, dim, eps);
    }
    void rope(float* x, int64_t rows, int64_t dim, int64_t pos, const float* inv_freq,
              RopeStyle style) const {
        if (b == Backend::Reference)
            ref::rope(x, rows, dim, dim, pos, inv_freq, style);
        else
            cpu::rope(x, rows, dim, dim, pos, inv_freq, style);
    }
    void append(const PagedKvCache& c, int64_t len, const float* k, const float* v,
                int64_t m) const {
        if (b == Backend::Reference)
            ref::paged_kv_append(c, len, k, v, m);
        else
            cpu::paged_kv_append(c, len, k, v, m);
    }
    void attention(const float* q, const PagedKvCache& c, int64_t m, int64_t position, int64_t hq,
                   float scale, float* out) const {
        if (m == 1) {
            if (b == Backend::Reference)
                ref::paged_attention_decode(q, c, position + 1, hq, scale, out);
            else
                cpu::paged_attention_decode(q, c, position + 1, hq, scale, out);
            return;
        }
        PrefillShape s{m, position, hq, scale, true};
        if (b == Backend::Reference)
            ref::attention_prefill(q, c, s, out);
        else
            cpu::attention_prefill(q, c, s, out);
    }
    void silu_mul(const float* g, const float* u, float* out, int64_t n) const {
        if (b == Backend::Reference)
            ref::silu_mul(g, u, out, n);
        else
            cpu::silu_mul(g, u, out, n);
    }
};

}  // namespace

DecoderLayerWeights make_random_decoder_layer(const ModelConfig& cfg, LinearFormat format,
                                              int64_t group, uint64_t seed) {
    check_decoder_config(cfg);
    if (group == 0) group = default_linear_group(format);
    Rng rng(seed);
    const int64_t H = cfg.hidden, qd = cfg.heads * cfg.head_dim, kd = cfg.kv_heads * cfg.head_dim,
                  I = cfg.intermediate;
    auto lin = [&](int64_t n, int64_t k) {
        return LinearStorage::random(n, k, float(1.0 / std::sqrt(double(k))), rng, format, group);
    };
    DecoderLayerWeights w;
    w.q = lin(qd, H);
    w.k = lin(kd, H);
    w.v = lin(kd, H);
    w.o = lin(H, qd);
    w.gate = lin(I, H);
    w.up = lin(I, H);
    w.down = lin(H, I);
    w.attn_norm = random_vector(H, 0.1f, rng, 1.0f);
    w.mlp_norm = random_vector(H, 0.1f, rng, 1.0f);
    if (cfg.qkv_bias) {
        w.q_bias = random_vector(qd, 0.1f, rng);
        w.k_bias = random_vector(kd, 0.1f, rng);
        w.v_bias = random_vector(kd, 0.1f, rng);
    }
    if (cfg.qk_norm) {
        w.q_norm = random_vector(cfg.head_dim, 0.1f, rng, 1.0f);
        w.k_norm = random_vector(cfg.head_dim, 0.1f, rng, 1.0f);
    }
    return w;
}

KvCache::KvCache(int64_t capacity, int64_t page_size, int64_t hkv, int64_t d,
                 std::vector<int32_t> block_table)
    : table_(std::move(block_table)) {
    MEMPIPE_CHECK_ARG(
        capacity >= 0 && page_size >= 1 && hkv >= 1 && d >= 1,
        "KvCache: need capacity ≥ 0, page_size ≥ 1, hkv ≥ 1, d ≥ 1; got {}, {}, {}, {}", capacity,
        page_size, hkv, d);
    const int64_t blocks = (capacity + page_size - 1) / page_size;
    if (table_.empty()) {
        table_.resize(size_t(blocks));
        std::iota(table_.begin(), table_.end(), 0);
    }
    MEMPIPE_CHECK_ARG(int64_t(table_.size()) == blocks,
                      "KvCache: block_table has {} entries; {} positions in pages of {} need {}",
                      table_.size(), capacity, page_size, blocks);
    std::vector<int32_t> sorted = table_;
    std::sort(sorted.begin(), sorted.end());
    for (int64_t b = 0; b < blocks; ++b)
        MEMPIPE_CHECK_ARG(sorted[size_t(b)] == b,
                          "KvCache: block_table must be a permutation of 0..{}", blocks - 1);
    const size_t elems = size_t(blocks * page_size * hkv * d);
    k_ = Buffer<uint16_t>(elems, uint16_t(0));
    v_ = Buffer<uint16_t>(elems, uint16_t(0));
    view_.k = k_.data();
    view_.v = v_.data();
    view_.block_table = table_.data();
    view_.n_pages = blocks;
    view_.n_blocks = blocks;
    view_.page_size = page_size;
    view_.hkv = hkv;
    view_.d = d;
}

DecoderLayer::DecoderLayer(const ModelConfig& cfg, DecoderLayerWeights weights)
    : cfg_(cfg), w_(std::move(weights)) {
    check_decoder_config(cfg_);
    const int64_t H = cfg.hidden, qd = cfg.heads * cfg.head_dim, kd = cfg.kv_heads * cfg.head_dim;
    auto shape_ok = [](const LinearStorage& l, int64_t n, int64_t k) {
        return l.n() == n && l.k() == k;
    };
    MEMPIPE_CHECK_ARG(shape_ok(w_.q, qd, H) && shape_ok(w_.k, kd, H) && shape_ok(w_.v, kd, H) &&
                          shape_ok(w_.o, H, qd) && shape_ok(w_.gate, cfg.intermediate, H) &&
                          shape_ok(w_.up, cfg.intermediate, H) &&
                          shape_ok(w_.down, H, cfg.intermediate),
                      "DecoderLayer: weight shapes do not match config '{}'", cfg.name);
    MEMPIPE_CHECK_ARG(int64_t(w_.attn_norm.size()) == H && int64_t(w_.mlp_norm.size()) == H,
                      "DecoderLayer: norm gains must have {} entries", H);
    MEMPIPE_CHECK_ARG(
        !cfg.qkv_bias || (int64_t(w_.q_bias.size()) == qd && int64_t(w_.k_bias.size()) == kd &&
                          int64_t(w_.v_bias.size()) == kd),
        "DecoderLayer: config '{}' has qkv_bias; biases must be [{}], [{}], [{}]", cfg.name, qd, kd,
        kd);
    MEMPIPE_CHECK_ARG(!cfg.qk_norm || (int64_t(w_.q_norm.size()) == cfg.head_dim &&
                                       int64_t(w_.k_norm.size()) == cfg.head_dim),
                      "DecoderLayer: config '{}' has qk_norm; gains must be [{}]", cfg.name,
                      cfg.head_dim);
    inv_freq_ = rope_inv_freq_for(cfg);
}

void DecoderLayer::forward(float* x, int64_t m, const PagedKvCache& cache, int64_t position,
                           Backend backend) {
    MEMPIPE_CHECK_ARG(m >= 0 && position >= 0,
                      "DecoderLayer::forward: m and position must be ≥ 0, got {} and {}", m,
                      position);
    MEMPIPE_CHECK_ARG(cache.hkv == cfg_.kv_heads && cache.d == cfg_.head_dim,
                      "DecoderLayer::forward: cache has hkv {} d {}, the layer needs {} and {}",
                      cache.hkv, cache.d, cfg_.kv_heads, cfg_.head_dim);
    MEMPIPE_CHECK_ARG(position + m <= cache.capacity(),
                      "DecoderLayer::forward: positions [{}, {}) exceed the KV cache capacity {}; "
                      "allocate a larger cache",
                      position, position + m, cache.capacity());
    if (m == 0) return;
    MEMPIPE_CHECK_ARG(x != nullptr, "DecoderLayer::forward: x is null with m = {}", m);
    const Ops ops{backend};
    const ModelConfig& c = cfg_;
    const int64_t H = c.hidden, hd = c.head_dim, hq = c.heads, hkv = c.kv_heads, I = c.intermediate;
    const int64_t qd = hq * hd, kd = hkv * hd;
    h_.resize(size_t(m * H));
    q_.resize(size_t(m * qd));
    k_.resize(size_t(m * kd));
    v_.resize(size_t(m * kd));
    attn_.resize(size_t(m * qd));
    gate_.resize(size_t(m * I));
    up_.resize(size_t(m * I));
    proj_.resize(size_t(m * H));

    // Attention block.
    ops.rms_norm(x, w_.attn_norm.data(), h_.data(), m, H, c.norm_eps);
    ops.linear(h_.data(), w_.q, w_.q_bias, q_.data(), m);
    ops.linear(h_.data(), w_.k, w_.k_bias, k_.data(), m);
    ops.linear(h_.data(), w_.v, w_.v_bias, v_.data(), m);
    if (c.qk_norm) {
        ops.rms_norm(q_.data(), w_.q_norm.data(), q_.data(), m * hq, hd, c.norm_eps);
        ops.rms_norm(k_.data(), w_.k_norm.data(), k_.data(), m * hkv, hd, c.norm_eps);
    }
    for (int64_t i = 0; i < m; ++i) {
        ops.rope(q_.data() + i * qd, hq, hd, position + i, inv_freq_.data(), c.rope_style);
        ops.rope(k_.data() + i * kd, hkv, hd, position + i, inv_freq_.data(), c.rope_style);
    }
    ops.append(cache, position, k_.data(), v_.data(), m);
    ops.attention(q_.data(), cache, m, position, hq, float(1.0 / std::sqrt(double(hd))),
                  attn_.data());
    ops.linear(attn_.data(), w_.o, Buffer<float>{}, proj_.data(), m);
    for (int64_t i = 0; i < m * H; ++i) x[i] += proj_[size_t(i)];

    // MLP block.
    ops.rms_norm(x, w_.mlp_norm.data(), h_.data(), m, H, c.norm_eps);
    ops.linear(h_.data(), w_.gate, Buffer<float>{}, gate_.data(), m);
    ops.linear(h_.data(), w_.up, Buffer<float>{}, up_.data(), m);
    ops.silu_mul(gate_.data(), up_.data(), gate_.data(), m * I);
    ops.linear(gate_.data(), w_.down, Buffer<float>{}, proj_.data(), m);
    for (int64_t i = 0; i < m * H; ++i) x[i] += proj_[size_t(i)];
}

}  // namespace mempipe::model
