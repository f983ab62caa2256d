// BERT / XLM-R encoder: a tiny random encoder against an independent fp64 forward written here,
// batching, pooling, the cross-encoder head, loading Hugging Face tensor names from safetensors.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "mempipe/core/dtype.h"
#include "mempipe/core/error.h"
#include "mempipe/core/rng.h"
#include "mempipe/core/simd.h"
#include "mempipe/model/encoder.h"

namespace fs = std::filesystem;
using namespace mempipe;
using namespace mempipe::model;

namespace {

constexpr uint64_t kSeed = 20261126;

std::string temp_path(const std::string& name) {
    fs::path dir = fs::temp_directory_path() / ("mempipe_enc_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    return (dir / name).string();
}

std::vector<std::vector<int32_t>> random_ids(const std::vector<int64_t>& lens, int64_t vocab,
                                             uint64_t seed) {
    Rng rng(seed);
    std::vector<std::vector<int32_t>> out;
    for (int64_t len : lens) {
        std::vector<int32_t> ids(static_cast<size_t>(len));
        for (auto& id : ids) id = int32_t(rng.uniform_int(0, vocab - 1));
        out.push_back(ids);
    }
    return out;
}

std::vector<EncoderInput> views(const std::vector<std::vector<int32_t>>& ids,
                                const std::vector<std::vector<int32_t>>* types = nullptr) {
    std::vector<EncoderInput> v;
    for (size_t i = 0; i < ids.size(); ++i)
        v.push_back(
            {ids[i], types ? std::span<const int32_t>((*types)[i]) : std::span<const int32_t>()});
    return v;
}

// ---- independent fp64 forward (the model's definition, written out again) ----------------------
using Mat = std::vector<double>;  // row-major

// y = x̂·Wᵀ + b with x̂ = bf16(x) (ops/linear.h, Bf16 weights), W widened exactly.
Mat lin(const Mat& x, int64_t m, const LinearStorage& w, const Buffer<float>& b) {
    const int64_t n = w.n(), k = w.k();
    std::vector<float> W(size_t(n * k));
    linear_dequantize(w.weights(), W.data());
    Mat y(size_t(m * n));
    for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j) {
            double acc = b[size_t(j)];
            for (int64_t t = 0; t < k; ++t)
                acc += double(bf16_to_f32(f32_to_bf16(float(x[size_t(i * k + t)])))) *
                       W[size_t(j * k + t)];
            y[size_t(i * n + j)] = acc;
        }
    return y;
}

void ln(Mat& x, int64_t rows, int64_t d, const Buffer<float>& g, const Buffer<float>& b,
        double eps) {
    for (int64_t r = 0; r < rows; ++r) {
        double* v = x.data() + r * d;
        double mean = 0, var = 0;
        for (int64_t t = 0; t < d; ++t) mean += v[t];
        mean /= double(d);
        for (int64_t t = 0; t < d; ++t) var += (v[t] - mean) * (v[t] - mean);
        var /= double(d);
        for (int64_t t = 0; t < d; ++t)
            v[t] = (v[t] - mean) / std::sqrt(var + eps) * g[size_t(t)] + b[size_t(t)];
    }
}

// One sequence through the whole encoder: [L × hidden].
Mat fp64_forward(const EncoderWeights& w, const std::vector<int32_t>& ids,
                 const std::vector<int32_t>& types) {
    const ModelConfig& c = w.config;
    const int64_t L = int64_t(ids.size()), h = c.hidden, nh = c.heads, dh = h / nh;
    Mat x(size_t(L * h));
    for (int64_t i = 0; i < L; ++i)
        for (int64_t t = 0; t < h; ++t) {
            double v = double(w.word[size_t(ids[size_t(i)] * h + t)]) +
                       w.position[size_t((c.position_offset + i) * h + t)];
            if (c.type_vocab > 0)
                v += w.token_type[size_t((types.empty() ? 0 : types[size_t(i)]) * h + t)];
            x[size_t(i * h + t)] = v;
        }
    ln(x, L, h, w.emb_norm_gamma, w.emb_norm_beta, c.norm_eps);
    for (const EncoderLayerWeights& l : w.layers) {
        Mat q = lin(x, L, l.q, l.q_bias), k = lin(x, L, l.k, l.k_bias),
            v = lin(x, L, l.v, l.v_bias);
        for (Mat* kv : {&k, &v})  // attention reads K and V from a bf16 cache (encoder.h)
            for (double& e : *kv) e = bf16_to_f32(f32_to_bf16(float(e)));
        Mat a(size_t(L * h), 0.0);
        for (int64_t hd = 0; hd < nh; ++hd)
            for (int64_t i = 0; i < L; ++i) {
                std::vector<double> s(static_cast<size_t>(L));
                double mx = -INFINITY, sum = 0;
                for (int64_t j = 0; j < L; ++j) {
                    double d = 0;
                    for (int64_t t = 0; t < dh; ++t)
                        d += q[size_t(i * h + hd * dh + t)] * k[size_t(j * h + hd * dh + t)];
                    s[size_t(j)] = d / std::sqrt(double(dh));
                    mx = std::max(mx, s[size_t(j)]);
                }
                for (double& e : s) sum += (e = std::exp(e - mx));
                for (int64_t j = 0; j < L; ++j)
                    for (int64_t t = 0; t < dh; ++t)
                        a[size_t(i * h + hd * dh + t)] +=
                            s[size_t(j)] / sum * v[size_t(j * h + hd * dh + t)];
            }
        Mat o = lin(a, L, l.o, l.o_bias);
        for (size_t i = 0; i < o.size(); ++i) o[i] += x[i];
        ln(o, L, h, l.attn_norm_gamma, l.attn_norm_beta, c.norm_eps);
        x = o;
        Mat mid = lin(x, L, l.up, l.up_bias);
        for (double& e : mid) e = 0.5 * e * (1.0 + std::erf(e / std::sqrt(2.0)));
        Mat d = lin(mid, L, l.down, l.down_bias);
        for (size_t i = 0; i < d.size(); ++i) d[i] += x[i];
        ln(d, L, h, l.out_norm_gamma, l.out_norm_beta, c.norm_eps);
        x = d;
    }
    return x;
}

struct Diff {
    double max_abs = 0, rms = 0, ref_max = 0, ref_rms = 0;
};

// |got − fp64| over the concatenated outputs of every sequence.
Diff diff_vs_fp64(const EncoderWeights& w, const Buffer<float>& got,
                  const std::vector<std::vector<int32_t>>& ids,
                  const std::vector<std::vector<int32_t>>& types) {
    Diff d;
    size_t row = 0, n = 0;
    const int64_t h = w.config.hidden;
    for (size_t s = 0; s < ids.size(); ++s) {
        Mat want = fp64_forward(w, ids[s], types.empty() ? std::vector<int32_t>() : types[s]);
        for (size_t i = 0; i < want.size(); ++i) {
            double g = got[row * size_t(h) + i], e = std::abs(g - want[i]);
            EXPECT_TRUE(std::isfinite(g));
            d.max_abs = std::max(d.max_abs, e);
            d.ref_max = std::max(d.ref_max, std::abs(want[i]));
            d.rms += e * e;
            d.ref_rms += want[i] * want[i];
            ++n;
        }
        row += ids[s].size();
    }
    d.rms = std::sqrt(d.rms / double(n));
    d.ref_rms = std::sqrt(d.ref_rms / double(n));
    return d;
}

TEST(Encoder, TinyBertMatchesFp64Reference) {
    const ModelConfig& c = model_config("tiny-bert");
    EncoderWeights w = make_random_encoder(c, LinearFormat::Bf16, 0, kSeed);
    // Lengths around SIMD widths and the GEMV/GEMM switch (16), one at max_positions.
    auto ids = random_ids({1, 7, 16, 17, 33, c.max_positions}, c.vocab, kSeed + 1);
    auto types = random_ids({1, 7, 16, 17, 33, c.max_positions}, c.type_vocab, kSeed + 2);
    Encoder enc(make_random_encoder(c, LinearFormat::Bf16, 0, kSeed));
    for (Backend b : {Backend::Reference, Backend::Cpu}) {
        Buffer<float> got = enc.forward(views(ids, &types), b);
        ASSERT_EQ(got.size(), size_t((1 + 7 + 16 + 17 + 33 + c.max_positions) * c.hidden));
        Diff d = diff_vs_fp64(w, got, ids, types);
        // The linear inputs and K, V are rounded to bf16 (encoder.h). Where the f32 and f64
        // values straddle a rounding boundary one input moves by 2^-8 relative; attention spreads
        // that over the sequence and later layers (measured here: max 7e-3, RMS 9e-4 on outputs
        // of RMS 1). Allow 2^-6 of the output scale at one element and 2^-8 in RMS: an error in
        // the model (a wrong scale, norm, bias, position or mask) moves outputs by O(1).
        EXPECT_LT(d.max_abs, d.ref_max / 64) << "backend " << int(b);
        EXPECT_LT(d.rms, d.ref_rms / 256) << "backend " << int(b);
    }
}

TEST(Encoder, BatchOfMixedLengthsEqualsOneAtATime) {
    const ModelConfig& c = model_config("tiny-bert");
    Encoder enc(make_random_encoder(c, LinearFormat::Bf16, 0, kSeed));
    auto ids = random_ids({5, 31, 2, 64, 15}, c.vocab, kSeed + 3);
    Buffer<float> all = enc.forward(views(ids), Backend::Reference);
    size_t row = 0;
    for (const auto& seq : ids) {
        std::vector<EncoderInput> one = {{seq, {}}};
        Buffer<float> single = enc.forward(one, Backend::Reference);
        // The Reference backend computes every row independently: bit-identical.
        for (size_t i = 0; i < single.size(); ++i)
            ASSERT_EQ(single[i], all[row * size_t(c.hidden) + i]) << "seq len " << seq.size();
        row += seq.size();
    }
}

TEST(Encoder, QuantizedFormatsCpuMatchesReference) {
    const ModelConfig& c = model_config("tiny-bert");
    auto ids = random_ids({3, 40, 17}, c.vocab, kSeed + 4);
    for (auto [format, group] :
         {std::pair{LinearFormat::Int8, int64_t(0)}, std::pair{LinearFormat::Int8, int64_t(32)},
          std::pair{LinearFormat::Int4, int64_t(32)}}) {
        Encoder enc(make_random_encoder(c, format, group, kSeed));
        Buffer<float> r = enc.forward(views(ids), Backend::Reference);
        Buffer<float> f = enc.forward(views(ids), Backend::Cpu);
        double worst = 0;
        for (size_t i = 0; i < r.size(); ++i)
            worst = std::max(worst, double(std::abs(r[i] - f[i])));
        // The W8A8 activation quantisation (step amax/127) can round an element differently when
        // f32 and f64 inputs differ by ~1e-6; one step moves an output by ~1e-2 of its scale.
        EXPECT_LT(worst, 5e-2) << linear_format_name(format) << " group " << group;
    }
}

TEST(Encoder, PackedForPrefillGivesTheSameOutputs) {
    const ModelConfig& c = model_config("tiny-bert");
    auto ids = random_ids({17, 40, 64}, c.vocab, kSeed + 5);  // rows ≥ 16: the prefill GEMM
    Encoder plain(make_random_encoder(c, LinearFormat::Bf16, 0, kSeed));
    EncoderWeights w = make_random_encoder(c, LinearFormat::Bf16, 0, kSeed);
    pack_for_prefill(w);
    // Packed only where the AMX GEMM reads the packed tiles.
    EXPECT_EQ(w.layers[0].up.packed(), active_simd_level() >= SimdLevel::Amx);
    Encoder packed(std::move(w));
    Buffer<float> a = plain.forward(views(ids), Backend::Cpu);
    Buffer<float> b = packed.forward(views(ids), Backend::Cpu);
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) ASSERT_EQ(a[i], b[i]) << "output " << i;
    // The int8 formats have no packed copy.
    EncoderWeights q = make_random_encoder(c, LinearFormat::Int8, 0, kSeed);
    pack_for_prefill(q);
    EXPECT_FALSE(q.layers[0].up.packed());
}

