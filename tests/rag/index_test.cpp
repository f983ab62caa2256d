// InvertedIndex: the build against a naive inversion, determinism across thread counts and batch
// sizes, the file format's round trip, and every way a file can be bad (missing, truncated, bit
// flips in the header and in each section, wrong magic/version, structurally invalid with valid
// checksums).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "mempipe/core/error.h"
#include "mempipe/core/simd.h"
#include "mempipe/rag/index.h"

namespace mempipe::rag {
namespace {

namespace fs = std::filesystem;
using Docs = std::vector<std::vector<std::string>>;

// n docs of Zipf-ish words "w<r>" (r skewed towards 0), lengths 0..max_len (some docs empty), so
// frequent terms' lists span many 128-posting blocks.
Docs random_docs(size_t n, int vocab, int max_len, uint64_t seed) {
    std::mt19937_64 rng(seed);
    Docs docs(n);
    for (auto& d : docs) {
        const int len = int(rng() % uint64_t(max_len + 1));
        for (int i = 0; i < len; ++i) {
            const double u = double(rng() % 1000000) / 1e6;
            const int r = int(std::pow(u, 2.0) * vocab);
            // Every third word is padded to 2..25 bytes: terms on both sides of the build's
            // 16-byte inline-key limit; and a few empty-string tokens.
            std::string w;
            if (r != 6) w = fmt::format("w{}", r);
            if (r % 3 == 1) w += std::string(size_t(r % 20), char('a' + r % 26));
            d.push_back(w);
        }
    }
    return docs;
}

fs::path temp_dir(const std::string& name) {
    const fs::path p = fs::temp_directory_path() /
                       ("mempipe_index_test_" + name + "_" + std::to_string(::getpid()));
    fs::remove_all(p);
    return p;
}

std::vector<char> read_bytes(const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), {}};
}

void write_bytes(const fs::path& p, const std::vector<char>& b) {
    std::ofstream f(p, std::ios::binary | std::ios::trunc);
    f.write(b.data(), std::streamsize(b.size()));
}

// The error message of loading `path`; empty when it loads.
std::string load_error(const fs::path& path) {
    try {
        InvertedIndex::load(path.string());
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Runtime) << e.what();
        return e.what();
    }
    return "";
}

// Checks the index against a naive inversion of docs.
void expect_matches_naive(const InvertedIndex& index, const Docs& docs, const Bm25Params& p) {
    std::map<std::string, uint32_t> first;  // term → first-occurrence id
    std::vector<std::string> terms;
    uint64_t tokens = 0;
    for (const auto& d : docs) {
        tokens += d.size();
        for (const auto& w : d)
            if (first.emplace(w, uint32_t(terms.size())).second) terms.push_back(w);
    }
    const double avgdl = docs.empty() ? 0.0 : double(tokens) / double(docs.size());
    ASSERT_EQ(index.num_docs(), int64_t(docs.size()));
    ASSERT_EQ(index.num_terms(), int64_t(terms.size()));
    EXPECT_DOUBLE_EQ(index.avgdl(), avgdl);
    const PostingsView v = index.postings();
    std::vector<std::vector<std::pair<uint32_t, uint32_t>>> lists(terms.size());  // (doc, tf)
    for (uint32_t d = 0; d < docs.size(); ++d) {
        std::map<uint32_t, uint32_t> tf;
        for (const auto& w : docs[d]) ++tf[first[w]];
        for (auto [t, c] : tf) lists[t].push_back({d, c});
        EXPECT_EQ(index.doc_length(d), docs[d].size());
    }
    uint64_t nnz = 0;
    for (uint32_t t = 0; t < terms.size(); ++t) {
        ASSERT_EQ(index.term(t), terms[t]);
        ASSERT_EQ(index.term_id(terms[t]), t);
        const auto& l = lists[t];
        ASSERT_EQ(v.offsets[t], nnz);
        ASSERT_EQ(index.doc_freq(t), l.size());
        float tmax = 0;
        for (size_t i = 0; i < l.size(); ++i) {
            ASSERT_EQ(v.docs[nnz + i], l[i].first) << "term " << t;
            const float want = bm25_impact(p, int64_t(l.size()), int64_t(docs.size()), l[i].second,
                                           double(docs[l[i].first].size()), avgdl);
            // The build computes exactly the formula function's double arithmetic: bit-identical.
            ASSERT_EQ(v.impacts[nnz + i], want) << "term " << t << " posting " << i;
            tmax = std::max(tmax, want);
        }
        EXPECT_EQ(v.term_max[t], tmax);
        const uint64_t nb = bm25_num_blocks(l.size());
        ASSERT_EQ(v.block_offsets[t + 1] - v.block_offsets[t], nb);
        for (uint64_t b = 0; b < nb; ++b) {
            const size_t lo = size_t(b) * kBm25BlockSize;
            const size_t hi = std::min(l.size(), lo + size_t(kBm25BlockSize));
            float bmax = 0;
            for (size_t i = lo; i < hi; ++i) bmax = std::max(bmax, v.impacts[nnz + i]);
            EXPECT_EQ(v.block_max[v.block_offsets[t] + b], bmax);
            EXPECT_EQ(v.block_last[v.block_offsets[t] + b], l[hi - 1].first);
        }
        if (v.nonocc != nullptr) {
            EXPECT_EQ(v.nonocc[t],
                      float(bm25_nonoccurrence(p, int64_t(l.size()), int64_t(docs.size()), avgdl)));
        }
        nnz += l.size();
    }
    EXPECT_EQ(v.nonocc != nullptr, bm25_shifted(p.variant));
    EXPECT_EQ(uint64_t(index.num_postings()), nnz);
    EXPECT_FALSE(index.term_id("not-a-term"));
    EXPECT_EQ(index.term_id("").has_value(), first.count("") > 0);
}

