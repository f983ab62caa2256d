// Decoder layer and model (model/decoder.h): a full layer against an independent fp64 reference
// written here, decode-after-prefill and chunked prefill against one prefill of the whole sequence,
// a shuffled paged layout against a contiguous one, the quantised formats, greedy generation and
// bad input.
//
// The fp64 reference below follows the HF layer formula in double everywhere, with two casts that
// are part of the ops' contracts and not approximations: the KV cache stores bf16 (K and V are
// rounded to bf16 when appended) and a bf16 linear layer rounds its input row to bf16 (linear.h).
// Weights are the layer's own bf16 values widened exactly. Tolerance 2e-3·(1 + |ref|): the layer
// keeps f32 activations between ops (~1e-7 relative), and an f32 value that lands on the other side
// of a bf16 rounding boundary than its f64 counterpart changes one linear input by 2^-9 relative,
// moving an output by ~2^-9·|h|/√k ≈ 2e-4 (k ≥ 128), more where it enters q·k. Observed with the
// fixed seeds below: ~1e-7 typically, 4.9e-4 at worst (one such flip on the cpu GEMM path). A wrong
// head mapping, RoPE position (even off by one), mask, bias or norm fails by orders of magnitude.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "mempipe/core/dtype.h"
#include "mempipe/core/error.h"
#include "mempipe/core/rng.h"
#include "mempipe/model/decoder.h"
#include "mempipe/ops/linear.h"

namespace mempipe::model {
namespace {

constexpr double kTol = 2e-3;  // see top

double bf16_round(double x) {
    return bf16_to_f32(f32_to_bf16(float(x)));
}

// W as double [n × k] (the layer's bf16 weights widened).
std::vector<double> widen(const LinearStorage& w) {
    std::vector<float> f(size_t(w.n() * w.k()));
    linear_dequantize(w.weights(), f.data());
    return {f.begin(), f.end()};
}

// y[m × n] = bf16(x)·Wᵀ + bias in double.
std::vector<double> lin(const std::vector<double>& x, int64_t m, const LinearStorage& w,
                        const Buffer<float>& bias) {
    const std::vector<double> W = widen(w);
    const int64_t n = w.n(), k = w.k();
    std::vector<double> y(size_t(m * n));
    for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j) {
            double s = bias.empty() ? 0.0 : double(bias[size_t(j)]);
            for (int64_t t = 0; t < k; ++t)
                s += bf16_round(x[size_t(i * k + t)]) * W[size_t(j * k + t)];
            y[size_t(i * n + j)] = s;
        }
    return y;
}

void rms(std::vector<double>& x, int64_t rows, int64_t dim, const Buffer<float>& g, double eps) {
    for (int64_t r = 0; r < rows; ++r) {
        double ss = 0;
        for (int64_t i = 0; i < dim; ++i) ss += x[size_t(r * dim + i)] * x[size_t(r * dim + i)];
        double inv = 1.0 / std::sqrt(ss / double(dim) + eps);
        for (int64_t i = 0; i < dim; ++i) x[size_t(r * dim + i)] *= inv * double(g[size_t(i)]);
    }
}

// NeoX rotation of `rows` heads of dim d at position pos, θ^(−2i/d) in double.
void rope(double* x, int64_t rows, int64_t d, int64_t pos, double theta) {
    const int64_t half = d / 2;
    for (int64_t r = 0; r < rows; ++r)
        for (int64_t i = 0; i < half; ++i) {
            double ang = double(pos) * std::pow(theta, -2.0 * double(i) / double(d));
            double a = x[r * d + i], b = x[r * d + i + half];
            x[r * d + i] = a * std::cos(ang) - b * std::sin(ang);
            x[r * d + i + half] = a * std::sin(ang) + b * std::cos(ang);
        }
}

// The fp64 layer with its own KV cache (positions × kv_heads × head_dim, bf16-valued doubles).
struct Fp64Layer {
    const ModelConfig& c;
    const DecoderLayerWeights& w;
    std::vector<double> kc, vc;

