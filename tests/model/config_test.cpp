// Model configurations: the built-ins and the Hugging Face config.json reader.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "mempipe/core/error.h"
#include "mempipe/model/config.h"

namespace fs = std::filesystem;
using namespace mempipe;
using namespace mempipe::model;

namespace {

std::string write_config(const std::string& name, const std::string& text) {
    fs::path dir = fs::temp_directory_path() / ("mempipe_cfg_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    std::string path = (dir / name).string();
    std::ofstream(path) << text;
    return path;
}

template <class F>
void expect_error(F&& f, std::vector<std::string> parts, ErrorKind kind = ErrorKind::Runtime) {
    try {
        f();
        FAIL() << "no error thrown";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), kind) << e.what();
        for (const std::string& p : parts)
            EXPECT_NE(std::string(e.what()).find(p), std::string::npos)
                << "message \"" << e.what() << "\" lacks \"" << p << "\"";
    }
}

// The fields a config.json gives, compared with a built-in (name and source differ).
void expect_same_shape(const ModelConfig& a, const ModelConfig& b) {
    EXPECT_EQ(a.arch, b.arch);
    EXPECT_EQ(a.hidden, b.hidden);
    EXPECT_EQ(a.layers, b.layers);
    EXPECT_EQ(a.heads, b.heads);
    EXPECT_EQ(a.kv_heads, b.kv_heads);
    EXPECT_EQ(a.head_dim, b.head_dim);
    EXPECT_EQ(a.intermediate, b.intermediate);
    EXPECT_EQ(a.vocab, b.vocab);
    EXPECT_EQ(a.max_positions, b.max_positions);
    EXPECT_EQ(a.type_vocab, b.type_vocab);
    EXPECT_EQ(a.position_offset, b.position_offset);
    EXPECT_EQ(a.norm, b.norm);
    EXPECT_FLOAT_EQ(a.norm_eps, b.norm_eps);
    EXPECT_EQ(a.activation, b.activation);
    EXPECT_EQ(a.qkv_bias, b.qkv_bias);
    EXPECT_EQ(a.qk_norm, b.qk_norm);
    EXPECT_EQ(a.tie_embeddings, b.tie_embeddings);
    EXPECT_EQ(a.num_labels, b.num_labels);
    if (a.arch == Architecture::Decoder) {
        EXPECT_DOUBLE_EQ(a.rope_theta, b.rope_theta);
        EXPECT_EQ(a.rope_scaling.kind, b.rope_scaling.kind);
        EXPECT_DOUBLE_EQ(a.rope_scaling.factor, b.rope_scaling.factor);
        EXPECT_DOUBLE_EQ(a.rope_scaling.low_freq_factor, b.rope_scaling.low_freq_factor);
        EXPECT_DOUBLE_EQ(a.rope_scaling.high_freq_factor, b.rope_scaling.high_freq_factor);
        EXPECT_EQ(a.rope_scaling.original_max_position, b.rope_scaling.original_max_position);
        EXPECT_EQ(rope_inv_freq_for(a), rope_inv_freq_for(b));
    }
}

TEST(ModelConfig, BuiltinsAreListedAndConsistent) {
    std::vector<std::string> names = list_model_configs();
    for (const char* want :
         {"llama-2-7b", "llama-3.1-8b", "qwen2.5-7b", "qwen3-8b", "deepseek-v3.2-layer",
          "bge-large-en-v1.5", "bge-reranker-large", "tiny-llama", "tiny-qwen3", "tiny-bert"})
        EXPECT_NE(std::find(names.begin(), names.end(), want), names.end()) << want;
    for (const std::string& n : names) {
        const ModelConfig& c = model_config(n);
        EXPECT_EQ(c.name, n);
        EXPECT_FALSE(c.source.empty()) << n;
        EXPECT_GT(c.hidden, 0) << n;
        EXPECT_GT(c.heads, 0) << n;
        EXPECT_EQ(c.heads % c.kv_heads, 0) << n;
        if (c.arch == Architecture::Encoder) {
            EXPECT_EQ(c.head_dim * c.heads, c.hidden) << n;
        }
    }
    const ModelConfig& l3 = model_config("llama-3.1-8b");
    EXPECT_EQ(l3.kv_heads, 8);
    EXPECT_EQ(l3.intermediate, 14336);
    EXPECT_EQ(l3.vocab, 128256);
    EXPECT_DOUBLE_EQ(l3.rope_theta, 500000.0);
    EXPECT_TRUE(model_config("qwen2.5-7b").qkv_bias);
    EXPECT_TRUE(model_config("qwen3-8b").qk_norm);
    const ModelConfig& ds = model_config("deepseek-v3.2-layer");
    EXPECT_EQ(ds.arch, Architecture::DeepSeekLayer);
    EXPECT_EQ(ds.mla.kv_lora_rank, 512);
    EXPECT_EQ(ds.mla.index_n_heads, 64);
    EXPECT_EQ(ds.mla.index_head_dim, 128);
    EXPECT_EQ(ds.mla.index_topk, 2048);
    const ModelConfig& rr = model_config("bge-reranker-large");
    EXPECT_EQ(rr.position_offset, 2);
    EXPECT_EQ(rr.num_labels, 1);
    EXPECT_EQ(model_config("bge-large-en-v1.5").hidden, 1024);
}

