// Verification of a mapped index file: header, section table, checksums, meta, sizes and the
// structural invariants a search relies on (so a corrupted file whose checksums still match, e.g.
// one written by a buggy tool, is reported instead of crashing a search).
#include <atomic>
#include <bit>
#include <cmath>
#include <string_view>

#include "mempipe/core/error.h"
#include "mempipe/core/io.h"
#include "mempipe/core/parallel.h"
#include "rag/index/format.h"

namespace mempipe::rag::detail {
namespace {

[[noreturn]] void fail(const std::string& file, std::string_view section, const std::string& what) {
    runtime_error("index file '{}': section '{}': {}; {}", file, section, what, kRebuild);
}

struct Found {
    const uint8_t* data = nullptr;
    uint64_t bytes = 0;
    bool present = false;
};

// Parallel "is any element bad" over [0, n); returns the first bad index or -1.
template <class Bad>
int64_t find_bad(int64_t n, Bad&& bad) {
    std::atomic<bool> any{false};
    parallel_for(n, 1 << 16, [&](int64_t lo, int64_t hi) {
        bool b = false;
        for (int64_t i = lo; i < hi; ++i) b |= bad(i);
        if (b) any.store(true, std::memory_order_relaxed);
    });
    if (!any.load()) return -1;
    for (int64_t i = 0; i < n; ++i)
        if (bad(i)) return i;
    return -1;
}

void parse_meta(InvertedIndex::Impl& m, const Found& meta, const std::string& file,
                uint64_t& tokens) {
    const std::string_view name = kSectionNames[size_t(Section::Meta)];
    try {
        const Json j = Json::parse(reinterpret_cast<const char*>(meta.data),
                                   reinterpret_cast<const char*>(meta.data) + meta.bytes);
        if (j.at("format").get<std::string>() != "mempipe-bm25")
            fail(file, name, "format is not \"mempipe-bm25\"");
        if (j.at("version").get<uint32_t>() != kIndexFormatVersion)
            fail(file, name, "version disagrees with the header");
        const Json& b = j.at("bm25");
        m.bm25.variant = parse_bm25_variant(b.at("variant").get<std::string>());
        m.bm25.k1 = b.at("k1").get<double>();
        m.bm25.b = b.at("b").get<double>();
        m.bm25.delta = b.at("delta").get<double>();
        check_bm25_params(m.bm25);
        const Json& t = j.at("tokenizer");
        m.tokenizer.stopwords = parse_stopwords(t.at("stopwords").get<std::string>());
        m.tokenizer.stem = t.at("stem").get<bool>();
        m.n_docs = j.at("docs").get<int64_t>();
        m.n_terms = j.at("terms").get<int64_t>();
        m.nnz = j.at("postings").get<uint64_t>();
        m.n_blocks = j.at("blocks").get<uint64_t>();
        m.hash_slots = j.at("hash_slots").get<uint64_t>();
        tokens = j.at("tokens").get<uint64_t>();
        if (j.at("block_size").get<int64_t>() != kBm25BlockSize)
            fail(file, name, fmt::format("block size is not {}", kBm25BlockSize));
    } catch (const Json::exception& e) {
        fail(file, name, fmt::format("bad JSON: {}", e.what()));
    } catch (const Error& e) {
        if (e.kind() == ErrorKind::Runtime) throw;
        fail(file, name, e.what());
    }
    if (m.n_docs < 0 || uint64_t(m.n_docs) >= std::numeric_limits<uint32_t>::max())
        fail(file, name, fmt::format("doc count {} out of range", m.n_docs));
    if (m.n_terms < 0 || uint64_t(m.n_terms) >= std::numeric_limits<uint32_t>::max())
        fail(file, name, fmt::format("term count {} out of range", m.n_terms));
    if (m.hash_slots < 2 || !std::has_single_bit(m.hash_slots) ||
        m.hash_slots <= uint64_t(m.n_terms))
        fail(file, name,
             fmt::format("hash table size {} is not a power of two > terms", m.hash_slots));
    m.avgdl = m.n_docs > 0 ? double(tokens) / double(m.n_docs) : 0.0;
}

// Checks a uint64 offsets array: [0] = 0, non-decreasing, [n] = total.
void check_offsets(const uint64_t* off, uint64_t n, uint64_t total, const std::string& file,
                   Section s) {
    const std::string_view name = kSectionNames[size_t(s)];
    if (off[0] != 0) fail(file, name, "the first offset is not 0");
    const int64_t bad = find_bad(int64_t(n), [&](int64_t i) { return off[i + 1] < off[i]; });
    if (bad >= 0) fail(file, name, fmt::format("offsets decrease at entry {}", bad + 1));
    if (off[n] != total)
        fail(file, name, fmt::format("the last offset is {}, expected {}", off[n], total));
}

}  // namespace

void bind_mapped_index(InvertedIndex::Impl& m, const std::string& file) {
    const auto* base = static_cast<const uint8_t*>(m.map);
    const uint64_t size = m.map_bytes;
    if (size < kHeaderBytes)
        fail(file, "header",
             fmt::format("the file is truncated ({} bytes; the header alone is {})", size,
                         kHeaderBytes));
    if (std::memcmp(base, kMagic, sizeof(kMagic)) != 0)
        fail(file, "header", "bad magic: this is not a mempipe BM25 index file");
    const uint32_t version = read_le<uint32_t>(base + 16);
    if (version != kIndexFormatVersion)
        fail(file, "header",
             fmt::format("format version {}, this build reads version {}", version,
                         kIndexFormatVersion));
    const uint32_t count = read_le<uint32_t>(base + 20);
    if (count == 0 || count > kMaxSections)
        fail(file, "header", fmt::format("section count {} out of range", count));
    const uint64_t table_end = kHeaderBytes + kEntryBytes * count;
    if (size < table_end)
        fail(file, "header",
             fmt::format("the file is truncated ({} bytes; the section table ends at {})", size,
                         table_end));
    {
        std::vector<uint8_t> h(base, base + table_end);
        write_le<uint32_t>(h.data() + 32, 0);
        if (index_crc32c(h.data(), h.size()) != read_le<uint32_t>(base + 32))
            fail(file, "header", "checksum mismatch (the header or section table is corrupted)");
    }
    const uint64_t file_bytes = read_le<uint64_t>(base + 24);

    std::array<Found, kNumSections> found{};
    std::vector<uint32_t> crcs(count);
    std::vector<int> ids(count);
    uint64_t prev_end = table_end;
    for (uint32_t i = 0; i < count; ++i) {
        const uint8_t* e = base + kHeaderBytes + kEntryBytes * i;
        const std::string_view raw(reinterpret_cast<const char*>(e), 16);
        const std::string_view name = raw.substr(0, std::min(raw.find('\0'), raw.size()));
        int id = -1;
        for (int s = 0; s < kNumSections; ++s)
            if (kSectionNames[size_t(s)] == name) id = s;
        if (id < 0) fail(file, "header", fmt::format("unknown section name in entry {}", i));
        if (found[size_t(id)].present) fail(file, name, "listed twice in the section table");
        const uint64_t offset = read_le<uint64_t>(e + 16);
        const uint64_t bytes = read_le<uint64_t>(e + 24);
        if (offset % kAlign != 0 || offset < prev_end)
            fail(file, name, fmt::format("bad offset {}", offset));
        if (offset > size || bytes > size - offset)
            fail(file, name,
                 fmt::format("the file is truncated ({} bytes; the section spans [{}, {}))", size,
                             offset, offset + bytes));
        prev_end = offset + bytes;
        found[size_t(id)] = {base + offset, bytes, true};
        crcs[i] = read_le<uint32_t>(e + 32);
        ids[i] = id;
    }
    if (file_bytes != size || prev_end != size)
        fail(file, "header",
             fmt::format("the file has {} bytes, its header says {} (truncated or appended to)",
                         size, file_bytes));
    std::vector<uint32_t> actual(count);
#pragma omp parallel for schedule(dynamic, 1)
    for (uint32_t i = 0; i < count; ++i) {
        const Found& f = found[size_t(ids[i])];
        actual[i] = index_crc32c(f.data, f.bytes);
    }
    for (uint32_t i = 0; i < count; ++i)
        if (actual[i] != crcs[i])
            fail(file, kSectionNames[size_t(ids[i])], "checksum mismatch (the file is corrupted)");

    for (int s = 0; s < kNumSections; ++s)
        if (!found[size_t(s)].present && Section(s) != Section::Nonocc)
            fail(file, kSectionNames[size_t(s)], "missing from the file");
    uint64_t tokens = 0;
    parse_meta(m, found[size_t(Section::Meta)], file, tokens);
    const bool shifted = bm25_shifted(m.bm25.variant);
    if (shifted != found[size_t(Section::Nonocc)].present)
        fail(file, "nonocc",
             shifted ? "missing (required by the bm25l/bm25+ variants)"
                     : "present, but the variant is not shifted");

    // Sizes implied by the counts in meta.
    const uint64_t V = uint64_t(m.n_terms), N = uint64_t(m.n_docs);
    auto expect = [&](Section s, uint64_t bytes) {
        const Found& f = found[size_t(s)];
        if (f.present && f.bytes != bytes)
            fail(file, kSectionNames[size_t(s)],
                 fmt::format("{} bytes, the counts in meta imply {}", f.bytes, bytes));
    };
    if (m.nnz > size / 8 || m.n_blocks > m.nnz)
        fail(file, "meta",
             fmt::format("postings {} / blocks {} do not fit the file", m.nnz, m.n_blocks));
    expect(Section::Offsets, 8 * (V + 1));
    expect(Section::Docs, 4 * m.nnz);
    expect(Section::Impacts, 4 * m.nnz);
    expect(Section::TermMax, 4 * V);
    expect(Section::BlockOff, 8 * (V + 1));
    expect(Section::BlockMax, 4 * m.n_blocks);
    expect(Section::BlockLast, 4 * m.n_blocks);
    expect(Section::Nonocc, 4 * V);
    expect(Section::DocLen, 4 * N);
    expect(Section::VocabOff, 8 * (V + 1));
    expect(Section::VocabHash, 4 * m.hash_slots);
    expect(Section::DocidOff, 8 * (N + 1));

    auto ptr = [&](Section s) { return static_cast<const void*>(found[size_t(s)].data); };
    m.offsets = static_cast<const uint64_t*>(ptr(Section::Offsets));
    m.docs = static_cast<const uint32_t*>(ptr(Section::Docs));
    m.impacts = static_cast<const float*>(ptr(Section::Impacts));
    m.term_max = static_cast<const float*>(ptr(Section::TermMax));
    m.block_offsets = static_cast<const uint64_t*>(ptr(Section::BlockOff));
    m.block_max = static_cast<const float*>(ptr(Section::BlockMax));
    m.block_last = static_cast<const uint32_t*>(ptr(Section::BlockLast));
    m.nonocc = shifted ? static_cast<const float*>(ptr(Section::Nonocc)) : nullptr;
    m.doc_len = static_cast<const uint32_t*>(ptr(Section::DocLen));
    m.vocab_off = static_cast<const uint64_t*>(ptr(Section::VocabOff));
    m.vocab = static_cast<const char*>(ptr(Section::Vocab));
    m.vocab_hash = static_cast<const uint32_t*>(ptr(Section::VocabHash));
    m.docid_off = static_cast<const uint64_t*>(ptr(Section::DocidOff));
    m.docid = static_cast<const char*>(ptr(Section::Docid));

    // Structural invariants.
    check_offsets(m.offsets, V, m.nnz, file, Section::Offsets);
    check_offsets(m.vocab_off, V, found[size_t(Section::Vocab)].bytes, file, Section::VocabOff);
    check_offsets(m.docid_off, N, found[size_t(Section::Docid)].bytes, file, Section::DocidOff);
    const uint64_t* off = m.offsets;
    const uint32_t* docs = m.docs;
    int64_t bad = find_bad(int64_t(V), [&](int64_t t) {
        bool b = false;
        for (uint64_t i = off[t]; i < off[t + 1]; ++i)
            b |= docs[i] >= N || (i > off[t] && docs[i] <= docs[i - 1]);
        return b;
    });
    if (bad >= 0)
        fail(file, "docs",
             fmt::format("term {}'s doc ids are not ascending or not < {} docs", bad, N));
    const float* imp = m.impacts;
    bad = find_bad(int64_t(m.nnz), [&](int64_t i) { return !(imp[i] >= 0 && imp[i] < INFINITY); });
    if (bad >= 0) fail(file, "impacts", fmt::format("impact {} is negative or not finite", bad));
    const float* tmax = m.term_max;
    bad = find_bad(int64_t(V), [&](int64_t t) { return !(tmax[t] >= 0 && tmax[t] < INFINITY); });
    if (bad >= 0) fail(file, "term_max", fmt::format("entry {} is negative or not finite", bad));
    if (m.nonocc != nullptr) {
        const float* s0 = m.nonocc;
        bad = find_bad(int64_t(V), [&](int64_t t) { return !(s0[t] >= 0 && s0[t] < INFINITY); });
        if (bad >= 0) fail(file, "nonocc", fmt::format("entry {} is negative or not finite", bad));
    }
    const uint64_t* boff = m.block_offsets;
    if (boff[0] != 0) fail(file, "block_off", "the first offset is not 0");
    bad = find_bad(int64_t(V), [&](int64_t t) {
        return boff[t + 1] < boff[t] ||
               boff[t + 1] - boff[t] != bm25_num_blocks(off[t + 1] - off[t]);
    });
    if (bad >= 0) fail(file, "block_off", fmt::format("term {} has the wrong block count", bad));
    if (boff[V] != m.n_blocks) fail(file, "block_off", "the block count disagrees with meta");
    const uint32_t* blast = m.block_last;
    bad = find_bad(int64_t(V), [&](int64_t t) {
        bool b = false;
        for (uint64_t k = boff[t]; k < boff[t + 1]; ++k) {
            const uint64_t end = std::min(off[t + 1], off[t] + (k - boff[t] + 1) * kBm25BlockSize);
            b |= blast[k] != docs[end - 1];
        }
        return b;
    });
    if (bad >= 0)
        fail(file, "block_last", fmt::format("term {}'s block ends disagree with its docs", bad));
    const float* bmax = m.block_max;
    bad = find_bad(int64_t(m.n_blocks),
                   [&](int64_t k) { return !(bmax[k] >= 0 && bmax[k] < INFINITY); });
    if (bad >= 0) fail(file, "block_max", fmt::format("entry {} is negative or not finite", bad));
    uint64_t sum = 0;
    for (uint64_t d = 0; d < N; ++d) sum += m.doc_len[d];
    if (sum != tokens) fail(file, "doc_len", "the doc lengths do not add up to meta's token count");
    const uint32_t* table = m.vocab_hash;
    bad = find_bad(int64_t(m.hash_slots), [&](int64_t i) { return table[i] > V; });
    if (bad >= 0) fail(file, "vocab_hash", fmt::format("slot {} holds an invalid term id", bad));
    m.build_pruning_aids();
}

}  // namespace mempipe::rag::detail
