// `mempipe rag index / search / eval` end to end: Cranfield parity through the CLI, output formats,
// and clear usage/runtime errors with the right exit codes.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "support/cli_runner.h"

namespace {

namespace fs = std::filesystem;
using mempipe::testing::run_cli;

const std::string kCran = std::string(MEMPIPE_TEST_DATA) + "/cranfield/";

class RagCli : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("mempipe_rag_cli_" + std::to_string(getpid()) + "_" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }
    std::string path(const std::string& name) const { return (dir_ / name).string(); }
    fs::path dir_;
};

TEST_F(RagCli, HelpForEveryRagCommand) {
    for (const char* args :
         {"rag --help", "rag index --help", "rag search --help", "rag eval --help"}) {
        const auto r = run_cli(args);
        EXPECT_EQ(r.code, 0) << args << "\n" << r.output;
        EXPECT_NE(r.output.find("Usage"), std::string::npos) << args;
    }
}

TEST_F(RagCli, CranfieldIndexSearchEval) {
    auto r = run_cli("rag index " + kCran + "cran.all.1400 -o " + path("idx") + " -q");
    ASSERT_EQ(r.code, 0) << r.output;
    EXPECT_NE(r.output.find("indexed 1400 documents"), std::string::npos) << r.output;
    ASSERT_TRUE(fs::exists(path("idx/bm25.index")));

    r = run_cli("rag eval " + path("idx") + " --queries " + kCran + "cran.qry --qrels " + kCran +
                "cranqrel --json " + path("m.json"));
    ASSERT_EQ(r.code, 0) << r.output;
    EXPECT_NE(r.output.find("nDCG@10 0.352"), std::string::npos) << r.output;
    EXPECT_TRUE(fs::exists(path("m.json")));

    r = run_cli("rag search " + path("idx") +
                " --query \"what similarity laws must be obeyed\" -k 3 --format trec -q");
    ASSERT_EQ(r.code, 0) << r.output;
    int lines = 0;
    for (char c : r.output) lines += c == '\n';
    EXPECT_EQ(lines, 3) << r.output;
    EXPECT_NE(r.output.find(" Q0 "), std::string::npos) << r.output;

    r = run_cli("rag search " + path("idx") + " --query \"the of and\" --format json -q");
    ASSERT_EQ(r.code, 0) << r.output;
    EXPECT_NE(r.output.find("\"hits\":[]"), std::string::npos) << r.output;
}

TEST_F(RagCli, BadInputGetsClearErrors) {
    auto r = run_cli("rag index /nonexistent/corpus.jsonl -o " + path("idx") + " -q");
    EXPECT_EQ(r.code, 1) << r.output;
    EXPECT_NE(r.output.find("/nonexistent/corpus.jsonl"), std::string::npos) << r.output;

    {
        std::ofstream f(path("bad.jsonl"));
        f << "{\"_id\": \"a\", \"text\": \"fine\"}\n{not json\n";
    }
    r = run_cli("rag index " + path("bad.jsonl") + " -o " + path("idx") + " -q");
    EXPECT_EQ(r.code, 1) << r.output;
    EXPECT_NE(r.output.find("bad.jsonl:2"), std::string::npos) << r.output;
    EXPECT_FALSE(fs::exists(path("idx/bm25.index")));
    r = run_cli("rag index " + path("bad.jsonl") + " -o " + path("idx") + " -q --skip-bad");
    EXPECT_EQ(r.code, 0) << r.output;
    EXPECT_NE(r.output.find("1 malformed"), std::string::npos) << r.output;

    r = run_cli("rag index " + kCran + "cran.all.1400 -o " + path("x") + " --variant bm26");
    EXPECT_EQ(r.code, 2) << r.output;
    EXPECT_NE(r.output.find("bm26"), std::string::npos) << r.output;

    r = run_cli("rag search " + path("idx") + " --query a --queries b");
    EXPECT_EQ(r.code, 2) << r.output;
    r = run_cli("rag search " + path("idx") + " --query word -k 0");
    EXPECT_EQ(r.code, 2) << r.output;
    r = run_cli("rag search " + path("missing") + " --query word");
    EXPECT_EQ(r.code, 1) << r.output;
    EXPECT_NE(r.output.find("missing"), std::string::npos) << r.output;
}

}  // namespace