TEST(ModelConfig, UnknownNameListsKnown) {
    expect_error([] { model_config("llama-9"); }, {"llama-9", "llama-2-7b", "tiny-bert"},
                 ErrorKind::Usage);
}

TEST(ModelConfig, ReadsLlamaQwenConfigs) {
    std::string llama = write_config("llama.json", R"({
      "architectures": ["LlamaForCausalLM"], "hidden_size": 4096, "num_hidden_layers": 32,
      "num_attention_heads": 32, "num_key_value_heads": 8, "intermediate_size": 14336,
      "vocab_size": 128256, "max_position_embeddings": 131072, "rms_norm_eps": 1e-05,
      "rope_theta": 500000.0, "hidden_act": "silu", "tie_word_embeddings": false,
      "rope_scaling": {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                       "original_max_position_embeddings": 8192, "rope_type": "llama3"}})");
    expect_same_shape(read_hf_config(llama), model_config("llama-3.1-8b"));
    std::string qwen2 = write_config("qwen2.json", R"({
      "architectures": ["Qwen2ForCausalLM"], "hidden_size": 3584, "num_hidden_layers": 28,
      "num_attention_heads": 28, "num_key_value_heads": 4, "intermediate_size": 18944,
      "vocab_size": 152064, "max_position_embeddings": 131072, "rms_norm_eps": 1e-06,
      "rope_theta": 1000000.0, "hidden_act": "silu", "tie_word_embeddings": false})");
    expect_same_shape(read_hf_config(qwen2), model_config("qwen2.5-7b"));
    std::string qwen3 = write_config("qwen3.json", R"({
      "architectures": ["Qwen3ForCausalLM"], "hidden_size": 4096, "num_hidden_layers": 36,
      "num_attention_heads": 32, "num_key_value_heads": 8, "head_dim": 128,
      "intermediate_size": 12288, "vocab_size": 151936, "max_position_embeddings": 40960,
      "rms_norm_eps": 1e-06, "rope_theta": 1000000, "hidden_act": "silu",
      "tie_word_embeddings": false, "attention_bias": false})");
    expect_same_shape(read_hf_config(qwen3), model_config("qwen3-8b"));
}

