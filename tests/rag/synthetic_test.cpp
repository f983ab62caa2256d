// Synthetic corpus: determinism, format, vocabulary properties, Zipf shape, queries, spec parsing.
#include "mempipe/rag/synthetic.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <sstream>

#include "mempipe/core/error.h"

namespace mempipe::rag {
namespace {

std::vector<std::string> words_of(const std::string& text) {
    std::vector<std::string> out;
    std::string w;
    for (char c : text) {
        if (std::isalpha(static_cast<unsigned char>(c))) {
            w.push_back(char(std::tolower(static_cast<unsigned char>(c))));
        } else if (!w.empty()) {
            out.push_back(w);
            w.clear();
        }
    }
    if (!w.empty()) out.push_back(w);
    return out;
}

std::vector<Document> read_all(CorpusReader& r) {
    std::vector<Document> docs;
    Document d;
    while (r.next(d)) docs.push_back(d);
    return docs;
}

TEST(Synthetic, DeterministicAndIdsAndFormat) {
    auto a = make_synthetic_corpus(200, 7);
    auto b = make_synthetic_corpus(200, 7);
    auto c = make_synthetic_corpus(200, 8);
    EXPECT_EQ(a->format(), CorpusFormat::Synthetic);
    EXPECT_EQ(a->skipped(), 0);
    EXPECT_GT(a->bytes_total(), 0u);
    const auto da = read_all(*a), db = read_all(*b), dc = read_all(*c);
    ASSERT_EQ(da.size(), 200u);
    int differ = 0;
    for (size_t i = 0; i < da.size(); ++i) {
        EXPECT_EQ(da[i].id, "s" + std::to_string(i));
        EXPECT_TRUE(da[i].title.empty());
        EXPECT_EQ(da[i].text, db[i].text);
        differ += da[i].text != dc[i].text;
        // Sentence shape: starts with a capital, ends with '.', single spaces, ASCII only.
        const std::string& t = da[i].text;
        ASSERT_FALSE(t.empty());
        EXPECT_TRUE(std::isupper(static_cast<unsigned char>(t[0])));
        EXPECT_EQ(t.back(), '.');
        EXPECT_EQ(t.find("  "), std::string::npos);
        for (char ch : t)
            EXPECT_TRUE(std::isalpha(static_cast<unsigned char>(ch)) || ch == ' ' || ch == '.');
    }
    EXPECT_GT(differ, 190);
}

TEST(Synthetic, BatchEqualsSequentialAndStopsAtEnd) {
    auto a = make_synthetic_corpus(1000, 3);
    auto b = make_synthetic_corpus(1000, 3);
    const auto seq = read_all(*a);
    std::vector<Document> all, batch;
    size_t got;
    while ((got = b->next_batch(batch, 333)) > 0) all.insert(all.end(), batch.begin(), batch.end());
    ASSERT_EQ(all.size(), seq.size());
    for (size_t i = 0; i < seq.size(); ++i) {
        EXPECT_EQ(all[i].id, seq[i].id);
        EXPECT_EQ(all[i].text, seq[i].text);
    }
    Document d;
    EXPECT_FALSE(b->next(d));
    auto empty = make_synthetic_corpus(0, 3);
    EXPECT_FALSE(empty->next(d));
    EXPECT_EQ(empty->next_batch(batch, 10), 0u);
}

TEST(Synthetic, LengthsAndZipfShape) {
    auto r = make_synthetic_corpus(3000, 11);
    std::map<std::string, int64_t> freq;
    double sum = 0, sum2 = 0;
    int64_t n = 0;
    Document d;
    while (r->next(d)) {
        const auto w = words_of(d.text);
        sum += double(w.size());
        sum2 += double(w.size()) * double(w.size());
        ++n;
        for (const auto& x : w) ++freq[x];
    }
    const double mean = sum / double(n);
    const double sd = std::sqrt(sum2 / double(n) - mean * mean);
    // Log-normal with mean 100, sd 30: 3000 samples give the mean within ±3 (5σ ≈ 2.7).
    EXPECT_NEAR(mean, 100.0, 3.0);
    EXPECT_NEAR(sd, 30.0, 4.0);
    // The most frequent word is rank 0; frequency ratio rank 0 / rank 9 ≈ 10^1.07 ≈ 11.7.
    const std::string w0 = synthetic_word(0, 11), w9 = synthetic_word(9, 11);
    ASSERT_GT(freq[w0], 0);
    ASSERT_GT(freq[w9], 0);
    const double ratio = double(freq[w0]) / double(freq[w9]);
    EXPECT_GT(ratio, 9.0);
    EXPECT_LT(ratio, 15.0);
    int64_t top = 0;
    for (const auto& [w, f] : freq) top = std::max(top, f);
    EXPECT_EQ(top, freq[w0]);
    // p(rank 0) = 1/H(V, 1.07) ≈ 0.107 for V = 2^20.
    EXPECT_NEAR(double(freq[w0]) / sum, 0.107, 0.01);
}

TEST(Synthetic, VocabularyWordsDistinctAndNotStopwords) {
    SyntheticOptions o;
    o.vocab_size = 20000;
    std::set<std::string> seen;
    const std::set<std::string> stop = {"and",   "are",  "but",  "for",   "into", "not",
                                        "such",  "that", "the",  "their", "then", "there",
                                        "these", "they", "this", "was",   "will", "with"};
    for (int64_t r = 0; r < o.vocab_size; ++r) {
        const std::string w = synthetic_word(r, 5, o);
        ASSERT_GE(w.size(), 3u);
        ASSERT_LE(w.size(), 10u);
        for (char c : w) ASSERT_TRUE(c >= 'a' && c <= 'z') << w;
        ASSERT_FALSE(stop.count(w)) << w;
        ASSERT_TRUE(seen.insert(w).second) << "duplicate word " << w << " at rank " << r;
    }
    // Frequent words are shorter.
    double head = 0, tail = 0;
    for (int r = 0; r < 100; ++r) head += double(synthetic_word(r, 5, o).size());
    for (int r = 19900; r < 20000; ++r) tail += double(synthetic_word(r, 5, o).size());
    EXPECT_LT(head, tail);
}

TEST(Synthetic, QueriesDistinctMidFrequencyWords) {
    const auto q = synthetic_queries(50, 5, 11);
    const auto q2 = synthetic_queries(50, 5, 11);
    const auto q3 = synthetic_queries(50, 5, 11, {}, 1);
    ASSERT_EQ(q.size(), 50u);
    EXPECT_EQ(q, q2);
    EXPECT_NE(q, q3);
    std::set<std::string> head;
    for (int r = 0; r < 64; ++r) head.insert(synthetic_word(r, 11));
    for (const auto& s : q) {
        const auto w = words_of(s);
        ASSERT_EQ(w.size(), 5u) << s;
        EXPECT_EQ(std::set<std::string>(w.begin(), w.end()).size(), 5u) << s;
        for (const auto& x : w) EXPECT_FALSE(head.count(x)) << x;
    }
    EXPECT_TRUE(synthetic_queries(0, 3, 1).empty());
    EXPECT_THROW(synthetic_queries(1, 0, 1), Error);
    SyntheticOptions tiny;
    tiny.vocab_size = 4;
    EXPECT_EQ(words_of(synthetic_queries(1, 4, 1, tiny)[0]).size(), 4u);
    EXPECT_THROW(synthetic_queries(1, 5, 1, tiny), Error);
}

TEST(Synthetic, SpecParsingAndBadOptions) {
    EXPECT_TRUE(is_synthetic_spec("synthetic:10"));
    EXPECT_FALSE(is_synthetic_spec("corpus.jsonl"));
    std::vector<Document> batch;
    auto r = open_synthetic_corpus("synthetic:2k:9");
    size_t total = 0, got;
    while ((got = r->next_batch(batch, 1000)) > 0) total += got;
    EXPECT_EQ(total, 2048u);
    auto r42 = open_synthetic_corpus("synthetic:3");
    auto m42 = make_synthetic_corpus(3, 42);
    Document a, b;
    ASSERT_TRUE(r42->next(a));
    ASSERT_TRUE(m42->next(b));
    EXPECT_EQ(a.text, b.text);
    for (const char* bad : {"synthetic:", "synthetic:x", "synthetic:10q", "synthetic:-1",
                            "synthetic:10:", "synthetic:10:z", "lines:10"}) {
        try {
            open_synthetic_corpus(bad);
            ADD_FAILURE() << bad << " was accepted";
        } catch (const Error& e) {
            EXPECT_EQ(e.kind(), ErrorKind::Usage) << bad;
        }
    }
    EXPECT_THROW(make_synthetic_corpus(-1, 1), Error);
    SyntheticOptions o;
    o.zipf_s = 0;
    EXPECT_THROW(make_synthetic_corpus(1, 1, o), Error);
    o = {};
    o.vocab_size = 0;
    EXPECT_THROW(make_synthetic_corpus(1, 1, o), Error);
}

}  // namespace
}  // namespace mempipe::rag
