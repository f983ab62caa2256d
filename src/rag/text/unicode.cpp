#include "rag/text/unicode.h"

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <cstring>
#include <memory>

namespace mempipe::rag::text {

namespace {

bool is_word_char(UChar32 c) {
    if (c == '_') return true;
    switch (u_charType(c)) {
        case U_UPPERCASE_LETTER:
        case U_LOWERCASE_LETTER:
        case U_TITLECASE_LETTER:
        case U_MODIFIER_LETTER:
        case U_OTHER_LETTER:
        case U_DECIMAL_DIGIT_NUMBER:
        case U_LETTER_NUMBER:
        case U_OTHER_NUMBER:
            return true;
        default:
            // Python's isnumeric() also holds for characters that only have a numeric value
            // (Unihan kPrimaryNumeric etc.), whatever their category.
            return u_getIntPropertyValue(c, UCHAR_NUMERIC_TYPE) != U_NT_NONE;
    }
}

CodePointInfo compute_info(char32_t c) {
    CodePointInfo info;
    const auto uc = static_cast<UChar32>(c);
    info.lower = static_cast<char32_t>(u_tolower(uc));
    info.word = is_word_char(static_cast<UChar32>(info.lower));
    info.cased = u_hasBinaryProperty(uc, UCHAR_CASED) != 0;
    info.case_ignorable = u_hasBinaryProperty(uc, UCHAR_CASE_IGNORABLE) != 0;
    return info;
}

// The BMP, packed into 4 bytes per code point: lower (16 bits; BMP lowercase stays in the BMP) and
// three flag bits. Built once, on first use (~65k ICU look-ups, about a millisecond).
constexpr uint32_t kWordBit = 1u << 16, kCasedBit = 1u << 17, kIgnorableBit = 1u << 18;

const uint32_t* bmp_table() {
    static const std::unique_ptr<uint32_t[]> table = [] {
        auto t = std::make_unique<uint32_t[]>(0x10000);
        for (char32_t c = 0; c < 0x10000; ++c) {
            const CodePointInfo info = compute_info(c);
            uint32_t v = info.lower <= 0xFFFF ? static_cast<uint32_t>(info.lower) : c;
            if (info.word) v |= kWordBit;
            if (info.cased) v |= kCasedBit;
            if (info.case_ignorable) v |= kIgnorableBit;
            t[c] = v;
        }
        return t;
    }();
    return table.get();
}

}  // namespace

CodePointInfo code_point_info(char32_t c) {
    if (c >= 0x10000) return compute_info(c);
    static const uint32_t* const table = bmp_table();
    const uint32_t v = table[c];
    return CodePointInfo{static_cast<char32_t>(v & 0xFFFF), (v & kWordBit) != 0,
                         (v & kCasedBit) != 0, (v & kIgnorableBit) != 0};
}

bool is_ascii(std::string_view text) {
    const char* p = text.data();
    size_t n = text.size();
    uint64_t acc = 0;
    // OR-reduce 32 bytes per step (the compiler vectorises it), then test the high bits once.
    while (n >= 32) {
        uint64_t w[4];
        std::memcpy(w, p, 32);
        acc |= w[0] | w[1] | w[2] | w[3];
        if (acc & 0x8080808080808080ull) return false;
        p += 32;
        n -= 32;
    }
    for (; n > 0; --n, ++p) acc |= static_cast<uint8_t>(*p);
    return (acc & 0x8080808080808080ull) == 0;
}

char32_t decode_utf8(std::string_view text, size_t& i) {
    const auto* s = reinterpret_cast<const uint8_t*>(text.data());
    const auto length = static_cast<int64_t>(text.size());
    int64_t pos = static_cast<int64_t>(i);
    UChar32 c;
    U8_NEXT(s, pos, length, c);
    i = static_cast<size_t>(pos);
    return c < 0 ? kReplacementChar : static_cast<char32_t>(c);
}

void append_utf8(std::string& out, char32_t c) {
    char buf[4];
    int32_t n = 0;
    U8_APPEND_UNSAFE(buf, n, static_cast<UChar32>(c));
    out.append(buf, static_cast<size_t>(n));
}

}  // namespace mempipe::rag::text
