// The built-in model configurations and the Hugging Face config.json reader (model/config.h).
#include "mempipe/model/config.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "mempipe/core/error.h"

namespace mempipe::model {
namespace {

ModelConfig decoder(std::string name, std::string source, int64_t hidden, int64_t layers,
                    int64_t heads, int64_t kv_heads, int64_t head_dim, int64_t intermediate,
                    int64_t vocab, int64_t max_positions, float eps, double theta) {
    ModelConfig c;
    c.name = std::move(name);
    c.source = std::move(source);
    c.arch = Architecture::Decoder;
    c.hidden = hidden;
    c.layers = layers;
    c.heads = heads;
    c.kv_heads = kv_heads;
    c.head_dim = head_dim;
    c.intermediate = intermediate;
    c.vocab = vocab;
    c.max_positions = max_positions;
    c.norm = NormKind::Rms;
    c.norm_eps = eps;
    c.activation = Activation::Silu;
    c.rope_theta = theta;
    c.rope_style = RopeStyle::NeoX;
    return c;
}

ModelConfig encoder(std::string name, std::string source, int64_t hidden, int64_t layers,
                    int64_t heads, int64_t intermediate, int64_t vocab, int64_t max_positions,
                    int64_t type_vocab, int64_t position_offset, float eps, int64_t num_labels) {
    ModelConfig c;
    c.name = std::move(name);
    c.source = std::move(source);
    c.arch = Architecture::Encoder;
    c.hidden = hidden;
    c.layers = layers;
    c.heads = heads;
    c.kv_heads = heads;
    c.head_dim = hidden / heads;
    c.intermediate = intermediate;
    c.vocab = vocab;
    c.max_positions = max_positions;
    c.type_vocab = type_vocab;
    c.position_offset = position_offset;
    c.norm = NormKind::Layer;
    c.norm_eps = eps;
    c.activation = Activation::GeluErf;
    c.qkv_bias = true;
    c.num_labels = num_labels;
    return c;
}

const std::vector<ModelConfig>& builtin() {
    static const std::vector<ModelConfig> all = [] {
        std::vector<ModelConfig> v;
        v.push_back(decoder("llama-2-7b",
                            "https://huggingface.co/meta-llama/Llama-2-7b-hf/blob/main/config.json",
                            4096, 32, 32, 32, 128, 11008, 32000, 4096, 1e-5f, 10000.0));
        ModelConfig llama31 = decoder(
            "llama-3.1-8b", "https://huggingface.co/meta-llama/Llama-3.1-8B/blob/main/config.json",
            4096, 32, 32, 8, 128, 14336, 128256, 131072, 1e-5f, 500000.0);
        llama31.rope_scaling = {RopeScaling::Kind::Llama3, 8.0, 1.0, 4.0, 8192};
        v.push_back(llama31);
        ModelConfig qwen25 =
            decoder("qwen2.5-7b", "https://huggingface.co/Qwen/Qwen2.5-7B/blob/main/config.json",
                    3584, 28, 28, 4, 128, 18944, 152064, 131072, 1e-6f, 1000000.0);
        qwen25.qkv_bias = true;
        v.push_back(qwen25);
        ModelConfig qwen3 =
            decoder("qwen3-8b", "https://huggingface.co/Qwen/Qwen3-8B/blob/main/config.json", 4096,
                    36, 32, 8, 128, 12288, 151936, 40960, 1e-6f, 1000000.0);
        qwen3.qk_norm = true;
        v.push_back(qwen3);

        // The LaCT language model (760M; memory_fpga.md §A3: hidden 1536, 24 layers) with the
        // LaCTSWIGLUConfig defaults of lact_llm/lact_model/configuration_lact_swiglu.py (vocab
        // 32000, rope_theta 1e4, norm_eps 1e-6, hidden_ratio 4 → fla's GatedMLP width
        // 256·⌈1536·4·2/3 / 256⌉ = 4096). The 760M attention head count is not in those sources:
        // 24 heads of 64 (the default config's head size, 2048 / 32) — costs do not depend on it.
        v.push_back(decoder("lact-760m",
                            "memory_fpga.md §A3 (hidden, layers) + LaCTSWIGLUConfig defaults "
                            "(github.com/a1600012888/LaCT lact_llm/lact_model)",
                            1536, 24, 24, 24, 64, 4096, 32000, 2048, 1e-6f, 10000.0));

        // One DeepSeek-V3.2 layer (61 in the model; `layers` is what profiles scale by). MLA
        // head_dim = qk_nope + qk_rope; the layer's MLP is the dense one (intermediate_size).
        ModelConfig ds =
            decoder("deepseek-v3.2-layer",
                    "https://huggingface.co/deepseek-ai/DeepSeek-V3.2-Exp/blob/main/config.json",
                    7168, 61, 128, 128, 192, 18432, 129280, 163840, 1e-6f, 10000.0);
        ds.arch = Architecture::DeepSeekLayer;
        ds.rope_style = RopeStyle::Interleaved;
        ds.mla = MlaConfig{1536, 512, 128, 64, 128, 64, 128, 2048};
        v.push_back(ds);

        v.push_back(encoder("bge-large-en-v1.5",
                            "https://huggingface.co/BAAI/bge-large-en-v1.5/blob/main/config.json",
                            1024, 24, 16, 4096, 30522, 512, 2, 0, 1e-12f, 0));
        // XLM-RoBERTa: position ids start at padding_idx + 1 = 2; one relevance logit.
        v.push_back(encoder("bge-reranker-large",
                            "https://huggingface.co/BAAI/bge-reranker-large/blob/main/config.json",
                            1024, 24, 16, 4096, 250002, 514, 1, 2, 1e-5f, 1));
        v.push_back(encoder(
            "all-minilm-l6-v2",
            "https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2/blob/main/config.json",
            384, 6, 12, 1536, 30522, 512, 2, 0, 1e-12f, 0));

        // Small configurations for tests (not published models).
        v.push_back(decoder("tiny-llama", "test configuration (GQA 4:1)", 128, 2, 8, 2, 16, 256,
                            512, 2048, 1e-5f, 10000.0));
        ModelConfig tq2 = decoder("tiny-qwen2", "test configuration (qkv bias)", 128, 2, 8, 2, 16,
                                  256, 512, 2048, 1e-6f, 1000000.0);
        tq2.qkv_bias = true;
        v.push_back(tq2);
        ModelConfig tq3 = decoder("tiny-qwen3", "test configuration (q/k norm, head_dim 32)", 128,
                                  2, 8, 2, 32, 192, 512, 2048, 1e-6f, 1000000.0);
        tq3.qk_norm = true;
        v.push_back(tq3);
        v.push_back(encoder("tiny-bert", "test configuration (BERT)", 64, 2, 4, 128, 128, 64, 2, 0,
                            1e-12f, 0));
        v.push_back(encoder("tiny-xlmr", "test configuration (XLM-R cross-encoder)", 64, 2, 4, 128,
                            160, 66, 1, 2, 1e-5f, 1));
        return v;
    }();
    return all;
}

using JsonObj = nlohmann::json;

const JsonObj& field(const JsonObj& j, const std::string& path, const char* key) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null())
        runtime_error("{}: missing field \"{}\" (required for this architecture)", path, key);
    return *it;
}

