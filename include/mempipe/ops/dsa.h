// DeepSeek Sparse Attention (DSA, DeepSeek-V3.2) lightning indexer: Prepare Memory, Compute
// Relevancy and the fused Relevancy + Retrieval step (reference/sparse_attention.md §1, §8.1).
//
// Per new token t the indexer computes
//   Prepare    k = LN(wk·x) → RoPE_neox(k[:64]) → Hadamard → e4m3 (ue8m0 block-128 scale) → cache
//              q = wq_b·qr [64 × 128] → RoPE_neox(q[:, :64]) → Hadamard → e4m3 (one scale per head)
//              w = weights_proj(x) · 64^-0.5 · q_scale · 128^-0.5   [64] f32
//   Relevancy  I[s] = k_scale[s] · Σ_h w[h] · relu(q8[h] · k8[s])   for every cached s < L
//   Retrieval  the top-min(2048, L) positions of I (ties → lower index, −1 padding: top_k.h).
// fp8 values are raw e4m3 codes (uint8_t, core/dtype.h). Codes must not be NaN (0x7f/0xff):
// `quant_fp8_block` never produces them from finite input.
//
// Key cache layout (DeepGEMM paged MQA logits, FlashInfer
// dsa_topk_indexer_fp8_h64_d128_topk2048_ps64): pages of 64 tokens, kIndexPageBytes = 64·128 B of
// e4m3 codes (token-major), then 64 f32 scales.
//
// Exact reference semantics of the relevancy (ref::mqa_relu_logits, IndexerPath::Faithful):
//   D[h, s] = Σ_d int9(q8[h, d]) · int9(k8[s, d])     exact int64 (int9 = e4m3 value · 2^9)
//   t[h]    = fl64(w[h] · max(D[h, s], 0) · 2^-18)    one f64 rounding
//   I[s]    = f32(k_scale[s] · fl64((((t[0] + t[1]) + t[2]) + …) + t[H−1]))   f64 sum in head order
// The fast Faithful kernels widen e4m3 exactly to bf16 and take bf16 dot products with f32
// accumulation (AVX512-BF16 vdpbf16ps, or AMX-BF16 tdpbf16ps where the CPU has AMX; at the AVX2
// level f32 FMA chains over exactly widened f32 values): every product is exact, only f32 additions
// round, so with A[h, s] = Σ_d |q8 k8| and u = 2^-24
//   |I_cpu − I_ref| ≤ k_scale · (130u · Σ_h |w_h| A[h, s] + (H + 4)u · Σ_h |w_h| relu(D_h) 2^-18)
// (the conformance test checks exactly this bound).
//
// IndexerPath::Int8 (approximate; AVX512-VNNI vpdpbusd, AMX-INT8 tdpbusd or AVX2 vpmaddubsw): keys
// and queries are requantised to int8 by one power-of-two rule, exact for the top 4 binades of each
// row (no scale search: a byte LUT). For a row r (a key, or one head of a query) with E_r = the
// largest exponent field of its codes: x_i[d] = RNE(int9(x8[d]) · 2^(4 − E_r)) ∈ [−120, 120], and
//   I8[s] = k_scale[s] · 2^(E_s − 13) · Σ_h ws[h] · relu(Σ_d q_i[h, d] k_i[s, d]),
//   ws[h] = w[h] · 2^(E_h − 13)
// (reference: integer dots exact, f64 head sum; fast kernels: f32 head sum). On N(0, 1) rows the
// raw int8 top-2048 agrees with the Faithful one to ≈ 99%, so `score_top_k` with IndexerPath::Int8
// keeps the best m = indexer_int8_candidates(k, L) = min(L, k + max(256, k/4)) keys by I8, rescores
// those m with the Faithful kernel and returns their top k by Faithful score (values are Faithful
// scores): the scan stays int8; a true top-k key is missed only if int8 ranks it below m.
#pragma once

#include <cstdint>

#include "mempipe/core/buffer.h"
#include "mempipe/ops/cost.h"

