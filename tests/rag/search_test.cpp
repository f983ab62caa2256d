// rag::search on real indexes: query → term ids (bm25s semantics), the three algorithms agree bit
// for bit (scores and docs) on the spec's golden corpus, Cranfield and a synthetic Zipf corpus, and
// the batch API equals one-at-a-time search.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "mempipe/core/error.h"
#include "mempipe/core/parallel.h"
#include "mempipe/rag/corpus.h"
#include "mempipe/rag/index.h"
#include "mempipe/rag/search.h"
#include "mempipe/rag/synthetic.h"

namespace mempipe::rag {
namespace {

const std::string kCranfield = std::string(MEMPIPE_TEST_DATA) + "/cranfield/";
constexpr SearchAlgorithm kAlgorithms[] = {SearchAlgorithm::Pruned, SearchAlgorithm::Exhaustive,
                                           SearchAlgorithm::Reference};

InvertedIndex index_of(const std::vector<std::string>& texts, const IndexOptions& options) {
    Tokenizer tokenizer(options.tokenizer);
    std::vector<std::vector<std::string>> docs;
    std::vector<std::string> ids;
    for (size_t i = 0; i < texts.size(); ++i) {
        docs.push_back(tokenizer.tokenize(texts[i]));
        ids.push_back(fmt::format("d{}", i));  // not "d" + to_string: GCC 12 -Wrestrict
    }
    return InvertedIndex::build_from_tokens(docs, ids, options);
}

// The spec's 4-doc corpus (rag.md §1.2).
const std::vector<std::string> kPets = {
    "a cat is a feline and likes to purr",
    "a dog is the human's best friend and loves to play",
    "a bird is a beautiful animal that can fly",
    "a fish is a creature that lives in water and swims",
};

// Same hits, scores compared bit for bit.
void expect_same(const std::vector<Hit>& a, const std::vector<Hit>& b, const std::string& what) {
    ASSERT_EQ(a.size(), b.size()) << what;
    for (size_t i = 0; i < a.size(); ++i) {
        ASSERT_EQ(a[i].doc, b[i].doc) << what << " rank " << i;
        ASSERT_EQ(std::memcmp(&a[i].score, &b[i].score, sizeof(float)), 0)
            << what << " rank " << i << ": " << a[i].score << " vs " << b[i].score;
    }
}

TEST(Search, QueryTermsDropUnknownKeepDuplicates) {
    InvertedIndex index = index_of(kPets, {});
    Tokenizer tokenizer(index.tokenizer_options());
    const auto terms = query_terms(index, tokenizer, "The CAT and the cat zzzz purr, cat!");
    ASSERT_EQ(terms.size(), 4u);  // the/and: stop words; zzzz: unknown
    EXPECT_EQ(index.term(terms[0]), "cat");
    EXPECT_EQ(terms[1], terms[0]);
    EXPECT_EQ(index.term(terms[2]), "purr");
    EXPECT_EQ(terms[3], terms[0]);
    EXPECT_TRUE(query_terms(index, tokenizer, "").empty());
    EXPECT_TRUE(query_terms(index, tokenizer, "the and of a").empty());
}

TEST(Search, GoldenBm25s) {
    // bm25s lucene (k1=1.5, b=0.75, stopwords en): [1.058438, 0, 0, 0.481589]; only docs 0 and 3
    // match, so k = 10 gives two hits.
    InvertedIndex index = index_of(kPets, {});
    for (SearchAlgorithm a : kAlgorithms) {
        const auto hits = search(index, "does the fish purr like a cat?", 10, a);
        ASSERT_EQ(hits.size(), 2u);
        EXPECT_EQ(hits[0].doc, 0u);
        EXPECT_NEAR(hits[0].score, 1.058438f, 2e-6);  // bm25s prints 7 digits, float32
        EXPECT_EQ(hits[1].doc, 3u);
        EXPECT_NEAR(hits[1].score, 0.481589f, 2e-6);
        EXPECT_EQ(index.doc_id(hits[1].doc), "d3");
    }
    // Duplicates count again: "cat cat" scores twice "cat" (bm25s get_scores(['cat','cat'])).
    const auto once = search(index, "cat", 1);
    const auto twice = search(index, "cat cat", 1);
    ASSERT_EQ(once.size(), 1u);
    ASSERT_EQ(twice.size(), 1u);
    EXPECT_EQ(twice[0].score, once[0].score + once[0].score);
    // bm25l adds the non-occurrence shift to every score (bm25s: doc 0 = 3.929634).
    IndexOptions l;
    l.bm25.variant = Bm25Variant::Bm25L;
    InvertedIndex shifted = index_of(kPets, l);
    for (SearchAlgorithm a : kAlgorithms) {
        const auto hits = search(shifted, "does the fish purr like a cat?", 10, a);
        ASSERT_EQ(hits.size(), 2u);
        EXPECT_NEAR(hits[0].score, 3.929634f, 4e-6);
        EXPECT_NEAR(hits[1].score, 3.009932f, 4e-6);
    }
}

TEST(Search, EmptyAndStopwordQueriesMatchNothing) {
    InvertedIndex index = index_of(kPets, {});
    for (SearchAlgorithm a : kAlgorithms) {
        EXPECT_TRUE(search(index, "", 5, a).empty());
        EXPECT_TRUE(search(index, "the and of a is", 5, a).empty());
        EXPECT_TRUE(search(index, "unknownword", 5, a).empty());
        EXPECT_TRUE(search(index, "cat", 0, a).empty());
        EXPECT_EQ(search(index, "cat dog bird", 1000, a).size(), 3u);  // k > n: the matches only
    }
    EXPECT_THROW(search(index, "cat", -1), Error);
}

TEST(Search, ParseAlgorithm) {
    EXPECT_EQ(parse_search_algorithm("pruned"), SearchAlgorithm::Pruned);
    EXPECT_EQ(parse_search_algorithm("exhaustive"), SearchAlgorithm::Exhaustive);
    EXPECT_EQ(parse_search_algorithm("reference"), SearchAlgorithm::Reference);
    EXPECT_THROW(parse_search_algorithm("wand"), Error);
}

// Every Cranfield query: pruned == exhaustive == reference at k = 10 and 1000, batch == single.
TEST(Search, CranfieldPrunedEqualsExhaustive) {
    for (Bm25Variant variant : {Bm25Variant::Lucene, Bm25Variant::Bm25L}) {
        ReaderOptions ro;
        ro.format = CorpusFormat::Cranfield;
        auto reader = open_corpus(kCranfield + "cran.all.1400", ro);
        IndexOptions o;
        o.bm25.variant = variant;
        InvertedIndex index = InvertedIndex::build(*reader, o);
        const auto queries = read_queries(kCranfield + "cran.qry");
        ASSERT_EQ(queries.size(), 225u);
        std::vector<std::string> texts;
        for (const Query& q : queries) texts.push_back(q.text);
        Tokenizer tokenizer(index.tokenizer_options());
        for (int64_t k : {10, 1000}) {
            const auto batch = search_batch(index, texts, k, SearchAlgorithm::Pruned);
            ASSERT_EQ(batch.size(), texts.size());
            for (size_t i = 0; i < texts.size(); ++i) {
                const auto terms = query_terms(index, tokenizer, texts[i]);
                const auto ref = search(index, terms, k, SearchAlgorithm::Reference);
                const std::string what = std::string(bm25_variant_name(variant)) + " query " +
                                         std::to_string(i + 1) + " k=" + std::to_string(k);
                ASSERT_FALSE(ref.empty()) << what;
                expect_same(ref, search(index, terms, k, SearchAlgorithm::Exhaustive),
                            what + " exhaustive");
                expect_same(ref, search(index, terms, k, SearchAlgorithm::Pruned),
                            what + " pruned");
                expect_same(ref, batch[i], what + " batch");
            }
        }
    }
}

// A synthetic Zipf corpus large enough for the pruned path to skip windows and blocks.
TEST(Search, SyntheticPrunedEqualsExhaustive) {
    SyntheticOptions so;
    so.vocab_size = 20000;
    auto reader = make_synthetic_corpus(30000, 7, so);
    InvertedIndex index = InvertedIndex::build(*reader, {});
    auto texts = synthetic_queries(40, 8, 7, so);
    texts.push_back(texts[0] + " " + texts[0]);  // every word twice
    for (int64_t k : {1, 10, 64, 1000}) {
        const auto batch = search_batch(index, texts, k);
        for (size_t i = 0; i < texts.size(); ++i) {
            const std::string what = "query " + std::to_string(i) + " k=" + std::to_string(k);
            const auto ex = search(index, texts[i], k, SearchAlgorithm::Exhaustive);
            expect_same(ex, search(index, texts[i], k, SearchAlgorithm::Pruned), what);
            expect_same(ex, batch[i], what + " batch");
        }
    }
}

}  // namespace
}  // namespace mempipe::rag
