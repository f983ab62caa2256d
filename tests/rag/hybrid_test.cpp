// Dense index loading (.npy / .fvecs, conversions, ids, errors), the stage-2 external-scores
// adapter, fusion by doc id, the two-stage pipeline (fake and real first stages), and the
// `mempipe rag dense` / `rag hybrid` commands end to end.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "mempipe/core/dtype.h"
#include "mempipe/core/error.h"
#include "mempipe/core/io.h"
#include "mempipe/core/rng.h"
#include "mempipe/ops/dense_retrieval.h"
#include "mempipe/rag/dense.h"
#include "mempipe/rag/hybrid.h"
#include "mempipe/rag/index.h"
#include "support/cli_runner.h"

namespace mempipe::rag {
namespace {

namespace fs = std::filesystem;

class Hybrid : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("mempipe_hybrid_" + std::to_string(getpid()) + "_" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }
    std::string path(const std::string& name) const { return (dir_ / name).string(); }
    std::string write(const std::string& name, const std::string& text) const {
        std::ofstream(path(name)) << text;
        return path(name);
    }
    fs::path dir_;
};

std::vector<float> random_rows(int64_t n, int64_t d, uint64_t seed) {
    Rng rng(seed);
    std::vector<float> x(static_cast<size_t>(n * d));
    for (float& v : x) v = rng.normal();
    return x;
}

void write_fvecs(const std::string& path, const std::vector<float>& x, int64_t n, int64_t d) {
    std::ofstream f(path, std::ios::binary);
    for (int64_t i = 0; i < n; ++i) {
        const int32_t dd = int32_t(d);
        f.write(reinterpret_cast<const char*>(&dd), 4);
        f.write(reinterpret_cast<const char*>(x.data() + i * d), std::streamsize(d * 4));
    }
}

// Expects an Error of the given kind whose message contains `needle`.
template <class Fn>
void expect_error(Fn fn, ErrorKind kind, const std::string& needle) {
    try {
        fn();
        ADD_FAILURE() << "no error; expected one mentioning '" << needle << "'";
    } catch (const Error& e) {
        EXPECT_EQ(int(e.kind()), int(kind)) << e.what();
        EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
}

TEST_F(Hybrid, NpyAndFvecsLoadTheSameVectors) {
    const int64_t n = 37, d = 17;
    const auto x = random_rows(n, d, 1);
    write_npy(path("v.npy"), DType::F32, {n, d}, x.data());
    write_fvecs(path("v.fvecs"), x, n, d);
    const DenseIndex a = DenseIndex::load(path("v.npy")), b = DenseIndex::load(path("v.fvecs"));
    ASSERT_EQ(a.size(), n);
    ASSERT_EQ(a.dim(), d);
    ASSERT_EQ(b.size(), n);
    EXPECT_EQ(a.dtype(), DType::F32);
    EXPECT_EQ(0, std::memcmp(a.view().data, x.data(), x.size() * 4));
    EXPECT_EQ(0, std::memcmp(b.view().data, x.data(), x.size() * 4));
    EXPECT_EQ(a.doc_id(5), "5");
    EXPECT_EQ(a.row_of("36"), 36);
    EXPECT_FALSE(a.row_of("37").has_value());
    EXPECT_FALSE(a.row_of("05").has_value());
}

TEST_F(Hybrid, ConversionsMatchTheOps) {
    const int64_t n = 50, d = 33;
    const auto x = random_rows(n, d, 2);
    write_npy(path("v.npy"), DType::F32, {n, d}, x.data());
    DenseLoadOptions o;
    o.dtype = DType::BF16;
    const DenseIndex b = DenseIndex::load(path("v.npy"), o);
    EXPECT_EQ(b.dtype(), DType::BF16);
    for (int64_t i = 0; i < n * d; ++i)
        ASSERT_EQ(static_cast<const uint16_t*>(b.view().data)[i], f32_to_bf16(x[size_t(i)]));
    o.dtype = DType::I8;
    const DenseIndex q = DenseIndex::load(path("v.npy"), o);
    std::vector<int8_t> codes(x.size());
    std::vector<float> scales(static_cast<size_t>(n));
    ref::quant_int8_rows(x.data(), n, d, codes.data(), scales.data());
    EXPECT_EQ(0, std::memcmp(q.view().data, codes.data(), codes.size()));
    EXPECT_EQ(0, std::memcmp(q.view().scales, scales.data(), scales.size() * 4));
    // Search = the reference op on the stored keys.
    const auto qv = random_rows(3, d, 3);
    const auto hits = q.search(qv.data(), 3, 5);
    std::vector<float> rv(15);
    std::vector<int32_t> ri(15);
    ref::dense_top_k(qv.data(), 3, q.view(), 5, rv.data(), ri.data());
    for (int b2 = 0; b2 < 3; ++b2)
        for (int j = 0; j < 5; ++j) {
            EXPECT_EQ(hits[size_t(b2)][size_t(j)].row, ri[size_t(b2 * 5 + j)]);
            EXPECT_EQ(hits[size_t(b2)][size_t(j)].score, rv[size_t(b2 * 5 + j)]);
        }
    // k > n returns n hits.
    EXPECT_EQ(q.search(qv.data(), 1, 100)[0].size(), size_t(n));
}

TEST_F(Hybrid, NormalizeF16Bf16AndInt8Inputs) {
    const int64_t n = 4, d = 3;
    const std::vector<float> x = {3, 4, 0, 0, 0, 0, 1, 1, 1, -2, 0, 0};
    std::vector<uint16_t> h(x.size()), bf(x.size());
    for (size_t i = 0; i < x.size(); ++i) h[i] = f32_to_f16(x[i]), bf[i] = f32_to_bf16(x[i]);
    write_npy(path("h.npy"), DType::F16, {n, d}, h.data());
    write_npy(path("b.npy"), DType::BF16, {n, d}, bf.data());
    DenseLoadOptions o;
    o.normalize = true;
    const DenseIndex a = DenseIndex::load(path("h.npy"), o);
    EXPECT_EQ(a.dtype(), DType::F32);
    const float* v = static_cast<const float*>(a.view().data);
    EXPECT_FLOAT_EQ(v[0], 0.6f);
    EXPECT_FLOAT_EQ(v[1], 0.8f);
    EXPECT_EQ(v[3], 0.0f);  // a zero row stays zero
    EXPECT_FLOAT_EQ(v[9], -1.0f);
    const DenseIndex b = DenseIndex::load(path("b.npy"));
    EXPECT_EQ(b.dtype(), DType::BF16);
    // int8 vectors + scales; normalisation rescales.
    const std::vector<int8_t> k8 = {3, 4, 0, 0, 0, 0, 1, 1, 1, -2, 0, 0};
    const std::vector<float> s = {0.5f, 1, 2, 1};
    write_npy(path("k8.npy"), DType::I8, {n, d}, k8.data());
    write_npy(path("s.npy"), DType::F32, {n}, s.data());
    expect_error([&] { DenseIndex::load(path("k8.npy")); }, ErrorKind::Usage, "--scales");
    DenseLoadOptions o8;
    o8.scales_path = path("s.npy");
    const DenseIndex c = DenseIndex::load(path("k8.npy"), o8);
    EXPECT_EQ(c.dtype(), DType::I8);
    EXPECT_EQ(c.view().scales[0], 0.5f);
    o8.normalize = true;
    const DenseIndex cn = DenseIndex::load(path("k8.npy"), o8);
    EXPECT_FLOAT_EQ(cn.view().scales[0], 0.2f);  // 1/‖(3,4,0)‖
    o8.normalize = false;
    o8.dtype = DType::F32;
    const DenseIndex cf = DenseIndex::load(path("k8.npy"), o8);
    EXPECT_EQ(static_cast<const float*>(cf.view().data)[1], 2.0f);  // 4 · 0.5
}

TEST_F(Hybrid, IdsFile) {
    const int64_t n = 3, d = 2;
    const std::vector<float> x = {1, 0, 0, 1, 1, 1};
    write_npy(path("v.npy"), DType::F32, {n, d}, x.data());
    DenseLoadOptions o;
    o.ids_path = write("ids.txt", "doc-a\ndoc-b\r\ndoc-c\n");
    const DenseIndex a = DenseIndex::load(path("v.npy"), o);
    EXPECT_EQ(a.doc_id(1), "doc-b");
    EXPECT_EQ(a.row_of("doc-c"), 2);
    EXPECT_FALSE(a.row_of("0").has_value());
    o.ids_path = write("short.txt", "a\nb\n");
    expect_error([&] { DenseIndex::load(path("v.npy"), o); }, ErrorKind::Runtime, "has 2 ids");
    o.ids_path = write("dup.txt", "a\nb\na\n");
    expect_error([&] { DenseIndex::load(path("v.npy"), o); }, ErrorKind::Runtime,
                 "duplicate id 'a'");
    o.ids_path = write("empty.txt", "a\n\nb\n");
    expect_error([&] { DenseIndex::load(path("v.npy"), o); }, ErrorKind::Runtime,
                 "line 2 is empty");
}

TEST_F(Hybrid, BadVectorFiles) {
    const auto x = random_rows(4, 8, 4);
    write_fvecs(path("v.fvecs"), x, 4, 8);
    fs::resize_file(path("v.fvecs"), fs::file_size(path("v.fvecs")) - 5);
    expect_error([&] { DenseIndex::load(path("v.fvecs")); }, ErrorKind::Runtime,
                 "truncated .fvecs");
    {  // inconsistent dims: a row of d = 8 then a row of d = 4
        std::ofstream f(path("mixed.fvecs"), std::ios::binary);
        int32_t d8 = 8, d4 = 4;
        f.write(reinterpret_cast<const char*>(&d8), 4);
        f.write(reinterpret_cast<const char*>(x.data()), 32);
        f.write(reinterpret_cast<const char*>(&d4), 4);
        f.write(reinterpret_cast<const char*>(x.data()), 16);
    }
    expect_error([&] { DenseIndex::load(path("mixed.fvecs")); }, ErrorKind::Runtime,
                 "row 1 has dimension 4 but row 0 has 8");
    write("empty.fvecs", "");
    expect_error([&] { DenseIndex::load(path("empty.fvecs")); }, ErrorKind::Runtime,
                 "empty .fvecs");
    write_npy(path("3d.npy"), DType::F32, {2, 2, 2}, x.data());
    expect_error([&] { DenseIndex::load(path("3d.npy")); }, ErrorKind::Runtime, "2-D array");
    write_npy(path("d0.npy"), DType::F32, {3, 0}, x.data());
    expect_error([&] { DenseIndex::load(path("d0.npy")); }, ErrorKind::Runtime, "dimension is 0");
    const std::vector<int32_t> ints(8, 1);
    write_npy(path("i32.npy"), DType::I32, {2, 4}, ints.data());
    expect_error([&] { DenseIndex::load(path("i32.npy")); }, ErrorKind::Runtime,
                 "not a vector type");
    write_npy(path("v.npy"), DType::F32, {4, 8}, x.data());
    fs::resize_file(path("v.npy"), fs::file_size(path("v.npy")) - 3);
    expect_error([&] { DenseIndex::load(path("v.npy")); }, ErrorKind::Runtime, "truncated");
    expect_error([&] { DenseIndex::load(path("v.txt")); }, ErrorKind::Usage, ".npy or .fvecs");
    const std::vector<int8_t> k8(8, 1);
    const std::vector<float> s3(3, 1.0f);
    write_npy(path("k8.npy"), DType::I8, {2, 4}, k8.data());
    write_npy(path("s3.npy"), DType::F32, {3}, s3.data());
    DenseLoadOptions o;
    o.scales_path = path("s3.npy");
    expect_error([&] { DenseIndex::load(path("k8.npy"), o); }, ErrorKind::Runtime, "one per row");
    std::vector<float> nan_rows = x;
    nan_rows[5] = std::numeric_limits<float>::quiet_NaN();
    write_npy(path("nan.npy"), DType::F32, {4, 8}, nan_rows.data());
    expect_error([&] { DenseIndex::load(path("nan.npy")); }, ErrorKind::Runtime, "non-finite");
    expect_error([&] { read_query_vectors(path("k8.npy")); }, ErrorKind::Runtime, "not int8");
}

TEST_F(Hybrid, QueryVectors) {
    const auto x = random_rows(1, 6, 5);
    write_npy(path("one.npy"), DType::F32, {6}, x.data());
    const VectorMatrix m = read_query_vectors(path("one.npy"));
    EXPECT_EQ(m.rows, 1);
    EXPECT_EQ(m.cols, 6);
    EXPECT_EQ(m.data, x);
}

TEST_F(Hybrid, ExternalScoresFormats) {
    const std::string tsv = write("s.tsv", "query_id\tdoc_id\tscore\nq1\tA\t2.5\nq1\tB\t-1\n");
    ExternalScores s = ExternalScores::load(tsv);
    EXPECT_EQ(s.size(), 2u);
    EXPECT_EQ(s.score("q1", "", {"B", "A"}), (std::vector<float>{-1.0f, 2.5f}));
    expect_error([&] { s.score("q1", "", {"C"}); }, ErrorKind::Runtime,
                 "no stage-2 score for query 'q1', doc 'C'");
    ExternalScores lax = ExternalScores::load(tsv, MissingScore::NegInf);
    EXPECT_EQ(lax.score("q2", "", {"A"})[0], -std::numeric_limits<float>::infinity());
    const std::string jl = write("s.jsonl",
                                 "{\"query_id\": 7, \"doc_id\": \"A\", \"score\": 3}\n\n"
                                 "{\"query_id\": \"7\", \"doc_id\": 12, \"score\": 0.5}\n");
    EXPECT_EQ(ExternalScores::load(jl).score("7", "", {"12", "A"}), (std::vector<float>{0.5f, 3}));
    const std::string trec = write("s.run", "q1 Q0 A 1 9.5 rr\nq1 Q0 B 2 8 rr\n");
    EXPECT_EQ(ExternalScores::load(trec).score("q1", "", {"B"})[0], 8.0f);
    write("dup.tsv", "q\tA\t1\nq\tA\t2\n");
    expect_error([&] { ExternalScores::load(path("dup.tsv")); }, ErrorKind::Runtime,
                 "line 2: duplicate");
    write("bad.tsv", "q\tA\t1\nq\tB\tx\n");
    expect_error([&] { ExternalScores::load(path("bad.tsv")); }, ErrorKind::Runtime,
                 "line 2: score 'x' is not a number");
    write("nan.tsv", "q\tA\tnan\n");
    expect_error([&] { ExternalScores::load(path("nan.tsv")); }, ErrorKind::Runtime, "not finite");
    write("bad.jsonl", "{\"query_id\": \"q\", \"score\": 1}\n");
    expect_error([&] { ExternalScores::load(path("bad.jsonl")); }, ErrorKind::Runtime,
                 "missing \"doc_id\"");
    write("odd.txt", "q A 1\n");
    expect_error([&] { ExternalScores::load(path("odd.txt")); }, ErrorKind::Runtime, "line 1");
    expect_error([&] { ExternalScores::load(path("none.tsv")); }, ErrorKind::Runtime,
                 "cannot open");
}

std::vector<ScoredDoc> docs(std::initializer_list<std::pair<const char*, float>> l) {
    std::vector<ScoredDoc> v;
    for (auto& [id, s] : l) v.push_back({id, s});
    return v;
}

std::vector<std::string> ids_of(const std::vector<HybridHit>& h) {
    std::vector<std::string> v;
    for (const auto& x : h) v.push_back(x.id);
    return v;
}

TEST(HybridFusion, RrfJoinsByIdWithTheRankTieRule) {
    HybridOptions o;
    // a: 1/61 + 1/62; c: 1/61; b: 1/62 + 1/63 (dense rank 3); d: 1/62.
    const auto bm = docs({{"a", 9}, {"b", 5}}), de = docs({{"c", .9f}, {"a", .8f}, {"b", .7f}});
    auto f = fuse_lists(bm, docs({{"c", .9f}, {"a", .8f}}), o);
    EXPECT_EQ(ids_of(f), (std::vector<std::string>{"a", "c", "b"}));
    EXPECT_EQ(f[0].fused, float(1.0 / 61 + 1.0 / 62));
    EXPECT_EQ(f[2].stage1_rank, 3);
    f = fuse_lists(bm, de, o);
    EXPECT_EQ(ids_of(f), (std::vector<std::string>{"a", "b", "c"}));
    // Equal scores: the doc seen at the better rank wins, BM25 first at equal rank.
    f = fuse_lists(docs({{"x", 1}}), docs({{"y", 1}}), o);
    EXPECT_EQ(ids_of(f), (std::vector<std::string>{"x", "y"}));
    f = fuse_lists(docs({{"z", 1}, {"x", 1}}), docs({{"y", 1}, {"w", 1}}), o);
    EXPECT_EQ(ids_of(f), (std::vector<std::string>{"z", "y", "x", "w"}));
    o.candidates = 2;
    EXPECT_EQ(fuse_lists(bm, de, o).size(), 2u);
}

TEST(HybridFusion, WeightedUsesAlphaForTheDensePart) {
    HybridOptions o;
    o.fusion = FusionMethod::Weighted;
    o.alpha = 1.0;  // dense only: BM25-only docs score 0
    const auto bm = docs({{"a", 10}, {"b", 0}}), de = docs({{"b", 3}, {"c", 1}});
    auto f = fuse_lists(bm, de, o);
    EXPECT_EQ(ids_of(f), (std::vector<std::string>{"b", "a", "c"}));  // a, c tie at 0: a seen first
    EXPECT_EQ(f[0].fused, 1.0f);
    o.alpha = 0.0;
    f = fuse_lists(bm, de, o);
    EXPECT_EQ(f[0].id, "a");
    o.alpha = 0.5;  // a: 0.5; b: 0.5·1 + 0.5·0 = 0.5; c: 0 → a (seen first) before b
    f = fuse_lists(bm, de, o);
    EXPECT_EQ(ids_of(f), (std::vector<std::string>{"a", "b", "c"}));
    o.alpha = 2;
    expect_error([&] { fuse_lists(bm, de, o); }, ErrorKind::Usage, "--alpha");
}

// A fake first stage: fixed lists per query id.
class Fixed : public FirstStageRetriever {
  public:
    explicit Fixed(std::map<std::string, std::vector<ScoredDoc>> lists)
        : lists_(std::move(lists)) {}
    std::vector<ScoredDoc> retrieve(const HybridQuery& q, int64_t n) override {
        auto v = lists_.at(q.id);
        if (int64_t(v.size()) > n) v.resize(size_t(n));
        return v;
    }

  private:
    std::map<std::string, std::vector<ScoredDoc>> lists_;
};

// A fake reranker: scores from a map, and it records what it was asked.
class MapScorer : public Stage2Scorer {
  public:
    explicit MapScorer(std::map<std::string, float> s) : s_(std::move(s)) {}
    std::vector<float> score(std::string_view, std::string_view text,
                             const std::vector<std::string>& ids) override {
        asked = ids;
        text_ = std::string(text);
        std::vector<float> v;
        for (const auto& id : ids) v.push_back(s_.count(id) ? s_.at(id) : 0.0f);
        return v;
    }
    std::vector<std::string> asked;
    std::string text_;

  private:
    std::map<std::string, float> s_;
};

TEST(HybridPipeline, FakeFirstStageAndReranker) {
    Fixed bm({{"q", docs({{"a", 5}, {"b", 4}, {"c", 3}, {"d", 2}})}});
    Fixed de({{"q", docs({{"e", .9f}, {"a", .8f}, {"f", .7f}})}});
    MapScorer rr({{"c", 10}, {"f", 10}, {"a", 1}});
    HybridOptions o;
    o.first_stage = 3;  // d is cut by N
    o.candidates = 5;
    o.k = 3;
    const HybridResult r = two_stage(bm, de, &rr, {"q", "some text", nullptr, 0}, o);
    // Fused (RRF): a (1/61 + 1/62), e (1/61), b (1/62), f (1/63, dense rank 3), c (1/63, bm25
    // rank 3; fusion id: c is seen before f at rank 3 → c first).
    EXPECT_EQ(ids_of(r.candidates), (std::vector<std::string>{"a", "e", "b", "c", "f"}));
    EXPECT_EQ(rr.asked, ids_of(r.candidates));
    EXPECT_EQ(rr.text_, "some text");
    // Stage 2: c and f tie at 10 → stage-1 rank (c 4th, f 5th); then a (1).
    EXPECT_EQ(ids_of(r.final), (std::vector<std::string>{"c", "f", "a"}));
    EXPECT_EQ(r.final[0].score, 10.0f);
    EXPECT_EQ(r.final[0].stage1_rank, 4);
    // Without stage 2: the fused top k.
    const HybridResult n2 = two_stage(bm, de, nullptr, {"q", "", nullptr, 0}, o);
    EXPECT_EQ(ids_of(n2.final), (std::vector<std::string>{"a", "e", "b"}));
}

TEST_F(Hybrid, RealBm25AndDenseFirstStages) {
    // BM25 over 6 tiny docs; dense vectors: 2-D, doc i at angle i, so the dense top is the doc
    // whose vector points along the query.
    const std::vector<std::vector<std::string>> toks = {
        {"heat", "transfer", "slab"}, {"boundary", "layer", "flow"}, {"heat", "flux"},
        {"wing", "flutter"},          {"shock", "wave", "heat"},     {"flow", "separation"}};
    const std::vector<std::string> ids = {"d10", "d20", "d30", "d40", "d50", "d60"};
    const InvertedIndex bm = InvertedIndex::build_from_tokens(toks, ids, IndexOptions{});
    std::vector<float> vec;
    for (int i = 0; i < 6; ++i)
        vec.push_back(std::cos(0.5f * i)), vec.push_back(std::sin(0.5f * i));
    // Dense rows in a different order than the BM25 docs: rows are joined by id.
    std::vector<float> rev;
    std::vector<std::string> rev_ids;
    for (int i = 5; i >= 0; --i) {
        rev.push_back(vec[size_t(2 * i)]);
        rev.push_back(vec[size_t(2 * i + 1)]);
        rev_ids.push_back(ids[size_t(i)]);
    }
    const DenseIndex de = DenseIndex::from_f32(rev.data(), 6, 2, {}, rev_ids);
    Bm25Retriever lex(bm);
    DenseRetriever den(de);
    const float qv[2] = {std::cos(1.5f), std::sin(1.5f)};  // points at d40
    HybridOptions o;
    o.first_stage = 2;
    o.k = 3;
    const auto dense_only = den.retrieve({"q", "", qv, 2}, 2);
    ASSERT_EQ(dense_only.size(), 2u);
    EXPECT_EQ(dense_only[0].id, "d40");
    const auto lex_only = lex.retrieve({"q", "heat flux", nullptr, 0}, 2);
    ASSERT_EQ(lex_only.size(), 2u);
    EXPECT_EQ(lex_only[0].id, "d30");
    const auto r = two_stage_batch(lex, den, nullptr, {{"q", "heat flux", qv, 2}}, o);
    ASSERT_EQ(r.size(), 1u);
    // BM25 top-2 (d30, then d10/d50) and dense top-2 (d40, then d30 or d50): d30 is in both.
    EXPECT_EQ(r[0].final[0].id, "d30");
    EXPECT_EQ(r[0].final.size(), 3u);
    expect_error([&] { den.retrieve({"q", "", qv, 3}, 2); }, ErrorKind::Usage, "dimension 3");
    expect_error([&] { den.retrieve({"q", "", nullptr, 0}, 2); }, ErrorKind::Usage, "no vector");
}

TEST_F(Hybrid, CliDenseAndHybrid) {
    using mempipe::testing::run_cli;
    write("corpus.txt",
          "heat transfer in a slab\nboundary layer flow\nheat flux measurement\nwing flutter\n");
    auto r =
        run_cli("rag index " + path("corpus.txt") + " --format lines -o " + path("idx") + " -q");
    ASSERT_EQ(r.code, 0) << r.output;
    const std::vector<float> v = {1, 0, 0, 1, 1, 1, -1, 0};
    write_npy(path("v.npy"), DType::F32, {4, 2}, v.data());
    write("ids.txt", "0\n1\n2\n3\n");
    const std::vector<float> q = {0, 1, 1, 0};
    write_npy(path("q.npy"), DType::F32, {2, 2}, q.data());
    write("q.tsv", "qa\theat flux\nqb\twing\n");
    r = run_cli("rag dense " + path("v.npy") + " --query-vectors " + path("q.npy") +
                " -k 2 --format trec -q --queries " + path("q.tsv"));
    ASSERT_EQ(r.code, 0) << r.output;
    EXPECT_NE(r.output.find("qa Q0 1 1 1.0"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("qb Q0 0 1 1.0"), std::string::npos) << r.output;
    write("rr.tsv", "qa\t3\t5\nqa\t2\t1\nqb\t3\t9\n");
    r = run_cli("rag hybrid " + path("idx") + " --dense " + path("v.npy") + " --ids " +
                path("ids.txt") + " --queries " + path("q.tsv") + " --query-vectors " +
                path("q.npy") +
                " --first-stage 2 --candidates 3 -k 2 --format trec -q "
                "--stage2-scores " +
                path("rr.tsv") + " --stage2-missing neg-inf");
    ASSERT_EQ(r.code, 0) << r.output;
    EXPECT_NE(r.output.find("qa Q0 2 1 1.0"), std::string::npos)
        << r.output;  // doc 3 not a candidate
    EXPECT_NE(r.output.find("qb Q0 3 1 9.0"), std::string::npos) << r.output;
    // Errors: missing stage-2 score (runtime, 1); bad dtype and dimension mismatch (usage, 2).
    r = run_cli("rag hybrid " + path("idx") + " --dense " + path("v.npy") + " --ids " +
                path("ids.txt") + " --queries " + path("q.tsv") + " --query-vectors " +
                path("q.npy") + " --stage2-scores " + path("rr.tsv"));
    EXPECT_EQ(r.code, 1) << r.output;
    EXPECT_NE(r.output.find("no stage-2 score"), std::string::npos) << r.output;
    r = run_cli("rag dense " + path("v.npy") + " --query-vectors " + path("q.npy") +
                " --dtype f64");
    EXPECT_EQ(r.code, 2) << r.output;
    write_npy(path("q3.npy"), DType::F32, {1, 3}, v.data());
    r = run_cli("rag dense " + path("v.npy") + " --query-vectors " + path("q3.npy"));
    EXPECT_EQ(r.code, 2) << r.output;
    EXPECT_NE(r.output.find("dimension 3"), std::string::npos) << r.output;
    for (const char* h : {"rag dense --help", "rag hybrid --help"}) {
        r = run_cli(h);
        EXPECT_EQ(r.code, 0) << r.output;
        EXPECT_NE(r.output.find("example:"), std::string::npos) << r.output;
    }
}

}  // namespace
}  // namespace mempipe::rag
