// `mempipe rag bench` (bench/src/rag_bench.cpp): our side runs and the report is well formed on a
// tiny corpus; the peer plumbing (result JSON, hits TSV, agreement with bm25s, failures) is checked
// with a fake peer; the real bm25s peer runs only when the project's .venv exists.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "../../bench/src/harness.h"
#include "../../bench/src/rag_bench_internal.h"
#include "../../bench/src/suite.h"
#include "mempipe/core/error.h"

namespace mempipe::bench {
namespace {

namespace fs = std::filesystem;

void write_text(const fs::path& p, const std::string& text, bool executable = false) {
    std::ofstream(p) << text;
    if (executable) chmod(p.c_str(), 0755);
}

constexpr int kDocs = 61;  // prime: no accidental alignment with block sizes or thread chunks

// A BEIR corpus of kDocs docs over a 13-word vocabulary (deterministic, varied lengths and tfs, so
// scores tie sometimes) plus two query files.
fs::path make_corpus(const fs::path& dir) {
    static const char* kWords[] = {"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf",
                                   "hotel", "india", "juliet",  "kilo",  "lima", "mike"};
    fs::create_directories(dir);
    std::ofstream c(dir / "corpus.jsonl");
    for (int d = 0; d < kDocs; ++d) {
        std::string text;
        const int len = 3 + (d * 7) % 11;
        for (int i = 0; i < len; ++i)
            text += std::string(i ? " " : "") + kWords[(d * 3 + i * i) % 13];
        if (d % 5 == 0) text += " the and of";  // stop words
        c << "{\"_id\": \"doc" << d << "\", \"title\": \"" << (d % 4 == 0 ? "Kilo" : "")
          << "\", \"text\": \"" << text << "\"}\n";
    }
    write_text(dir / "queries_a.jsonl",
               "{\"_id\": \"1\", \"text\": \"alpha delta\"}\n"
               "{\"_id\": \"2\", \"text\": \"zulu yankee\"}\n"       // out of vocabulary
               "{\"_id\": \"3\", \"text\": \"the and\"}\n"           // stop words only
               "{\"_id\": \"4\", \"text\": \"mike mike golf\"}\n");  // duplicate term
    write_text(dir / "queries_bb.jsonl",
               "{\"_id\": \"1\", \"text\": \"bravo charlie echo foxtrot hotel india juliet\"}\n"
               "{\"_id\": \"2\", \"text\": \"lima kilo\"}\n");
    return dir;
}

class RagBench : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string tmpl = (fs::temp_directory_path() / "mempipe-rag-bench-XXXXXX").string();
        ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
        root_ = tmpl;
        corpus_ = make_corpus(root_ / "corpus");
        if (const char* old = std::getenv("MEMPIPE_ROOT")) saved_root_ = old;
        opt_.corpus = corpus_.string();
        opt_.ks = {1, 3, 100};  // 100 > kDocs
        opt_.threads = {1, 2};
        opt_.repeats = 1;
        opt_.peers = {};
    }
    void TearDown() override {
        if (saved_root_) {
            setenv("MEMPIPE_ROOT", saved_root_->c_str(), 1);
        } else {
            unsetenv("MEMPIPE_ROOT");
        }
        std::error_code ec;
        fs::remove_all(root_, ec);
    }
    // A fake checkout whose .venv/bin/python runs `body` (sh) for every peer script.
    void fake_peers(const std::string& body) {
        fs::path fake = root_ / "checkout";
        fs::create_directories(fake / "bench" / "peers");
        fs::create_directories(fake / ".venv" / "bin");
        for (const char* p : {"bm25s", "tantivy", "fts5"})
            write_text(fake / "bench" / "peers" / (std::string("rag_") + p + ".py"), "# fake\n");
        write_text(fake / ".venv" / "bin" / "python", "#!/bin/sh\n" + body, true);
        setenv("MEMPIPE_ROOT", fake.c_str(), 1);
    }

    fs::path root_, corpus_;
    std::optional<std::string> saved_root_;
    RagBenchOptions opt_;
};