    void forward(std::vector<double>& x, int64_t m, int64_t pos) {
        const int64_t H = c.hidden, hd = c.head_dim, hq = c.heads, hkv = c.kv_heads;
        const int64_t qd = hq * hd, kd = hkv * hd, g = hq / hkv;
        std::vector<double> h = x;
        rms(h, m, H, w.attn_norm, c.norm_eps);
        std::vector<double> q = lin(h, m, w.q, w.q_bias), k = lin(h, m, w.k, w.k_bias),
                            v = lin(h, m, w.v, w.v_bias);
        if (c.qk_norm) {
            rms(q, m * hq, hd, w.q_norm, c.norm_eps);
            rms(k, m * hkv, hd, w.k_norm, c.norm_eps);
        }
        for (int64_t i = 0; i < m; ++i) {
            rope(q.data() + i * qd, hq, hd, pos + i, c.rope_theta);
            rope(k.data() + i * kd, hkv, hd, pos + i, c.rope_theta);
        }
        kc.resize(size_t((pos + m) * kd));
        vc.resize(kc.size());
        for (int64_t e = 0; e < m * kd; ++e) {
            kc[size_t(pos * kd + e)] = bf16_round(k[size_t(e)]);
            vc[size_t(pos * kd + e)] = bf16_round(v[size_t(e)]);
        }
        std::vector<double> a(size_t(m * qd));
        const double scale = 1.0 / std::sqrt(double(hd));
        for (int64_t i = 0; i < m; ++i)
            for (int64_t hh = 0; hh < hq; ++hh) {
                const int64_t j = hh / g, n = pos + i + 1;
                std::vector<double> s(static_cast<size_t>(n));
                double mx = -INFINITY;
                for (int64_t t = 0; t < n; ++t) {
                    double dot = 0;
                    for (int64_t e = 0; e < hd; ++e)
                        dot += q[size_t(i * qd + hh * hd + e)] * kc[size_t(t * kd + j * hd + e)];
                    s[size_t(t)] = dot * scale;
                    mx = std::max(mx, s[size_t(t)]);
                }
                double l = 0;
                for (double& p : s) l += (p = std::exp(p - mx));
                for (int64_t e = 0; e < hd; ++e) {
                    double acc = 0;
                    for (int64_t t = 0; t < n; ++t)
                        acc += s[size_t(t)] * vc[size_t(t * kd + j * hd + e)];
                    a[size_t(i * qd + hh * hd + e)] = acc / l;
                }
            }
        std::vector<double> o = lin(a, m, w.o, {});
        for (size_t e = 0; e < x.size(); ++e) x[e] += o[e];
        h = x;
        rms(h, m, H, w.mlp_norm, c.norm_eps);
        std::vector<double> gt = lin(h, m, w.gate, {}), up = lin(h, m, w.up, {});
        for (size_t e = 0; e < gt.size(); ++e) gt[e] = gt[e] / (1.0 + std::exp(-gt[e])) * up[e];
        std::vector<double> dn = lin(gt, m, w.down, {});
        for (size_t e = 0; e < x.size(); ++e) x[e] += dn[e];
    }
};

double max_err(const std::vector<double>& want, const std::vector<float>& got) {
    double worst = 0;
    for (size_t i = 0; i < want.size(); ++i) {
        double e = std::fabs(double(got[i]) - want[i]) / (1.0 + std::fabs(want[i]));
        worst = std::isnan(e) ? INFINITY : std::max(worst, e);
    }
    return worst;
}

std::vector<float> random_rows(int64_t m, int64_t H, uint64_t seed) {
    Rng rng(seed);
    std::vector<float> x(size_t(m * H));
    rng.fill_normal(x);
    return x;
}

// Steps (chunk sizes) of one sequence: a prefill chunk below the GEMM threshold, one above it
// (m ≥ 16: the blocked GEMM and several query tiles), then two decode steps.
const int64_t kSteps[] = {7, 20, 1, 1};

void check_layer_against_fp64(const char* config_name) {
    const ModelConfig& cfg = model_config(config_name);
    SCOPED_TRACE(config_name);
    const DecoderLayerWeights w = make_random_decoder_layer(cfg, LinearFormat::Bf16, 0, 42);
    for (Backend b : {Backend::Reference, Backend::Cpu}) {
        SCOPED_TRACE(b == Backend::Reference ? "reference" : "cpu");
        DecoderLayer layer(cfg, make_random_decoder_layer(cfg, LinearFormat::Bf16, 0, 42));
        KvCache cache(64, 4, cfg.kv_heads, cfg.head_dim);
        Fp64Layer fp{cfg, w, {}, {}};
        int64_t pos = 0;
        for (int64_t m : kSteps) {
            std::vector<float> x = random_rows(m, cfg.hidden, 100 + uint64_t(pos));
            std::vector<double> xd(x.begin(), x.end());
            layer.forward(x.data(), m, cache.view(), pos, b);
            fp.forward(xd, m, pos);
            double e = max_err(xd, x);
            EXPECT_LE(e, kTol) << "step m=" << m << " at position " << pos;
            pos += m;
        }
    }
}

TEST(DecoderLayer, MatchesFp64ReferenceLlamaGqa) {
    check_layer_against_fp64("tiny-llama");
}
TEST(DecoderLayer, MatchesFp64ReferenceQkvBias) {
    check_layer_against_fp64("tiny-qwen2");
}
TEST(DecoderLayer, MatchesFp64ReferenceQkNorm) {
    check_layer_against_fp64("tiny-qwen3");
}

// The cpu backend against the reference backend with quantised weights (same op contracts).
TEST(DecoderLayer, QuantisedFormatsCpuMatchesReference) {
    const ModelConfig& cfg = model_config("tiny-qwen3");
    for (LinearFormat f : {LinearFormat::Int8, LinearFormat::Int4}) {
        SCOPED_TRACE(std::string(linear_format_name(f)));
        DecoderLayer a(cfg, make_random_decoder_layer(cfg, f, 0, 7));
        DecoderLayer r(cfg, make_random_decoder_layer(cfg, f, 0, 7));
        KvCache ca(64, 16, cfg.kv_heads, cfg.head_dim), cr(64, 16, cfg.kv_heads, cfg.head_dim);
        int64_t pos = 0;
        for (int64_t m : kSteps) {
            std::vector<float> x = random_rows(m, cfg.hidden, 5 + uint64_t(pos)), y = x;
            a.forward(x.data(), m, ca.view(), pos, Backend::Cpu);
            r.forward(y.data(), m, cr.view(), pos, Backend::Reference);
            std::vector<double> yd(y.begin(), y.end());
            EXPECT_LE(max_err(yd, x), kTol) << "m=" << m;
            pos += m;
        }
    }
}

// A shuffled block table with small pages gives the same layer output as a contiguous cache: the
// reference bit for bit, the cpu kernels within f32 rounding (decode splits work by physical runs).
TEST(DecoderLayer, ShuffledPagesEqualContiguous) {
    const ModelConfig& cfg = model_config("tiny-llama");
    const int64_t cap = 40, ps = 3, blocks = (cap + ps - 1) / ps;
    std::vector<int32_t> table(static_cast<size_t>(blocks));
    std::iota(table.begin(), table.end(), 0);
    Rng rng(3);
    for (size_t i = table.size(); i > 1; --i)
        std::swap(table[i - 1], table[size_t(rng.uniform_int(0, int64_t(i) - 1))]);
    for (Backend b : {Backend::Reference, Backend::Cpu}) {
        DecoderLayer layer(cfg, make_random_decoder_layer(cfg, LinearFormat::Bf16, 0, 9));
        KvCache paged(cap, ps, cfg.kv_heads, cfg.head_dim, table);
        KvCache flat(cap, cap, cfg.kv_heads, cfg.head_dim);
        int64_t pos = 0;
        for (int64_t m : {17, 5, 1, 1}) {
            std::vector<float> x = random_rows(m, cfg.hidden, 11 + uint64_t(pos)), y = x;
            layer.forward(x.data(), m, paged.view(), pos, b);
            layer.forward(y.data(), m, flat.view(), pos, b);
            for (size_t i = 0; i < x.size(); ++i) {
                if (b == Backend::Reference || m > 1)  // prefill resolves pages per position
                    ASSERT_EQ(x[i], y[i]) << "m=" << m << " i=" << i;
                else
                    ASSERT_NEAR(x[i], y[i], 1e-5 * (1 + std::fabs(y[i]))) << "m=" << m;
            }
            pos += m;
        }
    }
}

DecoderOptions tiny_options(Backend b, int64_t chunk, bool shuffle) {
    DecoderOptions o;
    o.backend = b;
    o.max_tokens = 64;
    o.page_size = 8;
    o.prefill_chunk = chunk;
    o.shuffle_pages = shuffle;
    o.seed = 17;
    return o;
}

std::vector<int32_t> prompt_ids(int64_t n, int64_t vocab) {
    std::vector<int32_t> ids(static_cast<size_t>(n));
    Rng rng(23);
    for (auto& id : ids) id = int32_t(rng.uniform_int(0, vocab - 1));
    return ids;
}

void expect_logits(const std::vector<float>& a, const std::vector<float>& b, bool exact) {
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
        if (exact)
            ASSERT_EQ(a[i], b[i]) << "logit " << i;
        else
            ASSERT_NEAR(a[i], b[i], 2e-3 * (1 + std::fabs(b[i]))) << "logit " << i;
    }
}

