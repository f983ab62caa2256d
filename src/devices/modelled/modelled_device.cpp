// ModelledDevice: a roofline over a hardware profile (see include/mempipe/devices/modelled.h).
#include "mempipe/devices/modelled.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "mempipe/core/error.h"
#include "node/units.h"

namespace mempipe {

using node_detail::human_bytes;
using node_detail::human_rate;
using node_detail::human_seconds;

namespace {

// Read order of the tiers that can hold an op's data: on-chip fastest first, then main, then
// secondary (fastest first). Caches never hold data between executions.
std::vector<size_t> read_order(const DeviceProfile& p) {
    std::vector<size_t> order;
    auto add_role = [&](TierRole role) {
        std::vector<size_t> idx;
        for (size_t i = 0; i < p.memory.size(); ++i)
            if (p.memory[i].role == role) idx.push_back(i);
        std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) {
            return p.memory[a].bandwidth_bytes_per_s > p.memory[b].bandwidth_bytes_per_s;
        });
        order.insert(order.end(), idx.begin(), idx.end());
    };
    add_role(TierRole::OnChip);
    add_role(TierRole::Main);
    add_role(TierRole::Secondary);
    return order;
}

}  // namespace

ModelledDevice::ModelledDevice(DeviceProfile profile, std::string id)
    : profile_(std::move(profile)), id_(id.empty() ? profile_.name : std::move(id)) {}

DeviceInfo ModelledDevice::info() const {
    return {id_, DeviceKind::Modelled,
            fmt::format("modelled {} ({}): {}", hardware_kind_name(profile_.kind), profile_.name,
                        profile_.description)};
}

bool ModelledDevice::supports(const OpNode& node) const {
    return estimate(node).seconds >= 0;
}

double ModelledDevice::resident_capacity_bytes() const {
    double cap = 0;
    for (const MemoryTier& t : profile_.memory)
        if (t.role != TierRole::Cache) cap += t.capacity_bytes;
    return cap;
}

bool ModelledDevice::uses_software_model(const OpNode& node) const {
    return profile_.software.present && node.step != PipelineStep::Apply &&
           node.step != PipelineStep::Model;
}

CostEstimate ModelledDevice::estimate(const OpNode& node, const TierBudget& budget) const {
    const SoftwareModel& sw = profile_.software;
    if (sw.present && !sw.supports(node.op)) {
        CostEstimate e;
        e.why = fmt::format("no kernel: the baseline software on {} ({}) has none for op '{}'", id_,
                            sw.description, node.op);
        return e;
    }
    const double cap = resident_capacity_bytes();
    if (node.state_bytes > cap) {
        CostEstimate e;
        e.fits = false;
        e.why = fmt::format("does not fit: its resident state is {} but {} holds {}",
                            human_bytes(node.state_bytes), profile_.name, human_bytes(cap));
        return e;
    }
    if (!uses_software_model(node)) return estimate(node.cost, budget);
    return estimate_with(node.cost, budget, sw.memory_op_overhead_s, sw.efficiency,
                         "software model");
}

void ModelledDevice::run(const OpNode& node) {
    runtime_error(
        "modelled device '{}' cannot execute node '{}' ({}): it only estimates costs; run on a "
        "real device (cpu) or ask it for estimate()",
        id_, node.name, node.op);
}

CostEstimate ModelledDevice::estimate(const OpCost& c, const TierBudget& budget) const {
    return estimate_with(c, budget, profile_.launch_overhead_s, profile_.efficiency, "roofline");
}

CostEstimate ModelledDevice::estimate_with(const OpCost& c, const TierBudget& budget,
                                           double overhead_s, const Efficiency& efficiency,
                                           const char* model) const {
    const DeviceProfile& p = profile_;
    MEMPIPE_CHECK_ARG(budget.empty() || budget.size() == p.memory.size(),
                      "estimate: the tier budget has {} entries, device '{}' has {} tiers",
                      budget.size(), p.name, p.memory.size());
    MEMPIPE_CHECK_ARG(c.flops >= 0 && c.bytes_read >= 0 && c.bytes_written >= 0 &&
                          c.bytes_shared >= 0 && c.bytes_shared <= c.bytes_read * (1 + 1e-12),
                      "estimate: invalid cost (flops {}, read {}, written {}, shared {})", c.flops,
                      c.bytes_read, c.bytes_written, c.bytes_shared);
    CostEstimate e;
    e.bytes_moved = c.bytes();
    std::string rate_type;
    const double peak = p.peak_for(c.compute_dtype, &rate_type);
    if (c.flops > 0 && peak <= 0) {
        e.why = fmt::format("no model: {} has no peak for {}", p.name, dtype_name(c.compute_dtype));
        return e;
    }

    // Place the reads tier by tier and time them.
    const MemoryTier& main = p.main_memory();
    double left = c.bytes_read, t_mem = 0;
    std::string placed;
    for (size_t i : read_order(p)) {
        if (left <= 0) break;
        const MemoryTier& t = p.memory[i];
        const double room = budget.empty() ? t.capacity_bytes : std::max(0.0, budget[i]);
        const double here = std::min(left, room);
        if (here <= 0) continue;
        t_mem += here / t.bandwidth_bytes_per_s;
        placed += fmt::format("{}{} from {} at {}", placed.empty() ? "" : " + ", human_bytes(here),
                              t.name, human_rate(t.bandwidth_bytes_per_s));
        left -= here;
    }
    if (left > 0) {  // more than the device holds: streamed through main memory, not resident
        t_mem += left / main.bandwidth_bytes_per_s;
        placed += fmt::format("{}{} streamed through {} at {}", placed.empty() ? "" : " + ",
                              human_bytes(left), main.name, human_rate(main.bandwidth_bytes_per_s));
    }
    t_mem += c.bytes_written / main.bandwidth_bytes_per_s;
    if (c.bytes_written > 0)
        placed += fmt::format("{}{} written to {}", placed.empty() ? "" : " + ",
                              human_bytes(c.bytes_written), main.name);

    const double t_comp = c.flops > 0 ? c.flops / peak : 0.0;
    const double eff = efficiency.of(c.pattern);
    const double t_kernel = std::max(t_mem, t_comp) / eff;
    e.seconds = t_kernel + overhead_s;
    if (overhead_s > t_kernel)
        e.bound = Bound::Launch;
    else
        e.bound = t_comp >= t_mem ? Bound::Compute : Bound::Memory;
    const double util = t_kernel > 0 ? t_comp / t_kernel : 0.0;
    const double power = p.active_power_w + (p.max_power_w - p.active_power_w) * util;
    e.joules = power * e.seconds;

    const std::string pattern(access_pattern_name(c.pattern));
    e.why = fmt::format(
        "{}-bound (modelled): {}: memory {} [{}], compute {} ({:.3g} {} op at the {} peak {}); "
        "max ÷ {} efficiency {:.3g} = {}, + {} {} = {}; {:.3g} W → {:.3g} J",
        bound_name(e.bound), model, human_seconds(t_mem), placed.empty() ? "nothing" : placed,
        human_seconds(t_comp), c.flops, dtype_name(c.compute_dtype), rate_type,
        node_detail::human_scaled(peak, "op/s"), pattern, eff, human_seconds(t_kernel),
        overhead_s == p.launch_overhead_s ? "launch" : "software op overhead",
        human_seconds(overhead_s), human_seconds(e.seconds), power, e.joules);
    return e;
}

}  // namespace mempipe
