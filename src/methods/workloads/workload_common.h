// Shared pieces of the paper-scale cost-only workloads (methods/workload.h): model configurations,
// the dense-op costs of the rest of a transformer layer, and a graph builder that fills the
// placement fields (output_bytes, state_bytes, shape) of every node.
//
// Every constant here is a published model configuration or a setting of the paper (App. D) and
// names its source next to it. Dense costs are the catalogue's (ops/nn.h, ops/attention.h) with two
// facts made explicit: a model's weights are shared by every sequence of a batch (bytes_shared) and
// its GEMMs run in bf16 on the GPU's matrix cores (rocBLAS, paper App. E).
#pragma once

#include <any>
#include <cstdint>
#include <string>
#include <vector>

#include "mempipe/graph/graph.h"
#include "mempipe/methods/workload.h"
#include "mempipe/ops/attention.h"
#include "mempipe/ops/cost.h"

namespace mempipe::workloads {

// A dense decoder (GQA) or encoder configuration.
struct ModelConfig {
    std::string name;
    std::string source;
    int64_t layers = 0, d = 0, hq = 0, hkv = 0, head_dim = 0, ffn = 0, vocab = 0;
    bool qkv_bias = false;
    bool encoder = false;         // bidirectional encoder (embedding / reranker models)
    double weight_bytes() const;  // bf16, layers + embeddings + LM head
    AttentionShape attention(int64_t n_tokens) const;
};

// Known configurations: llama-2-7b, llama-3.1-8b, qwen3-8b, qwen2.5-7b, bge-large-en-v1.5,
// bge-reranker-large, lact-760m. Usage error naming them when unknown.
const ModelConfig& model_config(const std::string& name);
std::vector<std::string> model_names();
// `requested` when non-empty (must be a known model), else `paper_default`.
const ModelConfig& pick_model(const std::string& requested, const std::string& paper_default,
                              const char* method);

// y = x·Wᵀ over m rows with bf16 weights [n × k]: linear_cost with the weights shared by the rows
// and the batch (bytes_shared) and the arithmetic in bf16 (matrix cores).
OpCost weights_linear(int64_t m, int64_t k, int64_t n);
// One layer of one decode token of `batch` sequences at `context` cached tokens (norms, QKV,
// RoPE, attention over context + 1, O, MLP): the catalogue's dense costs summed. The whole model
// is `layers` of these plus the LM head (decode_token_cost).
OpCost decode_layer_cost(const ModelConfig& m, int64_t context, int64_t batch);
OpCost lm_head_cost(const ModelConfig& m, int64_t batch);  // final norm + vocab projection
OpCost decode_token_cost(const ModelConfig& m, int64_t context, int64_t batch);
// One layer of the prefill of `tokens` new tokens after `past` cached ones, `batch` sequences:
// projections and MLP as GEMMs over batch × tokens rows; causal attention = Σ over the new tokens
// of dense_attention_cost at the mean length, K/V read once per 128-query tile. Graphs keep the
// prefill per layer: a modelled device refuses an op whose reads exceed its memory, and a whole
// model's activations at paper sizes can.
OpCost prefill_layer_cost(const ModelConfig& m, int64_t tokens, int64_t past, int64_t batch);
// bf16 K and V of one token, all layers.
double kv_bytes_per_token(const ModelConfig& m);

// Builds a cost-only graph node by node.
class Builder {
  public:
    struct Node {
        Node(std::string name_, std::string op_, PipelineStep step_, OpCost cost_,
             std::vector<int> inputs_ = {}, double output_bytes_ = 0, double state_bytes_ = 0,
             int period_ = 1, Phase phase_ = Phase::Step, std::any shape_ = {})
            : name(std::move(name_)),
              op(std::move(op_)),
              step(step_),
              cost(cost_),
              inputs(std::move(inputs_)),
              output_bytes(output_bytes_),
              state_bytes(state_bytes_),
              period(period_),
              phase(phase_),
              shape(std::move(shape_)) {}
        std::string name, op;
        PipelineStep step = PipelineStep::Model;
        OpCost cost;
        std::vector<int> inputs;
        double output_bytes = 0;
        double state_bytes = 0;
        int period = 1;
        Phase phase = Phase::Step;
        std::any shape;
    };
    int add(Node n);
    // A fused variant of `nodes` (consecutive in a chain) run as one op: name, op, cost, state,
    // output and shape of the fused op; period of the first member.
    void fuse(std::vector<int> nodes, Node fused);
    Graph take() { return std::move(graph_); }
    const Graph& graph() const { return graph_; }

  private:
    Graph graph_;
};

// The rest of a GQA decoder layer around a method's attention (one decode token, `batch`
// sequences): attn_norm → qkv (+ bias) → q/k RoPE; then, after the method's Apply, o_proj →
// ffn_norm → mlp; and the LM head once per `layers` executions (period = layers). `add_front`
// returns {norm, qkv, rope} indices; `add_back` takes the attention output node.
struct LayerFront {
    int norm = -1, qkv = -1, rope = -1;
};
LayerFront add_layer_front(Builder& b, const ModelConfig& m, int64_t batch);
int add_layer_back(Builder& b, const ModelConfig& m, int64_t batch, int attn_out);
// The generation tail of a request: one decode layer at `context` cached tokens ("model.decode",
// holding `layer_weights`, period `decode_period`) after `input`, then the LM head (period
// `head_period`). Returns the decode node.
int add_generation_tail(Builder& b, const ModelConfig& m, int64_t context, int64_t batch, int input,
                        double layer_weights, int decode_period, int head_period);

// Shared by make_workload's method builders.
struct Built {
    Graph graph;
    std::string unit;
    double units = 1;
    std::string description;
    std::string model;
};

// Per-method builders (sparse_attention.cpp, rag.cpp, compressed_memory.cpp).
Built build_dsa(const WorkloadOptions& o);
Built build_seer(const WorkloadOptions& o, bool threshold);
Built build_lserve(const WorkloadOptions& o);
Built build_single_stage_rag(const WorkloadOptions& o);  // fs-rag, flare, dragin
Built build_two_stage_rag(const WorkloadOptions& o);
Built build_hmt(const WorkloadOptions& o);
Built build_memagent(const WorkloadOptions& o);
Built build_lact(const WorkloadOptions& o);

// BM25 statistics of a corpus of `docs` 100-word passages (the synthetic corpus model of
// rag/synthetic.h, whose documents have the length of DPR's psgs_w100 passages): expected postings
// of a query of `words` content words, and expected distinct terms per document (index size).
double bm25_expected_postings(int64_t docs, int words);
double bm25_terms_per_doc();
// Expected rows of a batch of `batch_docs` documents in the FPGA's forward-index scan (the authors'
// BM25 kernel, rag_designs.h): E[max distinct terms over the batch] ≈ mean + E[max of batch_docs
// standard normals] · sd, with the variance of independent words (Σ c(1 − c), an upper bound for
// fixed-length documents, whose word counts are negatively correlated), rounded up.
double bm25_batch_rows(int batch_docs);

}  // namespace mempipe::workloads
