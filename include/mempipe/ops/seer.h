// SeerAttention-R AttnGate: block-level relevancy for decode-time block-sparse attention.
//
// The gate (SEER seer_attn/decode_sparse/attn_gate_inf.py, cache_utils.py `KCompressionCache`;
// spec in reference/sparse_attention.md §2 and §8.2) scores 64-token blocks of a GQA KV cache per
// KV head and selects which blocks each KV head's g = hq/hkv query heads attend. One op per step:
//
//   Prepare    `seer_compress_block(s)`: a completed block of k_nope (post k_norm, pre-RoPE) →
//              per KV head pooled [max ; min ; avg] (3·d) → per-head linear Wk (3·d → d_gate) →
//              optional RMSNorm → NeoX RoPE → one k_comp row [hkv × d_gate] bf16.
//   Relevancy  `seer_gate_scores`: qg[k] = Σ_{j<g} q_nope[k·g + j] · Wq[k, j] (head-pooling
//              linear, "Qproj") → optional RMSNorm → NeoX RoPE at the current position →
//              s[k, b] = softmax_b(qg[k] · k_comp[b, k] / sqrt(d_gate)) over the n_blocks blocks.
//   Retrieval  `seer_select_blocks`: top-(budget) blocks per KV head, or s > τ, plus the first
//              and the last block → ascending block lists for block_sparse_attention_decode
//              (SelectionGroups::PerKvHead).
//   `seer_gate_select` fuses Relevancy and Retrieval (the selection reads scores still in cache).
//
// Qwen3-8B gate (the defaults of SeerGateShape): hq 32, hkv 8 (g 4), d 128, d_gate 128 (= rotary
// dim), block 64, RoPE NeoX with the base model's theta 1,000,000, qk-norm off.
//
// KCompressionCache convention. k_comp holds one row per block of the cache: n_blocks =
// ceil(L / block) for L cached tokens (the current one included). While the last block is partial
// its row is all zeros (the reference appends a zero row when a block's first token arrives), so
// it scores qg·0 = 0 and takes part in the softmax and in top-k like any other block; it is
// selected anyway (forced). When a block completes (L % block == 0) its row is overwritten with
// the compressed block.
//
// RoPE position of compressed K (an inconsistency of the released code, replicated on purpose).
// The released decode path rotates a block compressed during decode at the *current* position,
// i.e. the block's last token (L − 1 = b·block + block − 1; SEER commit 5d967a6 "Fixed rope bug in
// attngate inference"), while its prefill path rotates each block at its *first* token
// (position_ids[:, 0::block]) and training used block starts too. We follow the decode behaviour
// (`SeerKPosition::BlockEnd`) for bit-faithful decoding; `SeerKPosition::BlockStart` reproduces the
// prefill/training convention for caches built from a prompt. The query is always rotated at the
// current position.
//
// qk-norm: the config class defaults `use_qk_norm` to false while the distillation script
// defaults it to true; read the released gate's config.json. Off by default here
// (SeerGateShape::qk_norm); when on, an RMSNorm (eps 1e-6, learned gamma [d_gate]) is applied to
// qg and to each k_comp row before RoPE.
//
// Numerics (the contract ref and cpu share). The released model computes the gate in bf16 (bf16
// einsum outputs, bf16 RoPE, bf16 softmax). We store k_comp as bf16 (as the model's cache does)
// and compute everything else in f32/f64:
//   * compress: max/min exact; avg = (f32 sum over the tokens in order) / block; the linear is,
//     per output, an f32 fused-multiply-add chain over the 3·d inputs in order ([max ; min ;
//     avg]); RMSNorm in f32 (sequential sum of squares); RoPE in f32 with angle = f32(position) ·
//     inv_freq[i] (an f32 product, as HF computes it), cos/sin of that angle in f64 rounded to
//     f32, x1·c − x2·s and x2·c + x1·s as separately rounded f32 products and sums; the result is
//     rounded to bf16 (RNE). Every backend reproduces this bit for bit: k_comp is identical
//     across backends.
//   * the gate query qg: the same f32 FMA chain over (j, i) in order, then RMSNorm/RoPE as
//     above; bit-exact too.
//   * scores: the reference takes the dot products, the max, exp and the normaliser in f64 and
//     rounds the probabilities to f32; the fast kernels use f32 FMA dot products (exact bf16
//     widening, fixed SIMD summation tree), a polynomial exp, and agree within a relative 1e-4
//     (tests/ops/seer_cases.cpp; observed ≤ 1e-5). Equal k_comp rows give equal scores in every
//     backend. Scores are probabilities: each row sums to 1.
//   * selection is exact given its input scores: every backend returns the same lists for the
//     same scores.
// Inputs must be finite; a NaN in q or k_comp makes that KV head's whole score row NaN, and NaN
// scores rank below every number in top-k (as −inf, ties → lower index) and never pass the
// threshold.
#pragma once