// prefill(ids[0..n)) then decode(ids[n]) gives the logits of prefill(ids[0..n]): the reference bit
// for bit; the cpu kernels within the layer tolerance (GEMV vs GEMM, decode vs prefill kernels).
TEST(DecoderModel, DecodeAfterPrefillEqualsWholePrefill) {
    const ModelConfig& cfg = model_config("tiny-qwen2");
    const std::vector<int32_t> ids = prompt_ids(25, cfg.vocab);
    for (Backend b : {Backend::Reference, Backend::Cpu}) {
        SCOPED_TRACE(b == Backend::Reference ? "reference" : "cpu");
        DecoderModel inc = DecoderModel::random(cfg, tiny_options(b, 512, true));
        DecoderModel whole = DecoderModel::random(cfg, tiny_options(b, 512, false));
        inc.prefill(std::span(ids).first(23));
        inc.decode(ids[23]);
        std::vector<float> a = inc.decode(ids[24]);
        std::vector<float> w = whole.prefill(ids);
        EXPECT_EQ(inc.position(), 25);
        expect_logits(a, w, b == Backend::Reference);
    }
}

TEST(DecoderModel, ChunkedPrefillEqualsWhole) {
    const ModelConfig& cfg = model_config("tiny-qwen3");
    const std::vector<int32_t> ids = prompt_ids(40, cfg.vocab);
    for (Backend b : {Backend::Reference, Backend::Cpu}) {
        DecoderModel chunked = DecoderModel::random(cfg, tiny_options(b, 9, true));
        DecoderModel whole = DecoderModel::random(cfg, tiny_options(b, 64, false));
        expect_logits(chunked.prefill(ids), whole.prefill(ids), b == Backend::Reference);
    }
}

