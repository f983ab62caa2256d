// Test-time training (LaCT, memory_fpga.md §A3): the fast-weight ops of a "large chunk" TTT layer.
//
// The memory of a LaCT layer is a SwiGLU MLP per head whose weights are trained while the model
// reads: f_W(x) = W2·(silu(W1·x) ⊙ (W3·x)), silu(z) = z·σ(z). Per head, row-major f32:
//   W1 (gate): [dh × d]   W3 (up): [dh × d]   W2 (down): [d × dh]
// (Llama's SwiGLU naming; the LaCT code calls them w0, w2 and w1: w0 = W1, w2 = W3, w1 = W2, see
// lact_llm/lact_model/ttt_operation.py::block_causal_lact_swiglu). d = d_in = d_out is the
// fast-weight head dim (384 for LaCT-760M), dh the hidden dim (d · inter_multi = d).
// Tokens are rows: q, k, v: [n × d] f32, row-major (already silu'd, L2-normalised and RoPE'd by
// the layer; these ops take them as given).
//
// Per chunk of C tokens ("shifted block-causal: apply, then update", `ttt_forward`):
//   1. Apply        out = f_W(q_chunk) with the weights left by the previous chunks (ttt_apply);
//   2. Relevancy    the loss forward with the keys: G = k·W1ᵀ, U = k·W3ᵀ (ttt_loss_forward);
//   3. Prepare      the gradient of the negative inner-product loss
//                   L(W) = −Σ_i lr_i · ⟨f_W(k_i), v_i⟩ with per-token rates (ttt_grad), and
//                   the update: momentum, Muon, W ← W + step, row renormalisation (ttt_update).
// The last chunk of a sequence (partial or full) is only applied, never used for an update.
// This mapping follows the paper's Table 1 (TTT: Prepare = backward pass, Relevancy = compute
// loss, Retrieval = N/A, Apply = forward pass).
//
// ttt_grad's output is the reference's dw: the descent step −∂L/∂W with one rate per weight
// (lr1 for W1, lr3 for W3, lr2 for W2), so W ← W + grads. With h = silu(G) ⊙ U, dH = v·W2:
//   grads.w2 = Σ_i lr2_i · v_i ⊗ h_i                                   [d × dh]
//   grads.w3 = Σ_i lr3_i · (dH_i ⊙ silu(G_i)) ⊗ k_i                      [dh × d]
//   grads.w1 = Σ_i lr1_i · (dH_i ⊙ U_i ⊙ silu'(G_i)) ⊗ k_i               [dh × d]
// with silu'(z) = σ(z)·(1 + z·(1 − σ(z))) computed explicitly, as the reference does.
// ttt_update, for each of the three weights W with step S and original row norms r:
//   momentum (optional): S ← S + β·M, then M ← S (β = the chunk's mean momentum gate);
//   Muon (optional):     S ← NewtonSchulz5(S) (ttt_newton_schulz5);
//   W ← W + S, then each row W_j ← W_j / (‖W_j‖₂ + 1e-5) · r_j (r: the rows' norms before the
//   first update, `ttt_row_norms`).
//
// Numerics: `ref` computes in f64 and rounds once per op (ttt_update: once per stage, as its
// momentum and step outputs are f32). `cpu` with TttMatmul::F32 runs every matmul in f32 (FMA;
// blocked AVX-512 GEMM at level avx512 and above, a portable loop below); with TttMatmul::Bf16 (the
// LaCT code's precision: f32 weights, bf16 matmuls) through ops/linear.h's bf16 GEMM (AMX tiles at
// level amx). σ uses a vectorised exp at level avx512. The conformance tests bound the cpu error
// against the ref in both modes (tests/ops/ttt_cases.cpp, ttt_step_cases.cpp).
// Every pointer may be unaligned; outputs must not alias inputs unless stated.
#pragma once

#include <cstdint>

#include "mempipe/ops/cost.h"

