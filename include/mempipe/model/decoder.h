// Pre-norm GQA decoder layers (Llama-2/3.1, Qwen2.5, Qwen3) over a paged KV cache, and a small
// decoder model around them: the dense substrate of the generation-side methods (MemAgent's
// prefill and decode, the rest of a sparse-attention layer, the per-token latency of a layer).
//
// One layer on x: [m × hidden] (tokens at positions [position, position + m)), as HF
// LlamaDecoderLayer / Qwen2DecoderLayer / Qwen3DecoderLayer in inference mode:
//   h = RMSNorm(x)·γ_attn
//   q = h·Wqᵀ (+ bq), k = h·Wkᵀ (+ bk), v = h·Wvᵀ (+ bv)          (biases: Qwen2.5, qkv_bias)
//   q, k per head ← RMSNorm(·)·γ_q / γ_k over head_dim              (Qwen3, qk_norm)
//   q, k ← RoPE(position + i) (NeoX half-split, inv_freq = θ^(−2i/head_dim), no scaling)
//   append k, v (bf16) to the cache at [position, position + m)
//   a = causal softmax(q·kᵀ / √head_dim)·v over cache positions [0, position + i] (GQA)
//   x = x + a·Woᵀ
//   x = x + (silu(h'·Wgateᵀ) ⊙ h'·Wupᵀ)·Wdownᵀ,  h' = RMSNorm(x)·γ_mlp
// m = 1 runs decode attention (paged_attention_decode), m > 1 chunked prefill (attention_prefill).
// The model: x = embedding[ids] (bf16 table) → layers → final RMSNorm → logits = x·W_lmᵀ
// (W_lm = the embedding table when tie_embeddings). Llama-3.1's rope_scaling is not applied (the
// configs carry no scaling fields); shapes and costs are unaffected.
//
// Numerics: every op follows its contract (linear.h: Bf16 weights round the layer input to bf16;
// Int8/Int4 are W8A8/W4A8); activations are f32 between ops. Backend::Reference routes every op to
// its ref:: oracle (f64 inside each op), Backend::Cpu to the cpu:: kernels.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "mempipe/core/buffer.h"
#include "mempipe/model/config.h"
#include "mempipe/model/weights.h"
#include "mempipe/ops/attention.h"

namespace mempipe::model {

struct DecoderLayerWeights {
    LinearStorage q;                    // [heads·head_dim × hidden]
    LinearStorage k, v;                 // [kv_heads·head_dim × hidden]
    LinearStorage o;                    // [hidden × heads·head_dim]
    LinearStorage gate, up;             // [intermediate × hidden]
    LinearStorage down;                 // [hidden × intermediate]
    Buffer<float> attn_norm, mlp_norm;  // input_layernorm, post_attention_layernorm: [hidden]
    Buffer<float> q_bias, k_bias,
        v_bias;                    // qkv_bias: [heads·head_dim], [kv·head_dim] ×2; else empty
    Buffer<float> q_norm, k_norm;  // qk_norm: [head_dim]; else empty
};

// Deterministic random weights for `cfg` (arch Decoder): linear weights N(0, 1/k) (k = input
// features, so a layer maps O(1) activations to O(1)), norm gains 1 + N(0, 0.1²), biases
// N(0, 0.1²); stored in `format` with `group` (0 = default_linear_group). The same seed gives the
// same f32 weights in every format.
DecoderLayerWeights make_random_decoder_layer(const ModelConfig& cfg, LinearFormat format,
                                              int64_t group, uint64_t seed);

// An owning paged KV cache for one layer: `capacity` positions in pages of `page_size` tokens.
// block_table: [⌈capacity / page_size⌉] distinct pages in [0, that count) (empty = identity); a
// permuted table scatters consecutive blocks over the pool, as a paged allocator would.
class KvCache {
  public:
    KvCache() = default;
    KvCache(int64_t capacity, int64_t page_size, int64_t hkv, int64_t d,
            std::vector<int32_t> block_table = {});
    const PagedKvCache& view() const { return view_; }
    int64_t capacity() const { return view_.capacity(); }

