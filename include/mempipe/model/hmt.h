// HMT (Hierarchical Memory Transformer, memory_fpga.md §A1; OswaldHe/HMT-pytorch
// modeling_rmt/language_modeling.py) over a decoder: token ids in, logits out, with a FIFO of past
// memory embeddings recalled by cross-attention (ops/memory_recall.h).
//
// Per segment X_n (block = L − 2 − k token ids; the last segment may be shorter):
//   1. summary:  S_n = final hidden state at the last row of the pass over
//                [T ; E(X_n[0:j]) ; T], j = min(round(block · sum_fraction), |X_n|) (T: the
//                learned summarisation prompt). Runs every segment, as the reference code does
//                (the first segment's S_1 finds an empty cache and goes unused).
//   2. recall:   P_n = memory_recall(S_n, Wq, K, M) over the N' ≤ N cached entries; the initial
//                memory (MemoryCell.memory) when N' = 0.
//   3. segment:  the backbone pass over [P_n ; E(sensory) ; E(X_n) ; P_n], sensory = the last k
//                token ids of the previous segment, re-embedded (none for the first segment).
//                The logits of the X_n rows are the output for those positions.
//   4. memory:   M_n = the final hidden state at the last row (the trailing P_n slot) and its key
//                K_n = M_n·Wkᵀ are pushed to the FIFO; the oldest entry drops past N.
// Every pass is an independent sequence from position 0 (no KV cache carried between passes).
// "Final hidden state" is the last layer's output after the final RMSNorm (HF hidden_states[-1]).
// The learned extra parameters are random and seeded: Wq, Wk [h × d] bf16 N(0, 1/d); T and the
// initial memory randn · std(E) as HMT initialises them (E: the token-embedding table).
//
// Titans "memory as context" (MAC, arXiv 2501.00663; memory_fpga.md §A1) is not implemented here;
// it differs from this loop in: (1) the long-term memory is a deep MLP whose weights are updated
// at test time (loss ‖M(k_t) − v_t‖², momentum "surprise", forget gate) — parametric, like LaCT —
// instead of a FIFO of N embeddings read by softmax cross-attention; (2) the read is a forward
// pass of that MLP on q_t = S·W_Q for every token of the segment, giving several long-term tokens
// per segment (HMT: one recalled embedding); (3) a fixed set of learned persistent tokens is
// prepended too ([p_1..p_Np] ‖ h_t ‖ S); (4) after attention the memory is updated with y_t and
// the output gated, o_t = y_t ⊗ M*(y_t). The paper's "memory as context" measurements replace HMT's
// summary pass by a linear projection (App. D); the profile recipe offers that as
// HmtRecipe::summary_pass = false (src/methods/memory_methods.h).
//
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "mempipe/core/buffer.h"
#include "mempipe/model/decoder.h"
#include "mempipe/ops/memory_recall.h"

namespace mempipe::model {

// The decoder HMT drives: input embeddings in, final hidden states out (DecoderModel's
// embed / forward_embeddings / logits).
using HmtBackbone = DecoderModel;

// HMT's memory cache: a FIFO of at most `capacity` memory embeddings [d] and their keys [h], oldest
// first, contiguous (the layout the recall ops read).
class HmtMemory {
  public:
    HmtMemory() = default;
    HmtMemory(int64_t capacity, int64_t d, int64_t h);
    // Appends m: [d] and key: [h]; drops the oldest entry when the cache is full.
    void push(const float* m, const float* key);
    void clear() { size_ = 0; }
    int64_t size() const { return size_; }
    int64_t capacity() const { return capacity_; }
    const float* embeddings() const { return mem_.data(); }  // [size × d]
    const float* keys() const { return keys_.data(); }       // [size × h]

  private:
    int64_t capacity_ = 0, d_ = 0, h_ = 0, size_ = 0;
    std::vector<float> mem_, keys_;
};

struct HmtConfig {
    int64_t segment = 1024;        // L: rows of the augmented segment (paper App. D: 1024)
    int64_t sensory = 32;          // k: --num_sensory (every HMT script uses 32)
    int64_t memory_entries = 100;  // N: --mem_recall_context (default 100)
    int64_t recall_dim = 0;        // h: --mem_recall_hidden_dim; 0 = the model's hidden size
    double sum_fraction = 0.5;     // --sum_fraction
    RecallScale scale = RecallScale::HmtCode;
    uint64_t seed = 7;  // of Wq, Wk, T and the initial memory

    int64_t block() const { return segment - 2 - sensory; }  // token ids per segment
    int64_t summary_tokens() const;                          // round(block · sum_fraction)
};

struct HmtSegmentTrace {
    int64_t start = 0, tokens = 0;  // X_n = ids[start, start + tokens)
    int64_t summary_rows = 0;       // rows of the summary pass: j + 2
    int64_t sensory = 0;            // sensory ids prepended (0 for the first segment)
    int64_t segment_rows = 0;       // rows of the backbone pass: 1 + sensory + tokens + 1
    int64_t recalled = 0;           // N' entries the recall attended (0: initial memory used)
};

struct HmtResult {
    std::vector<float> logits;  // [ids.size() × vocab]: the logits at every input position
    std::vector<HmtSegmentTrace> segments;
};

class HmtRunner {
  public:
    // Usage errors: block < 1, sensory < 0, N < 1, h < 0, sum_fraction outside (0, 1], a segment
    // longer than the backbone's max_tokens.
    HmtRunner(HmtBackbone& model, const HmtConfig& config);

    // Clears the memory, then runs every segment of ids (each id in [0, vocab)).
    HmtResult run(std::span<const int32_t> ids);
    // The recall with the current memory: s: [d] → p: [d]; weights: [memory().size()] or nullptr.
    void recall(const float* s, float* p, float* weights = nullptr) const;
    const HmtMemory& memory() const { return memory_; }
    const HmtConfig& config() const { return cfg_; }
    const LinearWeights& wq() const { return wq_.weights(); }
    const LinearWeights& wk() const { return wk_.weights(); }
    std::span<const float> summary_prompt() const { return {t_.data(), t_.size()}; }
    std::span<const float> initial_memory() const { return {initial_.data(), initial_.size()}; }

  private:
    HmtBackbone& model_;
    HmtConfig cfg_;
    int64_t d_ = 0, h_ = 0;
    LinearStorage wq_, wk_;
    std::vector<float> t_, initial_;
    HmtMemory memory_;
};

}  // namespace mempipe::model