// The rope_scaling forms a decoder config.json may carry, and the frequencies they give.
TEST(ModelConfig, RopeScaling) {
    auto llama = [](const std::string& name, const std::string& scaling) {
        return write_config(name, R"({
          "architectures": ["LlamaForCausalLM"], "hidden_size": 256, "num_hidden_layers": 2,
          "num_attention_heads": 4, "intermediate_size": 512, "vocab_size": 100,
          "max_position_embeddings": 4096, "rms_norm_eps": 1e-05, "rope_theta": 500000.0,
          "hidden_act": "silu", "rope_scaling": )" +
                                      scaling + "}");
    };
    const std::vector<float> plain = rope_inv_freq(64, 500000.0);
    EXPECT_EQ(rope_inv_freq_for(read_hf_config(llama("null.json", "null"))), plain);
    EXPECT_EQ(rope_inv_freq_for(read_hf_config(llama("default.json", R"({"type": "default"})"))),
              plain);
    std::vector<float> lin =
        rope_inv_freq_for(read_hf_config(llama("linear.json", R"({"type": "linear",
          "factor": 4.0})")));
    ASSERT_EQ(lin.size(), plain.size());
    for (size_t i = 0; i < lin.size(); ++i) EXPECT_EQ(lin[i], plain[i] / 4.0f);
    std::vector<float> l3 = rope_inv_freq_for(read_hf_config(llama("llama3.json", R"({
          "rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
          "original_max_position_embeddings": 8192})")));
    EXPECT_EQ(l3, rope_inv_freq_llama3(64, 500000.0, 8.0, 1.0, 4.0, 8192));
    EXPECT_EQ(l3[0], plain[0]);                 // short wavelengths keep their frequency
    EXPECT_EQ(l3.back(), plain.back() / 8.0f);  // long ones are divided by the factor
    // The built-in Llama 3.1 carries its scaling; Llama 2 has none.
    EXPECT_EQ(model_config("llama-3.1-8b").rope_scaling.kind, RopeScaling::Kind::Llama3);
    EXPECT_EQ(model_config("llama-2-7b").rope_scaling.kind, RopeScaling::Kind::None);
    std::string yarn = llama("yarn.json", R"({"rope_type": "yarn", "factor": 4.0})");
    expect_error([&] { read_hf_config(yarn); }, {yarn, "yarn", "not supported"});
    std::string partial = llama("partial.json", R"({"rope_type": "llama3", "factor": 8.0})");
    expect_error([&] { read_hf_config(partial); }, {partial, "low_freq_factor"});
    std::string untyped = llama("untyped.json", R"({"factor": 8.0})");
    expect_error([&] { read_hf_config(untyped); }, {untyped, "rope_type"});
}

TEST(ModelConfig, ReadsEncoderConfigs) {
    std::string bge = write_config("bge.json", R"({
      "architectures": ["BertModel"], "hidden_size": 1024, "num_hidden_layers": 24,
      "num_attention_heads": 16, "intermediate_size": 4096, "vocab_size": 30522,
      "max_position_embeddings": 512, "type_vocab_size": 2, "layer_norm_eps": 1e-12,
      "hidden_act": "gelu", "position_embedding_type": "absolute", "pad_token_id": 0})");
    expect_same_shape(read_hf_config(bge), model_config("bge-large-en-v1.5"));
    std::string rr = write_config("reranker.json", R"({
      "architectures": ["XLMRobertaForSequenceClassification"], "hidden_size": 1024,
      "num_hidden_layers": 24, "num_attention_heads": 16, "intermediate_size": 4096,
      "vocab_size": 250002, "max_position_embeddings": 514, "type_vocab_size": 1,
      "layer_norm_eps": 1e-05, "hidden_act": "gelu", "pad_token_id": 1,
      "id2label": {"0": "LABEL_0"}, "label2id": {"LABEL_0": 0}})");
    expect_same_shape(read_hf_config(rr), model_config("bge-reranker-large"));
}

TEST(ModelConfig, BadConfigFilesNameFileAndField) {
    std::string missing = write_config("missing.json", R"({
      "architectures": ["BertModel"], "hidden_size": 64, "num_hidden_layers": 2,
      "num_attention_heads": 4, "vocab_size": 100, "max_position_embeddings": 64,
      "type_vocab_size": 2, "layer_norm_eps": 1e-12, "hidden_act": "gelu"})");
    expect_error([&] { read_hf_config(missing); }, {missing, "intermediate_size"});
    std::string unknown = write_config("unknown.json", R"({"architectures": ["GPT2LMHeadModel"]})");
    expect_error([&] { read_hf_config(unknown); }, {unknown, "GPT2LMHeadModel", "not supported"});
    std::string not_json = write_config("not_json.json", "hidden_size = 5");
    expect_error([&] { read_hf_config(not_json); }, {not_json, "JSON"});
    std::string bad_type = write_config("bad_type.json", R"({
      "architectures": ["LlamaForCausalLM"], "hidden_size": "4096"})");
    expect_error([&] { read_hf_config(bad_type); }, {bad_type, "hidden_size", "integer"});
    std::string act = write_config("bad_act.json", R"({
      "architectures": ["BertModel"], "hidden_size": 64, "num_hidden_layers": 2,
      "num_attention_heads": 4, "intermediate_size": 128, "vocab_size": 100,
      "max_position_embeddings": 64, "type_vocab_size": 2, "layer_norm_eps": 1e-12,
      "hidden_act": "gelu_new"})");
    expect_error([&] { read_hf_config(act); }, {act, "gelu_new"});
    expect_error([] { read_hf_config("/nonexistent/config.json"); }, {"/nonexistent/config.json"});
}

}  // namespace
