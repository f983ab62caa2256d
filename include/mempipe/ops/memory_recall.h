// HMT's memory recall: cross-attention of a segment summary over a cache of past memory
// embeddings (memory_fpga.md §A1, HMT-pytorch modeling_rmt/long_mem_cross_attn.py).
//
// HMT keeps a FIFO of N' ≤ N memory embeddings M [N' × d] (the last hidden state of each past
// segment) and, per new segment, turns the segment's summary S [d] into one recalled embedding
// P [d] that is prepended and appended to the segment:
//   K_i = M_i·Wkᵀ                (memory_recall_key; cached per entry, computed once when M_i is
//                                 pushed, as FlexLLM's HMT plug-in does)
//   q   = S·Wqᵀ                  ([h]; Wq, Wk: [h × d], bias-free, ops/linear.h formats)
//   s_i = scale · q·K_iᵀ         (memory_recall_scores)
//   a   = softmax(s) over the N' entries, f32 (memory_recall_read)
//   P   = Σ_i a_i·M_i            (no Wv, no output projection: the values are the raw embeddings)
// `memory_recall` runs q, s, a and P in one call. scale = memory_recall_scale(d, h, rule): the
// reference code divides by h instead of √h when d ≥ 4096 and h ≥ 4096 outside generation
// (RecallScale::HmtCode, the default); RecallScale::InvSqrtH is the generation-mode rule.
// N' = 0 (the first segment: nothing cached yet) is not an error: P = `initial` (HMT's learned
// MemoryCell.memory), or 0 when initial is nullptr; `weights` is then not written.
//
// Softmax semantics (as PyTorch's): m = max_i s_i, a_i = e^(s_i − m) / Σ_j e^(s_j − m). A NaN
// score, a +∞ score or all scores −∞ make every a_i and every P_j NaN; a −∞ score alone gets
// weight 0. NaN or ±∞ in M reach P through the products (0·∞ = NaN).
//
// Numerics (u = 2^-24). The references accumulate in f64 and round once per output. The fast
// kernels:
//   memory_recall_key:    linear.h's contract for one row (x rounded to bf16 for Bf16 weights).
//   memory_recall_scores: f32 FMA sums: |s − s_ref| ≤ (h + 2)·u·|scale|·Σ_t |q_t·K_it|.
//   memory_recall_read:   f32 softmax (polynomial exp, ≈ 1 ulp) and f32 sums:
//                         |a_i − a_ref| ≤ (n + 128)·u·a_ref + 1e-37,
//                         |P_j − P_ref| ≤ (2n + 128)·u·Σ_i a_ref,i·|M_ij| + 1e-37·(1 + Σ_i |M_ij|)
//                         (the 1e-37 terms: weights below 2^-126 are f32 denormals or 0).
//   memory_recall:        the three ops in sequence (q in f32 between them), bit-identical to
//                         calling them one after the other on the same backend.
// Outputs must not alias inputs. Every pointer may be unaligned; n = 0, h = 0 and d = 0 work.
#pragma once

#include <cstdint>

#include "mempipe/ops/cost.h"
#include "mempipe/ops/linear.h"

namespace mempipe {

enum class RecallScale : uint8_t {
    HmtCode,  // 1/h when d ≥ 4096 and h ≥ 4096 (HMT's reference code outside generate), else 1/√h
    InvSqrtH,  // always 1/√h (HMT's generate mode, standard attention)
};

// The score scale of `rule` for model width d and recall width h (h ≥ 1; h = 0 gives 1).
float memory_recall_scale(int64_t d, int64_t h, RecallScale rule = RecallScale::HmtCode);

// Costs. key: linear_cost(n, wk) (n memory rows projected). scores: 2·n·h FLOPs, reads q and
// K (4·(h + n·h) bytes), writes 4n. read: softmax (~4n) + 2·n·d FLOPs, reads s and M
// (4·(n + n·d)), writes a and P (4·(n + d)). recall: the three (with the q projection
// linear_cost(1, wq)) summed.
OpCost memory_recall_key_cost(int64_t n, const LinearWeights& wk);
OpCost memory_recall_scores_cost(int64_t n, int64_t h);
OpCost memory_recall_read_cost(int64_t n, int64_t d);
OpCost memory_recall_cost(int64_t n, const LinearWeights& wq);

namespace ref {
// keys = mem·Wkᵀ. mem: [n × d] f32 (d = wk.k); keys: [n × h] f32 (h = wk.n).
void memory_recall_key(const float* mem, int64_t n, const LinearWeights& wk, float* keys);
// q: [h] f32; keys: [n × h] f32; scores: [n] f32.
void memory_recall_scores(const float* q, const float* keys, int64_t n, int64_t h, float scale,
                          float* scores);
// scores: [n] f32; mem: [n × d] f32; initial: [d] f32 or nullptr (used when n = 0);
// weights: [n] f32 (the softmax) or nullptr; p: [d] f32.
void memory_recall_read(const float* scores, const float* mem, int64_t n, int64_t d,
                        const float* initial, float* weights, float* p);
// The whole recall. s: [d] f32 (d = wq.k); wq: [h × d]; keys: [n × h]; mem: [n × d]; initial,
// weights, p as memory_recall_read.
void memory_recall(const float* s, const LinearWeights& wq, const float* keys, const float* mem,
                   int64_t n, float scale, const float* initial, float* weights, float* p);
}  // namespace ref

namespace cpu {
void memory_recall_key(const float* mem, int64_t n, const LinearWeights& wk, float* keys);
void memory_recall_scores(const float* q, const float* keys, int64_t n, int64_t h, float scale,
                          float* scores);
void memory_recall_read(const float* scores, const float* mem, int64_t n, int64_t d,
                        const float* initial, float* weights, float* p);
void memory_recall(const float* s, const LinearWeights& wq, const float* keys, const float* mem,
                   int64_t n, float scale, const float* initial, float* weights, float* p);
}  // namespace cpu

}  // namespace mempipe
