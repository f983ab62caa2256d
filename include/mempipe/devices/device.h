// The device interface: what every backend (CPU, CUDA, FPGA emulator, modelled) provides.
//
// A device says whether it can run an op node, estimates what it would cost, and runs it. The CPU
// device runs nodes for real (their closures call the SIMD kernels). Optional members have a
// default: `estimate` returns a negative time ("no model") unless a device overrides it.
#pragma once

#include <string>
#include <string_view>

#include "mempipe/graph/graph.h"

namespace mempipe {

enum class DeviceKind { Cpu, Cuda, Fpga, Modelled };

struct DeviceInfo {
    std::string name;  // "cpu0"
    DeviceKind kind = DeviceKind::Cpu;
    std::string description;  // e.g. "x86-64, 2 threads, avx512"
};

// What an op costs on a device, and why. Modelled devices fill every field; `seconds` < 0 means
// "no model for this op" (or, with `fits` false, "the op's data does not fit on the device").
enum class Bound { None, Compute, Memory, Launch };
inline std::string_view bound_name(Bound b) {
    switch (b) {
        case Bound::Compute:
            return "compute";
        case Bound::Memory:
            return "memory";
        case Bound::Launch:
            return "launch";
        case Bound::None:
            break;
    }
    return "none";
}

struct CostEstimate {
    double seconds = -1;     // < 0: this device has no model for the op
    double joules = 0;       // board energy while the op runs (modelled)
    double bytes_moved = 0;  // bytes read + written in the device's memories
    Bound bound = Bound::None;
    bool fits = true;  // false: the op's data exceeds the device's memory
    std::string why;   // "memory-bound: 12 MB from hbm at 1.39 TB/s (0.85 regular) …"
};

class Device {
  public:
    virtual ~Device() = default;
    virtual DeviceInfo info() const = 0;
    virtual bool supports(const OpNode& node) const = 0;
    virtual void run(const OpNode& node) = 0;
    // (optional) modelled cost; default: no model.
    virtual CostEstimate estimate(const OpNode& node) const { return {}; }
};

// The host CPU: runs every node with a closure, using the kernels of src/devices/cpu.
class CpuDevice final : public Device {
  public:
    DeviceInfo info() const override;
    bool supports(const OpNode& node) const override { return bool(node.run); }
    void run(const OpNode& node) override;
};

}  // namespace mempipe
