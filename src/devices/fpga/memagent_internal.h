// Internal: checks and the RoPE table shared by the MemAgent decode reference and its FPGA design.
#pragma once

#include <cstdint>
#include <vector>

#include "mempipe/devices/fpga/memagent.h"

namespace mempipe::fpga::memagent::detail {

// Usage errors for a bad shape (`op` names the caller).
void check_shape(const Shape& s, const char* op);
// Usage errors for missing weights / cache or pos out of range.
void check_step(const Shape& s, const Weights& w, const KvCache& kv, int64_t pos, const float* x,
                const char* op);
// Output rows of the 7 linears of a layer, in the order q, k, v, o, gate, up, down.
inline int64_t q_dim(const Shape& s) {
    return s.hq * s.head_dim;
}
inline int64_t kv_dim(const Shape& s) {
    return s.hkv * s.head_dim;
}

}  // namespace mempipe::fpga::memagent::detail
