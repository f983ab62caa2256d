// Variants of the SeerAttention-R gate scores: the query projection, the streaming dot-product pass
// over k_comp and the softmax passes. The entry point (seer_gate_scores.cpp) splits KV heads over
// threads.
#pragma once

#include <cstdint>

#include "mempipe/ops/seer.h"

namespace mempipe::cpu::seer_kernels {

// qg[k, o] for KV heads [k0, k1): f32 FMA chain over (j, i) in order (bit-exact with the
// reference). q_nope: [hq × d] f32; wq: [hkv × g × d × d_gate] bf16; qg: [hkv × d_gate] f32.
using GateQueryFn = void (*)(const float* q_nope, const uint16_t* wq, const SeerGateShape& s,
                             int64_t k0, int64_t k1, float* qg);
// qg: [hkv × d_gate] f32 → qp: the variant's layout of the query (at most 8·hkv·d_gate bytes), for
// KV heads [k0, k1).
using GatePackFn = void (*)(const float* qg, const SeerGateShape& s, int64_t k0, int64_t k1,
                            void* qp);
// Raw dots of KV heads [k0, k1) over all n blocks: dots[k·n + b] = qg[k] · k_comp[b, k] (unscaled
// f32). qp: made by `pack`; k_comp: [n × hkv × d_gate] bf16; dots: [hkv × n] f32.
using GateDotsFn = void (*)(const void* qp, const uint16_t* k_comp, int64_t n,
                            const SeerGateShape& s, int64_t k0, int64_t k1, float* dots);
// Max of x[b0, b1) ignoring NaN (−inf if none); *has_nan set when a NaN is present.
using GateMaxFn = float (*)(const float* x, int64_t b0, int64_t b1, bool* has_nan);
// x[b0, b1): e = exp((x − m) · scale) in place; returns Σ e (f32).
using GateExpFn = float (*)(float* x, int64_t b0, int64_t b1, float m, float scale);
// x[b0, b1) /= sum.
using GateNormFn = void (*)(float* x, int64_t b0, int64_t b1, float sum);

struct GateKernels {
    GateQueryFn query;
    GatePackFn pack;
    GateDotsFn dots;
    GateMaxFn max;
    GateExpFn exp;
    GateNormFn norm;
};

// The whole gate (query, dots, softmax) and, when `sel` is not null, the selection of each row as
// soon as it is normalised (arguments already checked). Used by cpu::seer_gate_scores and
// cpu::seer_gate_select.
void gate_run(const float* q_nope, const uint16_t* k_comp, int64_t n_blocks, const SeerGateShape& s,
              const SeerGateWeights& w, const float* inv_freq, int64_t position, float* scores,
              const SeerSelectParams* sel, int64_t width, int32_t* out, int32_t* counts);

extern const GateKernels kGateScalar;
extern const GateKernels kGateAvx2;  // dots need d_gate % 16 == 0 (the entry falls back otherwise)
extern const GateKernels
    kGateAvx512;  // dots need d_gate % 32 == 0 (the entry falls back otherwise)

}  // namespace mempipe::cpu::seer_kernels
