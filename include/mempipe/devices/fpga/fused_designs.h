// The fused Compute Relevancy + Retrieval accelerator of the paper (Fig. 7, §5.3, App. E–F) on the
// dataflow emulator, instantiated for the three sparse-attention indexers.
//
// Architecture (one dataflow region per pass, stages connected by FIFOs):
//   key loader     streams the compressed keys in token order out of a three-tier store: the lowest
//                  token ids in BRAM, then URAM, then HBM (capacities from FpgaConfig; a store
//                  larger than the usable on-chip memory spills to HBM and the loader slows to the
//                  HBM ports' bandwidth);
//   inner product  `ip_lanes` multiply-accumulate lanes against the query held on chip;
//   reduction      the partial and weighted sums across heads, as a cascade of adders in head order
//                  (one key per cycle, the reference's fold order, so results are bit-exact);
//   top-k          the running top-k list of the streaming retriever (a reduction tree finds the
//                  entry to replace: an insertion stalls the scan ceil(log2 k) cycles), then a
//                  merge network drains the list in output order.
// Functional results are bit-exact with the op references (ref:: in ops/dsa.h, ops/seer.h,
// ops/lserve.h). `estimate` costs a shape without data (data-dependent counts: top-k insertions of
// a random arrival order, k·(1 + ln(n/k))); `run` executes the design and returns the same model
// evaluated with the counts it observed. All times are modelled.
#pragma once

#include <cstdint>
#include <string>

#include "mempipe/devices/fpga/cycle_model.h"
#include "mempipe/devices/fpga/fpga_config.h"
#include "mempipe/ops/dsa.h"
#include "mempipe/ops/lserve.h"
#include "mempipe/ops/seer.h"

namespace mempipe::fpga {

// Design knobs of the Fig. 7 accelerator. 0 = derived from the FpgaConfig.
struct FusedParams {
    int64_t ip_lanes = 0;    // MACs per cycle of the inner-product engine (0: default_lanes)
    int64_t hbm_ports = 0;   // HBM pseudo-channels the key loader reads (0: all)
    double topk_lanes = 16;  // scores compared with the list's worst per cycle (docs/fpga.md)
    double sort_lanes = 16;  // output merge network width (design choice, docs/fpga.md)
    // Fraction of cycles the engine's MAC array computes, in (0, 1] (1: always). The authors' PEs
    // run their MAC loop and their score-output loop one after another (e.g. DSA: 16 MAC cycles,
    // then 16 psum cycles per 16 keys: 0.5); u55c.json design_params give each design's value.
    double engine_duty = 1;
    // SeerAttention-R only: time the design as the authors' kernels, which select on the logits
    // in the scoring pass (top-k, or a compare per logit) with no softmax passes. The emulator
    // still computes the reference's softmax (bit-exact); only the timing drops those passes.
    bool logit_select = false;
    // LServe only: keys from URAM / HBM score this many times slower than from BRAM (the authors'
    // rounds score 128 keys from BRAM, 32 from URAM, 8 from HBM in the same cycles). 1: one rate.
    double uram_slowdown = 1;
    double hbm_slowdown = 1;
};

// Most query heads the DSA design's query ROM holds.
inline constexpr int64_t kFpgaMaxDsaHeads = 128;

// DeepSeek Sparse Attention lightning indexer: mqa_relu_logits + top_k (ref::score_top_k, Faithful
// path). Engine: e4m3 × e4m3 products as exact int9 × int9 (MacType::Fp8).
namespace dsa {
struct Shape {
    int64_t batch = 1;
    int64_t heads = kDsaHeads;
    int64_t n_keys = 0;  // L, cached keys
    int64_t k = kDsaTopK;
    int64_t sequences = 1;  // estimate only: independent sequences (each `batch` rows over its own
                            // L keys) scored one after another, each holding its keys in an
                            // equal share of the on-chip and HBM capacity (run scores one)
};
// "" when the design runs the shape on `c`, else why not (list capacity, heads, HBM capacity).
std::string unsupported_reason(const Shape& s, const FpgaConfig& c);
FpgaEstimate estimate(const Shape& s, const FpgaConfig& c, const FusedParams& p = {});
// Same arguments and outputs as ref::score_top_k with IndexerPath::Faithful (q8: [batch × heads ×
// 128] e4m3; weights: [batch × heads] f32; out_values (may be null) / out_indices: [batch × k]).
FpgaEstimate run(const uint8_t* q8, const float* weights, const IndexKeysView& keys, int64_t batch,
                 int64_t heads, int64_t k, float* out_values, int32_t* out_indices,
                 const FpgaConfig& c, const FusedParams& p = {});
}  // namespace dsa

// SeerAttention-R AttnGate: q head-pooling projection, block scores with softmax, then top-k
// (token budget) or threshold selection plus the first and last block (ref::seer_gate_select).
// Engine: bf16 × f32 products (MacType::Fp32 lanes).
namespace seer {
struct Shape {
    SeerGateShape gate;
    int64_t n_blocks = 0;
    SeerSelectParams select;
    int64_t sequences = 1;  // estimate only: sequences gated one after another, each holding
                            // its own k_comp store in an equal share of the on-chip and HBM
                            // capacity (run gates one)
};
std::string unsupported_reason(const Shape& s, const FpgaConfig& c);
FpgaEstimate estimate(const Shape& s, const FpgaConfig& c, const FusedParams& p = {});
// Same arguments and outputs as ref::seer_gate_select (scores: [hkv × n_blocks] f32; out: [hkv ×
// width] int32; counts: [hkv] or null).
FpgaEstimate run(const float* q_nope, const uint16_t* k_comp, int64_t n_blocks,
                 const SeerGateShape& s, const SeerGateWeights& w, const float* inv_freq,
                 int64_t position, const SeerSelectParams& sel, int64_t width, float* scores,
                 int32_t* out, int32_t* counts, const FpgaConfig& c, const FusedParams& p = {});
}  // namespace seer

// LServe page selector: page_scores (Quest bound, physical-page max) fused with page_select
// (top-(width − 1) complete pages + the newest page), one list per query head. Engine: f32 FMA
// in the canonical 16-lane order of ops/lserve.h (MacType::Fp32 lanes).
namespace lserve {
struct Shape {
    LservePageShape page;
    int64_t history = 0;           // earlier tokens; the cache holds history + 1
    int64_t active_kv_heads = -1;  // KV heads not masked out (−1: all)
    // estimate only: sequences selected one after another, each holding its own statistics in an
    // equal share of the on-chip and HBM capacity (run selects one)
    int64_t sequences = 1;
};
std::string unsupported_reason(const Shape& s, const FpgaConfig& c);
FpgaEstimate estimate(const Shape& s, const FpgaConfig& c, const FusedParams& p = {});
// = ref::page_scores over the logical pages of `history` tokens (n_logical =
// lserve_logical_pages(history)) followed by ref::page_select with score_stride n_phys.
// q: [hq × d] f32; stats: [hkv × capacity × 2 × d] bf16; out: [hq × width] int32; scores: [hq ×
// n_phys] f32 physical page scores or null (n_phys = ceil(n_logical / logical_per_page)).
FpgaEstimate run(const float* q, const uint16_t* stats, int64_t capacity, int64_t history,
                 const LservePageShape& s, const uint8_t* kv_head_mask, float* scores, int32_t* out,
                 const FpgaConfig& c, const FusedParams& p = {});
}  // namespace lserve

}  // namespace mempipe::fpga
