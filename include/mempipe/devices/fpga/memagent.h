// The MemAgent decode engine (paper Fig. 18, App. E): an FPGA LLM decoder in the FlightLLM /
// LUT-LLM style that rewrites MemAgent's memory while the GPU prefills (prefill-decode
// disaggregation, Fig. 6 (b)). Separate engines, scheduled one after another per layer:
//   linear engine     int4 weights (per-row groups of `group` with an f32 scale) streamed from
//                     HBM, fp32 activations: Q/K/V (with bias), O, gate, up, down, LM head;
//   attention engine  fp32, over the bf16 KV cache held in HBM (delivered by the GPU over PCIe);
//   special functions RMSNorm, RoPE (NeoX), SwiGLU, residual adds, greedy argmax.
// `estimate` is the cycle model of one decode step of a Qwen2.5-7B-sized model (any Shape, any
// batch: weights are read once per step and shared by the batch, each sequence reads its own KV);
// `run` emulates one decode step functionally for small shapes (its run time grows with the
// weights) and is bit-exact with `ref::decode_step`, the scalar definition below.
//
// Decode step semantics (ref::decode_step), one token at position `pos`, x: [d] its embedding:
//   for each layer:  a = rms_norm(h); q, k, v = int4_linear(a) (+ bias); rope(q), rope(k) at pos;
//                    K[pos], V[pos] = bf16(k), bf16(v); o = attention(q, K[0..pos], V[0..pos]);
//                    h = h + int4_linear_o(o); a = rms_norm(h);
//                    h = h + int4_linear_down(swiglu(int4_linear_gate(a), int4_linear_up(a)))
//   logits = int4_linear_head(rms_norm(h)); token = argmax (ties → lower index).
// int4_linear: y[o] = f32(Σ_i (w[o, i] · scale[o, i / group]) · x[i] + bias[o]), products and sum
// in f64, i ascending. rms_norm and rope are ops/nn.h's references (f64 inside, rounded once).
// attention: query head hh uses KV head hh / (hq / hkv); s_t = (Σ_e q[e]·K[t, e] in f64) /
// sqrt(head_dim); p_t = exp(s_t − max) / Σ exp(s − max) (f64, t ascending); o[e] = f32(Σ_t p_t ·
// V[t, e] in f64). swiglu: f32(g / (1 + exp(−g)) · u) in f64. Residual adds are f32.
#pragma once

#include <cstdint>
#include <string>

#include "mempipe/devices/fpga/cycle_model.h"
#include "mempipe/devices/fpga/fpga_config.h"
#include "mempipe/ops/cost.h"

namespace mempipe::fpga::memagent {

// Defaults: Qwen2.5-7B (memory_fpga.md A1 backbone table; MemAgent's base model, App. D).
struct Shape {
    int64_t d = 3584;
    int64_t layers = 28;
    int64_t hq = 28;
    int64_t hkv = 4;
    int64_t head_dim = 128;
    int64_t ffn = 18944;
    int64_t vocab = 152064;
    int64_t group = 128;   // int4 scale group along the input dimension
    bool qkv_bias = true;  // Qwen2 has Q/K/V biases
    double rope_theta = 1e6;
    float eps = 1e-6f;
    int64_t context = 6144;  // tokens already in the KV cache (the step attends context + 1)
    int64_t batch = 1;       // sequences decoded together (estimate only; run decodes one)
};

// One linear layer: w: [out × in] int4 values in [−8, 7], one per byte; scales: [out × in/group]
// f32 (in a multiple of group); bias: [out] f32 or null.
struct Int4Linear {
    const int8_t* w = nullptr;
    const float* scales = nullptr;
    const float* bias = nullptr;
};
struct LayerWeights {
    Int4Linear q, k, v, o, gate, up, down;  // q: [hq·hd × d], k/v: [hkv·hd × d], o: [d × hq·hd],
                                            // gate/up: [ffn × d], down: [d × ffn]
    const float* attn_norm = nullptr;  // [d]
    const float* ffn_norm = nullptr;   // [d]
};
struct Weights {
    const LayerWeights* layers = nullptr;  // [layers]
    const float* final_norm = nullptr;     // [d]
    Int4Linear lm_head;                    // [vocab × d]
};
// KV cache, bf16, [layers × capacity × hkv × head_dim] each; positions < pos must be filled.
struct KvCache {
    uint16_t* k = nullptr;
    uint16_t* v = nullptr;
    int64_t capacity = 0;
};

// Per decode step of `batch` sequences at s.context cached tokens (weights shared by the batch).
OpCost decode_cost(const Shape& s);
// int4 weights + scales of the whole model, bytes.
double weight_bytes(const Shape& s);

namespace ref {
// One decode step at position pos (< kv.capacity); x: [d] f32; logits: [vocab] f32 or null.
// Writes K/V at pos. Returns the greedy next token.
int32_t decode_step(const Shape& s, const Weights& w, KvCache& kv, int64_t pos, const float* x,
                    float* logits);
}  // namespace ref

struct EngineParams {
    int64_t linear_lanes = 0;  // int4 MACs per cycle (0: default_lanes(Int4))
    int64_t attn_lanes = 0;    // fp32 MACs per cycle (0: default_lanes(Fp32))
    double sfu_lanes = 16;     // special-function unit elements per cycle (design choice)
    int64_t hbm_ports = 0;     // HBM pseudo-channels the weight / KV loaders use (0: all)
};

std::string unsupported_reason(const Shape& s, const FpgaConfig& c);
// One decode step at s.context (modelled).
FpgaEstimate estimate(const Shape& s, const FpgaConfig& c, const EngineParams& p = {});
// `new_tokens` decode steps from s.context on (the memory rewrite of one MemAgent chunk):
// Σ of the per-step estimates, one launch per step.
FpgaEstimate estimate_generation(const Shape& s, int64_t new_tokens, const FpgaConfig& c,
                                 const EngineParams& p = {});
// Functional emulation of ref::decode_step (same arguments; s.batch must be 1); *token gets the
// greedy token (may be null). Returns the step's estimate at context = pos.
FpgaEstimate run(const Shape& s, const Weights& w, KvCache& kv, int64_t pos, const float* x,
                 float* logits, int32_t* token, const FpgaConfig& c, const EngineParams& p = {});

}  // namespace mempipe::fpga::memagent