namespace mempipe {

inline constexpr int64_t kDsaHeads = 64;     // H_I
inline constexpr int64_t kDsaHeadDim = 128;  // D_I = fp8 quant block
inline constexpr int64_t kDsaRopeDim = 64;   // rotary dims 0..63, NeoX (half-split)
inline constexpr int64_t kDsaTopK = 2048;
inline constexpr int64_t kIndexPageTokens = 64;  // tokens per cache page
inline constexpr int64_t kIndexPageBytes = kIndexPageTokens * (kDsaHeadDim + 4);  // 8448 B

inline int64_t indexer_int8_candidates(int64_t k, int64_t len) {
    int64_t m = k + (k / 4 > 256 ? k / 4 : 256);
    return m < len ? m : len;
}

// Faithful: bf16 dot products of exactly widened e4m3 with f32 accumulation (≈ exact, see above).
// Int8: int8 requantisation + VNNI / AMX-INT8; approximate logits, exactly rescored top-k.
enum class IndexerPath { Faithful, Int8 };

// A read-only view of a paged index-key cache: positions 0..len−1.
// pages: [n_pages × kIndexPageBytes]; block_table: [ceil(len/64)] physical page of each logical
// page, or nullptr for the identity; len: L, the number of cached keys.
struct IndexKeysView {
    const uint8_t* pages = nullptr;
    const int32_t* block_table = nullptr;
    int64_t len = 0;
};

// Owning paged key cache, pages allocated up front for `capacity` tokens, block table = identity.
class IndexKeyCache {
  public:
    explicit IndexKeyCache(int64_t capacity_tokens);
    int64_t capacity() const { return capacity_; }
    int64_t pages() const { return pages_; }
    // One past the highest position written so far (appends need not be in order).
    int64_t size() const { return size_; }
    uint8_t* page(int64_t p);  // [kIndexPageBytes]
    const uint8_t* page(int64_t p) const;
    const uint8_t* key(int64_t pos) const;  // [128] e4m3 codes of position pos
    float scale(int64_t pos) const;
    // Writes one token (k8: [128] e4m3 codes) at `pos` < capacity.
    void append(int64_t pos, const uint8_t* k8, float k_scale);
    IndexKeysView view() const { return {data_.data(), nullptr, size_}; }
    IndexKeysView view(int64_t len) const;  // first len ≤ size() positions

