// Term hashing and the open-addressing tables that map a term string to its id: a growable one for
// building (per-thread batch vocabularies and the global vocabulary) and the fixed one stored in
// the index file ("vocab_hash": uint32 slots holding term id + 1, 0 = empty, linear probing from
// term_hash(term) & (slots − 1)).
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

namespace mempipe::rag::detail {

// A 64-bit hash of the term's bytes (little-endian 8-byte words, multiply-xorshift, murmur3
// finaliser). Part of the file format: changing it requires a new format version.
inline uint64_t term_hash(std::string_view s) {
    constexpr uint64_t kMul = 0x9E3779B97F4A7C15ull;
    const char* p = s.data();
    size_t n = s.size();
    uint64_t h = 0x243F6A8885A308D3ull ^ (uint64_t(n) * kMul);
    for (; n >= 8; n -= 8, p += 8) {
        uint64_t v;
        std::memcpy(&v, p, 8);
        h = (h ^ v) * kMul;
        h ^= h >> 29;
    }
    if (n > 0) {
        uint64_t v = 0;
        std::memcpy(&v, p, n);
        h = (h ^ v) * kMul;
        h ^= h >> 29;
    }
    h ^= h >> 33;
    h *= 0xFF51AFD7ED558CCDull;
    h ^= h >> 33;
    h *= 0xC4CEB9FE1A85EC53ull;
    h ^= h >> 33;
    return h;
}

// Strings in first-insertion order with a growable hash index (load ≤ 1/2). Ids are 0, 1, 2, …
class TermTable {
  public:
    TermTable() { clear(); }
    void clear();
    // The id of `term` (hash = term_hash(term)), inserting it when new.
    uint32_t intern(std::string_view term, uint64_t hash);
    uint32_t intern(std::string_view term) { return intern(term, term_hash(term)); }
    size_t size() const { return hashes_.size(); }
    std::string_view term(uint32_t id) const {
        return {chars_.data() + offsets_[id], size_t(offsets_[id + 1] - offsets_[id])};
    }
    const uint64_t* hashes() const { return hashes_.data(); }
    // Moves the strings out: offsets [size + 1] and the concatenated bytes.
    void release(std::vector<uint64_t>& offsets, std::vector<char>& chars);

  private:
    void grow();
    std::vector<char> chars_;
    std::vector<uint64_t> offsets_;  // [size + 1]
    std::vector<uint64_t> hashes_;   // [size]
    std::vector<uint64_t> slots_;    // (hash high 32 bits << 32) | (id + 1); 0 = empty
    uint64_t mask_ = 0;
};

// The stored table for `n_terms` terms with hashes[id]: 2^⌈log2(2·n_terms)⌉ slots (at least 2).
std::vector<uint32_t> make_vocab_hash(const uint64_t* hashes, size_t n_terms);

// Looks `term` up in a stored table (slots: a power of two). Every probe sequence ends: at most
// `slots` probes.
inline int64_t vocab_hash_find(const uint32_t* table, uint64_t slots, const uint64_t* vocab_off,
                               const char* vocab, uint64_t n_terms, std::string_view term) {
    const uint64_t mask = slots - 1;
    uint64_t i = term_hash(term) & mask;
    for (uint64_t probe = 0; probe < slots; ++probe, i = (i + 1) & mask) {
        const uint32_t e = table[i];
        if (e == 0) return -1;
        const uint64_t id = e - 1;
        if (id >= n_terms) return -1;
        const uint64_t begin = vocab_off[id];
        const uint64_t len = vocab_off[id + 1] - begin;
        if (len == term.size() && std::memcmp(vocab + begin, term.data(), len) == 0)
            return int64_t(id);
    }
    return -1;
}

}  // namespace mempipe::rag::detail