void expect_same(const InvertedIndex& a, const InvertedIndex& b) {
    ASSERT_EQ(a.num_docs(), b.num_docs());
    ASSERT_EQ(a.num_terms(), b.num_terms());
    ASSERT_EQ(a.num_postings(), b.num_postings());
    EXPECT_EQ(a.avgdl(), b.avgdl());
    EXPECT_EQ(a.bm25().variant, b.bm25().variant);
    EXPECT_EQ(a.bm25().k1, b.bm25().k1);
    EXPECT_EQ(a.bm25().b, b.bm25().b);
    EXPECT_EQ(a.bm25().delta, b.bm25().delta);
    EXPECT_EQ(a.tokenizer_options().stopwords, b.tokenizer_options().stopwords);
    EXPECT_EQ(a.tokenizer_options().stem, b.tokenizer_options().stem);
    EXPECT_EQ(a.memory_bytes(), b.memory_bytes());
    const PostingsView x = a.postings(), y = b.postings();
    const auto V = size_t(a.num_terms()), nnz = size_t(a.num_postings());
    auto same = [](const void* p, const void* q, size_t bytes) {
        return bytes == 0 || std::memcmp(p, q, bytes) == 0;
    };
    EXPECT_TRUE(same(x.offsets, y.offsets, 8 * (V + 1)));
    EXPECT_TRUE(same(x.docs, y.docs, 4 * nnz));
    EXPECT_TRUE(same(x.impacts, y.impacts, 4 * nnz));
    EXPECT_TRUE(same(x.term_max, y.term_max, 4 * V));
    EXPECT_TRUE(same(x.block_offsets, y.block_offsets, 8 * (V + 1)));
    const size_t nb = size_t(x.block_offsets[V]);
    EXPECT_TRUE(same(x.block_max, y.block_max, 4 * nb));
    EXPECT_TRUE(same(x.block_last, y.block_last, 4 * nb));
    ASSERT_EQ(x.nonocc == nullptr, y.nonocc == nullptr);
    if (x.nonocc != nullptr) {
        EXPECT_TRUE(same(x.nonocc, y.nonocc, 4 * V));
    }
    for (uint32_t t = 0; t < V; ++t) {
        ASSERT_EQ(a.term(t), b.term(t));
        ASSERT_EQ(b.term_id(a.term(t)), t);
    }
    for (uint32_t d = 0; d < a.num_docs(); ++d) {
        ASSERT_EQ(a.doc_id(d), b.doc_id(d));
        ASSERT_EQ(a.doc_length(d), b.doc_length(d));
    }
}

TEST(Index, BuildMatchesNaiveInversion) {
    // 8000-word vocabulary: each thread's vocabulary table grows several times.
    const Docs docs = random_docs(1500, 8000, 60, 1);
    for (Bm25Variant v : {Bm25Variant::Lucene, Bm25Variant::Robertson, Bm25Variant::Atire,
                          Bm25Variant::Bm25L, Bm25Variant::Bm25Plus}) {
        IndexOptions o;
        o.bm25.variant = v;
        o.bm25.k1 = 1.2;
        o.bm25.b = 0.6;
        o.threads = 2;
        o.batch_docs = 333;
        const InvertedIndex index = InvertedIndex::build_from_tokens(docs, {}, o);
        SCOPED_TRACE(std::string(bm25_variant_name(v)));
        expect_matches_naive(index, docs, o.bm25);
        EXPECT_TRUE(index.term_id(""));   // the empty-string token is a term like any other
        EXPECT_EQ(index.doc_id(7), "7");  // no ids given: the decimal index
    }
}

