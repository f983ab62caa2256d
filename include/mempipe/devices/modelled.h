// A modelled device: any device described by a hardware profile (node/hardware.h), costed by a
// roofline and never executed.
//
// The estimate for an op with cost signature c (ops/cost.h) on a device with profile p:
//   placement  the op's reads (c.bytes_read) fill the device's OnChip tiers fastest first (up to
//              the capacity left, `TierBudget`), then Main, then Secondary memory; reads beyond
//              all of them are streamed through Main memory (an input larger than the device is
//              streamed, not refused). Writes go to Main memory. Only resident data must fit: a
//              node whose `state_bytes` exceed the device's memory is refused (`fits` false,
//              `seconds` −1; the planner also holds state against capacity across nodes).
//   t_memory   Σ over tiers of bytes_in_tier / tier bandwidth  +  c.bytes_written / main bandwidth
//              (tiers are read one after the other, as a key loader streams its hierarchy)
//   t_compute  c.flops / p.peak_for(c.compute_dtype)
//   t_kernel   max(t_memory, t_compute) / p.efficiency.of(c.pattern)
//   seconds    t_kernel + p.launch_overhead_s
//   software   when the profile has a software model (node/hardware.h SoftwareModel) and the
//              node is a memory-processing step (Prepare, Relevancy, Retrieval): the software's
//              per-op overhead replaces the launch overhead and its efficiencies replace the
//              profile's; ops it has no kernel for are refused (`seconds` −1). Only
//              estimate(OpNode) knows the step: estimate(OpCost) is always the roofline.
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
    CostEstimate estimate(const OpNode& node) const override { return estimate(node, {}); }
    // The node's estimate: its resident state checked against capacity, the software model for
    // memory-processing steps where the profile has one, else the roofline of its cost.
    CostEstimate estimate(const OpNode& node, const TierBudget& budget) const;
    // The roofline of a cost signature (no software model, no state check).
    CostEstimate estimate(const OpCost& cost, const TierBudget& budget = {}) const;
    // Bytes the device can hold between executions: every tier but caches.
    double resident_capacity_bytes() const;
    bool uses_software_model(const OpNode& node) const;
    // Board energy over a wall time with `busy_s` of it busy (DeviceProfile::energy_joules).
    double energy_joules(double busy_s, double wall_s) const {
        return profile_.energy_joules(busy_s, wall_s);
    }

    const DeviceProfile& profile() const { return profile_; }
    const std::string& id() const { return id_; }

  private:
    CostEstimate estimate_with(const OpCost& cost, const TierBudget& budget, double overhead_s,
                               const Efficiency& efficiency, const char* model) const;
    DeviceProfile profile_;
    std::string id_;
};

}  // namespace mempipe