TEST_F(RagBench, OursOnlyReportIsWellFormed) {
    Json r = run_rag_bench(opt_, false);
    EXPECT_EQ(r["corpus"]["docs"], kDocs);
    EXPECT_EQ(r["corpus"]["format"], "beir");
    ASSERT_EQ(r["queries"].size(), 2u);
    EXPECT_EQ(r["queries"][0]["queries"], "queries_a");  // shorter name first
    EXPECT_EQ(r["queries"][0]["n_queries"], 4);
    // "alpha delta" 2 + OOV 0 + stop words 0 + "mike mike golf" 3 (duplicates kept) = 5 terms.
    EXPECT_DOUBLE_EQ(r["queries"][0]["mean_terms"].get<double>(), 5.0 / 4.0);
    const Json& b = r["ours"]["build"];
    EXPECT_EQ(b["docs"], kDocs);
    EXPECT_GT(b["postings"].get<int64_t>(), 0);
    EXPECT_GT(b["docs_per_s"].get<double>(), 0);
    EXPECT_GT(b["peak_rss_bytes"].get<double>(), 0);
    ASSERT_EQ(r["rows"].size(), 2u * 3u * 2u);
    for (const Json& row : r["rows"]) {
        EXPECT_GT(row["ours_qps"].get<double>(), 0) << row.dump();
        EXPECT_GT(row["ours_text_qps"].get<double>(), 0);
        EXPECT_GT(row["ours_exhaustive_qps"].get<double>(), 0);
        EXPECT_EQ(row["pruned_equals_exhaustive"], 1.0) << row.dump();
        EXPECT_TRUE(row["equal_scores_bm25s"].is_null());
        EXPECT_TRUE(row["vs_bm25s"].is_null());
    }
    EXPECT_EQ(r["scaling"].size(), 2u * 2u * 3u);  // ours + ours_text × query sets × ks
    EXPECT_TRUE(r["peers"].empty());
    EXPECT_TRUE(r["load_average"].contains("start") && r["load_average"].contains("end"));
    std::string md = rag_bench_markdown(r);
    EXPECT_NE(md.find("### Queries/s"), std::string::npos);
    EXPECT_NE(md.find("| queries_bb | 100 | 2 |"), std::string::npos);
    EXPECT_NE(md.find("### Index build"), std::string::npos);
}

TEST_F(RagBench, SyntheticCorpusRunsOurEngineOnly) {
    RagBenchOptions o;
    o.synthetic = 3000;
    o.synthetic_queries = 17;
    o.query_words = {4};
    o.ks = {10};
    o.threads = {2};
    o.repeats = 1;
    o.peers = {"bm25s"};
    Json r = run_rag_bench(o, false);
    EXPECT_EQ(r["corpus"]["format"], "synthetic");
    EXPECT_EQ(r["corpus"]["docs"], 3000);
    ASSERT_EQ(r["rows"].size(), 1u);
    EXPECT_EQ(r["rows"][0]["queries"], "synthetic_4w");
    EXPECT_EQ(r["rows"][0]["pruned_equals_exhaustive"], 1.0);
    EXPECT_EQ(r["peers"]["bm25s"]["status"], "skipped");
    EXPECT_TRUE(r["scaling"].empty());  // one thread count
}

TEST_F(RagBench, UsageErrors) {
    RagBenchOptions o = opt_;
    o.corpus.clear();
    EXPECT_THROW(run_rag_bench(o, false), Error);
    o = opt_;
    o.ks = {0};
    EXPECT_THROW(run_rag_bench(o, false), Error);
    o = opt_;
    o.threads = {};
    EXPECT_THROW(run_rag_bench(o, false), Error);
    o = opt_;
    o.repeats = 0;
    EXPECT_THROW(run_rag_bench(o, false), Error);
    o = opt_;
    o.peers = {"lucene"};
    try {
        run_rag_bench(o, false);
        FAIL() << "unknown peer accepted";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Usage);
        EXPECT_NE(std::string(e.what()).find("bm25s,tantivy,xapian,fts5"), std::string::npos);
    }
}

