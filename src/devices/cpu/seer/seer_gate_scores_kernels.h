// Variants of the SeerAttention-R gate scores: the query projection, the streaming dot-product pass over
// k_comp and the softmax passes. The entry point (seer_gate_scores.cpp) splits blocks over threads.
#pragma once

#include <cstdint>

#include "mempipe/ops/seer.h"

namespace mempipe::cpu::seer_kernels {

// qg[k, o] for KV heads [k0, k1): f32 FMA chain over (j, i) in order (bit-exact with the reference).
// q_nope: [hq × d] f32; wq: [hkv × g × d × d_gate] bf16; qg: [hkv × d_gate] f32.
using GateQueryFn = void (*)(const float* q_nope, const uint16_t* wq, const SeerGateShape& s, int64_t k0,
                             int64_t k1, float* qg);
// Raw dots for blocks [b0, b1): dots[k·n + b] = qg[k] · k_comp[b, k] (unscaled f32). mx: [hkv] running max
// (NaN dots ignored), nan: [hkv] set to 1 where a dot is NaN. qg_packed is the variant's own layout of qg
// made by `pack`; k_comp: [n × hkv × d_gate] bf16.
using GateDotsFn = void (*)(const float* qg_packed, const uint16_t* k_comp, int64_t n, const SeerGateShape& s,
                            int64_t b0, int64_t b1, float* dots, float* mx, uint8_t* nan);
// qg: [hkv × d_gate] → qg_packed: [hkv × d_gate] in the layout the dots variant reads.
using GatePackFn = void (*)(const float* qg, const SeerGateShape& s, float* qg_packed);
// Row k over [b0, b1): e = exp((x − m) · scale) in place; returns Σ e (f32).
using GateExpFn = float (*)(float* x, int64_t b0, int64_t b1, float m, float scale);
// Row over [b0, b1): x /= sum.
using GateNormFn = void (*)(float* x, int64_t b0, int64_t b1, float sum);

struct GateKernels {
    GateQueryFn query;
    GatePackFn pack;
    GateDotsFn dots;
    GateExpFn exp;
    GateNormFn norm;
};

extern const GateKernels kGateScalar;
extern const GateKernels kGateAvx512;  // dots need d_gate % 32 == 0 (the entry falls back otherwise)

}  // namespace mempipe::cpu::seer_kernels
