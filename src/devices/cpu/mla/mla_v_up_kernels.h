// Internal: variants of cpu::mla_v_up; each computes heads [h_begin, h_end) (the entry point splits
// heads over threads).
#pragma once

#include <cstdint>

#include "mempipe/ops/mla.h"

namespace mempipe::mla_detail {

using VUpFn = void (*)(const float* o, const uint16_t* w_uv, const MlaShape& s, float* y,
                       int64_t h_begin, int64_t h_end);
void v_up_scalar(const float* o, const uint16_t* w_uv, const MlaShape& s, float* y, int64_t h_begin,
                 int64_t h_end);
// Requires latent % 32 == 0.
void v_up_avx2(const float* o, const uint16_t* w_uv, const MlaShape& s, float* y, int64_t h_begin,
               int64_t h_end);
// Requires latent % 32 == 0.
void v_up_avx512(const float* o, const uint16_t* w_uv, const MlaShape& s, float* y, int64_t h_begin,
                 int64_t h_end);

}  // namespace mempipe::mla_detail
