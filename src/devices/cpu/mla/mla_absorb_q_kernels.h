// Internal: variants of cpu::mla_absorb_q; each computes heads [h_begin, h_end) (the entry point
// splits heads over threads).
#pragma once

#include <cstdint>

#include "mempipe/ops/mla.h"

namespace mempipe::mla_detail {

using AbsorbFn = void (*)(const float* q_nope, const uint16_t* w_uk, const MlaShape& s,
                          float* q_abs, int64_t h_begin, int64_t h_end);
void absorb_q_scalar(const float* q_nope, const uint16_t* w_uk, const MlaShape& s, float* q_abs,
                     int64_t h_begin, int64_t h_end);
// Requires latent % 32 == 0.
void absorb_q_avx2(const float* q_nope, const uint16_t* w_uk, const MlaShape& s, float* q_abs,
                   int64_t h_begin, int64_t h_end);
// Requires latent % 32 == 0.
void absorb_q_avx512(const float* q_nope, const uint16_t* w_uk, const MlaShape& s, float* q_abs,
                     int64_t h_begin, int64_t h_end);

}  // namespace mempipe::mla_detail
