// Benchmark harness helpers: median timing and the peer runner's contract and failure handling.
// Peers are faked with /bin/sh scripts standing in for .venv/bin/python; no real peer runs.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include "../../bench/src/harness.h"
#include "mempipe/core/error.h"

namespace mempipe::bench {
namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void write_text(const fs::path& p, const std::string& text, bool executable = false) {
    std::ofstream(p) << text;
    if (executable) chmod(p.c_str(), 0755);
}

// A fake checkout: ROOT/bench/peers/fake.py and, optionally, ROOT/.venv/bin/python = `python_sh`.
class FakeRoot : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string tmpl = (fs::temp_directory_path() / "mempipe-harness-XXXXXX").string();
        ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
        root_ = tmpl;
        fs::create_directories(root_ / "bench" / "peers");
        fs::create_directories(root_ / "work");
        write_text(root_ / "bench" / "peers" / "fake.py", "# stands in for a peer script\n");
        if (const char* old = std::getenv("MEMPIPE_ROOT")) saved_root_ = old;
        setenv("MEMPIPE_ROOT", root_.c_str(), 1);
        ctx_.work_dir = (root_ / "work").string();
        ctx_.threads = 3;
        ctx_.repeats = 4;
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
    void install_python(const std::string& body) {
        fs::create_directories(root_ / ".venv" / "bin");
        write_text(root_ / ".venv" / "bin" / "python", "#!/bin/sh\n" + body, true);
    }

    fs::path root_;
    std::optional<std::string> saved_root_;
    BenchContext ctx_;
};

TEST(BenchHarness, TimeMedianRunsWarmupPlusRepeats) {
    int calls = 0;
    double s = time_median([&] { ++calls; }, 5, 2);
    EXPECT_EQ(calls, 7);
    EXPECT_GE(s, 0.0);
    calls = 0;
    time_median([&] { ++calls; }, 1, 0);
    EXPECT_EQ(calls, 1);
}

TEST(BenchHarness, TimeMedianIgnoresOneSlowOutlier) {
    // One of five timed runs sleeps 300 ms, the others do nothing: the median is one of the
    // no-op runs (a mean would be ≥ 60 ms). The bound leaves 150 ms for scheduler noise.
    int calls = 0;
    double s = time_median(
        [&] {
            if (++calls == 3) std::this_thread::sleep_for(std::chrono::milliseconds(300));
        },
        5, 0);
    EXPECT_LT(s, 0.15);
}

TEST(BenchHarness, TimeMedianRejectsBadCounts) {
    auto expect_usage = [](int repeats, int warmup) {
        try {
            time_median([] {}, repeats, warmup);
            ADD_FAILURE() << "no error for repeats=" << repeats << " warmup=" << warmup;
        } catch (const Error& e) {
            EXPECT_EQ(e.kind(), ErrorKind::Usage);
        }
    };
    expect_usage(0, 1);
    expect_usage(-3, 1);
    expect_usage(3, -1);
}

TEST_F(FakeRoot, FindRepoRootHonoursEnvironment) {
    EXPECT_EQ(find_repo_root(), root_.string());
}

TEST_F(FakeRoot, PeersDisabled) {
    ctx_.run_peers = false;
    PeerResult r = run_peer(ctx_, "fake.py");
    EXPECT_FALSE(r.ok);
    EXPECT_NE(r.error.find("disabled"), std::string::npos) << r.error;
}

TEST_F(FakeRoot, MissingVenvSaysHowToFix) {
    PeerResult r = run_peer(ctx_, "fake.py");
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.error, "no .venv: run scripts/bootstrap --bench");
}

TEST_F(FakeRoot, MissingScript) {
    install_python("exit 0\n");
    PeerResult r = run_peer(ctx_, "nope.py");
    EXPECT_FALSE(r.ok);
    EXPECT_NE(r.error.find("peer script not found"), std::string::npos) << r.error;
}

TEST_F(FakeRoot, ContractArgsEnvAndLastJsonLine) {
    // $1 is the script, then --dir DIR --repeats R --threads T and the extra args.
    install_python(
        "printf '%s\\n' \"$@\" > \"$3/args.txt\"\n"
        "echo \"$OMP_NUM_THREADS $OPENBLAS_NUM_THREADS $MKL_NUM_THREADS\" > \"$3/env.txt\"\n"
        "echo 'warming up'\n"
        "echo '{\"median_s\": 9.0}'\n"
        "echo 'progress noise' >&2\n"
        "echo '{\"median_s\": 0.125, \"times_s\": [0.125, 0.25]}'\n"
        "echo ''\n");
    setenv("OMP_NUM_THREADS", "7", 1);
    PeerResult r = run_peer(ctx_, "fake.py", {"--k", "2048"});
    unsetenv("OMP_NUM_THREADS");
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_DOUBLE_EQ(r.median_s, 0.125);
    std::string script = (root_ / "bench" / "peers" / "fake.py").string();
    EXPECT_EQ(read_text(root_ / "work" / "args.txt"),
              script + "\n--dir\n" + ctx_.work_dir + "\n--repeats\n4\n--threads\n3\n--k\n2048\n");
    EXPECT_EQ(read_text(root_ / "work" / "env.txt"), "3 3 3\n");
}

TEST_F(FakeRoot, FailingPeerReportsStatusAndStderrTail) {
    install_python("echo 'Traceback: boom' >&2\nexit 3\n");
    PeerResult r = run_peer(ctx_, "fake.py");
    EXPECT_FALSE(r.ok);
    EXPECT_NE(r.error.find("status 3"), std::string::npos) << r.error;
    EXPECT_NE(r.error.find("Traceback: boom"), std::string::npos) << r.error;
}

TEST_F(FakeRoot, PeerWithoutResultLine) {
    install_python("echo 'no json here'\necho '{\"other\": 1}'\necho '{broken'\n");
    PeerResult r = run_peer(ctx_, "fake.py");
    EXPECT_FALSE(r.ok);
    EXPECT_NE(r.error.find("no JSON result line"), std::string::npos) << r.error;
}

TEST_F(FakeRoot, LargeOutputDoesNotBlock) {
    // More than a pipe buffer on both streams before the result: the runner must drain both.
    install_python(
        "i=0; while [ $i -lt 3000 ]; do echo \"out line $i padding padding padding\"; "
        "echo \"err line $i padding padding padding\" >&2; i=$((i+1)); done\n"
        "echo '{\"median_s\": 0.5}'\n");
    PeerResult r = run_peer(ctx_, "fake.py");
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_DOUBLE_EQ(r.median_s, 0.5);
}

}  // namespace
}  // namespace mempipe::bench