TEST(Index, RoundTripAndDeterministicBytes) {
    const Docs docs = random_docs(1200, 3000, 50, 2);
    std::vector<std::string> ids;
    for (size_t i = 0; i < docs.size(); ++i) ids.push_back("doc-" + std::to_string(i * 7));
    for (Bm25Variant v : {Bm25Variant::Lucene, Bm25Variant::Bm25L}) {
        IndexOptions o1;
        o1.bm25.variant = v;
        o1.tokenizer.stem = true;
        o1.threads = 1;
        o1.batch_docs = 2000;
        IndexOptions o2 = o1;
        o2.threads = 2;
        o2.batch_docs = 97;
        const InvertedIndex a = InvertedIndex::build_from_tokens(docs, ids, o1);
        const InvertedIndex b = InvertedIndex::build_from_tokens(docs, ids, o2);
        const fs::path da = temp_dir("rt_a"), db = temp_dir("rt_b");
        a.save(da.string());
        b.save(db.string());
        const auto bytes_a = read_bytes(da / kIndexFileName);
        EXPECT_GT(bytes_a.size(), 30000u);
        EXPECT_EQ(bytes_a, read_bytes(db / kIndexFileName)) << "1 vs 2 threads differ";
        const InvertedIndex loaded = InvertedIndex::load(da.string());  // the directory
        expect_same(a, loaded);
        expect_same(a, InvertedIndex::load((da / kIndexFileName).string()));  // the file
        expect_matches_naive(loaded, docs, o1.bm25);
        EXPECT_EQ(loaded.doc_id(5), "doc-35");
        // Saving over an existing index replaces it and leaves no temporary file behind.
        loaded.save(db.string());
        EXPECT_EQ(read_bytes(db / kIndexFileName), bytes_a);
        size_t files = 0;
        for (const auto& e : fs::directory_iterator(db)) files += e.is_regular_file();
        EXPECT_EQ(files, 1u);
        fs::remove_all(da);
        fs::remove_all(db);
    }
}

TEST(Index, EmptyCorpusAndEmptyDocs) {
    for (size_t n : {size_t(0), size_t(5)}) {
        for (Bm25Variant v : {Bm25Variant::Lucene, Bm25Variant::Bm25Plus}) {
            IndexOptions o;
            o.bm25.variant = v;
            const Docs docs(n);  // n empty docs
            const InvertedIndex index = InvertedIndex::build_from_tokens(docs, {}, o);
            EXPECT_EQ(index.num_docs(), int64_t(n));
            EXPECT_EQ(index.num_terms(), 0);
            EXPECT_EQ(index.num_postings(), 0);
            EXPECT_EQ(index.avgdl(), 0.0);
            EXPECT_FALSE(index.term_id("anything"));
            const fs::path dir = temp_dir("empty");
            index.save(dir.string());
            const InvertedIndex loaded = InvertedIndex::load(dir.string());
            expect_same(index, loaded);
            if (n > 0) {
                EXPECT_EQ(loaded.doc_length(4), 0u);
            }
            fs::remove_all(dir);
        }
    }
    // A default-constructed index is a valid empty one.
    const InvertedIndex none;
    EXPECT_EQ(none.num_docs(), 0);
    EXPECT_FALSE(none.term_id("x"));
}

TEST(Index, BlockMaximaUsageErrors) {
    const uint64_t offsets[] = {0, 3, 2};
    const uint32_t docs[] = {0, 1, 2};
    const float impacts[] = {1, 2, 3};
    float term_max[2], block_max[4];
    uint64_t block_offsets[3];
    uint32_t block_last[4];
    EXPECT_THROW(bm25_count_blocks(offsets, 2), Error);  // offsets decrease
    EXPECT_THROW(bm25_compute_block_maxima(offsets, docs, impacts, 2, term_max, block_offsets,
                                           block_max, block_last),
                 Error);
    EXPECT_THROW(bm25_count_blocks(offsets, -1), Error);
    EXPECT_EQ(bm25_count_blocks(offsets, 0), 0u);
    const uint64_t good[] = {0, 0, 3};  // an empty list, then one of 3 postings
    bm25_compute_block_maxima(good, docs, impacts, 2, term_max, block_offsets, block_max,
                              block_last);
    EXPECT_EQ(term_max[0], 0.0f);
    EXPECT_EQ(term_max[1], 3.0f);
    EXPECT_EQ(block_offsets[2], 1u);
    EXPECT_EQ(block_last[0], 2u);
}