  private:
    int64_t capacity_ = 0, pages_ = 0, size_ = 0;
    Buffer<uint8_t> data_;
};

// The prepare-step parameters of one indexer (one MLA layer). Weights are bf16 [out × in] as stored
// in the checkpoint (the fp8 wq_b of the release is modelled with bf16 weights here).
struct IndexerWeights {
    int64_t dim = 7168;     // model width (x)
    int64_t q_lora = 1536;  // qr width
    int64_t heads = kDsaHeads;
    const uint16_t* wq_b = nullptr;          // [heads·128 × q_lora]
    const uint16_t* wk = nullptr;            // [128 × dim]
    const float* k_norm_gamma = nullptr;     // [128] LayerNorm weight
    const float* k_norm_beta = nullptr;      // [128] LayerNorm bias
    const uint16_t* weights_proj = nullptr;  // [heads × dim] (computed in f32 as the fixed demo)
    const float* inv_freq = nullptr;         // [32] rotary inverse frequencies (YaRN for DS-V3.2)
    float k_norm_eps = 1e-6f;
};

OpCost quant_fp8_block_cost(int64_t rows, int64_t cols);
OpCost index_cache_append_cost(int64_t tokens);
OpCost mqa_relu_logits_cost(int64_t batch, int64_t heads, int64_t n_keys);  // 2·H·128 FLOP per key
OpCost score_top_k_cost(int64_t batch, int64_t heads, int64_t n_keys, int64_t k);
OpCost indexer_key_cost(const IndexerWeights& w, int64_t batch);
OpCost indexer_query_cost(const IndexerWeights& w, int64_t batch);

namespace ref {
// act_quant (block 128, ue8m0): x: [rows × cols] f32 (already bf16-rounded by the caller), cols a
// multiple of 128; codes: [rows × cols] e4m3; scales: [rows × cols/128] f32. Per block: s =
// ue8m0_scale(max|x|), code = f32_to_e4m3(clamp(x / s, −448, 448)).
void quant_fp8_block(const float* x, int64_t rows, int64_t cols, uint8_t* codes, float* scales);

// Writes n tokens at positions pos..pos+n−1 (across page boundaries):
// k8: [n × 128] e4m3; k_scale: [n].
void index_cache_append(IndexKeyCache& cache, int64_t pos, const uint8_t* k8, const float* k_scale,
                        int64_t n);

// Relevancy. q8: [batch × heads × 128] e4m3; weights: [batch × heads] f32 (q_scale folded in);
// logits: [batch × keys.len] f32. Semantics per path: see the top of this header.
void mqa_relu_logits(const uint8_t* q8, const float* weights, const IndexKeysView& keys,
                     int64_t batch, int64_t heads, float* logits,
                     IndexerPath path = IndexerPath::Faithful);

// Fused relevancy + top-k: out_values/out_indices: [batch × k] = top_k (top_k.h semantics) of each
// row of mqa_relu_logits, without materialising the row (Int8: with the exact rescoring described
// above). out_values may be nullptr.
void score_top_k(const uint8_t* q8, const float* weights, const IndexKeysView& keys, int64_t batch,
                 int64_t heads, int64_t k, float* out_values, int32_t* out_indices,
                 IndexerPath path = IndexerPath::Faithful);

// Prepare, key side, for `batch` new tokens: x: [batch × dim] f32 (bf16-valued); pos: [batch];
// k8: [batch × 128] e4m3; k_scale: [batch]. bf16 roundings as the model (§1.2):
//   k = bf16(wk·x) → bf16(LayerNorm_f32(k)) → bf16(RoPE_neox_f32(k[:64], pos))
//     → bf16(Hadamard(k)) → act_quant.
void indexer_key(const IndexerWeights& w, const float* x, const int64_t* pos, int64_t batch,
                 uint8_t* k8, float* k_scale);
// Prepare, query side: qr: [batch × q_lora] f32 (bf16-valued, after q_norm); x: [batch × dim];
// q8: [batch × heads × 128] e4m3; weights: [batch × heads] f32:
//   q = bf16(wq_b·qr) → bf16(RoPE_neox_f32(q[h, :64], pos)) → bf16(Hadamard(q))
//     → act_quant → q8, q_scale[h];
//   weights[h] = f32(f32(f32(weights_proj·x)[h] · 64^-0.5) · q_scale[h]) · f32(128^-0.5)
//   (weights_proj·x is an f32 matmul, not rounded to bf16).
void indexer_query(const IndexerWeights& w, const float* qr, const float* x, const int64_t* pos,
                   int64_t batch, uint8_t* q8, float* weights);
}  // namespace ref

namespace cpu {
void quant_fp8_block(const float* x, int64_t rows, int64_t cols, uint8_t* codes, float* scales);
void index_cache_append(IndexKeyCache& cache, int64_t pos, const uint8_t* k8, const float* k_scale,
                        int64_t n);
// Multi-threaded over keys (page-aligned ranges).
void mqa_relu_logits(const uint8_t* q8, const float* weights, const IndexKeysView& keys,
                     int64_t batch, int64_t heads, float* logits,
                     IndexerPath path = IndexerPath::Faithful);
// Streams 64-key pages through scoring into a per-thread running, threshold-filtered top-k (the row
// is never materialised); the per-thread selections are merged exactly.
void score_top_k(const uint8_t* q8, const float* weights, const IndexKeysView& keys, int64_t batch,
                 int64_t heads, int64_t k, float* out_values, int32_t* out_indices,
                 IndexerPath path = IndexerPath::Faithful);
void indexer_key(const IndexerWeights& w, const float* x, const int64_t* pos, int64_t batch,
                 uint8_t* k8, float* k_scale);
void indexer_query(const IndexerWeights& w, const float* qr, const float* x, const int64_t* pos,
                   int64_t batch, uint8_t* q8, float* weights);
}  // namespace cpu

}  // namespace mempipe
