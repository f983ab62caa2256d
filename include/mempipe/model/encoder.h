// BERT / XLM-RoBERTa encoders of the dense substrate: the bge-style embedders of dense retrieval
// and the cross-encoder reranker of two-stage RAG (reference/rag.md §4).
//
// Forward pass of one sequence of L token ids (HF BertModel / XLMRobertaModel, inference mode):
//   x = LayerNorm(word[ids] + position[position_offset + i] + token_type[types])   [L × hidden]
//   per block (post-norm):
//     q, k, v = x·Wqᵀ + bq, x·Wkᵀ + bk, x·Wvᵀ + bv; per head h (head_dim = hidden / heads):
//       a_h = softmax(q_h·k_hᵀ / √head_dim) · v_h          (bidirectional: every token sees all L)
//     x = LayerNorm(x + a·Woᵀ + bo)
//     x = LayerNorm(x + GELU_erf(x·W1ᵀ + b1)·W2ᵀ + b2)
// Sequences of a batch may differ in length: each attends only to its own tokens (the effect of
// HF's padding mask, without padding), while the linear layers run over all tokens of the batch
// at once. Pooling: CLS (the first token: bge) or the mean over the sequence (all-MiniLM), then
// optionally L2-normalised. The cross-encoder head (XLMRobertaForSequenceClassification):
// logits = out_proj(tanh(dense(x[CLS]))), the score is logit 0.
//
// Numerics: linear layers follow ops/linear.h (Bf16 weights: the layer input is rounded to bf16;
// Int8/Int4: W8A8/W4A8); attention is ops/attention.h's attention_prefill (causal = false) over a
// bf16 copy of each sequence's K and V; embeddings, norms, biases and the classifier's out_proj
// stay f32. Backend::Cpu runs the cpu:: kernels, Backend::Reference the ref:: oracles (tests).
// Against sentence-transformers in f32, all-MiniLM-L6-v2 with Bf16 weights gives cosine ≥ 0.9999
// (tests/model/encoder_minilm_test.cpp).
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mempipe/core/buffer.h"
#include "mempipe/model/config.h"
#include "mempipe/model/safetensors.h"
#include "mempipe/model/weights.h"
#include "mempipe/rag/hybrid.h"

namespace mempipe::model {

enum class Pooling : uint8_t { Cls, Mean };
Pooling parse_pooling(std::string_view name);  // cls | mean

struct EncoderLayerWeights {
    LinearStorage q, k, v, o;  // [hidden × hidden]
    LinearStorage up;          // intermediate.dense: [intermediate × hidden]
    LinearStorage down;        // output.dense: [hidden × intermediate]
    Buffer<float> q_bias, k_bias, v_bias, o_bias, down_bias;  // [hidden]
    Buffer<float> up_bias;                                    // [intermediate]
    Buffer<float> attn_norm_gamma, attn_norm_beta;            // attention.output.LayerNorm [hidden]
    Buffer<float> out_norm_gamma, out_norm_beta;              // output.LayerNorm [hidden]
};

struct EncoderWeights {
    ModelConfig config;
    Buffer<float> word;        // [vocab × hidden]
    Buffer<float> position;    // [max_positions × hidden]
    Buffer<float> token_type;  // [type_vocab × hidden] (empty when type_vocab = 0)
    Buffer<float> emb_norm_gamma, emb_norm_beta;  // [hidden]
    std::vector<EncoderLayerWeights> layers;
    // Classifier head, present when config.num_labels > 0.
    LinearStorage cls_dense;       // [hidden × hidden]
    Buffer<float> cls_dense_bias;  // [hidden]
    Buffer<float> cls_out;         // out_proj: [num_labels × hidden] f32
    Buffer<float> cls_out_bias;    // [num_labels]
};

// Seeded random weights (N(0, 0.02²) matrices as BERT's initializer, LayerNorm γ ≈ 1, β ≈ 0 with a
// small random part so tests exercise them). config.arch must be Encoder.
EncoderWeights make_random_encoder(const ModelConfig& config, LinearFormat format, int64_t group,
                                   uint64_t seed);
// Packs every bf16 linear layer for the CPU backend's prefill GEMM (LinearStorage::pack): an
// encoder's calls are all prefill (rows = tokens), and the AMX kernel then reads the prepacked
// tiles instead of copying weight blocks per call. Doubles those layers' memory, so it is a no-op
// below SIMD level amx (no other kernel reads the packed copy) and for other formats.
void pack_for_prefill(EncoderWeights& weights);
// Loads the Hugging Face tensor names ("embeddings.word_embeddings.weight",
// "encoder.layer.{i}.attention.self.query.weight", …, "classifier.dense.weight",
// "classifier.out_proj.weight"), with or without a "bert." / "roberta." prefix. Shapes are checked
// against `config`; errors name the file and the tensor.
EncoderWeights load_encoder(const SafetensorsFile& file, const ModelConfig& config,
                            LinearFormat format = LinearFormat::Bf16, int64_t group = 0);

// Cost of one Encoder::forward over sequences of lengths `seq_lens` (T = Σ L tokens): the six
// linear layers of every block over T rows (linear_cost; weights read once), attention per sequence
// (paged_kv_append_cost + attention_prefill_cost, 4·L²·hidden FLOPs), LayerNorms (norm_cost),
// GELU (gelu_cost), residual adds and the embedding gather (f32 rows); with_head adds the
// classifier (dense over one row per sequence, tanh, out_proj). Only the config's shapes are read.
OpCost encoder_forward_cost(const ModelConfig& config, std::span<const int64_t> seq_lens,
                            LinearFormat format = LinearFormat::Bf16, int64_t group = 0,
                            bool with_head = false);

// One input sequence: ids [L] in [0, vocab); token_types [L] in [0, type_vocab) or empty (= 0).
struct EncoderInput {
    std::span<const int32_t> ids;
    std::span<const int32_t> token_types;
};

// Scratch buffers of Encoder::forward, kept between calls (they only grow) so that a loop over
// batches does not fault in fresh pages each time. One workspace per thread.
struct EncoderWorkspace {
    Buffer<float> x, q, k, v, a, tmp, mid;
    Buffer<uint16_t> k_cache, v_cache;
};

class Encoder {
  public:
    explicit Encoder(EncoderWeights weights);
    const ModelConfig& config() const { return w_.config; }
    const EncoderWeights& weights() const { return w_; }
    // Last hidden states of every sequence, concatenated: [Σ L × hidden] f32. Usage errors for an
    // empty sequence, a sequence longer than max_positions − position_offset, or an id/type out
    // of range (naming the sequence and position).
    Buffer<float> forward(std::span<const EncoderInput> batch,
                          Backend backend = Backend::Cpu) const;
    // As above, into ws.x (its first Σ L × hidden floats; valid until ws is used again). Returns
    // Σ L.
    int64_t forward(std::span<const EncoderInput> batch, EncoderWorkspace& ws,
                    Backend backend = Backend::Cpu) const;

