// Variants of the SeerAttention-R block compression: pooling [max ; min ; avg] per KV head, then
// the per-head linear (seer_linear_kernels.h). The norm/RoPE/bf16 tail is shared scalar code
// (src/ops/seer/seer_internal.h) run by the entry point.
#pragma once

#include <cstdint>

#include "mempipe/ops/seer.h"
#include "seer_linear_kernels.h"

namespace mempipe::cpu::seer_kernels {

// pooled: [3·d] f32 = [max ; min ; avg] over the block's tokens of KV head h; max/min as `x > m ? x
// : m` in token order, avg = (f32 sum in token order) / block. k_block: [block × hkv × d] bf16.
using PoolFn = void (*)(const uint16_t* k_block, const SeerGateShape& s, int64_t h, float* pooled);

void pool_scalar(const uint16_t* k_block, const SeerGateShape& s, int64_t h, float* pooled);
void pool_avx2(const uint16_t* k_block, const SeerGateShape& s, int64_t h, float* pooled);
void pool_avx512(const uint16_t* k_block, const SeerGateShape& s, int64_t h, float* pooled);

struct CompressKernels {
    PoolFn pool;
    LinearChainFn linear;
};

}  // namespace mempipe::cpu::seer_kernels