namespace mempipe {

// The precision of the ops' matmuls. F32: f32 operands (the oracle: f64). Bf16: LaCT's
// ("weights fp32, matmuls bf16"): both operands of every matmul are rounded to bf16 (RNE) —
// inputs, fast weights and the intermediates fed to a matmul (h, the rate-scaled backward rows,
// Newton–Schulz's X, A and B) — and the exact products are summed in f32 (cpu: ops/linear.h's
// bf16 GEMM, AMX tiles at level amx) or f64 (ref); outputs and pointwise work stay f32.
enum class TttMatmul : uint8_t { F32, Bf16 };

struct TttShape {
    int64_t d = 0;   // fast-weight head dim: length of a q/k/v row; columns of W1, W3; rows of W2
    int64_t dh = 0;  // hidden dim: rows of W1, W3; columns of W2
};

// One head's fast weights, read-only. w1, w3: [dh × d]; w2: [d × dh] (row-major f32).
struct TttConstWeights {
    const float* w1 = nullptr;
    const float* w3 = nullptr;
    const float* w2 = nullptr;
};

// One head's fast weights (or steps, or momentum), writable; same shapes as TttConstWeights.
struct TttWeights {
    float* w1 = nullptr;
    float* w3 = nullptr;
    float* w2 = nullptr;
    operator TttConstWeights() const { return {w1, w3, w2}; }
};

// Per-token learning rates (softplus outputs in LaCT, ≥ 0 there; any finite value is accepted):
// lr1, lr3, lr2: [n] each, the rates of W1, W3 and W2.
struct TttRates {
    const float* lr1 = nullptr;
    const float* lr3 = nullptr;
    const float* lr2 = nullptr;
};

// Newton–Schulz coefficients (a, b, c) of the five iterations (ttt_operation.py, Moonlight/Muon).
inline constexpr double kTttNewtonSchulz[5][3] = {{4.0848, -6.8946, 2.9270},
                                                  {3.9505, -6.3029, 2.6377},
                                                  {3.7418, -5.5913, 2.3037},
                                                  {2.8769, -3.1427, 1.2046},
                                                  {2.8366, -3.0525, 1.2012}};
inline constexpr double kTttNewtonSchulzEps = 1e-7;  // X / (‖X‖_F + eps)
inline constexpr double kTttRenormEps = 1e-5;        // W_j / (‖W_j‖₂ + eps) · r_j

// One head's sequence for ttt_forward. q, k, v: [n × d]; lr: [n] each; momentum_gate: [n] (the
// sigmoid gates of LaCT's momentum_proj) or nullptr for no momentum; chunk ≥ 1 tokens (LaCT: 2048);
// matmul: the precision every op of the loop runs its matmuls in.
struct TttSequence {
    const float* q = nullptr;
    const float* k = nullptr;
    const float* v = nullptr;
    TttRates lr;
    const float* momentum_gate = nullptr;
    int64_t n = 0;
    int64_t chunk = 2048;
    bool use_muon = false;
    TttMatmul matmul = TttMatmul::F32;
};

// Costs of one call for one head (FLOPs, compulsory bytes: inputs read once, outputs written once;
// the [n × dh] intermediates the kernels keep in scratch are not counted). compute_dtype is BF16
// when the matmuls run in bf16 (for ttt_update: with Muon), else F32.
// apply: 6·n·d·dh (three matmuls) + 5·n·dh elementwise.
OpCost ttt_apply_cost(int64_t n, TttShape s, TttMatmul mm = TttMatmul::F32);
// loss forward: 4·n·d·dh; reads k and W1, W3, writes G and U.
OpCost ttt_loss_forward_cost(int64_t n, TttShape s, TttMatmul mm = TttMatmul::F32);
// grad: with G, U given 8·n·d·dh (dH and the three weight gradients) + 12·n·dh; without, +4·n·d·dh
// for the loss forward inside. Reads k, v, the rates, W (and G, U); writes the three steps.
OpCost ttt_grad_cost(int64_t n, TttShape s, bool with_forward, TttMatmul mm = TttMatmul::F32);
// update: Muon 5 × (4·r²·c + 2·r³) per weight (r = min, c = max of its dims; 30·d³ when square)
// + momentum, add and renormalisation ≈ 8 FLOPs per weight element.
OpCost ttt_update_cost(TttShape s, bool use_momentum, bool use_muon, TttMatmul mm = TttMatmul::F32);

// The rows' L2 norms of one head's weights (in f64, rounded to f32): norms: [2·dh + d] = W1's dh
// rows, then W3's dh rows, then W2's d rows. Taken before the first update and passed to every
// ttt_update of the sequence.
void ttt_row_norms(TttShape s, TttConstWeights w, float* norms);

// How many leading chunks of `chunk` tokens update the weights in a sequence of n tokens: every
// chunk but the last one (LaCT's range(0, n − chunk, chunk)), i.e. ⌈n / chunk⌉ − 1, and 0 for
// n ≤ chunk.
int64_t ttt_update_chunks(int64_t n, int64_t chunk);

namespace ref {
// out = f_W(q): q: [n × d]; out: [n × d]. f64, one rounding (with the bf16 rounding of the
// matmul operands under TttMatmul::Bf16).
void ttt_apply(const float* q, int64_t n, TttShape s, TttConstWeights w, float* out,
               TttMatmul mm = TttMatmul::F32);
// G = k·W1ᵀ, U = k·W3ᵀ: k: [n × d]; gate_pre, up: [n × dh].
void ttt_loss_forward(const float* k, int64_t n, TttShape s, TttConstWeights w, float* gate_pre,
                      float* up, TttMatmul mm = TttMatmul::F32);
// The three descent steps (formula above). k, v: [n × d]; lr: [n] each; gate_pre, up: [n × dh],
// the output of ttt_loss_forward for the same k and W, or both nullptr (computed inside); grads:
// w1, w3: [dh × d], w2: [d × dh]. n = 0 gives zero steps.
void ttt_grad(const float* k, const float* v, TttRates lr, int64_t n, TttShape s, TttConstWeights w,
              const float* gate_pre, const float* up, TttWeights grads,
              TttMatmul mm = TttMatmul::F32);
// In place on x: [rows × cols]: X ← X / (‖X‖_F + 1e-7) (transposed first when rows > cols), then
// five iterations A = X·Xᵀ, B = b·A + c·A·A, X ← a·X + B·X (kTttNewtonSchulz); result in x.
void ttt_newton_schulz5(float* x, int64_t rows, int64_t cols, TttMatmul mm = TttMatmul::F32);
// One update of one head (formula above). w: in/out; grads: in, overwritten with the applied step
// (after momentum and Muon); momentum: in/out, or all nullptr for no momentum (then beta is
// ignored); norms: [2·dh + d] from ttt_row_norms.
void ttt_update(TttShape s, TttWeights w, TttWeights grads, TttWeights momentum, const float* norms,
                float beta, bool use_muon, TttMatmul mm = TttMatmul::F32);
// block_causal_lact_swiglu for one head: the row norms of the initial w, zero momentum, then per
// chunk c (tokens [c·chunk, min(n, (c+1)·chunk))): out_c = f_W(q_c) (ttt_apply); unless c is the
// last chunk: grads of (k_c, v_c, lr_c) (ttt_grad), β = mean of momentum_gate over the chunk (f64
// mean rounded to f32), ttt_update. w: in = the initial fast weights, out = the weights after the
// last update; out: [n × d].
void ttt_forward(const TttSequence& seq, TttShape s, TttWeights w, float* out);
}  // namespace ref

namespace cpu {
void ttt_apply(const float* q, int64_t n, TttShape s, TttConstWeights w, float* out,
               TttMatmul mm = TttMatmul::F32);
void ttt_loss_forward(const float* k, int64_t n, TttShape s, TttConstWeights w, float* gate_pre,
                      float* up, TttMatmul mm = TttMatmul::F32);
void ttt_grad(const float* k, const float* v, TttRates lr, int64_t n, TttShape s, TttConstWeights w,
              const float* gate_pre, const float* up, TttWeights grads,
              TttMatmul mm = TttMatmul::F32);
void ttt_newton_schulz5(float* x, int64_t rows, int64_t cols, TttMatmul mm = TttMatmul::F32);
void ttt_update(TttShape s, TttWeights w, TttWeights grads, TttWeights momentum, const float* norms,
                float beta, bool use_muon, TttMatmul mm = TttMatmul::F32);
void ttt_forward(const TttSequence& seq, TttShape s, TttWeights w, float* out);
}  // namespace cpu

}  // namespace mempipe
