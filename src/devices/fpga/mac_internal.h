// Internal: argument checks shared by the mac_recall reference and its FPGA design.
#pragma once

#include <cstdint>

#include "mempipe/core/error.h"

namespace mempipe::fpga::mac {

void check_recall(const char* op, const float* x, const uint16_t* wq, const float* k_mem,
                  const float* m_mem, int64_t batch, int64_t d, int64_t h, int64_t n_mem,
                  float scale, const float* out);

}  // namespace mempipe::fpga::mac