// The fake bm25s returns one wrong hit for query 0 and none for the others: query 0 disagrees,
// queries 1 (OOV) and 2 (stop words) agree (no hits on either side), query 3 disagrees.
TEST_F(RagBench, FakePeerResultsAreComparedWithOurs) {
    const std::string qfile = (corpus_ / "queries_a.jsonl").string();
    fake_peers(
        R"(out=""; hits=""
while [ $# -gt 0 ]; do case "$1" in --out) out="$2"; shift;; --hits-dir) hits="$2"; shift;; esac; shift; done
mkdir -p "$hits"
printf '0\tdoc999\t9.5\n0\tdoc5\t0\n' > "$hits/queries_a_k3.tsv"
cat > "$out" <<EOF
{"engine":"bm25s","version":"fake","params":{},"notes":["fake"],
 "build":{"docs":61,"seconds":2.0,"docs_per_s":30.5,"peak_rss_bytes":1048576,"rss_before_build_bytes":0},
 "runs":[{"queries":")" +
        qfile +
        R"(","k":3,"threads":1,"n_queries":4,"median_s":0.5,"times_s":[0.5],"qps":8.0,"hits":"$hits/queries_a_k3.tsv"}]}
EOF
echo '{"median_s": 0.5}'
)");
    opt_.queries = {qfile};
    opt_.ks = {3};
    opt_.threads = {1};
    opt_.peers = {"bm25s"};
    Json r = run_rag_bench(opt_, false);
    ASSERT_EQ(r["peers"]["bm25s"]["status"], "ok") << r["peers"].dump();
    ASSERT_EQ(r["rows"].size(), 1u);
    const Json& row = r["rows"][0];
    EXPECT_EQ(row["bm25s_qps"], 8.0);
    EXPECT_DOUBLE_EQ(row["vs_bm25s"].get<double>(), row["ours_qps"].get<double>() / 8.0);
    EXPECT_DOUBLE_EQ(row["equal_scores_bm25s"].get<double>(), 0.5);
    EXPECT_DOUBLE_EQ(row["equal_sets_bm25s"].get<double>(), 0.5);
    ASSERT_EQ(r["build_table"].size(), 2u);
    EXPECT_EQ(r["build_table"][1]["engine"], "bm25s");
    EXPECT_GT(r["build_table"][1]["ours_over_engine"].get<double>(), 0);
}

TEST_F(RagBench, FailingPeerIsReportedNotFatal) {
    fake_peers("echo 'Traceback: boom' >&2\nexit 3\n");
    opt_.ks = {3};
    opt_.threads = {1};
    opt_.peers = {"tantivy", "fts5"};
    Json r = run_rag_bench(opt_, false);
    for (const char* p : {"tantivy", "fts5"}) {
        EXPECT_EQ(r["peers"][p]["status"], "failed");
        const std::string note = r["peers"][p]["note"];
        EXPECT_NE(note.find("status 3"), std::string::npos) << note;
        EXPECT_NE(note.find("boom"), std::string::npos) << note;
    }
    for (const Json& row : r["rows"]) EXPECT_TRUE(row["tantivy_qps"].is_null());
}

TEST(RagBenchHits, ComparisonDropsPaddingAndToleratesRounding) {
    using rag_detail::compare_hits;
    using rag_detail::RankedHit;
    std::vector<RankedHit> ours = {{"a", 2.0f}, {"b", 1.0f}};
    // Same scores within 1e-5 relative, bm25s's zero-score padding, tie at the last rank swapped.
    auto a = compare_hits(ours, {{"a", 2.00001f}, {"c", 1.0f}, {"z", 0.0f}}, 1e-5);
    EXPECT_TRUE(a.scores_equal);
    EXPECT_FALSE(a.sets_equal);
    a = compare_hits(ours, {{"a", 2.0f}, {"b", 1.001f}}, 1e-5);
    EXPECT_FALSE(a.scores_equal);
    EXPECT_TRUE(a.sets_equal);
    a = compare_hits(ours, {{"a", 2.0f}}, 1e-5);
    EXPECT_FALSE(a.scores_equal);
    a = compare_hits({}, {{"x", 0.0f}, {"y", 0.0f}}, 1e-5);
    EXPECT_TRUE(a.scores_equal && a.sets_equal);
}

// The real bm25s (numba) peer: exact agreement on every query (skipped without the .venv).
TEST_F(RagBench, RealBm25sAgreesExactly) {
    if (saved_root_) setenv("MEMPIPE_ROOT", saved_root_->c_str(), 1);
    const std::string root = find_repo_root();
    if (root.empty() || access((root + "/.venv/bin/python").c_str(), X_OK) != 0)
        GTEST_SKIP() << "no .venv (scripts/bootstrap --bench): bm25s peer not run";
    opt_.ks = {3, 100};
    opt_.threads = {1};
    opt_.peers = {"bm25s"};
    Json r = run_rag_bench(opt_, false);
    ASSERT_EQ(r["peers"]["bm25s"]["status"], "ok") << r["peers"]["bm25s"].dump();
    for (const Json& row : r["rows"]) {
        EXPECT_EQ(row["equal_scores_bm25s"], 1.0) << row.dump();
        EXPECT_GT(row["bm25s_qps"].get<double>(), 0);
    }
}

}  // namespace
}  // namespace mempipe::bench