TEST(Index, BadOptions) {
    const Docs docs = random_docs(10, 10, 5, 3);
    IndexOptions o;
    o.batch_docs = 0;
    EXPECT_THROW(InvertedIndex::build_from_tokens(docs, {}, o), Error);
    o = {};
    o.threads = -1;
    EXPECT_THROW(InvertedIndex::build_from_tokens(docs, {}, o), Error);
    EXPECT_THROW(InvertedIndex::build_from_tokens(docs, {"only-one"}, {}), Error);
}

struct SectionEntry {
    std::string name;
    uint64_t offset, bytes;
};

std::vector<SectionEntry> section_table(const std::vector<char>& f) {
    uint32_t count;
    std::memcpy(&count, f.data() + 20, 4);
    std::vector<SectionEntry> out;
    for (uint32_t i = 0; i < count; ++i) {
        const char* e = f.data() + 64 + 40 * i;
        SectionEntry s;
        s.name = std::string(e, strnlen(e, 16));
        std::memcpy(&s.offset, e + 16, 8);
        std::memcpy(&s.bytes, e + 24, 8);
        out.push_back(s);
    }
    return out;
}

// Rewrites a section's checksum and the header checksum after an edit (a "valid" bad file).
void fix_checksums(std::vector<char>& f) {
    const auto table = section_table(f);
    for (size_t i = 0; i < table.size(); ++i) {
        const uint32_t crc = index_crc32c(f.data() + table[i].offset, table[i].bytes);
        std::memcpy(f.data() + 64 + 40 * i + 32, &crc, 4);
    }
    std::memset(f.data() + 32, 0, 4);
    const uint32_t h = index_crc32c(f.data(), 64 + 40 * table.size());
    std::memcpy(f.data() + 32, &h, 4);
}

class BadFile : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = temp_dir("bad");
        IndexOptions o;
        o.bm25.variant = Bm25Variant::Bm25L;  // every section present, nonocc included
        InvertedIndex::build_from_tokens(random_docs(400, 500, 40, 4), {}, o).save(dir_.string());
        file_ = dir_ / kIndexFileName;
        good_ = read_bytes(file_);
        bad_ = dir_ / "bad.index";
    }
    void TearDown() override { fs::remove_all(dir_); }
    std::string error_of(const std::vector<char>& bytes) {
        write_bytes(bad_, bytes);
        return load_error(bad_);
    }
    fs::path dir_, file_, bad_;
    std::vector<char> good_;
};

TEST_F(BadFile, MissingFile) {
    const std::string e = load_error(dir_ / "nope");
    EXPECT_NE(e.find("does not exist"), std::string::npos) << e;
    EXPECT_NE(e.find("nope"), std::string::npos) << e;
    EXPECT_NE(load_error(dir_ / "no_dir" / "bm25.index"), "");
}

TEST_F(BadFile, Truncated) {
    EXPECT_EQ(error_of(good_), "");
    const auto table = section_table(good_);
    std::vector<std::pair<size_t, std::string>> cuts = {
        {0, "header"}, {10, "header"}, {63, "header"}, {100, "header"}};
    for (const auto& s : table)
        if (s.bytes > 0) cuts.push_back({size_t(s.offset + s.bytes / 2 + 0), s.name});
    cuts.push_back({good_.size() - 1, table.back().name});
    for (const auto& [len, section] : cuts) {
        const std::string e =
            error_of(std::vector<char>(good_.begin(), good_.begin() + std::ptrdiff_t(len)));
        EXPECT_NE(e.find("truncated"), std::string::npos) << len << ": " << e;
        EXPECT_NE(e.find("'" + section + "'"), std::string::npos) << len << ": " << e;
        EXPECT_NE(e.find("re-build"), std::string::npos) << e;
    }
    auto longer = good_;
    longer.push_back(0);
    EXPECT_NE(error_of(longer).find("header"), std::string::npos);
}

