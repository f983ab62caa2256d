// Vocabulary hash tables (see vocab.h).
#include "rag/index/vocab.h"

#include <algorithm>
#include <bit>

namespace mempipe::rag::detail {

namespace {
constexpr size_t kInitialSlots = 1024;
}

void TermTable::clear() {
    chars_.clear();
    offsets_.assign(1, 0);
    hashes_.clear();
    slots_.assign(kInitialSlots, 0);
    mask_ = kInitialSlots - 1;
}

uint32_t TermTable::intern(std::string_view term, uint64_t hash) {
    const uint64_t tag = hash >> 32 << 32;
    uint64_t i = hash & mask_;
    for (;; i = (i + 1) & mask_) {
        const uint64_t e = slots_[i];
        if (e == 0) break;
        if ((e & 0xFFFFFFFF00000000ull) == tag) {
            const auto id = static_cast<uint32_t>(e - 1);
            const uint64_t begin = offsets_[id];
            if (offsets_[id + 1] - begin == term.size() &&
                std::memcmp(chars_.data() + begin, term.data(), term.size()) == 0)
                return id;
        }
    }
    const auto id = static_cast<uint32_t>(hashes_.size());
    slots_[i] = tag | (uint64_t(id) + 1);
    hashes_.push_back(hash);
    chars_.insert(chars_.end(), term.begin(), term.end());
    offsets_.push_back(chars_.size());
    if (hashes_.size() * 2 > slots_.size()) grow();
    return id;
}

void TermTable::grow() {
    slots_.assign(slots_.size() * 2, 0);
    mask_ = slots_.size() - 1;
    for (size_t id = 0; id < hashes_.size(); ++id) {
        uint64_t i = hashes_[id] & mask_;
        while (slots_[i] != 0) i = (i + 1) & mask_;
        slots_[i] = (hashes_[id] >> 32 << 32) | (uint64_t(id) + 1);
    }
}

void TermTable::release(std::vector<uint64_t>& offsets, std::vector<char>& chars) {
    offsets = std::move(offsets_);
    chars = std::move(chars_);
    clear();
}

std::vector<uint32_t> make_vocab_hash(const uint64_t* hashes, size_t n_terms) {
    const size_t slots = std::max<size_t>(2, std::bit_ceil(2 * n_terms));
    std::vector<uint32_t> table(slots, 0);
    const uint64_t mask = slots - 1;
    for (size_t id = 0; id < n_terms; ++id) {
        uint64_t i = hashes[id] & mask;
        while (table[i] != 0) i = (i + 1) & mask;
        table[i] = static_cast<uint32_t>(id + 1);
    }
    return table;
}

}  // namespace mempipe::rag::detail
