// InvertedIndex::Impl: the arrays of an index as typed views, backed either by owned buffers (a
// freshly built index) or by a read-only mapping of the index file (a loaded one).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mempipe/core/buffer.h"
#include "mempipe/rag/index.h"

namespace mempipe::rag {

// The sections of the file, in file order. Meta is JSON; the others are flat little-endian arrays.
enum class Section : int {
    Meta,
    Offsets,    // uint64 [n_terms + 1]
    Docs,       // uint32 [nnz]
    Impacts,    // float32 [nnz]
    TermMax,    // float32 [n_terms]
    BlockOff,   // uint64 [n_terms + 1]
    BlockMax,   // float32 [n_blocks]
    BlockLast,  // uint32 [n_blocks]
    Nonocc,     // float32 [n_terms], shifted variants only
    DocLen,     // uint32 [n_docs]
    VocabOff,   // uint64 [n_terms + 1]
    Vocab,      // bytes [vocab_off[n_terms]]
    VocabHash,  // uint32 [hash_slots]
    DocidOff,   // uint64 [n_docs + 1]
    Docid,      // bytes [docid_off[n_docs]]
    Count,
};
inline constexpr int kNumSections = static_cast<int>(Section::Count);
inline constexpr std::array<std::string_view, kNumSections> kSectionNames = {
    "meta",      "offsets",   "docs",       "impacts",   "term_max",
    "block_off", "block_max", "block_last", "nonocc",    "doc_len",
    "vocab_off", "vocab",     "vocab_hash", "docid_off", "docid"};

struct InvertedIndex::Impl {
    Bm25Params bm25;
    TokenizerOptions tokenizer;
    int64_t n_docs = 0;
    int64_t n_terms = 0;
    uint64_t nnz = 0;
    uint64_t n_blocks = 0;
    uint64_t hash_slots = 0;
    double avgdl = 0;

    // Views (valid in both modes).
    const uint64_t* offsets = nullptr;
    const uint32_t* docs = nullptr;
    const float* impacts = nullptr;
    const float* term_max = nullptr;
    const uint64_t* block_offsets = nullptr;
    const float* block_max = nullptr;
    const uint32_t* block_last = nullptr;
    const float* nonocc = nullptr;  // null for sparse variants
    const uint32_t* doc_len = nullptr;
    const uint64_t* vocab_off = nullptr;
    const char* vocab = nullptr;
    const uint32_t* vocab_hash = nullptr;
    const uint64_t* docid_off = nullptr;
    const char* docid = nullptr;

    // Owned storage of a built index.
    Buffer<uint64_t> own_offsets;
    Buffer<uint32_t> own_docs;
    Buffer<float> own_impacts;
    Buffer<float> own_term_max;
    Buffer<uint64_t> own_block_offsets;
    Buffer<float> own_block_max;
    Buffer<uint32_t> own_block_last;
    std::vector<float> own_nonocc;
    std::vector<uint32_t> own_doc_len;
    std::vector<uint64_t> own_vocab_off;
    std::vector<char> own_vocab;
    std::vector<uint32_t> own_vocab_hash;
    std::vector<uint64_t> own_docid_off;
    std::vector<char> own_docid;

    // Pruning aids (bm25_compute_presence, bm25_compute_ladders): derived in memory after a
    // build or a load, not stored in the file.
    std::vector<uint32_t> presence_slot;
    Buffer<uint64_t> presence_bits;
    Buffer<uint32_t> presence_rank;
    std::vector<uint32_t> ladder_slot;
    Buffer<float> ladder;

    // The mapping of a loaded index.
    void* map = nullptr;
    size_t map_bytes = 0;

    Impl() = default;
    Impl(const Impl&) = delete;
    Impl& operator=(const Impl&) = delete;
    ~Impl();

    // Points the views at the owned storage (after a build).
    void bind_owned();
    // Builds the pruning aids from the bound views (after a build or a verified load).
    void build_pruning_aids();
    // Bytes and start of each section's data (meta excluded: it is generated).
    const void* section_data(Section s) const;
    uint64_t section_bytes(Section s) const;
    std::string meta_json() const;
};

}  // namespace mempipe::rag
