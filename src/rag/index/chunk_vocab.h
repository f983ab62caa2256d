// One build thread's vocabulary: the hot table of the tokenize stage (one lookup per token).
//
// It persists across batches, so frequent terms stay found. A slot (32 bytes, half a cache line)
// holds everything a token needs: the term's bytes inline (≤ 16 bytes; longer terms point into an
// overflow buffer), its global id once merged, and the per-doc tf bookkeeping (last doc seen,
// position of its posting in the batch's forward list). A lookup of a term is then one cache miss
// at most, and the misses of a doc's tokens are overlapped by prefetching every slot first.
//
// Codes: a merged term's code is its global id; a term first seen in the current batch has
// kNewFlag | (its index in the batch's new-term list) until merge_new() assigns its global id.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "rag/index/vocab.h"

namespace mempipe::rag::detail {

class ChunkVocab {
  public:
    static constexpr uint32_t kNewFlag = 0x80000000u;
    static constexpr uint32_t kNoDoc = 0xFFFFFFFFu;

    ChunkVocab() { slots_.assign(kInitialSlots, Slot{}); }

    // Appends the postings of one doc (global doc id `doc`, tokens[i] for i < n) to terms/tfs:
    // one (code, tf) per distinct term in first-occurrence order.
    template <class TokenList>
    void add_doc(const TokenList& tokens, uint32_t doc, std::vector<uint32_t>& terms,
                 std::vector<uint32_t>& tfs) {
        const size_t n = tokens.size();
        keys_.resize(n);
        for (size_t i = 0; i < n; ++i) {
            make_key(std::string_view(tokens[i]), keys_[i]);
            __builtin_prefetch(&slots_[keys_[i].hash & mask()]);
        }
        for (size_t i = 0; i < n; ++i) {
            Slot& s = find_or_insert(keys_[i], std::string_view(tokens[i]));
            if (s.last_doc != doc) {
                s.last_doc = doc;
                s.pos = static_cast<uint32_t>(terms.size());
                terms.push_back(s.code - 1);
                tfs.push_back(1);
            } else {
                ++tfs[s.pos];
            }
        }
    }

    // Terms first seen since the last merge, in first-occurrence order.
    size_t new_terms() const { return fresh_.size(); }
    std::string_view new_term(size_t i) const {
        return {fresh_chars_.data() + fresh_[i].offset, fresh_[i].len};
    }
    // Gives the new terms their global ids (gids[i] for new term i) and starts a new batch.
    void merge_new(const std::vector<uint32_t>& gids);

  private:
    static constexpr size_t kInitialSlots = 4096;
    static constexpr size_t kInline = 16;

    struct Key {
        uint64_t w0, w1;  // inline bytes, zero padded (short terms)
        uint64_t hash;
        uint32_t len;
    };
    struct Slot {
        uint32_t code = 0;  // 0 = empty; else the code + 1 (see the file comment)
        uint32_t len = 0;
        uint32_t last_doc = kNoDoc;
        uint32_t pos = 0;
        uint64_t w0 = 0, w1 = 0;  // inline bytes, or (offset into long_chars_, hash)
    };
    struct Fresh {
        uint64_t offset;
        uint32_t len;
    };

    uint64_t mask() const { return slots_.size() - 1; }

    static uint64_t load_le(const char* p, size_t n) {
        uint64_t v = 0;
        if (n >= 4) {
            uint32_t lo, hi;
            std::memcpy(&lo, p, 4);
            std::memcpy(&hi, p + n - 4, 4);
            v = uint64_t(lo) | (uint64_t(hi) << (8 * (n - 4)));
        } else {
            for (size_t i = 0; i < n; ++i) v |= uint64_t(uint8_t(p[i])) << (8 * i);
        }
        return v;
    }

    static uint64_t inline_hash(uint64_t w0, uint64_t w1, size_t n) {
        uint64_t h = (w0 ^ (uint64_t(n) << 56)) * 0x9E3779B97F4A7C15ull;
        h = (h ^ (h >> 31) ^ w1) * 0xBF58476D1CE4E5B9ull;
        return h ^ (h >> 29);
    }

    static void make_key(std::string_view t, Key& k) {
        const size_t n = t.size();
        k.len = static_cast<uint32_t>(n);
        if (n <= kInline) {
            if (n <= 8) {
                k.w0 = load_le(t.data(), n);
                k.w1 = 0;
            } else {
                std::memcpy(&k.w0, t.data(), 8);
                k.w1 = load_le(t.data() + 8, n - 8);
            }
            k.hash = inline_hash(k.w0, k.w1, n);
        } else {
            k.w0 = k.w1 = 0;
            k.hash = term_hash(t);
        }
    }

    bool matches(const Slot& s, const Key& k, std::string_view t) const {
        if (s.len != k.len) return false;
        if (k.len <= kInline) return s.w0 == k.w0 && s.w1 == k.w1;
        return s.w1 == k.hash && std::memcmp(long_chars_.data() + s.w0, t.data(), k.len) == 0;
    }

    Slot& find_or_insert(const Key& k, std::string_view t) {
        uint64_t i = k.hash & mask();
        for (;; i = (i + 1) & mask()) {
            Slot& s = slots_[i];
            if (s.code == 0) break;
            if (matches(s, k, t)) return s;
        }
        return insert(i, k, t);
    }

    Slot& insert(uint64_t i, const Key& k, std::string_view t);
    void grow();

    std::vector<Slot> slots_;
    size_t size_ = 0;
    std::vector<char> long_chars_;  // bytes of terms longer than kInline
    std::vector<Fresh> fresh_;      // terms new in this batch
    std::vector<char> fresh_chars_;
    std::vector<Key> keys_;  // scratch: the current doc's keys
};

}  // namespace mempipe::rag::detail