TEST(Encoder, EmbedderPooling) {
    const ModelConfig& c = model_config("tiny-bert");
    Encoder enc(make_random_encoder(c, LinearFormat::Bf16, 0, kSeed));
    auto ids = random_ids({4, 9, 1}, c.vocab, kSeed + 5);
    Buffer<float> hs = enc.forward(views(ids), Backend::Reference);
    const int64_t h = c.hidden;
    for (Pooling p : {Pooling::Cls, Pooling::Mean}) {
        Embedder raw(Encoder(make_random_encoder(c, LinearFormat::Bf16, 0, kSeed)), p, false);
        Embedder unit(Encoder(make_random_encoder(c, LinearFormat::Bf16, 0, kSeed)), p, true);
        std::vector<float> a(ids.size() * size_t(h)), u(ids.size() * size_t(h));
        // max_batch_tokens = 5 splits the batch into groups.
        raw.embed(views(ids), a.data(), Backend::Reference, 5);
        unit.embed(views(ids), u.data(), Backend::Reference);
        size_t row = 0;
        for (size_t s = 0; s < ids.size(); ++s) {
            double norm = 0;
            for (int64_t t = 0; t < h; ++t) {
                double want = 0;
                if (p == Pooling::Cls) {
                    want = hs[row * size_t(h) + size_t(t)];
                } else {
                    for (size_t i = 0; i < ids[s].size(); ++i)
                        want += hs[(row + i) * size_t(h) + size_t(t)];
                    want /= double(ids[s].size());
                }
                EXPECT_NEAR(a[s * size_t(h) + size_t(t)], want, 1e-6);
                norm += double(a[s * size_t(h) + size_t(t)]) * a[s * size_t(h) + size_t(t)];
            }
            double n2 = 0;
            for (int64_t t = 0; t < h; ++t) {
                EXPECT_NEAR(u[s * size_t(h) + size_t(t)],
                            a[s * size_t(h) + size_t(t)] / std::sqrt(norm), 1e-6);
                n2 += double(u[s * size_t(h) + size_t(t)]) * u[s * size_t(h) + size_t(t)];
            }
            EXPECT_NEAR(n2, 1.0, 1e-5);
            row += ids[s].size();
        }
    }
}