int64_t int_field(const JsonObj& j, const std::string& path, const char* key) {
    const JsonObj& v = field(j, path, key);
    if (!v.is_number_integer() || v.get<int64_t>() < 0)
        runtime_error("{}: field \"{}\" must be a non-negative integer, got {}", path, key,
                      v.dump());
    return v.get<int64_t>();
}

int64_t int_field_or(const JsonObj& j, const std::string& path, const char* key, int64_t dflt) {
    auto it = j.find(key);
    return (it == j.end() || it->is_null()) ? dflt : int_field(j, path, key);
}

double num_field(const JsonObj& j, const std::string& path, const char* key) {
    const JsonObj& v = field(j, path, key);
    if (!v.is_number())
        runtime_error("{}: field \"{}\" must be a number, got {}", path, key, v.dump());
    return v.get<double>();
}

double num_field_or(const JsonObj& j, const std::string& path, const char* key, double dflt) {
    auto it = j.find(key);
    return (it == j.end() || it->is_null()) ? dflt : num_field(j, path, key);
}

bool bool_field_or(const JsonObj& j, const std::string& path, const char* key, bool dflt) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return dflt;
    if (!it->is_boolean())
        runtime_error("{}: field \"{}\" must be true or false, got {}", path, key, it->dump());
    return it->get<bool>();
}

void check_positive(const std::string& path, const char* key, int64_t v) {
    if (v <= 0) runtime_error("{}: field \"{}\" must be positive, got {}", path, key, v);
}

