// Model configurations of the dense substrate: the shapes of the transformers the methods run
// around their memory steps (decoders for generation, encoders for embedders and rerankers, one
// DeepSeek-V3.2 layer for DSA). Values follow each model's published Hugging Face config.json;
// `ModelConfig::source` names it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mempipe/ops/nn.h"

namespace mempipe::model {

enum class Architecture : uint8_t {
    Decoder,        // pre-norm causal decoder: GQA attention + SwiGLU MLP (Llama, Qwen)
    Encoder,        // post-norm bidirectional encoder: MHA + GELU MLP (BERT, XLM-RoBERTa)
    DeepSeekLayer,  // one DeepSeek-V3.2 layer: MLA + lightning indexer + dense SwiGLU MLP
};

enum class NormKind : uint8_t { Rms, Layer };
enum class Activation : uint8_t { Silu, GeluErf };

struct MlaConfig {  // DeepSeekLayer only
    int64_t q_lora_rank = 0, kv_lora_rank = 0;
    int64_t qk_nope_head_dim = 0, qk_rope_head_dim = 0, v_head_dim = 0;
    int64_t index_n_heads = 0, index_head_dim = 0, index_topk = 0;
};

// rope_scaling of a decoder's config.json: none, "linear" (every frequency / factor) or "llama3"
// (Llama 3.1: rope_inv_freq_llama3).
struct RopeScaling {
    enum class Kind : uint8_t { None, Linear, Llama3 };
    Kind kind = Kind::None;
    double factor = 1.0;
    double low_freq_factor = 1.0, high_freq_factor = 4.0;  // llama3
    int64_t original_max_position = 0;                     // llama3
};

struct ModelConfig {
    std::string name;    // "llama-2-7b", "bge-large-en-v1.5", ...
    std::string source;  // where the values come from (the config.json URL)
    Architecture arch = Architecture::Decoder;
    int64_t hidden = 0;        // model width
    int64_t layers = 0;        // transformer blocks
    int64_t heads = 0;         // query heads
    int64_t kv_heads = 0;      // KV heads (= heads without GQA)
    int64_t head_dim = 0;      // per head (hidden / heads unless the config says otherwise)
    int64_t intermediate = 0;  // MLP width
    int64_t vocab = 0;
    int64_t max_positions = 0;    // context length of the config (encoders: position table size)
    int64_t type_vocab = 0;       // encoders: token-type embeddings (0 = none)
    int64_t position_offset = 0;  // encoders: first position id (XLM-RoBERTa: padding_idx + 1)
    NormKind norm = NormKind::Rms;
    float norm_eps = 1e-5f;
    Activation activation = Activation::Silu;
    double rope_theta = 10000.0;  // decoders
    RopeStyle rope_style = RopeStyle::NeoX;
    RopeScaling rope_scaling;     // decoders
    bool qkv_bias = false;        // Qwen2.5: biases on q, k, v
    bool qk_norm = false;         // Qwen3: RMSNorm per head on q and k before RoPE
    bool tie_embeddings = false;  // LM head shares the embedding matrix
    int64_t num_labels = 0;       // encoders: classifier outputs (a reranker: 1), 0 = none
    MlaConfig mla;                // DeepSeekLayer only
};

// The built-in configurations: llama-2-7b, llama-3.1-8b, qwen2.5-7b, qwen3-8b, deepseek-v3.2-layer,
// bge-large-en-v1.5, bge-reranker-large (and small ones for tests, named "tiny-*").
std::vector<std::string> list_model_configs();
// Throws a usage error naming the known configurations when `name` is unknown.
const ModelConfig& model_config(std::string_view name);
// Reads a Hugging Face config.json (LlamaForCausalLM, Qwen2ForCausalLM, Qwen3ForCausalLM,
// BertModel, XLMRobertaForSequenceClassification); unknown architectures and missing fields are
// errors naming the file and the field.
ModelConfig read_hf_config(const std::string& path);
// The rotary inverse frequencies [head_dim / 2] of a decoder config: rope_theta with its
// rope_scaling applied.
std::vector<float> rope_inv_freq_for(const ModelConfig& c);

}  // namespace mempipe::model