// Writes `w` with the Hugging Face names (matrices BF16 as stored, vectors F32) under `prefix`.
void save_hf(const EncoderWeights& w, const std::string& path, const std::string& prefix) {
    const ModelConfig& c = w.config;
    std::vector<StTensorWrite> t;
    std::vector<std::unique_ptr<std::vector<float>>> keep;
    auto vec = [&](const std::string& name, const Buffer<float>& b, std::vector<int64_t> shape) {
        t.push_back({name, StDType::F32, shape, b.data()});
    };
    auto lin = [&](const std::string& name, const LinearStorage& l) {
        t.push_back({name, StDType::BF16, {l.n(), l.k()}, l.weights().data});
    };
    const int64_t h = c.hidden, f = c.intermediate;
    vec(prefix + "embeddings.word_embeddings.weight", w.word, {c.vocab, h});
    vec(prefix + "embeddings.position_embeddings.weight", w.position, {c.max_positions, h});
    if (c.type_vocab)
        vec(prefix + "embeddings.token_type_embeddings.weight", w.token_type, {c.type_vocab, h});
    vec(prefix + "embeddings.LayerNorm.weight", w.emb_norm_gamma, {h});
    vec(prefix + "embeddings.LayerNorm.bias", w.emb_norm_beta, {h});
    for (size_t i = 0; i < w.layers.size(); ++i) {
        const EncoderLayerWeights& l = w.layers[i];
        std::string p = prefix + "encoder.layer." + std::to_string(i) + ".";
        lin(p + "attention.self.query.weight", l.q);
        lin(p + "attention.self.key.weight", l.k);
        lin(p + "attention.self.value.weight", l.v);
        lin(p + "attention.output.dense.weight", l.o);
        lin(p + "intermediate.dense.weight", l.up);
        lin(p + "output.dense.weight", l.down);
        vec(p + "attention.self.query.bias", l.q_bias, {h});
        vec(p + "attention.self.key.bias", l.k_bias, {h});
        vec(p + "attention.self.value.bias", l.v_bias, {h});
        vec(p + "attention.output.dense.bias", l.o_bias, {h});
        vec(p + "intermediate.dense.bias", l.up_bias, {f});
        vec(p + "output.dense.bias", l.down_bias, {h});
        vec(p + "attention.output.LayerNorm.weight", l.attn_norm_gamma, {h});
        vec(p + "attention.output.LayerNorm.bias", l.attn_norm_beta, {h});
        vec(p + "output.LayerNorm.weight", l.out_norm_gamma, {h});
        vec(p + "output.LayerNorm.bias", l.out_norm_beta, {h});
    }
    if (c.num_labels > 0) {
        lin("classifier.dense.weight", w.cls_dense);
        vec("classifier.dense.bias", w.cls_dense_bias, {h});
        vec("classifier.out_proj.weight", w.cls_out, {c.num_labels, h});
        vec("classifier.out_proj.bias", w.cls_out_bias, {c.num_labels});
    }
    write_safetensors(path, t, {{"format", "pt"}});
}

