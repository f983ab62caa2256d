// `mempipe rag replay` end to end on the example trace (tests/rag/data/trace_example.jsonl) over a
// Cranfield index: per-method retrieval counts and queries computed by hand from the trace (see
// docs/rag-trace.md), retrieved docs equal a direct search, and bad input gets the right exit code.
//
// The trace (values in the file):
//   r1 step 0: sentence A "The similarity laws require matching Mach number." (p = 0.95, H = 0.2,
//     a = 0.1 per word: RIND 0.1/0.7 · 0.2 · 7 = 0.2; mean 1 − p = 0.05) and sentence B " Heat
//     transfer must be modelled too." (Heat: p = 0.3, H = 2.0, a = 0.5; others p = 0.95, H = 0.2,
//     a = 0.1): mean 1 − p = (0.7 + 6·0.05)/7 = 0.143 > 0.1 → flare fires, masks " Heat"; RIND
//     Heat = 0.5 · 2.0 · 6 = 6.0 > 1 → dragin fires (no QFS inputs → the sentence minus "Heat").
//     flare-original: sentence A has no p ≤ 0.8 → no retrieval. r1 step 1: p = 0.92 everywhere
//     (1 − p = 0.08; RIND 0.2 · 0.3 · 5 = 0.3) → nothing fires.
//   r2 step 0: " Boundary layers thicken at hypersonic speeds." (hypersonic: p = 0.5, H = 1.5,
//     a = 0.4; others p = 0.95, H = 0.2, a = 0.12): mean 1 − p = 0.8/7 = 0.114 > 0.1 → flare masks
//     " hypersonic"; flare-original: p = 0.5 ≤ 0.8, nothing ≤ 0.4 masked; RIND 0.4 · 1.5 · 6 = 3.6
//     → dragin with QFS: the hit's attention row ranks boundary 0.30, layers 0.25, then the
//     question's hypersonic and speeds 0.10 each.
//   r3: no steps.
// Retrievals per request: fs-rag 2, 1, 1 (question + each step's first sentence but the last);
// flare 1, 1, 0; flare-original 1, 2, 1 (question first); dragin 1, 1, 0.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "mempipe/core/io.h"
#include "mempipe/rag/corpus.h"
#include "mempipe/rag/index.h"
#include "mempipe/rag/search.h"
#include "support/cli_runner.h"

namespace {

namespace fs = std::filesystem;
using mempipe::Json;
using mempipe::testing::run_cli;

const std::string kTrace = std::string(MEMPIPE_TEST_DATA) + "/../rag/data/trace_example.jsonl";

class ReplayCli : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        dir_ = fs::temp_directory_path() / ("mempipe_replay_" + std::to_string(getpid()));
        fs::remove_all(dir_);
        auto corpus = mempipe::rag::open_corpus(
            std::string(MEMPIPE_TEST_DATA) + "/cranfield/cran.all.1400", {});
        index_ = new mempipe::rag::InvertedIndex(
            mempipe::rag::InvertedIndex::build(*corpus, mempipe::rag::IndexOptions{}));
        index_->save((dir_ / "idx").string());
    }
    static void TearDownTestSuite() {
        delete index_;
        fs::remove_all(dir_);
    }
    static std::string idx() { return (dir_ / "idx").string(); }

    // Runs the replay in JSON; one parsed object per request.
    static std::vector<Json> replay(const std::string& extra) {
        const auto r =
            run_cli("rag replay " + kTrace + " --index " + idx() + " --format json " + extra);
        EXPECT_EQ(r.code, 0) << r.output;
        std::vector<Json> out;
        std::istringstream in(r.output);
        std::string line;
        while (std::getline(in, line))
            if (!line.empty() && line[0] == '{') out.push_back(Json::parse(line));
        return out;
    }

    static std::vector<int64_t> counts(const std::vector<Json>& rs) {
        std::vector<int64_t> c;
        for (const auto& r : rs) c.push_back(r["retrievals"].get<int64_t>());
        return c;
    }

    static inline fs::path dir_;
    static inline mempipe::rag::InvertedIndex* index_ = nullptr;
};

TEST_F(ReplayCli, RetrievalCountsPerMethod) {
    EXPECT_EQ(counts(replay("--method fs-rag")), (std::vector<int64_t>{2, 1, 1}));
    EXPECT_EQ(counts(replay("--method flare")), (std::vector<int64_t>{1, 1, 0}));
    EXPECT_EQ(counts(replay("--method flare-original")), (std::vector<int64_t>{1, 2, 1}));
    EXPECT_EQ(counts(replay("--method dragin")), (std::vector<int64_t>{1, 1, 0}));
    // θ = 0.15 > 0.143 and > 0.114: flare no longer fires anywhere.
    EXPECT_EQ(counts(replay("--method flare --threshold 0.15")), (std::vector<int64_t>{0, 0, 0}));
}