  private:
    EncoderWeights w_;
};

// ids → one embedding per sequence.
class Embedder {
  public:
    Embedder(Encoder encoder, Pooling pooling, bool normalize)
        : enc_(std::move(encoder)), pooling_(pooling), normalize_(normalize) {}
    const Encoder& encoder() const { return enc_; }
    int64_t dim() const { return enc_.config().hidden; }
    // out: [batch.size() × dim()] f32. Sequences run in groups of about `max_batch_tokens` tokens.
    void embed(std::span<const EncoderInput> batch, float* out, Backend backend = Backend::Cpu,
               int64_t max_batch_tokens = 8192) const;

  private:
    Encoder enc_;
    Pooling pooling_;
    bool normalize_;
};

// The cross-encoder input of a (query, passage) pair, HF tokenizer style: XLM-R "<s> q </s></s> p
// </s>" (double_sep) or BERT "[CLS] q [SEP] p [SEP]" (token types 0 for the query part, 1 for the
// passage when with_types). Truncation "longest_first": tokens are removed from the end of the
// longer of the two until the pair fits max_len (≥ 4 + double_sep).
struct PairFormat {
    int32_t cls = 0, sep = 2;
    bool double_sep = true;
    bool with_types = false;
    int64_t max_len = 512;
};
struct PairInput {
    std::vector<int32_t> ids, token_types;
    EncoderInput view() const { return {ids, token_types}; }
};
PairInput make_pair_input(std::span<const int32_t> query, std::span<const int32_t> passage,
                          const PairFormat& format);

// Scores pairs with the classifier head; config.num_labels must be ≥ 1.
class CrossEncoder {
  public:
    explicit CrossEncoder(Encoder encoder);
    const Encoder& encoder() const { return enc_; }
    // logits: [batch.size() × num_labels] f32.
    void logits(std::span<const EncoderInput> batch, float* out, Backend backend = Backend::Cpu,
                int64_t max_batch_tokens = 8192) const;
    // Logit 0 of each pair.
    std::vector<float> score(std::span<const EncoderInput> batch,
                             Backend backend = Backend::Cpu) const;

  private:
    Encoder enc_;
};

// Adapter for the two-stage RAG pipeline: token ids of the query text and of each candidate doc
// come from caller-supplied functions (a tokenizer and a doc store); each candidate is scored as
// a (query, doc) pair in one batch.
class CrossEncoderScorer : public rag::Stage2Scorer {
  public:
    using QueryTokens = std::function<std::vector<int32_t>(std::string_view query_text)>;
    using DocTokens = std::function<std::vector<int32_t>(std::string_view doc_id)>;
    CrossEncoderScorer(const CrossEncoder& model, QueryTokens query_tokens, DocTokens doc_tokens,
                       PairFormat format, Backend backend = Backend::Cpu)
        : model_(model),
          query_tokens_(std::move(query_tokens)),
          doc_tokens_(std::move(doc_tokens)),
          format_(format),
          backend_(backend) {}
    std::vector<float> score(std::string_view query_id, std::string_view query_text,
                             const std::vector<std::string>& doc_ids) override;

  private:
    const CrossEncoder& model_;
    QueryTokens query_tokens_;
    DocTokens doc_tokens_;
    PairFormat format_;
    Backend backend_;
};

}  // namespace mempipe::model
