// The WordPiece tokenizer of BERT-family models (bge, all-MiniLM, …): text → token ids as Hugging
// Face's BertTokenizer / tokenizers' BertNormalizer + BertPreTokenizer + WordPiece produce them, so
// the embedders of model/encoder.h can run on raw text (dense retrieval over a corpus).
//
// Steps (uncased models): (1) clean: drop NUL, U+FFFD and control characters, map whitespace to
// ' '; (2) put spaces around CJK ideographs; (3) lowercase: NFD, drop combining marks (Mn), then
// lowercase each code point; (4) split on whitespace and make every punctuation character (ASCII
// !"#$%&'()*+,-./:;<=>?@[\]^_`{|}~ or a Unicode P* category) a word of its own; (5) WordPiece:
// greedy longest-match-first over the vocabulary, continuation pieces prefixed "##"; a word longer
// than 100 code points, or one that cannot be split, becomes [UNK].
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace mempipe::model {

class WordPieceTokenizer {
  public:
    // vocab.txt: one token per line, the id is the line number (0-based). It must hold [UNK],
    // [CLS] and [SEP]; errors name the file.
    static WordPieceTokenizer load(const std::string& vocab_path, bool lowercase = true);
    // From tokens in id order (tests).
    static WordPieceTokenizer from_tokens(std::vector<std::string> tokens, bool lowercase = true);

    // Word pieces of `text` (UTF-8; invalid bytes count as U+FFFD and are dropped), no specials.
    std::vector<int32_t> tokenize(std::string_view text) const;
    // [CLS] pieces [SEP], the pieces truncated to max_len − 2 (max_len ≥ 2).
    std::vector<int32_t> encode(std::string_view text, int64_t max_len = 512) const;

    int64_t vocab_size() const { return int64_t(tokens_.size()); }
    const std::string& token(int32_t id) const { return tokens_.at(size_t(id)); }
    int32_t unk_id() const { return unk_; }
    int32_t cls_id() const { return cls_; }
    int32_t sep_id() const { return sep_; }

  private:
    void word_pieces(const std::u32string& word, std::vector<int32_t>& out) const;

    std::vector<std::string> tokens_;
    std::unordered_map<std::string, int32_t> ids_;
    bool lowercase_ = true;
    int32_t unk_ = -1, cls_ = -1, sep_ = -1;
};

}  // namespace mempipe::model