TEST_F(BadFile, BitFlipInEverySection) {
    const auto table = section_table(good_);
    EXPECT_EQ(table.size(), 15u);
    for (const auto& s : table) {
        if (s.bytes == 0) continue;
        for (uint64_t at : {s.offset, s.offset + s.bytes / 2, s.offset + s.bytes - 1}) {
            auto f = good_;
            f[at] ^= 0x10;
            const std::string e = error_of(f);
            EXPECT_NE(e.find("section '" + s.name + "'"), std::string::npos) << e;
            EXPECT_NE(e.find("checksum"), std::string::npos) << e;
        }
    }
    for (size_t at :
         {size_t(24), size_t(40), size_t(64), size_t(64 + 17), size_t(64 + 40 * 3 + 30)}) {
        auto f = good_;
        f[at] ^= 0x01;
        const std::string e = error_of(f);
        EXPECT_NE(e.find("'header'"), std::string::npos) << at << ": " << e;
    }
}

TEST_F(BadFile, WrongMagicAndVersion) {
    auto f = good_;
    f[3] = 'X';
    EXPECT_NE(error_of(f).find("magic"), std::string::npos);
    f = good_;
    const uint32_t v = kIndexFormatVersion + 1;
    std::memcpy(f.data() + 16, &v, 4);
    const std::string e = error_of(f);
    EXPECT_NE(e.find("version 2"), std::string::npos) << e;
    EXPECT_NE(error_of(std::vector<char>(200, 'x')).find("magic"), std::string::npos);
}

TEST_F(BadFile, InvalidStructureWithValidChecksums) {
    const auto table = section_table(good_);
    auto section = [&](const std::string& name) {
        for (const auto& s : table)
            if (s.name == name) return s;
        ADD_FAILURE() << name;
        return SectionEntry{};
    };
    auto edit = [&](const std::string& name, uint64_t index, auto value) {
        auto f = good_;
        std::memcpy(f.data() + section(name).offset + index * sizeof(value), &value, sizeof(value));
        fix_checksums(f);
        return error_of(f);
    };
    EXPECT_NE(edit("docs", 3, uint32_t(400)).find("'docs'"), std::string::npos);
    EXPECT_NE(edit("docs", 1, uint32_t(0)).find("'docs'"), std::string::npos);  // not ascending
    EXPECT_NE(edit("offsets", 2, uint64_t(1) << 40).find("'offsets'"), std::string::npos);
    EXPECT_NE(edit("impacts", 5, -1.0f).find("'impacts'"), std::string::npos);
    EXPECT_NE(edit("impacts", 6, NAN).find("'impacts'"), std::string::npos);
    EXPECT_NE(edit("vocab_hash", 0, uint32_t(1) << 30).find("'vocab_hash'"), std::string::npos);
    EXPECT_NE(edit("block_last", 0, uint32_t(399)).find("'block_last'"), std::string::npos);
    EXPECT_NE(edit("vocab_off", 1, uint64_t(1) << 50).find("'vocab_off'"), std::string::npos);
    EXPECT_NE(edit("docid_off", 1, uint64_t(1) << 50).find("'docid_off'"), std::string::npos);
    EXPECT_NE(edit("doc_len", 0, uint32_t(12345)).find("'doc_len'"), std::string::npos);
    EXPECT_NE(edit("meta", 0, 'x').find("'meta'"), std::string::npos);
    EXPECT_EQ(edit("term_max", 0, 0.5f), "");  // a plausible value: not detectable, must load
}

TEST(IndexCrc, KnownValuesAndLevels) {
    EXPECT_EQ(index_crc32c("123456789", 9), 0xE3069283u);  // the CRC-32C check value
    EXPECT_EQ(index_crc32c("", 0), 0u);
    std::vector<uint8_t> data(1000);
    std::mt19937 rng(5);
    for (auto& b : data) b = uint8_t(rng());
    for (size_t n : {size_t(1), size_t(7), size_t(8), size_t(9), size_t(63), size_t(1000)}) {
        const uint32_t fast = index_crc32c(data.data(), n);
        uint32_t scalar;
        {
            ScopedSimdLevel cap(SimdLevel::Scalar);
            scalar = index_crc32c(data.data(), n);
        }
        EXPECT_EQ(fast, scalar) << n;
        // Chaining: crc(a ++ b) = crc(b, crc(a)).
        EXPECT_EQ(index_crc32c(data.data() + n / 3, n - n / 3, index_crc32c(data.data(), n / 3)),
                  fast);
    }
}

}  // namespace
}  // namespace mempipe::rag
