#include <fmt/format.h>

#include "mempipe/core/error.h"
#include "mempipe/core/parallel.h"
#include "mempipe/core/simd.h"
#include "mempipe/devices/device.h"

namespace mempipe {

DeviceInfo CpuDevice::info() const {
    return {"cpu0", DeviceKind::Cpu,
            fmt::format("x86-64 host, {} threads, {}", num_threads(),
                        simd_level_name(active_simd_level()))};
}

void CpuDevice::run(const OpNode& node) {
    if (!node.run) runtime_error("node '{}' ({}) has no CPU implementation", node.name, node.op);
    node.run();
}

}  // namespace mempipe