#include <cstdint>

#include "mempipe/ops/cost.h"

namespace mempipe {

struct SeerGateShape {
    int64_t hq = 32;       // query heads
    int64_t hkv = 8;       // KV heads; hq % hkv == 0, g = hq / hkv
    int64_t d = 128;       // model head dim (q_nope / k_nope width)
    int64_t d_gate = 128;  // gate hidden size = RoPE rotary dim; even
    int64_t block = 64;    // tokens per block
    bool qk_norm = false;  // RMSNorm on qg and k_comp (needs SeerGateWeights::q_norm / k_norm)
    float norm_eps = 1e-6f;
    int64_t group() const { return hkv > 0 ? hq / hkv : 0; }
};

// Gate weights (bf16 parameters of the released checkpoints, layouts as stored there).
struct SeerGateWeights {
    const uint16_t* wq =
        nullptr;  // [hkv × g × d × d_gate] bf16: HeadPoolingLinear.weight (in × out)
    const uint16_t* wk =
        nullptr;  // [hkv × 3·d × d_gate] bf16: MultiHeadLinear.weight, input [max;min;avg]
    const float* q_norm = nullptr;  // [d_gate] f32 RMSNorm gamma; read only when shape.qk_norm
    const float* k_norm = nullptr;  // [d_gate] f32 RMSNorm gamma; read only when shape.qk_norm
};

// Where a compressed block is rotated (see the header comment).
enum class SeerKPosition {
    BlockEnd,    // position of the block's last token: the released decode path (default)
    BlockStart,  // position of the block's first token: the released prefill path and training
};

enum class SeerSelectMode {
    TokenBudget,  // top-(budget_blocks) blocks by score (all blocks when n_blocks ≤ budget_blocks)
    Threshold,    // blocks with score > threshold
};

struct SeerSelectParams {
    SeerSelectMode mode = SeerSelectMode::TokenBudget;
    int64_t budget_blocks = 64;  // token_budget / block: 4096 / 64
    float threshold = 1e-3f;     // the SEER threshold sweep covers 1e-4 … 1e-3
};

// Entries per KV head of seer_select_blocks' output for n_blocks blocks:
// TokenBudget: min(n_blocks, budget_blocks + 2) (top-k ∪ {first, last}); Threshold: n_blocks.
int64_t seer_select_width(int64_t n_blocks, const SeerSelectParams& p);

// Costs. Compress: per block, pooling 3·block·hkv·d ops + linear hkv·3·d·d_gate·2 FLOPs; reads the
// block and Wk. Scores: q projection hkv·g·d·d_gate·2 + n_blocks·hkv·(2·d_gate + 4); reads k_comp
// and Wq. Select: one compare per score; data-dependent.
OpCost seer_compress_cost(const SeerGateShape& s, int64_t n_blocks);
OpCost seer_gate_scores_cost(const SeerGateShape& s, int64_t n_blocks);
OpCost seer_select_blocks_cost(int64_t hkv, int64_t n_blocks, const SeerSelectParams& p);
// The fused Relevancy + Retrieval op: the scores' cost plus the selection's output (its input stays
// in cache).
OpCost seer_gate_select_cost(const SeerGateShape& s, int64_t n_blocks, const SeerSelectParams& p);

namespace ref {
// Compresses one complete block.
// k_block: [block × hkv × d] bf16 (token-major, the KV cache layout; a slice of the cache or the
//   remainder buffer); inv_freq: [d_gate/2] f32 (rope_inv_freq(d_gate, theta)) or nullptr for no
//   RoPE;
// position: the RoPE position (≥ 0); k_comp_row: [hkv × d_gate] bf16 output.
void seer_compress_block(const uint16_t* k_block, const SeerGateShape& s, const SeerGateWeights& w,
                         const float* inv_freq, int64_t position, uint16_t* k_comp_row);
// Compresses the n_tokens / block complete blocks of a cache segment (a trailing partial block is
// ignored). k: [n_tokens × hkv × d] bf16 holding positions first_token .. first_token + n_tokens −
// 1 (first_token ≥ 0, a multiple of block: 0 for a whole cache, else a chunk of it); k_comp:
// [(n_tokens / block) × hkv × d_gate] bf16; block b is rotated at first_token + (b + 1)·block − 1
// (BlockEnd) or first_token + b·block (BlockStart). Same result as seer_compress_block per block.
void seer_compress_blocks(const uint16_t* k, int64_t n_tokens, int64_t first_token,
                          const SeerGateShape& s, const SeerGateWeights& w, const float* inv_freq,
                          SeerKPosition where, uint16_t* k_comp);
// Gate scores of one decode query.
// q_nope: [hq × d] f32 (post q_norm, pre-RoPE); k_comp: [n_blocks × hkv × d_gate] bf16; inv_freq:
// [d_gate/2] f32 or nullptr; position: the current token's position (L − 1); scores: [hkv ×
// n_blocks] f32 softmax probabilities. n_blocks ≥ 0.
void seer_gate_scores(const float* q_nope, const uint16_t* k_comp, int64_t n_blocks,
                      const SeerGateShape& s, const SeerGateWeights& w, const float* inv_freq,
                      int64_t position, float* scores);
// Block selection.
// scores: [hkv × n_blocks] f32; out: [hkv × width] int32, each row the selected block indices
// ascending, then −1 padding; width ≥ seer_select_width(n_blocks, p); counts: [hkv] int32 (selected
// per head) or nullptr. TokenBudget: n_blocks ≤ budget_blocks → all blocks; else the budget_blocks
// highest scores (ties → lower index, top_k semantics) ∪ {0} ∪ {n_blocks − 1}, so a row holds
// budget_blocks, budget_blocks + 1 or budget_blocks + 2 blocks. Threshold: {b : s[b] > threshold} ∪
// {0, n_blocks − 1}.
void seer_select_blocks(const float* scores, int64_t hkv, int64_t n_blocks,
                        const SeerSelectParams& p, int64_t width, int32_t* out, int32_t* counts);
// Relevancy + Retrieval fused: seer_gate_scores then seer_select_blocks on its scores, same
// arguments and outputs (scores: [hkv × n_blocks] f32; out: [hkv × width] int32; counts: [hkv]
// int32 or nullptr).
void seer_gate_select(const float* q_nope, const uint16_t* k_comp, int64_t n_blocks,
                      const SeerGateShape& s, const SeerGateWeights& w, const float* inv_freq,
                      int64_t position, const SeerSelectParams& p, int64_t width, float* scores,
                      int32_t* out, int32_t* counts);
}  // namespace ref

namespace cpu {
// Same contracts as ref::. compress is bit-exact; seer_compress_blocks runs blocks in parallel.
void seer_compress_block(const uint16_t* k_block, const SeerGateShape& s, const SeerGateWeights& w,
                         const float* inv_freq, int64_t position, uint16_t* k_comp_row);
void seer_compress_blocks(const uint16_t* k, int64_t n_tokens, int64_t first_token,
                          const SeerGateShape& s, const SeerGateWeights& w, const float* inv_freq,
                          SeerKPosition where, uint16_t* k_comp);
// Streams k_comp once, then normalises the logits in cache; f32 numerics. From 1024 blocks on, KV
// heads are split over threads (each thread streams its heads' part of every k_comp row).
void seer_gate_scores(const float* q_nope, const uint16_t* k_comp, int64_t n_blocks,
                      const SeerGateShape& s, const SeerGateWeights& w, const float* inv_freq,
                      int64_t position, float* scores);
// Top-k: a group-maximum lower bound, one SIMD filter pass and small partial sorts; threshold:
// compare-and-compress. Exact. Large inputs split KV heads over threads.
void seer_select_blocks(const float* scores, int64_t hkv, int64_t n_blocks,
                        const SeerSelectParams& p, int64_t width, int32_t* out, int32_t* counts);
// Each thread selects the score rows it has just normalised (still in cache; no second fork). The
// selection is exactly seer_select_blocks applied to the returned scores.
void seer_gate_select(const float* q_nope, const uint16_t* k_comp, int64_t n_blocks,
                      const SeerGateShape& s, const SeerGateWeights& w, const float* inv_freq,
                      int64_t position, const SeerSelectParams& p, int64_t width, float* scores,
                      int32_t* out, int32_t* counts);
}  // namespace cpu

}  // namespace mempipe