void read_common(const JsonObj& j, const std::string& path, ModelConfig& c) {
    c.hidden = int_field(j, path, "hidden_size");
    c.layers = int_field(j, path, "num_hidden_layers");
    c.heads = int_field(j, path, "num_attention_heads");
    c.intermediate = int_field(j, path, "intermediate_size");
    c.vocab = int_field(j, path, "vocab_size");
    c.max_positions = int_field(j, path, "max_position_embeddings");
    check_positive(path, "hidden_size", c.hidden);
    check_positive(path, "num_attention_heads", c.heads);
    check_positive(path, "vocab_size", c.vocab);
}

// "rope_scaling": absent, null, or an object whose "rope_type" (older files: "type") is "default",
// "linear" or "llama3"; other types (yarn, dynamic, longrope, …) are errors rather than silently
// wrong frequencies.
RopeScaling read_rope_scaling(const JsonObj& j, const std::string& path) {
    RopeScaling r;
    auto it = j.find("rope_scaling");
    if (it == j.end() || it->is_null()) return r;
    if (!it->is_object())
        runtime_error("{}: \"rope_scaling\" must be an object or null, got {}", path, it->dump());
    const JsonObj& s = *it;
    const char* type_key = s.contains("rope_type") ? "rope_type" : "type";
    if (!s.contains(type_key))
        runtime_error("{}: rope_scaling has no \"rope_type\" (or \"type\") field", path);
    const JsonObj& type = s[type_key];
    if (!type.is_string())
        runtime_error("{}: rope_scaling.{} must be a string, got {}", path, type_key, type.dump());
    const std::string t = type.get<std::string>();
    if (t == "default") return r;
    if (t != "linear" && t != "llama3")
        runtime_error(
            "{}: rope_scaling type \"{}\" is not supported (supported: default, linear, llama3)",
            path, t);
    r.factor = num_field(s, path, "factor");
    if (!(r.factor >= 1.0))
        runtime_error("{}: rope_scaling.factor must be ≥ 1, got {}", path, r.factor);
    if (t == "linear") {
        r.kind = RopeScaling::Kind::Linear;
        return r;
    }
    r.kind = RopeScaling::Kind::Llama3;
    r.low_freq_factor = num_field(s, path, "low_freq_factor");
    r.high_freq_factor = num_field(s, path, "high_freq_factor");
    r.original_max_position = int_field(s, path, "original_max_position_embeddings");
    if (!(r.low_freq_factor > 0 && r.high_freq_factor > r.low_freq_factor))
        runtime_error(
            "{}: rope_scaling needs high_freq_factor > low_freq_factor > 0, got {} and {}", path,
            r.high_freq_factor, r.low_freq_factor);
    check_positive(path, "rope_scaling.original_max_position_embeddings", r.original_max_position);
    return r;
}

void read_decoder(const JsonObj& j, const std::string& path, ModelConfig& c) {
    read_common(j, path, c);
    // num_key_value_heads, head_dim, rope_theta and tie_word_embeddings have defaults in the
    // transformers config classes (heads, hidden / heads, 10000, false); the rest are required.
    c.kv_heads = int_field_or(j, path, "num_key_value_heads", c.heads);
    check_positive(path, "num_key_value_heads", c.kv_heads);
    if (c.heads % c.kv_heads != 0)
        runtime_error("{}: num_attention_heads ({}) must be a multiple of num_key_value_heads ({})",
                      path, c.heads, c.kv_heads);
    if (c.hidden % c.heads != 0 && j.find("head_dim") == j.end())
        runtime_error(
            "{}: hidden_size ({}) is not a multiple of num_attention_heads ({}) and "
            "there is no head_dim field",
            path, c.hidden, c.heads);
    c.head_dim = int_field_or(j, path, "head_dim", c.hidden / c.heads);
    c.norm = NormKind::Rms;
    c.norm_eps = float(num_field(j, path, "rms_norm_eps"));
    c.activation = Activation::Silu;
    std::string act = field(j, path, "hidden_act").get<std::string>();
    if (act != "silu")
        runtime_error("{}: hidden_act \"{}\" is not supported for decoders (expected silu)", path,
                      act);
    c.rope_theta = num_field_or(j, path, "rope_theta", 10000.0);
    c.rope_style = RopeStyle::NeoX;
    c.rope_scaling = read_rope_scaling(j, path);
    c.tie_embeddings = bool_field_or(j, path, "tie_word_embeddings", false);
}

