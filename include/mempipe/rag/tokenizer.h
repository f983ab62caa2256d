// The bm25s tokenizer, bit for bit: so bm25s is an exact oracle for our indexes and scores.
//
// Pipeline (bm25s.tokenize with its defaults):
//   1. Unicode lowercase of the whole text (Python str.lower: full case mapping, final sigma);
//   2. tokens = maximal runs of at least 2 word characters, the regex (?u)\b\w\w+\b, where a word
//      character is what Python's re treats as \w: Unicode letters (Lu Ll Lt Lm Lo), numbers
//      (Nd Nl No, and other characters with a numeric value) and '_' (combining marks are NOT
//      word characters);
//   3. tokens equal to a stop word are dropped (exact match, before stemming);
//   4. optionally each token is stemmed with Snowball English (Porter2, Debian's libstemmer — the
//      Snowball C code PyStemmer bundles; stems are cached per Tokenizer).
// Text is UTF-8; invalid UTF-8 bytes are treated as U+FFFD (not a word character).
// Pure-ASCII text takes a fast byte path that gives the same tokens as the Unicode path.
// Lowercase and \w come from ICU (Unicode 15 in Debian 12's ICU 72); Python 3.11 has Unicode 14, so
// only code points new in Unicode 15 may differ (Python sees them as unassigned).
// A text with no tokens gives no tokens, as bm25s.tokenize(..., return_ids=False) does with its
// default allow_empty=True (bm25s's Tokenizer class would put a "" token there instead).
// Stemming: libstemmer 2.2.0 (Snowball 2.2) = PyStemmer 2.2.x. PyStemmer 3.x bundles Snowball 3,
// whose English stemmer differs on some words ("added": "ad" here, "add" there; "internal":
// "intern" vs "internal"), so bm25s is an exact oracle with PyStemmer==2.2.0.3.
//
// A Tokenizer is cheap to copy and NOT thread-safe (the stemmer keeps state): give each thread its
// own copy.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace mempipe::rag {

enum class Stopwords { None, English };  // English: bm25s's 33-word STOPWORDS_EN (Lucene's list)

struct TokenizerOptions {
    Stopwords stopwords = Stopwords::English;
    bool stem = false;  // Snowball English
};

// "none" | "en" | "english" → Stopwords; anything else is a usage error naming the choices.
Stopwords parse_stopwords(std::string_view name);
std::string_view stopwords_name(Stopwords s);
const std::vector<std::string_view>& english_stopwords();

namespace detail {
struct TokensWriter;  // the tokenizer's in-place writer (src/rag/text/tokenizer.cpp)
}

// The tokens of one text, stored contiguously (no allocation per token).
class Tokens {
  public:
    size_t size() const { return ends_.size(); }
    bool empty() const { return ends_.empty(); }
    std::string_view operator[](size_t i) const {
        const uint32_t begin = i == 0 ? 0 : ends_[i - 1];
        return std::string_view(chars_).substr(begin, ends_[i] - begin);
    }
    void clear() {
        chars_.clear();
        ends_.clear();
    }
    void push_back(std::string_view token) {
        chars_.append(token);
        ends_.push_back(static_cast<uint32_t>(chars_.size()));
    }
    std::vector<std::string> to_strings() const;

  private:
    friend struct detail::TokensWriter;
    std::string chars_;
    std::vector<uint32_t> ends_;  // end offset of each token in chars_
};

class Tokenizer {
  public:
    explicit Tokenizer(TokenizerOptions options = {});
    Tokenizer(const Tokenizer& other);
    Tokenizer& operator=(const Tokenizer& other);
    Tokenizer(Tokenizer&&) noexcept;
    Tokenizer& operator=(Tokenizer&&) noexcept;
    ~Tokenizer();

    // Replaces the contents of `out` with the tokens of `text`.
    void tokenize(std::string_view text, Tokens& out);
    std::vector<std::string> tokenize(std::string_view text);

    // Steps 1–2 only (no stop words, no stemming): the raw word tokens. Used by tests and by the
    // ASCII/Unicode agreement check.
    static void split_words(std::string_view text, Tokens& out);
    static void split_words_unicode(std::string_view text, Tokens& out);  // never the ASCII path

    const TokenizerOptions& options() const { return options_; }

  private:
    struct Stemmer;
    TokenizerOptions options_;
    std::unique_ptr<Stemmer> stemmer_;  // null when options_.stem is false
    Tokens scratch_;
};

}  // namespace mempipe::rag
