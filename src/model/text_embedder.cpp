// Loading a sentence-transformers model directory (model/text_embedder.h).
#include "mempipe/model/text_embedder.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <utility>

#include "mempipe/core/error.h"

namespace mempipe::model {
namespace {

namespace fs = std::filesystem;

// The JSON object in `path`, or null when the file does not exist.
nlohmann::json read_json_if(const fs::path& path) {
    if (!fs::exists(path)) return nullptr;
    std::ifstream in(path, std::ios::binary);
    nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
    if (j.is_discarded() || !(j.is_object() || j.is_array()))
        runtime_error("{}: not valid JSON", path.string());
    return j;
}

}  // namespace

TextEmbedder TextEmbedder::load(const std::string& dir, const TextEmbedderOptions& o) {
    const fs::path d(dir);
    if (!fs::is_directory(d))
        runtime_error(
            "{}: not a model directory (expected config.json, model.safetensors and "
            "vocab.txt in it)",
            dir);
    TextEmbedder t;
    t.backend_ = o.backend;
    const ModelConfig cfg = read_hf_config((d / "config.json").string());
    if (cfg.arch != Architecture::Encoder)
        runtime_error("{}: the model is not a BERT-family encoder", (d / "config.json").string());

    bool lowercase = true;
    if (nlohmann::json tc = read_json_if(d / "tokenizer_config.json"); tc.is_object())
        if (auto it = tc.find("do_lower_case"); it != tc.end() && it->is_boolean())
            lowercase = it->get<bool>();
    t.tokenizer_ = WordPieceTokenizer::load((d / "vocab.txt").string(), lowercase);
    if (t.tokenizer_.vocab_size() != cfg.vocab)
        runtime_error("{}: {} tokens but config.json says vocab_size {}",
                      (d / "vocab.txt").string(), t.tokenizer_.vocab_size(), cfg.vocab);

    if (nlohmann::json p = read_json_if(d / "1_Pooling" / "config.json"); p.is_object()) {
        if (p.value("pooling_mode_mean_tokens", false))
            t.pooling_ = Pooling::Mean;
        else if (p.value("pooling_mode_cls_token", false))
            t.pooling_ = Pooling::Cls;
        else
            runtime_error("{}: only CLS or mean pooling is supported",
                          (d / "1_Pooling" / "config.json").string());
    }
    if (nlohmann::json m = read_json_if(d / "modules.json"); m.is_array())
        for (const auto& mod : m)
            if (mod.is_object() &&
                mod.value("type", "") == "sentence_transformers.models.Normalize")
                t.normalize_ = true;
    t.max_len_ = cfg.max_positions - cfg.position_offset;
    if (nlohmann::json sb = read_json_if(d / "sentence_bert_config.json"); sb.is_object())
        if (auto it = sb.find("max_seq_length"); it != sb.end() && it->is_number_integer())
            t.max_len_ = std::min(t.max_len_, it->get<int64_t>());
    if (o.max_len > 0) {
        MEMPIPE_CHECK_ARG(o.max_len >= 2 && o.max_len <= cfg.max_positions - cfg.position_offset,
                          "max_len {} must be in [2, {}] for {}", o.max_len,
                          cfg.max_positions - cfg.position_offset, dir);
        t.max_len_ = o.max_len;
    }
    SafetensorsFile file = SafetensorsFile::open((d / "model.safetensors").string());
    EncoderWeights weights = load_encoder(file, cfg, o.format, o.group);
    if (t.backend_ == Backend::Cpu) pack_for_prefill(weights);
    t.embedder_ = std::make_unique<Embedder>(Encoder(std::move(weights)), t.pooling_, t.normalize_);
    return t;
}

void TextEmbedder::embed(std::span<const std::string> texts, float* out) const {
    std::vector<std::vector<int32_t>> ids;
    ids.reserve(texts.size());
    for (const std::string& s : texts) ids.push_back(tokenizer_.encode(s, max_len_));
    std::vector<EncoderInput> batch;
    batch.reserve(ids.size());
    for (const auto& v : ids) batch.push_back({v, {}});
    embedder_->embed(batch, out, backend_);
}

}  // namespace mempipe::model
