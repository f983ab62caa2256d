// The device interface: what every backend (CPU, CUDA, FPGA emulator, modelled) provides.
//
// A device says whether it can run an op node, estimates what it would cost, and runs it. The CPU
// device runs nodes for real (their closures call the SIMD kernels). Optional members have a
// default: `estimate` returns a negative time ("no model") unless a device overrides it.
#pragma once

#include <string>

#include "mempipe/graph/graph.h"

namespace mempipe {

enum class DeviceKind { Cpu, Cuda, Fpga, Modelled };

struct DeviceInfo {
    std::string name;  // "cpu0"
    DeviceKind kind = DeviceKind::Cpu;
    std::string description;  // e.g. "x86-64, 2 threads, avx512"
};

struct CostEstimate {
    double seconds = -1;  // < 0: this device has no model for the op
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