TEST_F(ReplayCli, QueriesAsTheRulesSay) {
    auto fl = replay("--method flare");
    EXPECT_EQ(fl[0]["queries"][0]["query"], "transfer must be modelled too.");
    EXPECT_EQ(fl[1]["queries"][0]["query"], "Boundary layers thicken at speeds.");
    auto fo = replay("--method flare-original");
    EXPECT_EQ(fo[1]["queries"][0]["query"], "how do boundary layers behave at hypersonic speeds");
    EXPECT_EQ(fo[1]["queries"][0]["step"], -1);
    EXPECT_EQ(fo[1]["queries"][1]["query"], "Boundary layers thicken at hypersonic speeds.");
    EXPECT_EQ(fo[1]["queries"][1]["docs"].size(), 2u);  // FLARE's k = 2
    auto fs_rag = replay("--method fs-rag");
    EXPECT_EQ(fs_rag[0]["queries"][1]["query"],
              "The similarity laws require matching Mach number.");
    auto dr = replay("--method dragin --keep-top-k 2");
    EXPECT_EQ(dr[0]["queries"][0]["query"], "transfer must be modelled too.");
    EXPECT_EQ(dr[1]["queries"][0]["query"], "boundary layers");
    dr = replay("--method dragin --keep-top-k 4");
    EXPECT_EQ(dr[1]["queries"][0]["query"], "boundary layers hypersonic speeds");
}

TEST_F(ReplayCli, RetrievedDocsEqualADirectSearch) {
    for (const auto& req : replay("--method flare-original -k 5")) {
        for (const auto& q : req["queries"]) {
            const auto hits = mempipe::rag::search(*index_, q["query"].get<std::string>(), 5);
            ASSERT_EQ(q["docs"].size(), hits.size());
            for (size_t i = 0; i < hits.size(); ++i) {
                EXPECT_EQ(q["docs"][i], std::string(index_->doc_id(hits[i].doc)));
                EXPECT_FLOAT_EQ(q["scores"][i].get<float>(), hits[i].score);
            }
            EXPECT_GE(q["latency_us"].get<double>(), 0.0);
        }
    }
}

TEST_F(ReplayCli, TextReportAndSummary) {
    const auto r = run_cli("rag replay " + kTrace + " --index " + idx() + " --method dragin");
    ASSERT_EQ(r.code, 0) << r.output;
    EXPECT_NE(r.output.find("request r1: 2 steps, 1 retrievals"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("3 requests, 2 retrievals"), std::string::npos) << r.output;
}

TEST_F(ReplayCli, BadInput) {
    auto r = run_cli("rag replay --help");
    EXPECT_EQ(r.code, 0);
    r = run_cli("rag replay " + kTrace + " --index " + idx() + " --method flair");
    EXPECT_EQ(r.code, 2) << r.output;
    EXPECT_NE(r.output.find("flare-original"), std::string::npos) << r.output;
    r = run_cli("rag replay " + kTrace + " --index " + idx() + " --format xml");
    EXPECT_EQ(r.code, 2) << r.output;
    r = run_cli("rag replay /no/such/trace.jsonl --index " + idx());
    EXPECT_EQ(r.code, 1) << r.output;
    r = run_cli("rag replay " + kTrace + " --index /no/such/index");
    EXPECT_EQ(r.code, 1) << r.output;

    const std::string bad = (dir_ / "bad.jsonl").string();
    const auto write = [&](const std::string& text) {
        mempipe::write_text_atomic(bad, text);
        return run_cli("rag replay " + bad + " --index " + idx());
    };
    r = write("{\"question\": \"q\"}\n{not json\n");
    EXPECT_EQ(r.code, 1) << r.output;
    EXPECT_NE(r.output.find("bad.jsonl:2"), std::string::npos) << r.output;
    r = write("{\"steps\": []}\n");
    EXPECT_EQ(r.code, 1) << r.output;
    EXPECT_NE(r.output.find("question"), std::string::npos) << r.output;
    r = write(
        "{\"question\": \"q\", \"steps\": [{\"tokens\": [{\"text\": \"a\", \"prob\": 1.5}]}]}\n");
    EXPECT_EQ(r.code, 1) << r.output;
    EXPECT_NE(r.output.find("prob"), std::string::npos) << r.output;
    r = write("");  // an empty trace is fine: no requests
    EXPECT_EQ(r.code, 0) << r.output;
    EXPECT_NE(r.output.find("0 requests"), std::string::npos) << r.output;
}

}  // namespace
