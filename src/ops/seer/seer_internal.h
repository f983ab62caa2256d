// SeerAttention-R gate internals shared by the reference and the CPU kernels: argument checks and
// the small f32 steps whose exact rounding is part of the contract (include/mempipe/ops/seer.h
// "Numerics"). Everything here is scalar and cheap (per k_comp row or per query), so every backend
// calls it instead of re-deriving it, which keeps k_comp and qg bit-identical across backends.
#pragma once

#include <cmath>
#include <cstdint>

#include "mempipe/core/dtype.h"
#include "mempipe/ops/seer.h"

namespace mempipe::seer_detail {

// Usage errors for a bad shape, missing weights or a bad RoPE table (`op` names the caller).
void check_shape(const SeerGateShape& s, const char* op);
void check_weights(const SeerGateShape& s, const SeerGateWeights& w, const float* inv_freq,
                   bool need_wq, bool need_wk, const char* op);
void check_select(const float* scores, int64_t hkv, int64_t n_blocks, const SeerSelectParams& p,
                  int64_t width, const int32_t* out, const char* op);

// RoPE table at `position`: angle_i = f32(position) · inv_freq[i] (f32 product), c/s = cos/sin of
// it in f64, rounded to f32. c, s: [half].
inline void rope_cos_sin(const float* inv_freq, int64_t half, int64_t position, float* c,
                         float* s) {
    float pos = float(position);
    for (int64_t i = 0; i < half; ++i) {
        float angle = pos * inv_freq[i];
        c[i] = float(std::cos(double(angle)));
        s[i] = float(std::sin(double(angle)));
    }
}

// NeoX (rotate_half) rotation in place on x: [2·half]: x1' = x1·c − x2·s, x2' = x2·c + x1·s, each
// product and sum rounded to f32 separately (no contraction: separate statements, ISO C++ mode).
inline void rope_apply(float* x, int64_t half, const float* c, const float* s) {
    for (int64_t i = 0; i < half; ++i) {
        float x1 = x[i], x2 = x[i + half];
        float a = x1 * c[i];
        float b = x2 * s[i];
        float e = x2 * c[i];
        float f = x1 * s[i];
        x[i] = a - b;
        x[i + half] = e + f;
    }
}

// RMSNorm in place on x: [n]: ms = (Σ x² in order, f32) / n; x = gamma · (x · (1 / sqrt(ms +
// eps))).
inline void rms_norm(float* x, int64_t n, const float* gamma, float eps) {
    float ss = 0;
    for (int64_t i = 0; i < n; ++i) {
        float sq = x[i] * x[i];
        ss = ss + sq;
    }
    float r = 1.0f / std::sqrt(ss / float(n) + eps);
    for (int64_t i = 0; i < n; ++i) {
        float xr = x[i] * r;
        x[i] = gamma[i] * xr;
    }
}

// The tail of compress and of the gate query: optional RMSNorm, then RoPE with the table (c, s) of
// rope_cos_sin (c == nullptr: no RoPE). y: [d_gate] f32 in place.
inline void finish_row(float* y, const SeerGateShape& sh, const float* gamma, const float* c,
                       const float* s) {
    if (sh.qk_norm) rms_norm(y, sh.d_gate, gamma, sh.norm_eps);
    if (c) rope_apply(y, sh.d_gate / 2, c, s);
}

inline int64_t block_position(int64_t b, int64_t block, SeerKPosition where) {
    return where == SeerKPosition::BlockEnd ? (b + 1) * block - 1 : b * block;
}

// Sortable key of a selection candidate: larger key = better (higher score, then lower index). NaN
// ranks as −inf and −0.0 as +0.0, so equal scores tie and are broken by index.
inline uint64_t select_key(float v, int32_t index) {
    if (std::isnan(v)) v = -INFINITY;
    if (v == 0.0f) v = 0.0f;
    uint32_t u;
    static_assert(sizeof(u) == sizeof(v));
    __builtin_memcpy(&u, &v, sizeof(u));
    u = (u & 0x80000000u) ? ~u : (u | 0x80000000u);
    return (uint64_t(u) << 32) | uint64_t(0xFFFFFFFFu - uint32_t(index));
}
inline int32_t select_key_index(uint64_t key) {
    return int32_t(0xFFFFFFFFu - uint32_t(key));
}

}  // namespace mempipe::seer_detail
