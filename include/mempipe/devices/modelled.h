// A modelled device: any device described by a hardware profile (node/hardware.h), costed by a
// roofline and never executed.
//
// The estimate for an op with cost signature c (ops/cost.h) on a device with profile p:
//   placement  the op's reads (c.bytes_read) fill the device's OnChip tiers fastest first (up to
//              the capacity left, `TierBudget`), then Main, then Secondary memory; data that fits
//              in none is refused (`fits` false, `seconds` −1). Writes go to Main memory.
//   t_memory   Σ over tiers of bytes_in_tier / tier bandwidth  +  c.bytes_written / main bandwidth
//              (tiers are read one after the other, as a key loader streams its hierarchy)
//   t_compute  c.flops / p.peak_for(c.compute_dtype)
//   t_kernel   max(t_memory, t_compute) / p.efficiency.of(c.pattern)
//   seconds    t_kernel + p.launch_overhead_s
//   bound      Launch if the overhead exceeds t_kernel, else Compute or Memory (larger term)
//   joules     P × seconds, P = active + (max − active) × t_compute / t_kernel: memory-bound
//              kernels draw the profile's active power, compute-bound ones approach its limit.
// Batch reuse is in the cost signature: an execution over b sequences reads the shared weights once
// and the per-sequence data b times (`batched` in ops/cost.h). Every number it returns is
// modelled, and `why` says how it was obtained.
#pragma once

#include <string>
#include <vector>

#include "mempipe/devices/device.h"
#include "mempipe/node/hardware.h"

namespace mempipe {

// Bytes still free per memory tier (index = the profile's memory[] order), for a caller (the
// planner) that places several ops' data on one device. Empty = every tier entirely free.
using TierBudget = std::vector<double>;

class ModelledDevice final : public Device {
  public:
    // `id`: the device's name in reports (a node's device id); defaults to the profile name.
    explicit ModelledDevice(DeviceProfile profile, std::string id = "");

    DeviceInfo info() const override;  // kind Modelled, description says "modelled"
    // True when the profile can cost the node: its compute type has a peak (or it has no flops)
    // and its data fits.
    bool supports(const OpNode& node) const override;
    void run(const OpNode& node) override;  // throws: a modelled device cannot execute
    CostEstimate estimate(const OpNode& node) const override { return estimate(node.cost); }

    CostEstimate estimate(const OpCost& cost, const TierBudget& budget = {}) const;
    // Board energy over a wall time with `busy_s` of it busy (DeviceProfile::energy_joules).
    double energy_joules(double busy_s, double wall_s) const {
        return profile_.energy_joules(busy_s, wall_s);
    }

    const DeviceProfile& profile() const { return profile_; }
    const std::string& id() const { return id_; }

  private:
    DeviceProfile profile_;
    std::string id_;
};

}  // namespace mempipe
