// Unicode helpers for the bm25s tokenizer: per-code-point lowercase and word-character class, the
// way Python's str.lower() and re's \w see them, from ICU.
//
// A word character is what Python's sre calls one: str.isalnum() or '_', i.e. a letter (Lu Ll Lt
// Lm Lo), a character with a numeric value (Nd Nl No and numeric ideographs), or '_'. Combining
// marks (Mn Mc Me) are not word characters. Lowercasing is the simple mapping (u_tolower) plus the
// two full mappings Python applies without a locale: U+0130 → "i\u0307", and U+03A3 → final sigma
// U+03C2 in the Final_Sigma context (see final_sigma_context in unicode.cpp).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace mempipe::rag::text {

inline constexpr char32_t kReplacementChar = 0xFFFD;

// Properties of one code point, packed.
struct CodePointInfo {
    char32_t lower;  // simple lowercase mapping (U+0130: 'i', the U+0307 that follows is implied)
    bool word;       // lower is a word character
    bool cased;      // the code point itself is Cased (for the final-sigma context)
    bool case_ignorable;  // the code point itself is Case_Ignorable
};

CodePointInfo code_point_info(char32_t c);  // table lookup for the BMP, ICU calls above it

// True when every byte of the text is < 0x80.
bool is_ascii(std::string_view text);

// Decodes the code point at text[i] and advances i. Ill-formed UTF-8 (bad lead byte, truncated or
// overlong sequence, surrogate, > U+10FFFF) yields kReplacementChar and advances by the ill-formed
// subsequence's length (ICU's U8_NEXT rules). Requires i < text.size().
char32_t decode_utf8(std::string_view text, size_t& i);

// Appends the UTF-8 encoding of c (a valid scalar value) to out.
void append_utf8(std::string& out, char32_t c);

// ASCII tables shared by both tokenizer paths: word characters [A-Za-z0-9_] and lowercase.
inline constexpr std::array<bool, 128> kAsciiWord = [] {
    std::array<bool, 128> t{};
    for (int c = 0; c < 128; ++c)
        t[c] =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    return t;
}();
inline constexpr std::array<char, 128> kAsciiLower = [] {
    std::array<char, 128> t{};
    for (int c = 0; c < 128; ++c) t[c] = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
    return t;
}();

}  // namespace mempipe::rag::text
