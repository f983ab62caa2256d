// Memory-as-context recall (HMT / Titans-style, paper Fig. 17, App. E; memory_fpga.md A1) as one
// fused op, its scalar reference, and its FPGA dataflow design.
//
// Op `mac_recall` (Compute Relevancy + Retrieval of memory-as-context): for each of `batch`
// segment summaries x (the last hidden state of the summary pass),
//   q      = x · Wqᵀ                       q: [h], Wq: [h × d] bf16 (out × in, nn.h layout)
//   s[n]   = (q · K[n]) · scale            K: [n_mem × h] f32, the cached keys K_n = M_n · Wk
//   a      = softmax(s) over n_mem         (max subtracted)
//   out    = Σ_n a[n] · M[n]               M: [n_mem × d] f32, the memory embeddings (no Wv)
// scale is 1/sqrt(h) in HMT (its code divides by h for d, h ≥ 4096 outside generation: pass that
// instead). Numerics (the contract the reference and the design share bit for bit): q[o] =
// f32(Σ_i x[i]·Wq[o, i] in f64, i ascending); s[n] = (Σ_j q[j]·K[n, j] in f64, j ascending) ·
// f64(scale); softmax in f64 (max, then Σ exp(s − max) in n order); a[n] = f32(exp(s[n] − max) /
// sum); out[j] = f32(Σ_n a[n]·M[n, j] in f64, n ascending). n_mem = 0 (an empty memory) writes
// zeros (HMT then uses its initial memory token). NaN inputs propagate.
//
// FPGA design (FlexLLM HMT plug-in style): a weight loader streams Wq from HBM into a GEMV engine
// (query generation fused with recall, the paper's case 2); a key loader streams K and a value
// loader streams M from the memory held on the FPGA (on-chip while it fits, then HBM); scores go
// to an on-chip logit buffer, a softmax unit normalises, a weighted-sum engine accumulates the
// output. All times are modelled.
#pragma once

#include <cstdint>
#include <string>

#include "mempipe/devices/fpga/cycle_model.h"
#include "mempipe/devices/fpga/fpga_config.h"
#include "mempipe/ops/cost.h"

namespace mempipe::fpga::mac {

struct Shape {
    int64_t batch = 1;
    int64_t d = 4096;     // model width (Llama-2-7B)
    int64_t h = 4096;     // cross-attention width (HMT --mem_recall_hidden_dim default)
    int64_t n_mem = 300;  // cached memory embeddings
};

inline constexpr int64_t kMaxWidth = 8192;  // d and h the design's row buffers hold
inline constexpr int64_t kMaxBatch = 16;

// 2·batch·(h·d + n·h + n·d) FLOPs; reads Wq (bf16, shared by the batch), K and M, the inputs.
OpCost recall_cost(const Shape& s);

namespace ref {
// x: [batch × d] f32; wq: [h × d] bf16; k_mem: [n_mem × h] f32; m_mem: [n_mem × d] f32;
// out: [batch × d] f32; probs: [batch × n_mem] f32 softmax weights, or null.
void mac_recall(const float* x, const uint16_t* wq, const float* k_mem, const float* m_mem,
                int64_t batch, int64_t d, int64_t h, int64_t n_mem, float scale, float* out,
                float* probs);
}  // namespace ref

struct Params {
    int64_t lanes = 0;  // MAC lanes of the GEMV / score / weighted-sum engines (0: bf16 default)
    int64_t hbm_ports = 0;  // HBM pseudo-channels of the loaders (0: all)
};

std::string unsupported_reason(const Shape& s, const FpgaConfig& c);
FpgaEstimate estimate(const Shape& s, const FpgaConfig& c, const Params& p = {});
// Same arguments and outputs as ref::mac_recall.
FpgaEstimate run(const float* x, const uint16_t* wq, const float* k_mem, const float* m_mem,
                 int64_t batch, int64_t d, int64_t h, int64_t n_mem, float scale, float* out,
                 float* probs, const FpgaConfig& c, const Params& p = {});

}  // namespace mempipe::fpga::mac