TEST(Encoder, LoadsHuggingFaceNamesFromSafetensors) {
    const ModelConfig& c = model_config("tiny-bert");
    EncoderWeights w = make_random_encoder(c, LinearFormat::Bf16, 0, kSeed);
    std::string path = temp_path("tiny_bert.safetensors");
    save_hf(w, path, "bert.");
    SafetensorsFile file = SafetensorsFile::open(path);
    Encoder loaded(load_encoder(file, c));
    Encoder original(std::move(w));
    auto ids = random_ids({12, 3}, c.vocab, kSeed + 6);
    Buffer<float> a = original.forward(views(ids), Backend::Reference);
    Buffer<float> b = loaded.forward(views(ids), Backend::Reference);
    for (size_t i = 0; i < a.size(); ++i) ASSERT_EQ(a[i], b[i]);

    // A config that does not match the file: the error names the file and the tensor.
    ModelConfig wider = c;
    wider.hidden = 2 * c.hidden;
    try {
        load_encoder(file, wider);
        FAIL() << "mismatched config loaded";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("embeddings.word_embeddings.weight"),
                  std::string::npos)
            << e.what();
    }
}

TEST(Encoder, CrossEncoderHeadAndScorer) {
    const ModelConfig& c = model_config("tiny-xlmr");
    EncoderWeights w = make_random_encoder(c, LinearFormat::Bf16, 0, kSeed + 7);
    std::string path = temp_path("tiny_xlmr.safetensors");
    save_hf(w, path, "roberta.");
    SafetensorsFile file = SafetensorsFile::open(path);
    CrossEncoder ce(Encoder(load_encoder(file, c)));

    PairFormat fmt;  // XLM-R: <s>=0, </s>=2, "<s> q </s></s> p </s>"
    fmt.max_len = 40;
    auto q = random_ids({6}, c.vocab, kSeed + 8)[0];
    auto docs = random_ids({10, 50, 3}, c.vocab, kSeed + 9);
    std::vector<PairInput> pairs;
    for (const auto& d : docs) pairs.push_back(make_pair_input(q, d, fmt));
    std::vector<EncoderInput> in;
    for (const auto& p : pairs) in.push_back(p.view());
    std::vector<float> got = ce.score(in, Backend::Cpu);
    ASSERT_EQ(got.size(), 3u);
    for (size_t s = 0; s < pairs.size(); ++s) {
        Mat hs = fp64_forward(w, pairs[s].ids, {});
        // dense → tanh → out_proj on the first token, in f64.
        std::vector<double> cls(hs.begin(), hs.begin() + c.hidden);
        Mat d = lin(cls, 1, w.cls_dense, w.cls_dense_bias);
        double logit = w.cls_out_bias[0];
        for (int64_t t = 0; t < c.hidden; ++t)
            logit += std::tanh(d[size_t(t)]) * w.cls_out[size_t(t)];
        // Same bf16-rounding argument as the encoder test, through one more linear layer.
        EXPECT_NEAR(got[s], logit, 5e-3) << "pair " << s;
    }
    // The stage-2 adapter scores the candidates in the order given.
    CrossEncoderScorer scorer(
        ce, [&](std::string_view) { return q; },
        [&](std::string_view id) { return docs[size_t(std::stoi(std::string(id)))]; }, fmt);
    std::vector<float> via = scorer.score("q1", "text", {"2", "0", "1"});
    ASSERT_EQ(via.size(), 3u);
    EXPECT_FLOAT_EQ(via[0], got[2]);
    EXPECT_FLOAT_EQ(via[1], got[0]);
    EXPECT_FLOAT_EQ(via[2], got[1]);
    EXPECT_TRUE(scorer.score("q1", "text", {}).empty());
}

