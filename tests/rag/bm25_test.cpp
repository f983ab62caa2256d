// BM25 formulas and impacts against bm25s: the golden 4-doc example of rag.md §1.2 for all five
// variants, through build_from_tokens (hand-tokenized) and through build on the raw texts, plus the
// formula functions on hand-computed values and parameter validation.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "mempipe/core/error.h"
#include "mempipe/core/io.h"
#include "mempipe/rag/bm25.h"
#include "mempipe/rag/index.h"

namespace mempipe::rag {
namespace {

// rag.md §1.2's corpus, tokenized by hand the bm25s way: lowercase, runs of ≥ 2 word chars (so
// "human's" → "human", "a" is dropped), the 33 English stop words removed.
const std::vector<std::vector<std::string>> kGoldenDocs = {
    {"cat", "feline", "likes", "purr"},
    {"dog", "human", "best", "friend", "loves", "play"},
    {"bird", "beautiful", "animal", "can", "fly"},
    {"fish", "creature", "lives", "water", "swims"},
};
const std::vector<std::string> kGoldenTexts = {
    "a cat is a feline and likes to purr",
    "a dog is the human's best friend and loves to play",
    "a bird is a beautiful animal that can fly",
    "a fish is a creature that lives in water and swims",
};

struct Golden {
    Bm25Variant variant;
    float scores[4];
};
// bm25s, k1 = 1.5, b = 0.75, δ = 0.5, stopwords "en", query "does the fish purr like a cat?"
// (rag.md §1.2; printed to 6 decimals).
const Golden kGolden[] = {
    {Bm25Variant::Lucene, {1.058438f, 0.0f, 0.0f, 0.481589f}},
    {Bm25Variant::Robertson, {0.744877f, 0.0f, 0.0f, 0.338919f}},
    {Bm25Variant::Atire, {3.046800f, 0.0f, 0.0f, 1.386294f}},
    {Bm25Variant::Bm25L, {3.929634f, 2.257449f, 2.257449f, 3.009932f}},
    {Bm25Variant::Bm25Plus, {5.951383f, 2.414157f, 2.414157f, 4.023595f}},
};

// A corpus held in memory.
class VectorReader : public CorpusReader {
  public:
    explicit VectorReader(std::vector<std::string> texts) : texts_(std::move(texts)) {}
    bool next(Document& doc) override {
        if (at_ >= texts_.size()) return false;
        doc.id = "d" + std::to_string(at_);
        doc.title.clear();
        doc.text = texts_[at_++];
        return true;
    }
    int64_t skipped() const override { return 0; }
    CorpusFormat format() const override { return CorpusFormat::Lines; }
    uint64_t bytes_total() const override { return 0; }