// Greedy generation: deterministic, equal to an explicit argmax loop, and (here) the same ids from
// the cpu kernels as from the reference ops.
TEST(DecoderModel, GreedyGeneration) {
    const ModelConfig& cfg = model_config("tiny-llama");
    const std::vector<int32_t> prompt = prompt_ids(12, cfg.vocab);
    DecoderModel ref_model =
        DecoderModel::random(cfg, tiny_options(Backend::Reference, 512, false));
    DecoderModel cpu_model = DecoderModel::random(cfg, tiny_options(Backend::Cpu, 512, true));
    std::vector<int32_t> want;
    std::vector<float> logits = ref_model.prefill(prompt);
    for (int i = 0; i < 6; ++i) {
        want.push_back(int32_t(argmax(logits.data(), cfg.vocab)));
        if (i < 5) logits = ref_model.decode(want.back());
    }
    EXPECT_EQ(ref_model.generate(prompt, 6), want);
    EXPECT_EQ(ref_model.position(), 12 + 5);
    EXPECT_EQ(cpu_model.generate(prompt, 6), want);
    EXPECT_EQ(cpu_model.generate(prompt, 0), std::vector<int32_t>{});
}

TEST(DecoderModel, Argmax) {
    const float x[] = {1.0f, 3.0f, NAN, 3.0f, -2.0f};
    EXPECT_EQ(argmax(x, 5), 1);  // tie → lower index, NaN skipped
    EXPECT_EQ(argmax(x, 0), -1);
}

