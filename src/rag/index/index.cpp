// InvertedIndex accessors and the Impl's storage plumbing.
#include <sys/mman.h>

#include "mempipe/core/error.h"
#include "mempipe/core/io.h"
#include "rag/index/impl.h"
#include "rag/index/vocab.h"

namespace mempipe::rag {

InvertedIndex::Impl::~Impl() {
    if (map != nullptr) munmap(map, map_bytes);
}

void InvertedIndex::Impl::bind_owned() {
    offsets = own_offsets.data();
    docs = own_docs.data();
    impacts = own_impacts.data();
    term_max = own_term_max.data();
    block_offsets = own_block_offsets.data();
    block_max = own_block_max.data();
    block_last = own_block_last.data();
    nonocc = bm25_shifted(bm25.variant) ? own_nonocc.data() : nullptr;
    doc_len = own_doc_len.data();
    vocab_off = own_vocab_off.data();
    vocab = own_vocab.data();
    vocab_hash = own_vocab_hash.data();
    hash_slots = own_vocab_hash.size();
    docid_off = own_docid_off.data();
    docid = own_docid.data();
}

void InvertedIndex::Impl::build_pruning_aids() {
    presence_slot.assign(size_t(n_terms), kBm25NoPresence);
    const uint64_t maps = bm25_compute_presence(offsets, docs, n_terms, n_docs,
                                                presence_slot.data(), nullptr, nullptr);
    const uint64_t words = bm25_presence_words(n_docs);
    presence_bits = Buffer<uint64_t>(maps * words);
    presence_rank = Buffer<uint32_t>(maps * words);
    bm25_compute_presence(offsets, docs, n_terms, n_docs, presence_slot.data(),
                          presence_bits.data(), presence_rank.data());
    ladder_slot.assign(size_t(n_terms), kBm25NoPresence);
    const uint64_t ladders = bm25_compute_ladders(offsets, impacts, block_offsets, block_max,
                                                  n_terms, ladder_slot.data(), nullptr);
    ladder = Buffer<float>(ladders * kBm25LadderLevels);
    bm25_compute_ladders(offsets, impacts, block_offsets, block_max, n_terms, ladder_slot.data(),
                         ladder.data());
}

const void* InvertedIndex::Impl::section_data(Section s) const {
    switch (s) {
        case Section::Meta:
            return nullptr;
        case Section::Offsets:
            return offsets;
        case Section::Docs:
            return docs;
        case Section::Impacts:
            return impacts;
        case Section::TermMax:
            return term_max;
        case Section::BlockOff:
            return block_offsets;
        case Section::BlockMax:
            return block_max;
        case Section::BlockLast:
            return block_last;
        case Section::Nonocc:
            return nonocc;
        case Section::DocLen:
            return doc_len;
        case Section::VocabOff:
            return vocab_off;
        case Section::Vocab:
            return vocab;
        case Section::VocabHash:
            return vocab_hash;
        case Section::DocidOff:
            return docid_off;
        case Section::Docid:
            return docid;
        case Section::Count:
            break;
    }
    return nullptr;
}

uint64_t InvertedIndex::Impl::section_bytes(Section s) const {
    const uint64_t v = uint64_t(n_terms), n = uint64_t(n_docs);
    switch (s) {
        case Section::Meta:
            return 0;
        case Section::Offsets:
            return 8 * (v + 1);
        case Section::Docs:
            return 4 * nnz;
        case Section::Impacts:
            return 4 * nnz;
        case Section::TermMax:
            return 4 * v;
        case Section::BlockOff:
            return 8 * (v + 1);
        case Section::BlockMax:
            return 4 * n_blocks;
        case Section::BlockLast:
            return 4 * n_blocks;
        case Section::Nonocc:
            return bm25_shifted(bm25.variant) ? 4 * v : 0;
        case Section::DocLen:
            return 4 * n;
        case Section::VocabOff:
            return 8 * (v + 1);
        case Section::Vocab:
            return vocab_off[v];
        case Section::VocabHash:
            return 4 * hash_slots;
        case Section::DocidOff:
            return 8 * (n + 1);
        case Section::Docid:
            return docid_off[n];
        case Section::Count:
            break;
    }
    return 0;
}

std::string InvertedIndex::Impl::meta_json() const {
    uint64_t tokens = 0;
    for (int64_t d = 0; d < n_docs; ++d) tokens += doc_len[d];
    Json j;
    j["format"] = "mempipe-bm25";
    j["version"] = kIndexFormatVersion;
    j["bm25"] = {{"variant", std::string(bm25_variant_name(bm25.variant))},
                 {"k1", bm25.k1},
                 {"b", bm25.b},
                 {"delta", bm25.delta}};
    j["tokenizer"] = {{"stopwords", std::string(stopwords_name(tokenizer.stopwords))},
                      {"stem", tokenizer.stem}};
    j["docs"] = n_docs;
    j["terms"] = n_terms;
    j["postings"] = nnz;
    j["blocks"] = n_blocks;
    j["block_size"] = kBm25BlockSize;
    j["hash_slots"] = hash_slots;
    j["tokens"] = tokens;
    j["avgdl"] = avgdl;
    return j.dump();
}

InvertedIndex::InvertedIndex() : impl_(std::make_unique<Impl>()) {
    impl_->own_offsets = Buffer<uint64_t>(1, 0);
    impl_->own_block_offsets = Buffer<uint64_t>(1, 0);
    impl_->own_vocab_off.assign(1, 0);
    impl_->own_docid_off.assign(1, 0);
    impl_->own_vocab_hash.assign(2, 0);
    impl_->bind_owned();
}
InvertedIndex::InvertedIndex(InvertedIndex&&) noexcept = default;
InvertedIndex& InvertedIndex::operator=(InvertedIndex&&) noexcept = default;
InvertedIndex::~InvertedIndex() = default;

PostingsView InvertedIndex::postings() const {
    PostingsView v;
    v.num_docs = impl_->n_docs;
    v.num_terms = impl_->n_terms;
    v.offsets = impl_->offsets;
    v.docs = impl_->docs;
    v.impacts = impl_->impacts;
    v.term_max = impl_->term_max;
    v.block_offsets = impl_->block_offsets;
    v.block_max = impl_->block_max;
    v.block_last = impl_->block_last;
    v.nonocc = impl_->nonocc;
    if (!impl_->presence_slot.empty()) {
        v.presence_slot = impl_->presence_slot.data();
        v.presence_bits = impl_->presence_bits.data();
        v.presence_rank = impl_->presence_rank.data();
        v.ladder_slot = impl_->ladder_slot.data();
        v.ladder = impl_->ladder.data();
    }
    return v;
}

int64_t InvertedIndex::num_docs() const {
    return impl_->n_docs;
}
int64_t InvertedIndex::num_terms() const {
    return impl_->n_terms;
}
int64_t InvertedIndex::num_postings() const {
    return int64_t(impl_->nnz);
}
double InvertedIndex::avgdl() const {
    return impl_->avgdl;
}
const Bm25Params& InvertedIndex::bm25() const {
    return impl_->bm25;
}
const TokenizerOptions& InvertedIndex::tokenizer_options() const {
    return impl_->tokenizer;
}

std::optional<uint32_t> InvertedIndex::term_id(std::string_view term) const {
    const int64_t id =
        detail::vocab_hash_find(impl_->vocab_hash, impl_->hash_slots, impl_->vocab_off,
                                impl_->vocab, uint64_t(impl_->n_terms), term);
    if (id < 0) return std::nullopt;
    return static_cast<uint32_t>(id);
}

std::string_view InvertedIndex::term(uint32_t id) const {
    MEMPIPE_CHECK_ARG(id < impl_->n_terms, "term id {} out of range: the index has {} terms", id,
                      impl_->n_terms);
    const uint64_t begin = impl_->vocab_off[id];
    return {impl_->vocab + begin, size_t(impl_->vocab_off[id + 1] - begin)};
}

uint32_t InvertedIndex::doc_freq(uint32_t id) const {
    MEMPIPE_CHECK_ARG(id < impl_->n_terms, "term id {} out of range: the index has {} terms", id,
                      impl_->n_terms);
    return static_cast<uint32_t>(impl_->offsets[id + 1] - impl_->offsets[id]);
}

std::string_view InvertedIndex::doc_id(uint32_t doc) const {
    MEMPIPE_CHECK_ARG(doc < impl_->n_docs, "doc {} out of range: the index has {} docs", doc,
                      impl_->n_docs);
    const uint64_t begin = impl_->docid_off[doc];
    return {impl_->docid + begin, size_t(impl_->docid_off[doc + 1] - begin)};
}

uint32_t InvertedIndex::doc_length(uint32_t doc) const {
    MEMPIPE_CHECK_ARG(doc < impl_->n_docs, "doc {} out of range: the index has {} docs", doc,
                      impl_->n_docs);
    return impl_->doc_len[doc];
}

uint64_t InvertedIndex::memory_bytes() const {
    uint64_t total = 0;
    for (int s = 1; s < kNumSections; ++s) total += impl_->section_bytes(Section(s));
    total += 4 * impl_->presence_slot.size() + 8 * impl_->presence_bits.size() +
             4 * impl_->presence_rank.size() + 4 * impl_->ladder_slot.size() +
             4 * impl_->ladder.size();
    return total;
}

}  // namespace mempipe::rag
