// WordPiece tokenizer: hand-checked cases on a tiny vocabulary, and (when the model has been
// extracted by scripts/extract_minilm.py) the Hugging Face tokenizer's ids for 100 real texts.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "mempipe/core/error.h"
#include "mempipe/model/wordpiece.h"

namespace fs = std::filesystem;
using namespace mempipe;
using namespace mempipe::model;

namespace {

WordPieceTokenizer tiny() {
    return WordPieceTokenizer::from_tokens({"[PAD]", "[UNK]", "[CLS]", "[SEP]", "hello", ",",
                                            "world", "!", "un", "##aff", "##able", "中", "a", "##b",
                                            "cafe", "."});
}

std::vector<std::string> pieces(const WordPieceTokenizer& t, const std::string& text) {
    std::vector<std::string> out;
    for (int32_t id : t.tokenize(text)) out.push_back(t.token(id));
    return out;
}

TEST(WordPiece, HandCheckedCases) {
    WordPieceTokenizer t = tiny();
    // Lowercasing, accent stripping (ö → o, é → e), punctuation split, greedy longest match.
    EXPECT_EQ(pieces(t, "Hello, Wörld!  unaffable"),
              (std::vector<std::string>{"hello", ",", "world", "!", "un", "##aff", "##able"}));
    EXPECT_EQ(pieces(t, "Café."), (std::vector<std::string>{"cafe", "."}));
    // CJK ideographs are words of their own; an unknown one is [UNK].
    EXPECT_EQ(pieces(t, "中文"), (std::vector<std::string>{"中", "[UNK]"}));
    // Control characters are dropped (not separators); tabs and newlines separate.
    EXPECT_EQ(pieces(t, "a\u0007b\tab\nhello"),
              (std::vector<std::string>{"a", "##b", "a", "##b", "hello"}));
    // A word that cannot be split entirely is one [UNK]; so is a word over 100 characters.
    EXPECT_EQ(pieces(t, "unaffablex hello"), (std::vector<std::string>{"[UNK]", "hello"}));
    EXPECT_EQ(pieces(t, std::string(101, 'a')), (std::vector<std::string>{"[UNK]"}));
    EXPECT_TRUE(t.tokenize("").empty());
    EXPECT_TRUE(t.tokenize(" \t\n").empty());
    // encode adds [CLS]/[SEP] and truncates the pieces to max_len − 2.
    EXPECT_EQ(t.encode("hello world", 512), (std::vector<int32_t>{2, 4, 6, 3}));
    EXPECT_EQ(t.encode("hello world", 3), (std::vector<int32_t>{2, 4, 3}));
    EXPECT_EQ(t.encode("", 2), (std::vector<int32_t>{2, 3}));
    EXPECT_THROW(t.encode("x", 1), Error);
    EXPECT_THROW(WordPieceTokenizer::from_tokens({"[UNK]", "[CLS]"}), Error);
    // Cased tokenizers keep case and accents.
    WordPieceTokenizer cased =
        WordPieceTokenizer::from_tokens({"[UNK]", "[CLS]", "[SEP]", "Hello"}, false);
    EXPECT_EQ(cased.tokenize("Hello hello"), (std::vector<int32_t>{3, 0}));
}

TEST(WordPiece, MissingVocabFile) {
    try {
        WordPieceTokenizer::load("/nonexistent/vocab.txt");
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("/nonexistent/vocab.txt"), std::string::npos);
    }
}

TEST(WordPiece, MatchesHuggingFaceOnRealText) {
    fs::path dir =
        std::getenv("MEMPIPE_MODELS_DIR")
            ? fs::path(std::getenv("MEMPIPE_MODELS_DIR")) / "all-minilm-l6-v2"
            : fs::path(MEMPIPE_TEST_DATA) / ".." / ".." / "out" / "models" / "all-minilm-l6-v2";
    if (!fs::exists(dir / "vocab.txt") || !fs::exists(dir / "parity" / "ids.json"))
        GTEST_SKIP() << "no extracted model at " << dir.string()
                     << " (run: .venv/bin/python scripts/extract_minilm.py)";
    WordPieceTokenizer t = WordPieceTokenizer::load((dir / "vocab.txt").string());
    std::ifstream in(dir / "parity" / "ids.json");
    nlohmann::json j = nlohmann::json::parse(in);
    const auto texts = j.at("texts").get<std::vector<std::string>>();
    const auto ids = j.at("ids").get<std::vector<std::vector<int32_t>>>();
    const int64_t max_len = j.at("max_seq_length").get<int64_t>();
    ASSERT_EQ(texts.size(), ids.size());
    for (size_t i = 0; i < texts.size(); ++i)
        EXPECT_EQ(t.encode(texts[i], max_len), ids[i]) << "text " << i << ": " << texts[i];
}

}  // namespace
