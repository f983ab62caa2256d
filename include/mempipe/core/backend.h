// Which implementation of the op catalogue a pipeline runs: the scalar reference oracles (ref::)
// or the fast CPU kernels (cpu::). Methods, the model substrate and their tests compare the two.
#pragma once

#include <cstdint>

namespace mempipe {

enum class Backend : uint8_t { Reference, Cpu };

}  // namespace mempipe
