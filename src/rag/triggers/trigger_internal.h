// Helpers shared by the trigger rules (src/rag/triggers/*.cpp).
#pragma once

#include <deque>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mempipe/rag/triggers.h"

namespace mempipe::rag::detail {

// Appends a word's token pieces to `out` so that words are joined by exactly one space: the first
// piece is re-stored (in `storage`: a deque keeps it in place) as " " + trimmed piece.
void append_word_pieces(const std::vector<std::string_view>& word_pieces,
                        std::vector<std::string_view>& out, std::deque<std::string>& storage);

// Usage error for a probability outside [0, 1] or a negative / non-finite entropy or attention.
void check_tokens(std::span<const TokenSignal> tokens);

}  // namespace mempipe::rag::detail