// A first-stage retriever returning a fixed list (the test's BM25 / dense stand-ins).
class FixedRetriever : public rag::FirstStageRetriever {
  public:
    explicit FixedRetriever(std::vector<rag::ScoredDoc> docs) : docs_(std::move(docs)) {}
    std::vector<rag::ScoredDoc> retrieve(const rag::HybridQuery&, int64_t n) override {
        return {docs_.begin(), docs_.begin() + std::min<int64_t>(n, int64_t(docs_.size()))};
    }

  private:
    std::vector<rag::ScoredDoc> docs_;
};

TEST(Encoder, CrossEncoderReranksTwoStageCandidates) {
    const ModelConfig& c = model_config("tiny-xlmr");
    CrossEncoder ce(Encoder(make_random_encoder(c, LinearFormat::Bf16, 0, kSeed + 10)));
    auto q = random_ids({5}, c.vocab, kSeed + 11)[0];
    auto docs = random_ids(std::vector<int64_t>(80, 12), c.vocab, kSeed + 12);
    std::vector<rag::ScoredDoc> bm25, dense;
    for (int i = 0; i < 80; ++i) {
        bm25.push_back({std::to_string(i), float(80 - i)});
        dense.push_back({std::to_string(79 - i), float(80 - i)});
    }
    FixedRetriever r1(bm25), r2(dense);
    CrossEncoderScorer scorer(
        ce, [&](std::string_view) { return q; },
        [&](std::string_view id) { return docs[size_t(std::stoi(std::string(id)))]; },
        PairFormat{});
    rag::HybridOptions o;  // 64 candidates → top 10
    rag::HybridResult r = rag::two_stage(r1, r2, &scorer, {"q", "text", nullptr, 0}, o);
    ASSERT_EQ(r.candidates.size(), 64u);
    ASSERT_EQ(r.final.size(), 10u);
    // The final list is the 10 best candidates by cross-encoder score, best first.
    std::vector<std::string> ids;
    for (const auto& h : r.candidates) ids.push_back(h.id);
    std::vector<float> scores = scorer.score("q", "text", ids);
    std::vector<float> sorted = scores;
    std::sort(sorted.begin(), sorted.end(), std::greater<>());
    for (size_t i = 0; i < 10; ++i) EXPECT_FLOAT_EQ(r.final[i].score, sorted[i]) << i;
}