void read_encoder(const JsonObj& j, const std::string& path, ModelConfig& c) {
    read_common(j, path, c);
    c.kv_heads = c.heads;
    if (c.hidden % c.heads != 0)
        runtime_error("{}: hidden_size ({}) must be a multiple of num_attention_heads ({})", path,
                      c.hidden, c.heads);
    c.head_dim = c.hidden / c.heads;
    c.type_vocab = int_field(j, path, "type_vocab_size");
    c.norm = NormKind::Layer;
    c.norm_eps = float(num_field(j, path, "layer_norm_eps"));
    c.activation = Activation::GeluErf;
    c.qkv_bias = true;
    const JsonObj& act = field(j, path, "hidden_act");
    if (!act.is_string() || act.get<std::string>() != "gelu")
        runtime_error(
            "{}: hidden_act {} is not supported for encoders (expected \"gelu\", the "
            "erf form)",
            path, act.dump());
    auto pet = j.find("position_embedding_type");
    if (pet != j.end() && !pet->is_null() && *pet != "absolute")
        runtime_error("{}: position_embedding_type {} is not supported (expected \"absolute\")",
                      path, pet->dump());
}

}  // namespace

std::vector<std::string> list_model_configs() {
    std::vector<std::string> names;
    for (const ModelConfig& c : builtin()) names.push_back(c.name);
    return names;
}

const ModelConfig& model_config(std::string_view name) {
    for (const ModelConfig& c : builtin())
        if (c.name == name) return c;
    std::string known;
    for (const ModelConfig& c : builtin()) known += (known.empty() ? "" : ", ") + c.name;
    usage_error("unknown model configuration \"{}\"; known: {}", name, known);
}

ModelConfig read_hf_config(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) runtime_error("{}: cannot open the model config file", path);
    std::stringstream ss;
    ss << in.rdbuf();
    JsonObj j = JsonObj::parse(ss.str(), nullptr, false);
    if (j.is_discarded() || !j.is_object())
        runtime_error("{}: not a JSON object (expected a Hugging Face config.json)", path);
    const JsonObj& archs = field(j, path, "architectures");
    if (!archs.is_array() || archs.empty() || !archs[0].is_string())
        runtime_error("{}: field \"architectures\" must be a non-empty list of names", path);
    std::string arch = archs[0].get<std::string>();

    ModelConfig c;
    c.source = path;
    c.name = j.value("_name_or_path", std::string());
    if (c.name.empty()) c.name = arch;
    try {
        if (arch == "LlamaForCausalLM" || arch == "Qwen2ForCausalLM" ||
            arch == "Qwen3ForCausalLM") {
            c.arch = Architecture::Decoder;
            read_decoder(j, path, c);
            c.qkv_bias =
                arch == "Qwen2ForCausalLM" || bool_field_or(j, path, "attention_bias", false);
            c.qk_norm = arch == "Qwen3ForCausalLM";
        } else if (arch == "BertModel" || arch == "BertForMaskedLM") {
            c.arch = Architecture::Encoder;
            read_encoder(j, path, c);
        } else if (arch == "XLMRobertaForSequenceClassification" || arch == "XLMRobertaModel") {
            c.arch = Architecture::Encoder;
            read_encoder(j, path, c);
            c.position_offset = int_field(j, path, "pad_token_id") + 1;
            if (arch == "XLMRobertaForSequenceClassification") {
                auto labels = j.find("id2label");
                c.num_labels = (labels != j.end() && labels->is_object())
                                   ? int64_t(labels->size())
                                   : int_field(j, path, "num_labels");
                check_positive(path, "id2label", c.num_labels);
            }
        } else {
            runtime_error(
                "{}: architecture \"{}\" is not supported (known: LlamaForCausalLM, "
                "Qwen2ForCausalLM, Qwen3ForCausalLM, BertModel, XLMRobertaModel, "
                "XLMRobertaForSequenceClassification)",
                path, arch);
        }
    } catch (const nlohmann::json::exception& e) {
        runtime_error("{}: a field has the wrong type: {}", path, e.what());
    }
    return c;
}

std::vector<float> rope_inv_freq_for(const ModelConfig& c) {
    const RopeScaling& r = c.rope_scaling;
    switch (r.kind) {
        case RopeScaling::Kind::Linear: {
            std::vector<float> f = mempipe::rope_inv_freq(c.head_dim, c.rope_theta);
            for (float& x : f) x /= float(r.factor);
            return f;
        }
        case RopeScaling::Kind::Llama3:
            return rope_inv_freq_llama3(c.head_dim, c.rope_theta, r.factor, r.low_freq_factor,
                                        r.high_freq_factor, r.original_max_position);
        case RopeScaling::Kind::None:
            break;
    }
    return mempipe::rope_inv_freq(c.head_dim, c.rope_theta);
}

}  // namespace mempipe::model
