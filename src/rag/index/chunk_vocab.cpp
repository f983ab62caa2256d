// The cold paths of ChunkVocab: insertion, growth, merge.
#include "rag/index/chunk_vocab.h"

#include "mempipe/core/error.h"

namespace mempipe::rag::detail {

ChunkVocab::Slot& ChunkVocab::insert(uint64_t i, const Key& k, std::string_view t) {
    Slot& s = slots_[i];
    s.len = k.len;
    s.last_doc = kNoDoc;
    if (k.len <= kInline) {
        s.w0 = k.w0;
        s.w1 = k.w1;
    } else {
        s.w0 = long_chars_.size();
        s.w1 = k.hash;
        long_chars_.insert(long_chars_.end(), t.begin(), t.end());
    }
    s.code = (kNewFlag | static_cast<uint32_t>(fresh_.size())) + 1;
    fresh_.push_back({fresh_chars_.size(), k.len});
    fresh_chars_.insert(fresh_chars_.end(), t.begin(), t.end());
    if (++size_ * 2 > slots_.size()) {
        const Slot copy = s;
        grow();
        // Find the slot again: grow moved it.
        uint64_t j = k.hash & mask();
        while (slots_[j].code != copy.code || slots_[j].len != copy.len ||
               slots_[j].w0 != copy.w0 || slots_[j].w1 != copy.w1)
            j = (j + 1) & mask();
        return slots_[j];
    }
    return s;
}

void ChunkVocab::grow() {
    std::vector<Slot> old(slots_.size() * 2);
    old.swap(slots_);
    for (const Slot& s : old) {
        if (s.code == 0) continue;
        const uint64_t h = s.len <= kInline ? inline_hash(s.w0, s.w1, s.len) : s.w1;
        uint64_t j = h & mask();
        while (slots_[j].code != 0) j = (j + 1) & mask();
        slots_[j] = s;
    }
}

void ChunkVocab::merge_new(const std::vector<uint32_t>& gids) {
    for (size_t i = 0; i < fresh_.size(); ++i) {
        if (gids[i] >= kNewFlag - 1)
            runtime_error("the vocabulary has more than {} terms; split the corpus", kNewFlag - 2);
        const std::string_view t = new_term(i);
        Key k;
        make_key(t, k);
        uint64_t j = k.hash & mask();
        while (slots_[j].code == 0 || !matches(slots_[j], k, t)) j = (j + 1) & mask();
        slots_[j].code = gids[i] + 1;
    }
    fresh_.clear();
    fresh_chars_.clear();
}

}  // namespace mempipe::rag::detail
