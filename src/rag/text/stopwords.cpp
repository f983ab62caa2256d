#include "rag/text/stopwords.h"

#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "mempipe/core/error.h"
#include "mempipe/rag/tokenizer.h"

namespace mempipe::rag {

namespace {

// bm25s.stopwords.STOPWORDS_EN (the Lucene/Elasticsearch English list), in bm25s's order.
constexpr std::array<std::string_view, 33> kEnglish = {
    "a",   "an",    "and",  "are",   "as",    "at",   "be",   "but", "by",  "for",  "if",
    "in",  "into",  "is",   "it",    "no",    "not",  "of",   "on",  "or",  "such", "that",
    "the", "their", "then", "there", "these", "they", "this", "to",  "was", "will", "with"};

}  // namespace

namespace text {

constinit const std::array<uint64_t, 64> kStopwordTable = [] {
    std::array<uint64_t, 64> t{};
    for (std::string_view w : kEnglish) {
        uint64_t v = 0;
        for (size_t i = 0; i < w.size(); ++i) v |= uint64_t(static_cast<uint8_t>(w[i])) << (8 * i);
        if (t[stopword_slot(v)] != 0)
            throw "stop-word hash collision";  // fails the constant evaluation
        t[stopword_slot(v)] = v;
    }
    return t;
}();

}  // namespace text

Stopwords parse_stopwords(std::string_view name) {
    if (name == "none") return Stopwords::None;
    if (name == "en" || name == "english") return Stopwords::English;
    usage_error("unknown stop-word list '{}' (choose none, en or english)", name);
}

std::string_view stopwords_name(Stopwords s) {
    return s == Stopwords::English ? "en" : "none";
}

const std::vector<std::string_view>& english_stopwords() {
    static const std::vector<std::string_view> words(kEnglish.begin(), kEnglish.end());
    return words;
}

}  // namespace mempipe::rag