TEST(Encoder, ForwardCost) {
    const ModelConfig& c = model_config("bge-reranker-large");
    const std::vector<int64_t> lens = {256, 100, 1};
    const double T = 357, h = double(c.hidden), f = double(c.intermediate), L = double(c.layers);
    OpCost cost = encoder_forward_cost(c, lens, LinearFormat::Bf16, 0, true);
    // Linear layers: 2·T·(4h² + 2hf) per block; attention: 4·L²·h per block and sequence.
    const double linear = 2 * T * (4 * h * h + 2 * h * f) * L;
    const double attn = 4 * (256.0 * 256 + 100 * 100 + 1) * h * L;
    const double head = 2 * 3 * h * h + 2 * 3 * h;
    EXPECT_GE(cost.flops, linear + attn + head);
    EXPECT_LE(cost.flops, (linear + attn + head) * 1.01);  // norms, GELU, adds: < 1%
    // Every bf16 weight of the blocks is read (once): 2·(4h² + 2hf)·L bytes.
    EXPECT_GE(cost.bytes_shared, 2 * (4 * h * h + 2 * h * f) * L);
    OpCost empty = encoder_forward_cost(c, std::vector<int64_t>{}, LinearFormat::Int4, 128);
    EXPECT_EQ(empty.flops, 0.0);
    EXPECT_THROW(encoder_forward_cost(model_config("tiny-llama"), lens), Error);
}

