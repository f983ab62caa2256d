// `mempipe embed`: bad inputs exit with a clear error; with the extracted all-MiniLM-L6-v2 (see
// scripts/extract_minilm.py) it writes the vectors TextEmbedder computes, and the ids.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "mempipe/core/io.h"
#include "mempipe/model/text_embedder.h"
#include "support/cli_runner.h"

namespace fs = std::filesystem;
using mempipe::testing::run_cli;

namespace {

fs::path work_dir() {
    fs::path d = fs::temp_directory_path() / ("mempipe_embed_cli_" + std::to_string(::getpid()));
    fs::create_directories(d);
    return d;
}

TEST(EmbedCli, BadInputs) {
    const fs::path w = work_dir();
    auto r = run_cli("embed /nonexistent/model x.txt -o " + (w / "x.npy").string());
    EXPECT_EQ(r.code, 1) << r.output;
    EXPECT_NE(r.output.find("/nonexistent/model"), std::string::npos) << r.output;
    r = run_cli("embed " + w.string() + " x.txt");
    EXPECT_EQ(r.code, 2) << r.output;  // -o is required
    std::ofstream(w / "config.json") << R"({"architectures": ["LlamaForCausalLM"]})";
    r = run_cli("embed " + w.string() + " x.txt -o " + (w / "x.npy").string());
    EXPECT_EQ(r.code, 1) << r.output;
    EXPECT_NE(r.output.find("config.json"), std::string::npos) << r.output;
    r = run_cli("embed " + w.string() + " x.txt -o x.npy --weights fp8");
    EXPECT_EQ(r.code, 2) << r.output;
    EXPECT_NE(r.output.find("--weights"), std::string::npos) << r.output;
    EXPECT_FALSE(fs::exists(w / "x.npy"));
}

TEST(EmbedCli, MiniLmLinesCorpus) {
    const fs::path model =
        std::getenv("MEMPIPE_MODELS_DIR")
            ? fs::path(std::getenv("MEMPIPE_MODELS_DIR")) / "all-minilm-l6-v2"
            : fs::path(MEMPIPE_TEST_DATA) / ".." / ".." / "out" / "models" / "all-minilm-l6-v2";
    if (!fs::exists(model / "model.safetensors"))
        GTEST_SKIP() << "no extracted model at " << model.string()
                     << " (run: .venv/bin/python scripts/extract_minilm.py)";
    const fs::path w = work_dir();
    const std::vector<std::string> texts = {
        "heat transfer in slabs", "Boundary-layer flow over a flat plate.",
        "what are the structural problems of high speed flight"};
    {
        std::ofstream f(w / "corpus.txt");
        for (const auto& t : texts) f << t << "\n";
    }
    auto r = run_cli("embed " + model.string() + " " + (w / "corpus.txt").string() +
                     " --format lines -o " + (w / "v.npy").string() + " --ids-out " +
                     (w / "ids.txt").string() + " -q");
    ASSERT_EQ(r.code, 0) << r.output;
    mempipe::NpyArray got = mempipe::read_npy((w / "v.npy").string());
    ASSERT_EQ(got.shape, (std::vector<int64_t>{3, 384}));
    std::vector<float> want(3 * 384);
    mempipe::model::TextEmbedder::load(model.string()).embed(texts, want.data());
    const auto* g = reinterpret_cast<const float*>(got.data.data());
    for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(g[i], want[i], 1e-6) << i;
    std::ifstream ids(w / "ids.txt");
    std::string all((std::istreambuf_iterator<char>(ids)), {});
    EXPECT_EQ(all, "0\n1\n2\n");
}

}  // namespace
