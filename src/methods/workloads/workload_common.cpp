#include "workload_common.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "mempipe/core/error.h"
#include "mempipe/ops/nn.h"
#include "mempipe/rag/synthetic.h"

namespace mempipe::workloads {

namespace {

// Published configurations (config.json of each checkpoint; memory_fpga.md A1 backbone table where
// it lists the model).
const std::vector<ModelConfig>& configs() {
    static const std::vector<ModelConfig> k = {
        {"llama-2-7b",
         "Llama-2-7b config.json (memory_fpga.md A1 table): 32 layers, d 4096, 32/32 heads × 128, "
         "FFN 11008, vocab 32000",
         32, 4096, 32, 32, 128, 11008, 32000, false, false},
        {"llama-3.1-8b",
         "Llama-3.1-8B config.json: 32 layers, d 4096, 32/8 heads × 128, FFN 14336, vocab 128256",
         32, 4096, 32, 8, 128, 14336, 128256, false, false},
        {"qwen3-8b",
         "Qwen3-8B config.json (sparse_attention.md §2.1: 32 q / 8 KV heads × 128): 36 layers, d "
         "4096, FFN 12288, vocab 151936",
         36, 4096, 32, 8, 128, 12288, 151936, false, false},
        {"qwen2.5-7b",
         "Qwen2.5-7B config.json (memory_fpga.md A1 table): 28 layers, d 3584, 28/4 heads × 128, "
         "FFN 18944, vocab 152064, QKV bias",
         28, 3584, 28, 4, 128, 18944, 152064, true, false},
        {"bge-large-en-v1.5",
         "BAAI/bge-large-en-v1.5 config.json (BERT-large; rag.md §4: dim 1024): 24 layers, d 1024, "
         "16 heads × 64, FFN 4096, vocab 30522",
         24, 1024, 16, 16, 64, 4096, 30522, true, true},
        {"bge-reranker-large",
         "BAAI/bge-reranker-large config.json (XLM-RoBERTa-large cross-encoder, ~560M; rag.md "
         "§4): 24 layers, d 1024, 16 heads × 64, FFN 4096, vocab 250002",
         24, 1024, 16, 16, 64, 4096, 250002, true, true},
        {"lact-760m",
         "LaCT 760M (memory_fpga.md A3, lact_llm/configs): 24 layers, hidden 1536, 4 fast-weight "
         "heads × 384, SWA window 2048; attention 12 heads × 128 and FFN 4096 assumed (LLaMA-style "
         "760M)",
         24, 1536, 12, 12, 128, 4096, 32000, false, false},
    };
    return k;
}

}  // namespace

double ModelConfig::weight_bytes() const {
    const double per_layer = double(d) * double((hq + 2 * hkv) * head_dim) +
                             double(hq * head_dim) * double(d) + 3.0 * double(d) * double(ffn);
    return 2.0 * (double(layers) * per_layer + 2.0 * double(vocab) * double(d));
}

AttentionShape ModelConfig::attention(int64_t n_tokens) const {
    return AttentionShape{n_tokens, hq, hkv, head_dim, float(1.0 / std::sqrt(double(head_dim)))};
}

const ModelConfig& model_config(const std::string& name) {
    for (const ModelConfig& m : configs())
        if (m.name == name) return m;
    std::string known;
    for (const std::string& n : model_names()) known += (known.empty() ? "" : ", ") + n;
    usage_error("unknown model '{}'; known models: {}", name, known);
}

std::vector<std::string> model_names() {
    std::vector<std::string> out;
    for (const ModelConfig& m : configs()) out.push_back(m.name);
    return out;
}

const ModelConfig& pick_model(const std::string& requested, const std::string& paper_default,
                              const char* method) {
    if (requested.empty()) return model_config(paper_default);
    const ModelConfig& m = model_config(requested);
    MEMPIPE_CHECK_ARG(!m.encoder, "{}: model '{}' is an encoder; the method needs a decoder",
                      method, requested);
    return m;
}

OpCost weights_linear(int64_t m, int64_t k, int64_t n) {
    OpCost c = linear_cost(m, k, n);
    c.bytes_shared = 2.0 * double(n) * double(k);
    c.compute_dtype = DType::BF16;
    return c;
}

double kv_bytes_per_token(const ModelConfig& m) {
    return double(m.layers) * 2.0 * double(m.hkv * m.head_dim) * 2.0;
}

OpCost decode_layer_cost(const ModelConfig& m, int64_t context, int64_t batch) {
    const int64_t qkv = (m.hq + 2 * m.hkv) * m.head_dim;
    OpCost layer = norm_cost(batch, m.d);
    layer += weights_linear(batch, m.d, qkv);
    layer += rope_cost(batch * (m.hq + m.hkv), m.head_dim);
    layer += repeated(dense_attention_cost(m.attention(context + 1)), double(batch));
    layer += weights_linear(batch, m.hq * m.head_dim, m.d);
    layer += norm_cost(batch, m.d);
    layer += weights_linear(batch, m.d, 2 * m.ffn);
    layer += weights_linear(batch, m.ffn, m.d);
    return layer;
}

OpCost lm_head_cost(const ModelConfig& m, int64_t batch) {
    OpCost c = norm_cost(batch, m.d);
    c += weights_linear(batch, m.d, m.vocab);
    return c;
}

OpCost decode_token_cost(const ModelConfig& m, int64_t context, int64_t batch) {
    OpCost c = repeated(decode_layer_cost(m, context, batch), double(m.layers));
    c += lm_head_cost(m, batch);
    return c;
}

OpCost prefill_layer_cost(const ModelConfig& m, int64_t tokens, int64_t past, int64_t batch) {
    const int64_t rows = tokens * batch;
    const int64_t qkv = (m.hq + 2 * m.hkv) * m.head_dim;
    OpCost layer = norm_cost(rows, m.d);
    layer += weights_linear(rows, m.d, qkv);
    layer += rope_cost(rows * (m.hq + m.hkv), m.head_dim);
    // Causal attention: query t attends past + t + 1 tokens (encoders: all past + tokens). FLOPs
    // are those of `tokens` decode-attention calls at the mean length; K/V are streamed once per
    // tile of 128 queries (flash attention).
    const double mean_len =
        double(past) + (m.encoder ? double(tokens) : (double(tokens) + 1.0) / 2.0);
    OpCost attn = dense_attention_cost(m.attention(int64_t(std::ceil(mean_len))));
    const double tiles = std::ceil(double(tokens) / 128.0);
    attn.flops *= double(tokens);
    attn.bytes_read = tiles * (attn.bytes_read - double(m.hq * m.head_dim) * 4.0) +
                      double(tokens) * double(m.hq * m.head_dim) * 4.0;
    attn.bytes_written *= double(tokens);
    attn.compute_dtype = DType::BF16;
    layer += repeated(attn, double(batch));
    layer += weights_linear(rows, m.hq * m.head_dim, m.d);
    layer += norm_cost(rows, m.d);
    layer += weights_linear(rows, m.d, 2 * m.ffn);
    layer += weights_linear(rows, m.ffn, m.d);
    return layer;
}

int Builder::add(Node n) {
    OpNode o;
    o.name = std::move(n.name);
    o.op = std::move(n.op);
    o.step = n.step;
    o.phase = n.phase;
    o.period = n.period;
    o.cost = n.cost;
    o.inputs = std::move(n.inputs);
    o.output_bytes = n.output_bytes;
    o.state_bytes = n.state_bytes;
    o.shape = std::move(n.shape);
    return graph_.add(std::move(o));
}

void Builder::fuse(std::vector<int> nodes, Node n) {
    FusedVariant v;
    v.nodes = std::move(nodes);
    v.fused.name = std::move(n.name);
    v.fused.op = std::move(n.op);
    v.fused.step = graph_.node(v.nodes.front()).step;
    v.fused.phase = graph_.node(v.nodes.front()).phase;
    v.fused.period = graph_.node(v.nodes.front()).period;
    v.fused.cost = n.cost;
    v.fused.inputs = graph_.node(v.nodes.front()).inputs;
    v.fused.output_bytes = n.output_bytes;
    v.fused.state_bytes = n.state_bytes;
    v.fused.shape = std::move(n.shape);
    graph_.add_fused(std::move(v));
}

LayerFront add_layer_front(Builder& b, const ModelConfig& m, int64_t batch) {
    const double B = double(batch);
    const int64_t qkv = (m.hq + 2 * m.hkv) * m.head_dim;
    LayerFront f;
    f.norm = b.add(
        {"model.attn_norm", "norm", PipelineStep::Model, norm_cost(batch, m.d), {}, B * m.d * 4.0});
    f.qkv = b.add({"model.qkv",
                   "linear",
                   PipelineStep::Model,
                   weights_linear(batch, m.d, qkv),
                   {f.norm},
                   B * double(qkv) * 4.0,
                   2.0 * double(m.d) * double(qkv)});
    f.rope = b.add({"model.rope",
                    "rope",
                    PipelineStep::Model,
                    rope_cost(batch * (m.hq + m.hkv), m.head_dim),
                    {f.qkv},
                    B * double(qkv) * 4.0});
    return f;
}

int add_layer_back(Builder& b, const ModelConfig& m, int64_t batch, int attn_out) {
    const double B = double(batch);
    const double wo = 2.0 * double(m.hq * m.head_dim) * double(m.d);
    const double wmlp = 2.0 * 3.0 * double(m.d) * double(m.ffn);
    int o = b.add({"model.o_proj",
                   "linear",
                   PipelineStep::Model,
                   weights_linear(batch, m.hq * m.head_dim, m.d),
                   {attn_out},
                   B * m.d * 4.0,
                   wo});
    int n = b.add(
        {"model.ffn_norm", "norm", PipelineStep::Model, norm_cost(batch, m.d), {o}, B * m.d * 4.0});
    OpCost mlp = weights_linear(batch, m.d, 2 * m.ffn);
    mlp += weights_linear(batch, m.ffn, m.d);
    int f = b.add({"model.mlp", "linear", PipelineStep::Model, mlp, {n}, B * m.d * 4.0, wmlp});
    OpCost head = norm_cost(batch, m.d);
    head += weights_linear(batch, m.d, m.vocab);
    Builder::Node lm{"model.lm_head",
                     "linear",
                     PipelineStep::Model,
                     head,
                     {f},
                     B * 4.0,
                     2.0 * double(m.vocab) * double(m.d)};
    lm.period = int(m.layers);
    return b.add(std::move(lm));
}

namespace {

struct Bm25Model {
    double df_fraction_per_word = 0;  // E[df / docs] of a query word
    double terms_per_doc = 0;
    double terms_per_doc_var = 0;  // Σ_r c_r (1 − c_r): the variance if the words were independent
};

// E[max of n independent standard normals] = ∫ z d(Φ(z)^n), by the midpoint rule on [−8, 8].
double expected_normal_max(int n) {
    constexpr double kStep = 1e-3;
    double e = 0, prev = 0;
    for (double z = -8; z < 8; z += kStep) {
        const double cdf = std::pow(0.5 * std::erfc(-(z + kStep) / std::sqrt(2.0)), n);
        e += (z + 0.5 * kStep) * (cdf - prev);
        prev = cdf;
    }
    return e;
}

// The synthetic corpus of rag/synthetic.h (Zipf s over V words, 100-word documents; queries draw
// distinct words of rank ≥ 64 from the same distribution): P(doc holds word r) = 1 − (1 − p_r)^100.
// At the defaults a query word occurs in 1.48% of the documents, so an 8-word query touches 11.8%
// of them; cross-check, measured: docs/results.md (`mempipe rag bench` on 308,862 real passages)
// reports ~45K postings for 8-word queries, 14.6% of the documents.
const Bm25Model& bm25_model() {
    static const Bm25Model m = [] {
        const rag::SyntheticOptions o;
        constexpr int64_t kQueryMinRank = 64;  // rag/synthetic.h: queries use ranks ≥ 64
        double h = 0;
        for (int64_t r = 0; r < o.vocab_size; ++r) h += std::pow(double(r + 1), -o.zipf_s);
        double terms = 0, var = 0, q_mass = 0, q_df = 0;
        for (int64_t r = 0; r < o.vocab_size; ++r) {
            const double p = std::pow(double(r + 1), -o.zipf_s) / h;
            const double contains = -std::expm1(o.mean_words * std::log1p(-p));
            terms += contains;
            var += contains * (1 - contains);
            if (r >= kQueryMinRank) {
                q_mass += p;
                q_df += p * contains;
            }
        }
        return Bm25Model{q_df / q_mass, terms, var};
    }();
    return m;
}

}  // namespace

double bm25_expected_postings(int64_t docs, int words) {
    return double(docs) * double(words) * bm25_model().df_fraction_per_word;
}

double bm25_terms_per_doc() {
    return bm25_model().terms_per_doc;
}

double bm25_batch_rows(int batch_docs) {
    const Bm25Model& m = bm25_model();
    return std::ceil(m.terms_per_doc +
                     expected_normal_max(batch_docs) * std::sqrt(m.terms_per_doc_var));
}

int add_generation_tail(Builder& b, const ModelConfig& m, int64_t context, int64_t batch, int input,
                        double layer_weights, int decode_period, int head_period) {
    const double B = double(batch);
    const int dec = b.add({"model.decode",
                           "decode",
                           PipelineStep::Model,
                           decode_layer_cost(m, context, batch),
                           {input},
                           B * m.d * 4.0,
                           layer_weights,
                           decode_period});
    b.add({"model.lm_head",
           "linear",
           PipelineStep::Model,
           lm_head_cost(m, batch),
           {dec},
           B * 4.0,
           2.0 * double(m.vocab * m.d),
           head_period});
    return dec;
}

}  // namespace mempipe::workloads
