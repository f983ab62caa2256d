// Multi-head latent attention (DeepSeek MLA) decode in the absorbed form: the Apply step of DSA.
//
// Per decode query: h heads (128 for DeepSeek-V3.2), latent width c = 512 (kv_lora_rank), rope
// width r = 64. The latent cache holds, per token, [c_t (512) ; k_pe_t (64)] as bf16: kv: [n × 576]
// row-major. q_abs: [h × 576] f32 = [q_nope·W_UK (512) ; RoPE_interleaved(q_pe) (64)]. score[h, t]
// = (q_abs[h] · kv[t]) · scale with scale = 192^-0.5 · mscale² (mscale = 0.1·ln(40) + 1 when the
// context exceeds the original 4096); p = softmax_t(score) in f32; o[h] = Σ_t p[h,t] · kv[t, :512].
// Sparse: t ranges over `indices` ([topk] int32; −1 = invalid, skipped; an index outside [0, n) or
// a repeated index is a usage error); a query with no valid index outputs zeros. Dense: t over
// 0..n−1. out: [h × 512] f32 latent output; `mla_v_up` maps it to [h × 128] with W_UV. The
// reference computes in double. CPU kernels (heads, latent, rope multiples of 16, and for AMX
// latent + rope a multiple of 32; scalar otherwise): AVX-512 f32 FMA, every selected row loaded
// once for all heads; AMX bf16 tiles with q split into three bf16 parts (f32-exact scores) and the
// softmax weights into two (2^-18 relative); both agree with the reference to ~1e-5 relative.
#pragma once

#include <cstdint>

#include "mempipe/ops/cost.h"

namespace mempipe {

struct MlaShape {
    int64_t heads = 128;
    int64_t latent = 512;  // c
    int64_t rope = 64;     // r
    int64_t v_head = 128;  // per-head output width after W_UV
    int64_t nope = 128;    // per-head q_nope width before absorption
    float scale = 0;
};

float mla_softmax_scale(int64_t qk_head_dim, double rope_factor,
                        bool long_context);  // 192^-0.5·mscale²

OpCost sparse_mla_cost(const MlaShape& s, int64_t selected);
OpCost dense_mla_cost(const MlaShape& s, int64_t n_tokens);
OpCost mla_absorb_q_cost(const MlaShape& s);
OpCost mla_v_up_cost(const MlaShape& s);

namespace ref {
void sparse_mla_decode(const float* q_abs, const uint16_t* kv, int64_t n_tokens,
                       const int32_t* indices, int64_t topk, const MlaShape& s, float* out);
void dense_mla_decode(const float* q_abs, const uint16_t* kv, int64_t n_tokens, const MlaShape& s,
                      float* out);
// q_lat[h, :512] = q_nope[h, :128] · W_UK[h] where w_uk: [h × 128 × 512] bf16; writes into
// q_abs[h, 0:512] (q_abs row stride 576; the rope part is left untouched).
void mla_absorb_q(const float* q_nope, const uint16_t* w_uk, const MlaShape& s, float* q_abs);
// y[h, :128] = o[h, :512] · W_UV[h]ᵀ where w_uv: [h × 128 × 512] bf16.
void mla_v_up(const float* o, const uint16_t* w_uv, const MlaShape& s, float* y);
}  // namespace ref

namespace cpu {
void sparse_mla_decode(const float* q_abs, const uint16_t* kv, int64_t n_tokens,
                       const int32_t* indices, int64_t topk, const MlaShape& s, float* out);
void dense_mla_decode(const float* q_abs, const uint16_t* kv, int64_t n_tokens, const MlaShape& s,
                      float* out);
void mla_absorb_q(const float* q_nope, const uint16_t* w_uk, const MlaShape& s, float* q_abs);
void mla_v_up(const float* o, const uint16_t* w_uv, const MlaShape& s, float* y);
}  // namespace cpu

}  // namespace mempipe