TEST(Encoder, PairInputFormatsAndTruncation) {
    std::vector<int32_t> q = {10, 11, 12}, p = {20, 21, 22, 23, 24, 25};
    PairFormat x;  // XLM-R
    x.max_len = 9;
    PairInput a = make_pair_input(q, p, x);
    // 4 specials + 5 tokens: the longer side loses tokens first, a tie costs the passage: 3 + 2.
    EXPECT_EQ(a.ids, (std::vector<int32_t>{0, 10, 11, 12, 2, 2, 20, 21, 2}));
    EXPECT_TRUE(a.token_types.empty());
    PairFormat bert{101, 102, false, true, 512};
    PairInput b = make_pair_input(q, p, bert);
    EXPECT_EQ(b.ids, (std::vector<int32_t>{101, 10, 11, 12, 102, 20, 21, 22, 23, 24, 25, 102}));
    EXPECT_EQ(b.token_types, (std::vector<int32_t>{0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1}));
    bert.max_len = 6;
    PairInput t = make_pair_input(q, p, bert);
    // 3 + 6 tokens into 3: passage 6→3, then ties go to the passage (2), then query 3→2, ...
    EXPECT_EQ(t.ids, (std::vector<int32_t>{101, 10, 11, 102, 20, 102}));
    EXPECT_EQ(t.token_types, (std::vector<int32_t>{0, 0, 0, 0, 1, 1}));
    EXPECT_THROW(make_pair_input(q, p, PairFormat{0, 2, true, false, 4}), Error);
}

TEST(Encoder, BadInputsAreUsageErrors) {
    const ModelConfig& c = model_config("tiny-bert");
    Encoder enc(make_random_encoder(c, LinearFormat::Bf16, 0, kSeed));
    auto expect_usage = [](auto&& f, const std::string& part) {
        try {
            f();
            FAIL() << "no error";
        } catch (const Error& e) {
            EXPECT_EQ(e.kind(), ErrorKind::Usage);
            EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
        }
    };
    std::vector<int32_t> bad_id = {1, 2, int32_t(c.vocab)};
    expect_usage([&] { enc.forward(std::vector<EncoderInput>{{bad_id, {}}}); }, "position 2");
    std::vector<int32_t> too_long(size_t(c.max_positions + 1), 1);
    expect_usage([&] { enc.forward(std::vector<EncoderInput>{{too_long, {}}}); }, "at most");
    std::vector<int32_t> empty;
    expect_usage([&] { enc.forward(std::vector<EncoderInput>{{empty, {}}}); }, "empty");
    std::vector<int32_t> ok = {1, 2}, bad_type = {0, 2};
    expect_usage([&] { enc.forward(std::vector<EncoderInput>{{ok, bad_type}}); }, "token type 2");
    EXPECT_EQ(enc.forward(std::vector<EncoderInput>{}).size(), 0u);
    expect_usage(
        [&] { CrossEncoder ce(Encoder(make_random_encoder(c, LinearFormat::Bf16, 0, 1))); },
        "classifier");
    expect_usage([&] { make_random_encoder(model_config("tiny-llama"), LinearFormat::Bf16, 0, 1); },
                 "not an encoder");
}

}  // namespace
