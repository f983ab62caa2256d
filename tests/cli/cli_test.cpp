// The CLI's contract: --help everywhere, exit 0 / 1 runtime / 2 usage, useful messages on bad
// input.
#include <gtest/gtest.h>

#include <string>

#include "support/cli_runner.h"

namespace {

using Result = mempipe::testing::CliResult;
Result run(const std::string& args) {
    return mempipe::testing::run_cli(args);
}

TEST(Cli, HelpEverywhereExitsZero) {
    for (const char* args :
         {"--help", "methods --help", "run --help", "profile --help", "bench --help",
          "bench roofline --help", "bench sparse-attention --help"}) {
        Result r = run(args);
        EXPECT_EQ(r.code, 0) << args << "\n" << r.output;
        EXPECT_NE(r.output.find("Usage"), std::string::npos) << args << "\n" << r.output;
    }
}

TEST(Cli, NoCommandIsUsageError) {
    Result r = run("");
    EXPECT_EQ(r.code, 2) << r.output;
}

TEST(Cli, UnknownCommandIsUsageError) {
    Result r = run("frobnicate");
    EXPECT_EQ(r.code, 2) << r.output;
}

TEST(Cli, MethodsListsEveryMethod) {
    Result r = run("methods");
    ASSERT_EQ(r.code, 0) << r.output;
    for (const char* m : {"dsa", "seer-attention-r", "lserve", "dense-mla", "dense-qwen3-8b"})
        EXPECT_NE(r.output.find(m), std::string::npos) << m;
}

TEST(Cli, DevicesListsTheCpuAndItsSimdLevels) {
    Result r = run("devices");
    ASSERT_EQ(r.code, 0) << r.output;
    EXPECT_NE(r.output.find("cpu0"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("scalar"), std::string::npos) << r.output;
    Result j = run("devices --json");
    ASSERT_EQ(j.code, 0) << j.output;
    EXPECT_NE(j.output.find("\"simd_detected\""), std::string::npos) << j.output;
}

TEST(Cli, UnknownMethodNamesTheKnownOnes) {
    Result r = run("run no-such-method --tokens 4k");
    EXPECT_EQ(r.code, 2) << r.output;
    EXPECT_NE(r.output.find("unknown method 'no-such-method'"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("dsa"), std::string::npos) << r.output;
}

TEST(Cli, BadSizesAreUsageErrors) {
    for (const char* args : {"run dsa --tokens 0", "run dsa --tokens -5", "run dsa --tokens abc",
                             "run dsa --tokens 99999999999999999", "run dsa --tokens 4k --batch 0",
                             "run dsa --tokens 4k --batch -1", "run dsa --tokens 4k --repeats 0",
                             "profile dsa --tokens 4k,,x", "run lserve --tokens 1G",
                             "run dsa --tokens 4k --threads -2"}) {
        Result r = run(args);
        EXPECT_EQ(r.code, 2) << args << "\n" << r.output;
        EXPECT_NE(r.output.find("error"), std::string::npos) << args << "\n" << r.output;
    }
}

TEST(Cli, MissingArgumentIsUsageError) {
    Result r = run("run");
    EXPECT_EQ(r.code, 2) << r.output;
    EXPECT_NE(r.output.find("method"), std::string::npos) << r.output;
}

TEST(Cli, UnwritableOutputIsRuntimeError) {
    Result r = run("run dense-qwen3-8b --tokens 256 --repeats 1 -o /nonexistent-dir/x.json");
    EXPECT_EQ(r.code, 1) << r.output;
    EXPECT_NE(r.output.find("/nonexistent-dir/x.json"), std::string::npos) << r.output;
}

TEST(Cli, RunPrintsJsonWithPipelineSteps) {
    Result r = run("run seer-attention-r --tokens 5000 --repeats 1 --json");
    ASSERT_EQ(r.code, 0) << r.output;
    for (const char* key : {"\"relevancy\"", "\"retrieval\"", "\"apply\"", "\"tokens_selected\"",
                            "\"intensity_flop_per_byte\"", "\"memory_bytes_read\""})
        EXPECT_NE(r.output.find(key), std::string::npos) << key << "\n" << r.output;
}

TEST(Cli, ProfilePrintsBreakdownTable) {
    Result r = run("profile lserve --tokens 2k,8k --repeats 1");
    ASSERT_EQ(r.code, 0) << r.output;
    EXPECT_NE(r.output.find("| 2K |"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("| 8K |"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("relevancy"), std::string::npos) << r.output;
}

TEST(Cli, BenchUnknownSuiteIsUsageError) {
    Result r = run("bench sparse-attention --only nope --no-peers --sizes 4k");
    EXPECT_EQ(r.code, 2) << r.output;
    EXPECT_NE(r.output.find("nope"), std::string::npos) << r.output;
}

}  // namespace
