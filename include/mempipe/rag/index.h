// The BM25 inverted index: built from a corpus with a parallel counting-sort inversion, saved as
// one checksummed file, loaded by mmap.
//
// In memory and on disk the index is bm25s's eager CSC layout (include/mempipe/ops/bm25.h:
// PostingsView) plus what a search needs to turn text into term ids and doc ids back into the
// user's ids: the vocabulary (term strings), the external doc ids, per-doc lengths, and the
// parameters (BM25 variant, k1, b, δ, tokenizer options) so queries are tokenized as the docs were.
//
// Build (InvertedIndex::build): batches of `batch_docs` documents are tokenized in parallel (one
// Tokenizer per thread, each thread a contiguous range of the batch) into per-thread vocabularies
// and a forward store (per doc: distinct term ids with tf, and |d|); term ids are the order of
// first occurrence over the corpus whatever the thread count. The forward store is then inverted by
// a parallel counting sort (per thread range × term counts → prefix sums → each range scatters its
// postings, doc ids ascending within a term, and writes the impacts), followed by the block maxima
// and the vocabulary hash table. Same corpus and options ⇒ byte-identical index for any thread
// count or batch size. Peak memory ≈ 16 B per posting + 32 B per vocabulary slot per thread.
//
// On-disk format (`<dir>/bm25.index`, little-endian, version kIndexFormatVersion):
//   [0, 64)    header: magic "MEMPIPE-BM25\0\0\0\0", uint32 version, uint32 section count,
//              uint64 file size, uint32 CRC-32C of header + section table (taken with this field 0)
//   [64, …)    section table: count × {char name[16] (NUL-padded), uint64 offset, uint64 bytes,
//              uint32 crc32c, uint32 0}
//   sections, each at a 64-byte-aligned offset, in this order:
//     "meta"       JSON: format, version, bm25 {variant, k1, b, delta}, tokenizer {stopwords,
//     stem},
//                  docs, terms, postings, blocks, block_size, hash_slots, tokens (Σ|d|), avgdl
//     "offsets"    uint64 [terms + 1]     "docs" uint32 [postings]   "impacts" float32 [postings]
//     "term_max"   float32 [terms]        "block_off" uint64 [terms + 1]
//     "block_max"  float32 [blocks]       "block_last" uint32 [blocks]
//     "nonocc"     float32 [terms] (bm25l and bm25+ only)
//     "doc_len"    uint32 [docs]          "vocab_off" uint64 [terms + 1]   "vocab" the term bytes
//     "vocab_hash" uint32 [hash_slots]: term id + 1 (0 = empty), linear probing from
//                  hash(term) & (hash_slots − 1); hash = src/rag/index/vocab.h term_hash
//     "docid_off"  uint64 [docs + 1]      "docid" the external doc id bytes
// save() streams the file to `<dir>/bm25.index.tmp.<pid>`, fsyncs and renames it (and fsyncs the
// directory). load() mmaps it read-only and checks the magic, version, header checksum, section
// bounds and alignment, every section's checksum, meta, the sizes meta implies, and the structural
// invariants a search relies on (offsets monotone and ending at the posting count, doc ids < docs
// and ascending within each term, impacts finite and ≥ 0, block tables consistent, hash slots
// < terms + 1). Any problem is an Error(Runtime) naming the file and the section and saying to
// re-build the index. Verification reads the whole file once (CRC-32C with SSE4.2, parallel over
// sections).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "mempipe/ops/bm25.h"
#include "mempipe/rag/bm25.h"
#include "mempipe/rag/corpus.h"
#include "mempipe/rag/tokenizer.h"

namespace mempipe::rag {

inline constexpr uint32_t kIndexFormatVersion = 1;
inline constexpr const char* kIndexFileName = "bm25.index";

struct IndexOptions {
    Bm25Params bm25;
    TokenizerOptions tokenizer;
    int threads = 0;              // 0 = the current OpenMP thread count
    bool progress = false;        // progress bar on stderr
    size_t batch_docs = 1 << 16;  // documents tokenized per parallel batch
};

// Where index construction spent its time (seconds) and what it produced. read_s: the corpus
// reader; tokenize_s: tokenization + vocabulary merge + forward store; invert_s: counting sort with
// the impacts written in place; score_s: block maxima, non-occurrence scores, vocabulary hash
// table, presence maps. peak_rss_bytes: the process's peak resident set (getrusage) at the end of
// the build.
struct BuildStats {
    double read_s = 0, tokenize_s = 0, invert_s = 0, score_s = 0, total_s = 0;
    int64_t docs = 0, terms = 0, postings = 0, tokens = 0, skipped = 0;
    uint64_t peak_rss_bytes = 0;
};

class InvertedIndex {
  public:
    InvertedIndex();
    InvertedIndex(InvertedIndex&&) noexcept;
    InvertedIndex& operator=(InvertedIndex&&) noexcept;
    ~InvertedIndex();

    // Streams the corpus through the tokenizer and inverts it. stats may be null.
    static InvertedIndex build(CorpusReader& corpus, const IndexOptions& options,
                               BuildStats* stats = nullptr);
    // From already tokenized docs (tests, synthetic corpora): docs[i] = the tokens of doc i, used
    // as given (no stop words, no stemming; options.tokenizer is only recorded for queries).
    // doc_ids: one per doc, or empty for "0", "1", …
    static InvertedIndex build_from_tokens(const std::vector<std::vector<std::string>>& docs,
                                           const std::vector<std::string>& doc_ids,
                                           const IndexOptions& options);
    // Writes <dir>/bm25.index atomically (creates dir if missing).
    void save(const std::string& dir) const;
    // mmaps <dir>/bm25.index (or a path to the file itself) and verifies it.
    static InvertedIndex load(const std::string& path);

    PostingsView postings() const;
    int64_t num_docs() const;
    int64_t num_terms() const;
    int64_t num_postings() const;
    double avgdl() const;
    const Bm25Params& bm25() const;
    const TokenizerOptions& tokenizer_options() const;

    std::optional<uint32_t> term_id(std::string_view term) const;
    std::string_view term(uint32_t id) const;
    uint32_t doc_freq(uint32_t id) const;
    std::string_view doc_id(uint32_t doc) const;  // the user's id
    uint32_t doc_length(uint32_t doc) const;
    uint64_t memory_bytes() const;  // bytes of the arrays (mapped or owned)

    struct Impl;

  private:
    std::unique_ptr<Impl> impl_;
};

// CRC-32C (Castagnoli; initial value and final xor 0xFFFFFFFF) as the index file uses it; `crc`
// continues a running checksum: index_crc32c(b, n2, index_crc32c(a, n1)) = checksum of a ++ b.
// Uses the SSE4.2 instruction when the CPU has it (and MEMPIPE_SIMD is not "scalar").
uint32_t index_crc32c(const void* data, size_t bytes, uint32_t crc = 0);

}  // namespace mempipe::rag
