// BERT WordPiece tokenizer (model/wordpiece.h).
#include "mempipe/model/wordpiece.h"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include <fstream>

#include "mempipe/core/error.h"

namespace mempipe::model {
namespace {

constexpr size_t kMaxWordChars = 100;

bool is_control(UChar32 c) {
    if (c == '\t' || c == '\n' || c == '\r') return false;
    const int8_t t = u_charType(c);
    return t == U_CONTROL_CHAR || t == U_FORMAT_CHAR;
}

bool is_whitespace(UChar32 c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || u_charType(c) == U_SPACE_SEPARATOR;
}

bool is_punctuation(UChar32 c) {
    if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) ||
        (c >= 123 && c <= 126))
        return true;
    return (U_GET_GC_MASK(c) & U_GC_P_MASK) != 0;
}

bool is_cjk(UChar32 c) {
    return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
           (c >= 0x20000 && c <= 0x2A6DF) || (c >= 0x2A700 && c <= 0x2B73F) ||
           (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B820 && c <= 0x2CEAF) ||
           (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

void append_utf8(std::string& out, char32_t c) {
    icu::UnicodeString u(static_cast<UChar32>(c));
    u.toUTF8String(out);
}

// Steps 1–3 of the header: the normalised text as code points.
std::u32string normalize(std::string_view text, bool lowercase) {
    icu::UnicodeString u = icu::UnicodeString::fromUTF8(
        icu::StringPiece(text.data(), int32_t(std::min<size_t>(text.size(), INT32_MAX))));
    icu::UnicodeString cleaned;
    for (int32_t i = 0; i < u.length();) {
        UChar32 c = u.char32At(i);
        i += U16_LENGTH(c);
        if (c == 0 || c == 0xFFFD || is_control(c)) continue;
        if (is_whitespace(c)) {
            cleaned.append(UChar32(' '));
        } else if (is_cjk(c)) {
            cleaned.append(UChar32(' ')).append(c).append(UChar32(' '));
        } else {
            cleaned.append(c);
        }
    }
    if (lowercase) {
        UErrorCode err = U_ZERO_ERROR;
        const icu::Normalizer2* nfd = icu::Normalizer2::getNFDInstance(err);
        if (U_FAILURE(err)) runtime_error("WordPiece: ICU NFD normaliser unavailable");
        icu::UnicodeString decomposed = nfd->normalize(cleaned, err);
        if (U_FAILURE(err)) runtime_error("WordPiece: ICU NFD normalisation failed");
        cleaned.remove();
        for (int32_t i = 0; i < decomposed.length();) {
            UChar32 c = decomposed.char32At(i);
            i += U16_LENGTH(c);
            if (u_charType(c) == U_NON_SPACING_MARK) continue;
            cleaned.append(u_tolower(c));
        }
    }
    std::u32string out;
    for (int32_t i = 0; i < cleaned.length();) {
        UChar32 c = cleaned.char32At(i);
        i += U16_LENGTH(c);
        out.push_back(char32_t(c));
    }
    return out;
}

}  // namespace

WordPieceTokenizer WordPieceTokenizer::from_tokens(std::vector<std::string> tokens,
                                                   bool lowercase) {
    WordPieceTokenizer t;
    t.lowercase_ = lowercase;
    t.tokens_ = std::move(tokens);
    for (size_t i = 0; i < t.tokens_.size(); ++i) t.ids_.emplace(t.tokens_[i], int32_t(i));
    auto id = [&](const char* name) {
        auto it = t.ids_.find(name);
        MEMPIPE_CHECK_ARG(it != t.ids_.end(), "WordPiece vocabulary has no {} token", name);
        return it->second;
    };
    t.unk_ = id("[UNK]");
    t.cls_ = id("[CLS]");
    t.sep_ = id("[SEP]");
    return t;
}

WordPieceTokenizer WordPieceTokenizer::load(const std::string& vocab_path, bool lowercase) {
    std::ifstream in(vocab_path, std::ios::binary);
    if (!in) runtime_error("{}: cannot open the WordPiece vocabulary", vocab_path);
    std::vector<std::string> tokens;
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        tokens.push_back(line);
    }
    try {
        return from_tokens(std::move(tokens), lowercase);
    } catch (const Error& e) {
        runtime_error("{}: {}", vocab_path, e.what());
    }
}

void WordPieceTokenizer::word_pieces(const std::u32string& word, std::vector<int32_t>& out) const {
    if (word.size() > kMaxWordChars) {
        out.push_back(unk_);
        return;
    }
    std::vector<std::string> prefix(word.size() + 1);  // UTF-8 of word[0, i)
    for (size_t i = 0; i < word.size(); ++i) {
        prefix[i + 1] = prefix[i];
        append_utf8(prefix[i + 1], word[i]);
    }
    const size_t mark = out.size();
    size_t start = 0;
    while (start < word.size()) {
        int32_t found = -1;
        size_t end = word.size();
        for (; end > start; --end) {
            std::string piece = (start > 0 ? "##" : "") + prefix[end].substr(prefix[start].size());
            auto it = ids_.find(piece);
            if (it != ids_.end()) {
                found = it->second;
                break;
            }
        }
        if (found < 0) {
            out.resize(mark);
            out.push_back(unk_);
            return;
        }
        out.push_back(found);
        start = end;
    }
}

std::vector<int32_t> WordPieceTokenizer::tokenize(std::string_view text) const {
    const std::u32string norm = normalize(text, lowercase_);
    std::vector<int32_t> out;
    std::u32string word;
    auto flush = [&] {
        if (!word.empty()) word_pieces(word, out);
        word.clear();
    };
    for (char32_t c : norm) {
        if (c == U' ') {
            flush();
        } else if (is_punctuation(UChar32(c))) {
            flush();
            word.push_back(c);
            flush();
        } else {
            word.push_back(c);
        }
    }
    flush();
    return out;
}

std::vector<int32_t> WordPieceTokenizer::encode(std::string_view text, int64_t max_len) const {
    MEMPIPE_CHECK_ARG(max_len >= 2, "WordPiece encode: max_len must be at least 2, got {}",
                      max_len);
    std::vector<int32_t> pieces = tokenize(text);
    if (int64_t(pieces.size()) > max_len - 2) pieces.resize(size_t(max_len - 2));
    std::vector<int32_t> out;
    out.reserve(pieces.size() + 2);
    out.push_back(cls_);
    out.insert(out.end(), pieces.begin(), pieces.end());
    out.push_back(sep_);
    return out;
}

}  // namespace mempipe::model
