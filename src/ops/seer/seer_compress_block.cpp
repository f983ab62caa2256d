// Reference: compress a 64-token block of k_nope into one k_comp row per KV head (Prepare step).
#include <cmath>
#include <vector>

#include "mempipe/core/error.h"
#include "seer_internal.h"

namespace mempipe::ref {

namespace {
// One block; checks done by the caller.
void compress_one(const uint16_t* k_block, const SeerGateShape& s, const SeerGateWeights& w,
                  const float* inv_freq, int64_t position, uint16_t* out) {
    const int64_t d = s.d, dg = s.d_gate, hkv = s.hkv, block = s.block;
    std::vector<float> pooled(size_t(3 * d)), y(size_t(dg) * 1), c(size_t(dg / 2)),
        sn(size_t(dg / 2));
    if (inv_freq) seer_detail::rope_cos_sin(inv_freq, dg / 2, position, c.data(), sn.data());
    for (int64_t h = 0; h < hkv; ++h) {
        // [max ; min ; avg] over the block's tokens, channel by channel.
        for (int64_t ch = 0; ch < d; ++ch) {
            float first = bf16_to_f32(k_block[h * d + ch]);
            float mx = first, mn = first, sum = first;
            for (int64_t t = 1; t < block; ++t) {
                float x = bf16_to_f32(k_block[(t * hkv + h) * d + ch]);
                mx = x > mx ? x : mx;
                mn = x < mn ? x : mn;
                sum = sum + x;
            }
            pooled[size_t(ch)] = mx;
            pooled[size_t(d + ch)] = mn;
            pooled[size_t(2 * d + ch)] = sum / float(block);
        }
        // Per-head linear: y[o] = Σ_i pooled[i] · Wk[h, i, o] as an f32 FMA chain over i in order.
        const uint16_t* wh = w.wk + h * 3 * d * dg;
        for (int64_t o = 0; o < dg; ++o) {
            float acc = 0.0f;
            for (int64_t i = 0; i < 3 * d; ++i)
                acc = std::fma(pooled[size_t(i)], bf16_to_f32(wh[i * dg + o]), acc);
            y[size_t(o)] = acc;
        }
        seer_detail::finish_row(y.data(), s, w.k_norm, inv_freq ? c.data() : nullptr, sn.data());
        for (int64_t o = 0; o < dg; ++o) out[h * dg + o] = f32_to_bf16(y[size_t(o)]);
    }
}
}  // namespace

void seer_compress_block(const uint16_t* k_block, const SeerGateShape& s, const SeerGateWeights& w,
                         const float* inv_freq, int64_t position, uint16_t* k_comp_row) {
    seer_detail::check_shape(s, "seer_compress_block");
    seer_detail::check_weights(s, w, inv_freq, false, true, "seer_compress_block");
    MEMPIPE_CHECK_ARG(k_block && k_comp_row,
                      "seer_compress_block: k_block ([block × hkv × d] bf16) and "
                      "k_comp_row ([hkv × d_gate] bf16) must not be null");
    MEMPIPE_CHECK_ARG(position >= 0, "seer_compress_block: position must be ≥ 0, got {}", position);
    compress_one(k_block, s, w, inv_freq, position, k_comp_row);
}

void seer_compress_blocks(const uint16_t* k, int64_t n_tokens, int64_t first_token,
                          const SeerGateShape& s, const SeerGateWeights& w, const float* inv_freq,
                          SeerKPosition where, uint16_t* k_comp) {
    seer_detail::check_shape(s, "seer_compress_blocks");
    MEMPIPE_CHECK_ARG(n_tokens >= 0, "seer_compress_blocks: n_tokens must be ≥ 0, got {}",
                      n_tokens);
    MEMPIPE_CHECK_ARG(first_token >= 0 && first_token % s.block == 0,
                      "seer_compress_blocks: first_token must be a non-negative multiple of the "
                      "block size {}, got {}",
                      s.block, first_token);
    int64_t n_blocks = n_tokens / s.block;
    if (n_blocks == 0) return;
    seer_detail::check_weights(s, w, inv_freq, false, true, "seer_compress_blocks");
    MEMPIPE_CHECK_ARG(k && k_comp,
                      "seer_compress_blocks: k ([n_tokens × hkv × d] bf16) and k_comp "
                      "([n_tokens/block × hkv × d_gate] bf16) must not be null");
    for (int64_t b = 0; b < n_blocks; ++b)
        compress_one(k + b * s.block * s.hkv * s.d, s, w, inv_freq,
                     first_token + seer_detail::block_position(b, s.block, where),
                     k_comp + b * s.hkv * s.d_gate);
}

}  // namespace mempipe::ref
