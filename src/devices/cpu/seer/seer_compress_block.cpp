// CPU SeerAttention-R block compression: entry points (checks, dispatch, threads) and the scalar
// variant.
#include <omp.h>

#include <algorithm>
#include <vector>

#include "mempipe/core/error.h"
#include "mempipe/core/parallel.h"
#include "mempipe/core/simd.h"
#include "ops/seer/seer_internal.h"
#include "seer_compress_block_kernels.h"

namespace mempipe::cpu {

namespace seer_kernels {

void pool_scalar(const uint16_t* k_block, const SeerGateShape& s, int64_t h, float* pooled) {
    const int64_t d = s.d, hkv = s.hkv, block = s.block;
    for (int64_t ch = 0; ch < d; ++ch) {
        float first = bf16_to_f32(k_block[h * d + ch]);
        pooled[ch] = pooled[d + ch] = pooled[2 * d + ch] = first;
    }
    for (int64_t t = 1; t < block; ++t) {
        const uint16_t* row = k_block + (t * hkv + h) * d;
        for (int64_t ch = 0; ch < d; ++ch) {
            float x = bf16_to_f32(row[ch]);
            pooled[ch] = x > pooled[ch] ? x : pooled[ch];
            pooled[d + ch] = x < pooled[d + ch] ? x : pooled[d + ch];
            pooled[2 * d + ch] = pooled[2 * d + ch] + x;
        }
    }
    for (int64_t ch = 0; ch < d; ++ch) pooled[2 * d + ch] = pooled[2 * d + ch] / float(block);
}

}  // namespace seer_kernels

namespace {

using seer_kernels::CompressKernels;
constexpr CompressKernels kScalar{seer_kernels::pool_scalar, seer_kernels::linear_chain_scalar};
constexpr CompressKernels kAvx2{seer_kernels::pool_avx2, seer_kernels::linear_chain_avx2};
constexpr CompressKernels kAvx512{seer_kernels::pool_avx512, seer_kernels::linear_chain_avx512};

const CompressKernels* pick() {
    return simd_pick<const CompressKernels*>(&kScalar, &kAvx2, &kAvx512);
}

// Per-thread scratch for one block.
struct Scratch {
    std::vector<float> y, pooled, c, s;
    explicit Scratch(const SeerGateShape& sh)
        : y(size_t(sh.d_gate)),
          pooled(size_t(3 * sh.d)),
          c(size_t(sh.d_gate / 2)),
          s(size_t(sh.d_gate / 2)) {}
};

void compress_one(const CompressKernels* kern, const uint16_t* k_block, const SeerGateShape& sh,
                  const SeerGateWeights& w, const float* inv_freq, int64_t position, uint16_t* out,
                  Scratch& sc) {
    if (inv_freq)
        seer_detail::rope_cos_sin(inv_freq, sh.d_gate / 2, position, sc.c.data(), sc.s.data());
    const int64_t n_in = 3 * sh.d;
    for (int64_t h = 0; h < sh.hkv; ++h) {
        float* yh = sc.y.data();
        kern->pool(k_block, sh, h, sc.pooled.data());
        kern->linear(sc.pooled.data(), n_in, w.wk + h * n_in * sh.d_gate, sh.d_gate, yh);
        seer_detail::finish_row(yh, sh, w.k_norm, inv_freq ? sc.c.data() : nullptr, sc.s.data());
        for (int64_t o = 0; o < sh.d_gate; ++o) out[h * sh.d_gate + o] = f32_to_bf16(yh[o]);
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
    Scratch sc(s);
    compress_one(pick(), k_block, s, w, inv_freq, position, k_comp_row, sc);
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
    const int64_t n_blocks = n_tokens / s.block;
    if (n_blocks == 0) return;
    seer_detail::check_weights(s, w, inv_freq, false, true, "seer_compress_blocks");
    MEMPIPE_CHECK_ARG(k && k_comp,
                      "seer_compress_blocks: k ([n_tokens × hkv × d] bf16) and k_comp "
                      "([n_tokens/block × hkv × d_gate] bf16) must not be null");
    const CompressKernels* kern = pick();
    const int nt = int(std::min<int64_t>(num_threads(), n_blocks));
#pragma omp parallel num_threads(nt)
    {
        Scratch sc(s);
#pragma omp for schedule(static)
        for (int64_t b = 0; b < n_blocks; ++b)
            compress_one(kern, k + b * s.block * s.hkv * s.d, s, w, inv_freq,
                         first_token + seer_detail::block_position(b, s.block, where),
                         k_comp + b * s.hkv * s.d_gate, sc);
    }
}

}  // namespace mempipe::cpu
