// The rest of the model around a method's memory steps: the dense work that the paper's
// memory-processing share (Figs. 3–5) is measured against.
//
// A pass is one kind of forward step through the model: per layer the attention input RMSNorm,
// the layer's attention projections (those the method's own nodes do not already run), optionally
// the attention over the sequence's own tokens, the post-attention RMSNorm and the SwiGLU MLP
// (gate/up as one [2·I × H] matrix, silu_mul, down); then the final RMSNorm and the LM head. A
// decode pass runs one token per sequence (`rows` = 1), a prefill pass the whole prompt (`rows`
// tokens, logits for the last one only). Weights are bf16, random and seeded (ops/linear.h) and
// shared by the passes; activations and KV caches are random O(1) values (the step times the work,
// not the numbers). A graph holds one layer: per-layer nodes carry repeat = layers × times
// (OpNode::repeat), the LM head repeat = times.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "mempipe/core/buffer.h"
#include "mempipe/graph/graph.h"
#include "mempipe/methods/method.h"
#include "mempipe/model/config.h"
#include "mempipe/ops/linear.h"

namespace mempipe {

struct ModelRestProjection {
    std::string name;  // node name suffix, e.g. "qkv_proj"
    int64_t in = 0, out = 0;
};

struct ModelRestShape {
    std::string model;  // configuration name (model/config.h)
    int64_t layers = 0, hidden = 0, intermediate = 0, vocab = 0;
    int64_t heads = 0, kv_heads = 0, head_dim = 0;  // for a pass's own attention
    float norm_eps = 1e-6f;
    std::vector<ModelRestProjection> attention;  // per layer, in execution order
};

// A GQA decoder layer's projections: q, k, v as one matrix, then o.
ModelRestShape gqa_model_rest(const model::ModelConfig& c);
// A DeepSeek-V3.2 layer's MLA projections outside the method's nodes: wq_a, wq_b, wkv_a, wo
// (the absorbed wkv_b halves are the method's mla.absorb_q / mla.v_up).
ModelRestShape mla_model_rest(const model::ModelConfig& c);

struct ModelPass {
    std::string prefix = "model";  // node names: "<prefix>.<op>"
    int64_t rows = 1;              // tokens per sequence in one execution (prefill: the prompt)
    double times = 1;              // executions per step (decode: the generated tokens)
    // The pass's own attention: 0 = none (the method's Apply step is the attention); otherwise
    // rows = 1 decodes over `context` cached tokens, rows > 1 is a causal prefill of the rows.
    int64_t context = 0;
    // The pipeline step the pass's nodes are tagged with: Model for the rest of the model; a
    // method whose memory processing *is* a model pass (MemAgent's memory rewrite, HMT's summary
    // pass) tags it with its step.
    PipelineStep step = PipelineStep::Model;
    bool lm_head = true;  // end with the final norm and the LM head (false: hidden states only)
};

class ModelRest {
  public:
    // Bytes `setup(s, batch, …)` allocates for passes of at most max_rows rows and max_context
    // attended tokens.
    static double state_bytes(const ModelRestShape& s, int batch, int64_t max_rows = 1,
                              int64_t max_context = 0);
    void setup(const ModelRestShape& s, int batch, uint64_t seed, int64_t max_rows = 1,
               int64_t max_context = 0);
    // Appends the pass's nodes (inputs: `after`, which may be −1) and returns the last one.
    int add_nodes(Graph& g, Backend backend, int after, const ModelPass& pass = {});
    const ModelRestShape& shape() const { return shape_; }

  private:
    struct Matrix {
        Buffer<uint16_t> w;
        LinearWeights view;
    };
    Matrix make_matrix(int64_t n, int64_t k, uint64_t seed) const;

    ModelRestShape shape_;
    int batch_ = 0;
    int64_t max_rows_ = 1, max_context_ = 0;
    std::vector<Matrix> attention_;
    Matrix gate_up_, down_, lm_head_;
    Buffer<float> norm_gamma_, x_, y_, in_, out_, act_, logits_, q_, attn_out_;
    Buffer<uint16_t> k_cache_, v_cache_;
};

}  // namespace mempipe