  private:
    std::vector<std::string> texts_;
    size_t at_ = 0;
};

// Scores of every doc for a query by walking the postings: Σ impacts + Σ nonocc (bm25s's
// get_scores with its float32 accumulation; search itself is tested elsewhere).
std::vector<float> walk_scores(const InvertedIndex& index, const std::vector<std::string>& query) {
    const PostingsView v = index.postings();
    std::vector<float> scores(size_t(v.num_docs), 0.0f);
    float shift = 0.0f;
    for (const std::string& w : query) {
        const auto t = index.term_id(w);
        if (!t) continue;  // out of vocabulary: dropped
        for (uint64_t p = v.offsets[*t]; p < v.offsets[*t + 1]; ++p)
            scores[v.docs[p]] += v.impacts[p];
        if (v.nonocc != nullptr) shift += v.nonocc[*t];
    }
    for (float& s : scores) s += shift;
    return scores;
}

void expect_golden(const InvertedIndex& index, const Golden& g) {
    const auto scores = walk_scores(index, {"does", "fish", "purr", "like", "cat"});
    ASSERT_EQ(scores.size(), 4u);
    for (int d = 0; d < 4; ++d) {
        // bm25s computes in float32 and the golden values are printed to 6 decimals: 1e-5 relative.
        EXPECT_NEAR(scores[d], g.scores[d], 1e-5 * std::max(1.0f, g.scores[d]))
            << bm25_variant_name(g.variant) << " doc " << d;
        if (g.scores[d] == 0.0f) {
            EXPECT_EQ(scores[d], 0.0f);  // sparse variants: exact zero
        }
    }
}

TEST(Bm25, GoldenFromTokensAllVariants) {
    for (const Golden& g : kGolden) {
        IndexOptions o;
        o.bm25.variant = g.variant;
        const InvertedIndex index = InvertedIndex::build_from_tokens(kGoldenDocs, {}, o);
        EXPECT_EQ(index.num_docs(), 4);
        EXPECT_EQ(index.num_terms(), 20);
        EXPECT_EQ(index.num_postings(), 20);
        EXPECT_DOUBLE_EQ(index.avgdl(), 5.0);
        EXPECT_EQ(index.postings().nonocc != nullptr, bm25_shifted(g.variant));
        expect_golden(index, g);
    }
}

TEST(Bm25, GoldenFromRawTexts) {
    for (const Golden& g : kGolden) {
        IndexOptions o;
        o.bm25.variant = g.variant;
        o.threads = 2;
        o.batch_docs = 3;  // two batches: the vocabulary merge across batches is exercised
        VectorReader reader(kGoldenTexts);
        BuildStats stats;
        const InvertedIndex index = InvertedIndex::build(reader, o, &stats);
        EXPECT_EQ(stats.docs, 4);
        EXPECT_EQ(stats.tokens, 20);
        EXPECT_EQ(stats.postings, 20);
        EXPECT_EQ(index.doc_id(3), "d3");
        EXPECT_EQ(index.num_terms(), 20);
        EXPECT_DOUBLE_EQ(index.avgdl(), 5.0);
        // Term ids are first-occurrence order over the corpus.
        EXPECT_EQ(index.term(0), "cat");
        EXPECT_EQ(index.term(4), "dog");
        EXPECT_EQ(index.term(19), "swims");
        expect_golden(index, g);
    }
}

// bm25s's get_scores on a random pre-tokenized corpus (120 docs, some empty; queries with
// duplicates and an out-of-vocabulary word) for every variant and three (k1, b, δ), written by
// scripts/gen_bm25_golden.py.
TEST(Bm25, ScoresMatchBm25sOnRandomCorpus) {
    std::ifstream f(std::string(MEMPIPE_TEST_DATA) + "/../rag/data/bm25_golden.json");
    ASSERT_TRUE(f) << "missing tests/rag/data/bm25_golden.json";
    const Json golden = Json::parse(f);
    const auto docs = golden.at("docs").get<std::vector<std::vector<std::string>>>();
    const auto queries = golden.at("queries").get<std::vector<std::vector<std::string>>>();
    ASSERT_EQ(golden.at("configs").size(), 15u);
    for (const Json& c : golden.at("configs")) {
        IndexOptions o;
        o.bm25.variant = parse_bm25_variant(c.at("variant").get<std::string>());
        o.bm25.k1 = c.at("k1").get<double>();
        o.bm25.b = c.at("b").get<double>();
        o.bm25.delta = c.at("delta").get<double>();
        o.batch_docs = 50;
        const InvertedIndex index = InvertedIndex::build_from_tokens(docs, {}, o);
        for (size_t q = 0; q < queries.size(); ++q) {
            const auto want = c.at("scores").at(q).get<std::vector<float>>();
            const auto got = walk_scores(index, queries[q]);
            ASSERT_EQ(got.size(), want.size());
            for (size_t d = 0; d < got.size(); ++d)
                // bm25s computes tfc in float32 and the file keeps 7 significant digits.
                ASSERT_NEAR(got[d], want[d], 1e-5 * std::max(1.0f, std::fabs(want[d])))
                    << c.at("variant") << " k1=" << o.bm25.k1 << " b=" << o.bm25.b << " query " << q
                    << " doc " << d;
        }
    }
}

TEST(Bm25, HandComputedLucene) {
    // rag.md §1.2 hand check: N = 4, df = 1 → idf = ln(1 + 3.5/1.5); |d| = 4, avgdl = 5 → L = 0.85.
    const Bm25Params p;
    EXPECT_NEAR(bm25_idf(p, 1, 4), std::log(1 + 3.5 / 1.5), 1e-15);
    EXPECT_NEAR(bm25_tfc(p, 1, 4, 5), 1.0 / (1 + 1.5 * 0.85), 1e-15);
    EXPECT_EQ(bm25_nonoccurrence(p, 1, 4, 5), 0.0);
    EXPECT_FLOAT_EQ(bm25_impact(p, 1, 4, 1, 4, 5), float(1.20397280432594 * 0.43956043956044));
}

TEST(Bm25, VariantFormulas) {
    // Each variant's idf and tfc at N = 10, df = 3, tf = 2, |d| = 7, avgdl = 5, k1 = 1.2, b = 0.6.
    const double N = 10, df = 3, tf = 2, L = 1 - 0.6 + 0.6 * 7.0 / 5.0, k1 = 1.2, delta = 0.5;
    struct Expect {
        Bm25Variant v;
        double idf, tfc;
    };
    const double c = tf / L;
    const Expect cases[] = {
        {Bm25Variant::Lucene, std::log(1 + (N - df + 0.5) / (df + 0.5)), tf / (tf + k1 * L)},
        {Bm25Variant::Robertson, std::log((N - df + 0.5) / (df + 0.5)), tf / (tf + k1 * L)},
        {Bm25Variant::Atire, std::log(N / df), tf * (k1 + 1) / (tf + k1 * L)},
        {Bm25Variant::Bm25L, std::log((N + 1) / (df + 0.5)),
         (k1 + 1) * (c + delta) / (k1 + c + delta)},
        {Bm25Variant::Bm25Plus, std::log((N + 1) / df), (k1 + 1) * tf / (k1 * L + tf) + delta},
    };
    for (const Expect& e : cases) {
        Bm25Params p;
        p.variant = e.v;
        p.k1 = k1;
        p.b = 0.6;
        p.delta = delta;
        EXPECT_NEAR(bm25_idf(p, 3, 10), e.idf, 1e-14) << bm25_variant_name(e.v);
        EXPECT_NEAR(bm25_tfc(p, tf, 7, 5), e.tfc, 1e-14) << bm25_variant_name(e.v);
        const double s0 = bm25_shifted(e.v) ? e.idf * bm25_tfc(p, 0, 5, 5) : 0.0;
        EXPECT_EQ(bm25_nonoccurrence(p, 3, 10, 5), s0);
        EXPECT_EQ(bm25_impact(p, 3, 10, tf, 7, 5), float(e.idf * e.tfc - s0));
    }
    // Robertson clamps the idf at 0 for terms in more than half the docs.
    Bm25Params r;
    r.variant = Bm25Variant::Robertson;
    EXPECT_EQ(bm25_idf(r, 9, 10), 0.0);
    // Non-occurrence: bm25l's tfc(0) = (k1+1)δ/(k1+δ), bm25+'s = δ.
    Bm25Params l;
    l.variant = Bm25Variant::Bm25L;
    EXPECT_NEAR(bm25_tfc(l, 0, 3, 5), 2.5 * 0.5 / 2.0, 1e-15);
    Bm25Params plus;
    plus.variant = Bm25Variant::Bm25Plus;
    EXPECT_EQ(bm25_tfc(plus, 0, 3, 5), 0.5);
}

TEST(Bm25, DegenerateInputsStayFinite) {
    for (const Golden& g : kGolden) {
        Bm25Params p;
        p.variant = g.variant;
        for (double k1 : {0.0, 1.5})
            for (double delta : {0.0, 0.5}) {
                p.k1 = k1;
                p.delta = delta;
                // avgdl = 0 (every doc empty) and tf = 0 with k1 = 0 must not produce NaN.
                EXPECT_TRUE(std::isfinite(bm25_tfc(p, 0, 0, 0))) << bm25_variant_name(p.variant);
                EXPECT_TRUE(std::isfinite(bm25_nonoccurrence(p, 1, 1, 0)));
                EXPECT_TRUE(std::isfinite(bm25_impact(p, 1, 1, 1, 1, 1)));
                EXPECT_GE(bm25_impact(p, 1, 1, 1, 1, 1), 0.0f);
            }
    }
}

TEST(Bm25, ParamValidation) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    auto usage = [](Bm25Params p) {
        try {
            check_bm25_params(p);
        } catch (const Error& e) {
            return e.kind() == ErrorKind::Usage;
        }
        return false;
    };
    Bm25Params p;
    EXPECT_NO_THROW(check_bm25_params(p));
    p.k1 = -0.1;
    EXPECT_TRUE(usage(p));
    p.k1 = nan;
    EXPECT_TRUE(usage(p));
    p = {};
    p.b = 1.01;
    EXPECT_TRUE(usage(p));
    p.b = -0.01;
    EXPECT_TRUE(usage(p));
    p = {};
    p.delta = -1;
    EXPECT_TRUE(usage(p));
    p = {};
    p.b = 0;
    p.k1 = 0;
    EXPECT_NO_THROW(check_bm25_params(p));
    // build and build_from_tokens validate too.
    IndexOptions o;
    o.bm25.b = 2;
    EXPECT_THROW(InvertedIndex::build_from_tokens(kGoldenDocs, {}, o), Error);
    for (const char* name : {"lucene", "robertson", "atire", "bm25l", "bm25+"})
        EXPECT_EQ(bm25_variant_name(parse_bm25_variant(name)), name);
    EXPECT_THROW(parse_bm25_variant("okapi"), Error);
}

}  // namespace
}  // namespace mempipe::rag
