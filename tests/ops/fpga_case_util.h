// Helpers shared by the FPGA emulator's conformance cases (fpga_cases.cpp,
// fpga_rag_memory_cases.cpp).
#pragma once

#include <cstdint>
#include <string>

#include "conformance.h"
#include "mempipe/devices/fpga/fpga_config.h"

namespace mempipe::test {

// The emulator does not depend on the SIMD level: its cases run at the scalar level only.
#define FPGA_SCALAR_ONLY(ctx)                                                                  \
    do {                                                                                       \
        if ((ctx).level != SimdLevel::Scalar)                                                  \
            GTEST_SKIP() << "the FPGA emulator does not depend on the SIMD level; it runs at " \
                            "the scalar level";                                                \
    } while (0)

inline std::string param(const char* name, int64_t a) {
    return std::string(name) + "=" + std::to_string(a);
}

// A U55C whose on-chip memory holds only `onchip_bytes`, so small stores spill to HBM.
inline fpga::FpgaConfig small_chip(double onchip_bytes) {
    fpga::FpgaConfig c = fpga::u55c_config();
    c.onchip_usable_fraction = onchip_bytes / c.onchip_bytes();
    return c;
}

}  // namespace mempipe::test
