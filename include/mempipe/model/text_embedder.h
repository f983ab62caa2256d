// A sentence-transformers style embedding model directory loaded for text → vector: the
// WordPiece tokenizer (model/wordpiece.h) in front of an Embedder (model/encoder.h), configured
// from the files a sentence-transformers BERT model ships (scripts/extract_minilm.py writes them):
//   config.json                 the encoder (read_hf_config)
//   model.safetensors           the weights (load_encoder: Hugging Face tensor names)
//   vocab.txt                   the WordPiece vocabulary
//   tokenizer_config.json       do_lower_case (optional; default true)
//   1_Pooling/config.json       pooling_mode_cls_token / pooling_mode_mean_tokens (default: CLS)
//   modules.json                L2-normalise when it lists sentence_transformers.models.Normalize
//   sentence_bert_config.json   max_seq_length (optional; default: the position table size)
// Missing required files and malformed ones are Error(Runtime) naming the file.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "mempipe/model/encoder.h"
#include "mempipe/model/wordpiece.h"

namespace mempipe::model {

struct TextEmbedderOptions {
    LinearFormat format = LinearFormat::Bf16;  // storage of the linear layers
    int64_t group = 0;                         // Int8: 0/32/64/128; Int4: 32/64/128
    int64_t max_len = 0;                       // tokens per text incl. [CLS]/[SEP]; 0 = the model's
    Backend backend = Backend::Cpu;
};

class TextEmbedder {
  public:
    static TextEmbedder load(const std::string& dir, const TextEmbedderOptions& options = {});

    int64_t dim() const { return embedder_->dim(); }
    int64_t max_len() const { return max_len_; }
    Pooling pooling() const { return pooling_; }
    bool normalize() const { return normalize_; }
    const WordPieceTokenizer& tokenizer() const { return tokenizer_; }
    const Embedder& embedder() const { return *embedder_; }

    // out: [texts.size() × dim()] f32; texts are tokenized to at most max_len() tokens.
    void embed(std::span<const std::string> texts, float* out) const;

  private:
    WordPieceTokenizer tokenizer_;
    std::unique_ptr<Embedder> embedder_;
    int64_t max_len_ = 512;
    Pooling pooling_ = Pooling::Cls;
    bool normalize_ = false;
    Backend backend_ = Backend::Cpu;
};

}  // namespace mempipe::model
