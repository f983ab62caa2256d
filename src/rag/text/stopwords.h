// Stop-word look-up for the tokenizer (internal), inline: it runs once per token.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace mempipe::rag::text {

inline constexpr size_t kMaxStopwordBytes = 5;

// A perfect hash of the stop words, packed little-endian into integers, into 64 slots (the
// multiplier was found by search; the table does not compile if two words collide).
inline constexpr uint64_t kStopwordHashMultiplier = 0xdacdd71e143d78abull;

constexpr size_t stopword_slot(uint64_t packed) {
    return static_cast<size_t>((packed * kStopwordHashMultiplier) >> 58);
}

extern const std::array<uint64_t, 64> kStopwordTable;  // packed word, or 0 for an empty slot

// True when token is one of bm25s's 33 English stop words (exact, case-sensitive match).
inline bool is_english_stopword(std::string_view token) {
    const size_t n = token.size();
    if (n == 0 || n > kMaxStopwordBytes) return false;
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v |= uint64_t(static_cast<uint8_t>(token[i])) << (8 * i);
    return kStopwordTable[stopword_slot(v)] == v;
}

}  // namespace mempipe::rag::text