// LinearStorage::pack: the packed copy gives bit-identical prefill outputs (the AMX GEMM computes
// the same tiles, the other levels ignore it) and stays attached through a move.
TEST(LinearStorage, PackedGivesTheSameOutputsAndSurvivesAMove) {
    Rng rng(11);
    LinearStorage plain = LinearStorage::random(70, 300, 0.05f, rng, LinearFormat::Bf16);
    Rng rng2(11);
    LinearStorage packed = LinearStorage::random(70, 300, 0.05f, rng2, LinearFormat::Bf16);
    packed.pack();
    ASSERT_TRUE(packed.packed());
    const LinearStorage moved = std::move(packed);
    ASSERT_TRUE(moved.packed());
    EXPECT_EQ(moved.weights().packed->source, moved.weights().data);
    const int64_t m = 40;
    const std::vector<float> x = random_rows(m, 300, 3);
    std::vector<float> y0(size_t(m * 70)), y1(y0.size());
    cpu::linear(x.data(), plain.weights(), nullptr, y0.data(), m);
    cpu::linear(x.data(), moved.weights(), nullptr, y1.data(), m);
    EXPECT_EQ(y0, y1);
    LinearStorage q = LinearStorage::random(8, 64, 0.05f, rng, LinearFormat::Int8);
    q.pack();  // only bf16 packs
    EXPECT_FALSE(q.packed());
}

TEST(DecoderModel, BadInput) {
    const ModelConfig& cfg = model_config("tiny-llama");
    DecoderModel model = DecoderModel::random(cfg, tiny_options(Backend::Cpu, 512, false));
    std::vector<int32_t> ids = {1, 2, int32_t(cfg.vocab), 3};
    try {
        model.prefill(ids);
        ADD_FAILURE() << "out-of-vocabulary id accepted";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Usage);
        EXPECT_NE(std::string(e.what()).find("position 2"), std::string::npos) << e.what();
    }
    EXPECT_EQ(model.position(), 0);
    EXPECT_THROW(model.prefill(std::vector<int32_t>{}), Error);
    EXPECT_THROW(model.prefill(prompt_ids(65, cfg.vocab)), Error);  // beyond max_tokens 64
    EXPECT_THROW(model.decode(-1), Error);

    DecoderLayer layer(cfg, make_random_decoder_layer(cfg, LinearFormat::Bf16, 0, 1));
    KvCache cache(8, 4, cfg.kv_heads, cfg.head_dim);
    std::vector<float> x(size_t(4 * cfg.hidden), 0.5f);
    EXPECT_THROW(layer.forward(x.data(), 4, cache.view(), 5, Backend::Cpu), Error);  // 9 > 8
    KvCache wrong(8, 4, cfg.kv_heads + 1, cfg.head_dim);
    EXPECT_THROW(layer.forward(x.data(), 1, wrong.view(), 0, Backend::Cpu), Error);
    EXPECT_THROW(KvCache(8, 4, 2, 16, {0, 0}), Error);  // not a permutation
    EXPECT_THROW(make_random_decoder_layer(model_config("tiny-bert"), LinearFormat::Bf16, 0, 1),
                 Error);
    DecoderLayerWeights w = make_random_decoder_layer(cfg, LinearFormat::Bf16, 0, 1);
    EXPECT_THROW(DecoderLayer(model_config("tiny-qwen3"), std::move(w)), Error);  // shapes
}

}  // namespace
}  // namespace mempipe::model