  private:
    Buffer<uint16_t> k_, v_;
    std::vector<int32_t> table_;
    PagedKvCache view_;
};

class DecoderLayer {
  public:
    DecoderLayer(const ModelConfig& cfg, DecoderLayerWeights weights);
    // x: [m × hidden] f32, in place. The cache holds this layer's positions [0, position) and
    // receives [position, position + m); position + m ≤ cache capacity (usage error otherwise).
    void forward(float* x, int64_t m, const PagedKvCache& cache, int64_t position, Backend backend);
    const DecoderLayerWeights& weights() const { return w_; }
    const ModelConfig& config() const { return cfg_; }

  private:
    ModelConfig cfg_;
    DecoderLayerWeights w_;
    std::vector<float> inv_freq_;                                 // [head_dim / 2]
    std::vector<float> h_, q_, k_, v_, attn_, gate_, up_, proj_;  // scratch, sized by m
};

struct DecoderOptions {
    LinearFormat format = LinearFormat::Bf16;
    int64_t group = 0;  // 0 = default_linear_group(format)
    uint64_t seed = 1;
    int64_t max_tokens = 2048;  // KV capacity per layer
    int64_t page_size = 16;
    int64_t prefill_chunk = 512;  // prefill runs in chunks of at most this many tokens
    bool shuffle_pages = false;   // block tables as a seeded random permutation
    Backend backend = Backend::Cpu;
};

// A decoder with random weights: embedding (bf16 [vocab × hidden]), cfg.layers layers, final norm,
// LM head. Holds one KvCache per layer and the current position.
class DecoderModel {
  public:
    static DecoderModel random(const ModelConfig& cfg, const DecoderOptions& options);

    // Runs `ids` at positions [position(), position() + n) and returns the logits [vocab] of the
    // last one (an empty span is a usage error). Token ids must lie in [0, vocab).
    std::vector<float> prefill(std::span<const int32_t> ids);
    // One token at position(): its logits [vocab].
    std::vector<float> decode(int32_t id);
    // reset(), prefill(prompt), then n_new greedy steps (argmax, ties → lower id); returns the
    // n_new generated ids.
    std::vector<int32_t> generate(std::span<const int32_t> prompt, int64_t n_new);
    // Entry points for methods that feed the backbone embeddings rather than ids (HMT,
    // model/hmt.h): out: [ids.size() × hidden] f32, the embedding rows of ids (each in [0, vocab)).
    void embed(std::span<const int32_t> ids, float* out) const;
    // x: [m × hidden] input embeddings at positions [0, m) of a fresh sequence (resets the
    // position; 1 ≤ m ≤ options.max_tokens); on return the final hidden states (after the final
    // RMSNorm), and position() = m.
    void forward_embeddings(float* x, int64_t m);
    // logits: [m × vocab] of final hidden states h: [m × hidden].
    void logits(const float* h, int64_t m, float* out) const;
    // Standard deviation of the embedding table's values (HMT scales its learned vectors by it).
    double embedding_std() const;

    void reset() { position_ = 0; }
    int64_t position() const { return position_; }
    const ModelConfig& config() const { return cfg_; }
    const DecoderOptions& options() const { return opt_; }

  private:
    DecoderModel(const ModelConfig& cfg, const DecoderOptions& options);
    std::vector<float> logits_of_last(const float* x, int64_t m);

    ModelConfig cfg_;
    DecoderOptions opt_;
    Buffer<uint16_t> embedding_;  // [vocab × hidden] bf16
    std::vector<DecoderLayer> layers_;
    std::vector<KvCache> caches_;
    Buffer<float> final_norm_;  // [hidden]
    LinearStorage lm_head_;     // [vocab × hidden]; unused with tie_embeddings
    int64_t position_ = 0;
    std::vector<float> normed_;  // forward_embeddings' scratch
};

// Index of the largest value (ties → lower index); −1 for n = 0. NaN entries are skipped.
int64_t argmax(const float* x, int64_t n);

}  // namespace mempipe::model
