// The tokenizer against bm25s: exact tokens on golden texts (scripts/gen_tokenizer_golden.py),
// every code point's lowercase and word class against Python's, ASCII path == Unicode path, stop
// words, stemming and ill-formed UTF-8.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "mempipe/core/error.h"
#include "mempipe/rag/tokenizer.h"

namespace mempipe::rag {
namespace {

const std::string kData = std::string(MEMPIPE_TEST_DATA) + "/../rag/data/";

void append_utf8(std::string& out, char32_t c) {
    if (c < 0x80) {
        out += static_cast<char>(c);
    } else if (c < 0x800) {
        out += static_cast<char>(0xC0 | (c >> 6));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        out += static_cast<char>(0xE0 | (c >> 12));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (c >> 18));
        out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    }
}

std::vector<char32_t> decode(const std::string& s) {  // valid UTF-8 only (from the golden JSON)
    std::vector<char32_t> out;
    for (size_t i = 0; i < s.size();) {
        const auto b = static_cast<uint8_t>(s[i]);
        const int n = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
        char32_t c = n == 1 ? b : n == 2 ? b & 0x1F : n == 3 ? b & 0x0F : b & 0x07;
        for (int j = 1; j < n; ++j) c = (c << 6) | (static_cast<uint8_t>(s[i + j]) & 0x3F);
        out.push_back(c);
        i += n;
    }
    return out;
}

struct GoldenText {
    std::string text;
    std::vector<std::string> tokens, tokens_stemmed;
};

const std::vector<GoldenText>& golden_texts() {
    static const std::vector<GoldenText> texts = [] {
        std::ifstream in(kData + "tokenizer_golden.jsonl");
        EXPECT_TRUE(in) << "missing " << kData << "tokenizer_golden.jsonl";
        std::vector<GoldenText> v;
        for (std::string line; std::getline(in, line);) {
            const auto j = nlohmann::json::parse(line);
            v.push_back({j["text"], j["tokens"], j["tokens_stemmed"]});
        }
        return v;
    }();
    return texts;
}

const nlohmann::json& unicode_golden() {
    static const nlohmann::json j = [] {
        std::ifstream in(kData + "unicode_golden.json");
        EXPECT_TRUE(in) << "missing " << kData << "unicode_golden.json";
        return nlohmann::json::parse(in);
    }();
    return j;
}

bool is_ascii(const std::string& s) {
    for (const char c : s)
        if (static_cast<uint8_t>(c) >= 0x80) return false;
    return true;
}

TEST(Tokenizer, GoldenTokensMatchBm25s) {
    const auto& texts = golden_texts();
    ASSERT_GE(texts.size(), 290u);
    Tokenizer plain({Stopwords::English, false});
    Tokenizer stemmed({Stopwords::English, true});
    for (const GoldenText& g : texts) {
        EXPECT_EQ(plain.tokenize(g.text), g.tokens) << "text: " << g.text;
        EXPECT_EQ(stemmed.tokenize(g.text), g.tokens_stemmed) << "text: " << g.text;
    }
}

// bm25s.tokenize(..., return_ids=False) returns [] for a text with no tokens (its default
// allow_empty=True); the golden file's first lines ("", " ", "a") pin that, and so do we.
TEST(Tokenizer, EmptyTextGivesNoTokens) {
    Tokenizer t;
    Tokens out;
    out.push_back("stale");
    t.tokenize("", out);
    EXPECT_TRUE(out.empty());
    t.tokenize(" a b . ", out);
    EXPECT_TRUE(out.empty());
}

TEST(Tokenizer, AsciiPathEqualsUnicodePathOnGoldenAsciiTexts) {
    Tokens fast, slow;
    int ascii_texts = 0;
    for (const GoldenText& g : golden_texts()) {
        if (!is_ascii(g.text)) continue;
        ++ascii_texts;
        Tokenizer::split_words(g.text, fast);
        Tokenizer::split_words_unicode(g.text, slow);
        EXPECT_EQ(fast.to_strings(), slow.to_strings()) << g.text;
    }
    EXPECT_GE(ascii_texts, 100);  // the Cranfield sentences alone are 100
}

TEST(Tokenizer, AsciiPathEqualsUnicodePathOnRandomAscii) {
    std::mt19937_64 rng(7);
    const std::string alphabet = "aZ09_ .,'-:\t\n";
    Tokens fast, slow;
    for (int iter = 0; iter < 3000; ++iter) {
        std::string s(rng() % (iter % 10 == 0 ? 400 : 64), ' ');
        for (char& c : s)
            c = rng() % 3 ? alphabet[rng() % alphabet.size()] : static_cast<char>(rng() % 128);
        Tokenizer::split_words(s, fast);
        Tokenizer::split_words_unicode(s, slow);
        ASSERT_EQ(fast.to_strings(), slow.to_strings()) << s;
    }
}

// Every code point assigned in Python's Unicode version, as "xx" + c + "xx": the tokens must be
// what Python's str.lower() and re's \w give. Code points assigned only in ICU's newer Unicode are
// skipped (Python has them as Cn: not word characters, no lowercase).
TEST(Tokenizer, EveryCodePointLowercaseAndWordClassMatchPython) {
    const auto& j = unicode_golden();
    auto in_ranges = [](const nlohmann::json& ranges) {
        std::vector<bool> v(0x110000, false);
        for (const auto& r : ranges)
            for (uint32_t c = r[0].get<uint32_t>(); c <= r[1].get<uint32_t>(); ++c) v[c] = true;
        return v;
    };
    const std::vector<bool> word = in_ranges(j["word_ranges"]);
    const std::vector<bool> assigned = in_ranges(j["assigned_ranges"]);
    std::map<char32_t, std::vector<char32_t>> lower;
    for (const auto& e : j["lower"]) lower[e[0].get<char32_t>()] = decode(e[1].get<std::string>());
    ASSERT_GT(lower.size(), 1000u);

    Tokens got;
    int64_t checked = 0, mismatches = 0;
    for (char32_t c = 0; c < 0x110000; ++c) {
        if ((c >= 0xD800 && c <= 0xDFFF) || !assigned[c]) continue;
        std::string text = "xx";
        append_utf8(text, c);
        text += "xx";
        std::vector<char32_t> lowered = {'x', 'x'};
        const auto it = lower.find(c);
        if (it != lower.end())
            lowered.insert(lowered.end(), it->second.begin(), it->second.end());
        else
            lowered.push_back(c);
        lowered.push_back('x');
        lowered.push_back('x');
        std::vector<std::string> expected;
        std::string cur;
        size_t run = 0;
        for (size_t i = 0; i <= lowered.size(); ++i) {
            if (i < lowered.size() && word[lowered[i]]) {
                append_utf8(cur, lowered[i]);
                ++run;
                continue;
            }
            if (run >= 2) expected.push_back(cur);
            cur.clear();
            run = 0;
        }
        Tokenizer::split_words_unicode(text, got);
        ++checked;
        if (got.to_strings() != expected) {
            ++mismatches;
            ADD_FAILURE() << "U+" << std::hex << static_cast<uint32_t>(c);
            if (mismatches > 20) break;
        }
    }
    EXPECT_GT(checked, 280000);
}

TEST(Tokenizer, StopwordListIsBm25sEnglish) {
    std::vector<std::string> ours(english_stopwords().begin(), english_stopwords().end());
    EXPECT_EQ(ours, unicode_golden()["stopwords_en"].get<std::vector<std::string>>());
    EXPECT_EQ(ours.size(), 33u);
}

TEST(Tokenizer, StopwordsDroppedBeforeStemming) {
    Tokenizer stem({Stopwords::English, true});
    // "this"/"the"/"and" are stop words: dropped. "ons", "theirs", "ands" are not, and their stems
    // ("on", "their", "and") are stop words that stay, because stop words are removed first.
    EXPECT_EQ(stem.tokenize("this the and ons theirs ands running"),
              (std::vector<std::string>{"on", "their", "and", "run"}));
    Tokenizer none({Stopwords::None, false});
    EXPECT_EQ(none.tokenize("This is IT"), (std::vector<std::string>{"this", "is", "it"}));
    Tokenizer none_stem({Stopwords::None, true});
    EXPECT_EQ(none_stem.tokenize("this running"), (std::vector<std::string>{"this", "run"}));
}

TEST(Tokenizer, StemCacheGivesTheSameStemsTwice) {
    Tokenizer t({Stopwords::English, true});
    const auto first = t.tokenize("generously running runs generous generously");
    EXPECT_EQ(first, t.tokenize("generously running runs generous generously"));
    EXPECT_EQ(first, (std::vector<std::string>{"generous", "run", "run", "generous", "generous"}));
}

// Many distinct words (the stem cache grows several times): cached stems equal fresh ones,
// whatever the order the cache saw them in.
TEST(Tokenizer, StemCacheUnderGrowth) {
    std::mt19937_64 rng(3);
    const char* suffixes[] = {"ing", "ed", "s", "ational", "ness", "ly", ""};
    std::vector<std::string> words;
    for (int i = 0; i < 20000; ++i) {
        std::string w;
        for (size_t n = 2 + rng() % 9; n > 0; --n) w += static_cast<char>('a' + rng() % 26);
        words.push_back(w + suffixes[rng() % 7]);
    }
    Tokenizer forward({Stopwords::None, true}), backward({Stopwords::None, true});
    std::vector<std::string> first, second, reverse(words.size());
    for (const auto& w : words) first.push_back(forward.tokenize(w).at(0));
    for (const auto& w : words) second.push_back(forward.tokenize(w).at(0));
    for (size_t i = words.size(); i-- > 0;) reverse[i] = backward.tokenize(words[i]).at(0);
    EXPECT_EQ(first, second);
    EXPECT_EQ(first, reverse);
}

TEST(Tokenizer, CopiesAreIndependent) {
    Tokenizer a({Stopwords::English, true});
    Tokenizer b = a;
    EXPECT_EQ(b.tokenize("connections"), std::vector<std::string>{"connect"});
    a = Tokenizer({Stopwords::None, false});
    EXPECT_EQ(a.tokenize("connections"), std::vector<std::string>{"connections"});
    EXPECT_EQ(b.tokenize("connections"), std::vector<std::string>{"connect"});
    Tokenizer c = std::move(b);
    EXPECT_EQ(c.tokenize("the connections"), std::vector<std::string>{"connect"});
    EXPECT_TRUE(c.options().stem);
}

// Ill-formed UTF-8 is a separator (U+FFFD, not a word character), never an error.
TEST(Tokenizer, IllFormedUtf8IsASeparator) {
    Tokenizer t({Stopwords::None, false});
    using V = std::vector<std::string>;
    EXPECT_EQ(t.tokenize("ab\xff"
                         "cd"),
              (V{"ab", "cd"}));
    EXPECT_EQ(t.tokenize("caf\xc3"), (V{"caf"}));  // truncated sequence at the end
    EXPECT_EQ(t.tokenize("\xc0\xaf"
                         "xx"),
              (V{"xx"}));  // overlong '/'
    EXPECT_EQ(t.tokenize("aa\xed\xa0\x80"
                         "bb"),
              (V{"aa", "bb"}));  // UTF-8-encoded surrogate
    EXPECT_EQ(t.tokenize("aa\xf4\x90\x80\x80"
                         "bb"),
              (V{"aa", "bb"}));  // > U+10FFFF
    EXPECT_EQ(t.tokenize("\x80\x80 Caf\xc3\xa9"), (V{"caf\xc3\xa9"}));
}

bool valid_utf8_token(std::string_view s) {
    size_t code_points = 0;
    for (size_t i = 0; i < s.size(); ++code_points) {
        const auto b = static_cast<uint8_t>(s[i]);
        const size_t n = b < 0x80         ? 1
                         : (b >> 5) == 6  ? 2
                         : (b >> 4) == 14 ? 3
                         : (b >> 3) == 30 ? 4
                                          : 0;
        if (n == 0 || i + n > s.size()) return false;
        for (size_t j = 1; j < n; ++j)
            if ((static_cast<uint8_t>(s[i + j]) & 0xC0) != 0x80) return false;
        i += n;
    }
    return code_points >= 2;
}

TEST(Tokenizer, RandomBytesGiveValidTokens) {
    std::mt19937_64 rng(11);
    Tokenizer t({Stopwords::English, true});
    Tokens out;
    for (int iter = 0; iter < 2000; ++iter) {
        std::string s(rng() % 80, '\0');
        for (char& c : s) c = static_cast<char>(rng() % 4 ? 0x80 + rng() % 0x80 : rng() % 0x80);
        t.tokenize(s, out);
        for (size_t i = 0; i < out.size(); ++i) ASSERT_TRUE(valid_utf8_token(out[i])) << s;
    }
}

TEST(Tokenizer, TokensContainer) {
    Tokens t;
    EXPECT_TRUE(t.empty());
    t.push_back("ab");
    t.push_back("");
    t.push_back("cde");
    ASSERT_EQ(t.size(), 3u);
    EXPECT_EQ(t[0], "ab");
    EXPECT_EQ(t[1], "");
    EXPECT_EQ(t[2], "cde");
    EXPECT_EQ(t.to_strings(), (std::vector<std::string>{"ab", "", "cde"}));
    t.clear();
    EXPECT_EQ(t.size(), 0u);
}

TEST(Tokenizer, StopwordNames) {
    EXPECT_EQ(parse_stopwords("en"), Stopwords::English);
    EXPECT_EQ(parse_stopwords("english"), Stopwords::English);
    EXPECT_EQ(parse_stopwords("none"), Stopwords::None);
    EXPECT_EQ(stopwords_name(Stopwords::English), "en");
    EXPECT_EQ(stopwords_name(Stopwords::None), "none");
    try {
        parse_stopwords("german");
        FAIL() << "expected a usage error";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Usage);
        EXPECT_NE(std::string(e.what()).find("none, en or english"), std::string::npos);
    }
}

TEST(Tokenizer, LongTextsAndLongTokens) {
    Tokenizer t({Stopwords::English, true});
    std::string word(100000, 'q');
    EXPECT_EQ(t.tokenize(word), std::vector<std::string>{word});
    std::string text;
    for (int i = 0; i < 20000; ++i) text += "Σίσυφος the flows ";
    Tokens out;
    t.tokenize(text, out);
    ASSERT_EQ(out.size(), 40000u);
    EXPECT_EQ(out[0], "σίσυφος");
    EXPECT_EQ(out[1], "flow");
}

}  // namespace
}  // namespace mempipe::rag
