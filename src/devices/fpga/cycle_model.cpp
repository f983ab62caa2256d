// The dataflow cycle model (rules in include/mempipe/devices/fpga/cycle_model.h).
#include "mempipe/devices/fpga/cycle_model.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "mempipe/core/error.h"

namespace mempipe::fpga {

StageReport model_stage(const StageTiming& s, const FpgaConfig& c) {
    MEMPIPE_CHECK_ARG(
        s.trip_count >= 0 && s.ii > 0 && s.lanes >= 1 && s.depth >= 0 && s.extra_cycles >= 0,
        "fpga cycle model: stage '{}' needs trip_count ≥ 0, ii > 0, lanes ≥ 1, "
        "depth ≥ 0, extra_cycles ≥ 0",
        s.name);
    StageReport r;
    r.name = s.name;
    const double n = std::ceil(s.trip_count / s.lanes);
    r.compute_cycles = n > 0 ? s.ii * (n - 1) + s.extra_cycles : s.extra_cycles;
    r.depth = n > 0 ? s.depth : 0;
    int worst_tier = -1;
    double worst = 0;
    int64_t worst_ports = 0;
    for (const MemAccess& a : s.mem) {
        MEMPIPE_CHECK_ARG(a.bytes >= 0 && a.random_accesses >= 0,
                          "fpga cycle model: stage '{}' has a negative access", s.name);
        const TierConfig& t = c.tier(a.tier);
        const double moved = std::max(a.bytes, a.random_accesses * t.random_access_bytes);
        const double cyc = moved / t.bytes_per_cycle(a.ports);
        r.tier_cycles[int(a.tier)] += cyc;
        r.memory_cycles += cyc;
    }
    for (int t = 0; t < kMemTiers; ++t)
        if (r.tier_cycles[t] > worst) {
            worst = r.tier_cycles[t];
            worst_tier = t;
        }
    for (const MemAccess& a : s.mem)
        if (int(a.tier) == worst_tier) worst_ports = std::max(worst_ports, a.ports);
    r.interval = std::max(r.compute_cycles, r.memory_cycles);
    r.memory_bound = r.memory_cycles > r.compute_cycles;
    if (r.memory_bound) {
        const MemTier t = MemTier(worst_tier);
        const int64_t ports =
            worst_ports > 0 ? std::min(worst_ports, c.tier(t).ports) : c.tier(t).ports;
        r.bound = fmt::format("memory: {} ({} ports)", mem_tier_name(t), ports);
    } else {
        r.bound =
            fmt::format("compute (II {:g}, {:g} lanes{})", s.ii, s.lanes,
                        s.extra_cycles > 0 ? fmt::format(", {:.0f} stall cycles", s.extra_cycles)
                                           : std::string());
    }
    return r;
}

RegionReport model_region(std::string name, std::span<const StageTiming> stages,
                          const FpgaConfig& c) {
    RegionReport r;
    r.name = std::move(name);
    for (const StageTiming& s : stages) {
        StageReport sr = model_stage(s, c);
        r.fill_drain_cycles += sr.depth;
        if (r.bottleneck.empty() || sr.interval > r.steady_cycles) {
            r.steady_cycles = sr.interval;
            r.bottleneck = sr.name;
        }
        r.stages.push_back(std::move(sr));
    }
    r.cycles = r.steady_cycles + r.fill_drain_cycles;
    return r;
}

FpgaEstimate finish_estimate(std::string design, std::vector<RegionReport> regions,
                             const FpgaConfig& c, int64_t launches) {
    MEMPIPE_CHECK_ARG(launches >= 0, "fpga cycle model: launches must be ≥ 0, got {}", launches);
    FpgaEstimate e;
    e.design = std::move(design);
    e.regions = std::move(regions);
    e.clock_hz = c.clock_hz;
    for (const RegionReport& r : e.regions) e.cycles += r.cycles;
    e.launches = launches;
    e.launch_seconds = double(launches) * c.launch_overhead_s;
    e.seconds = c.seconds(e.cycles) + e.launch_seconds;
    return e;
}

void repeat_estimate(FpgaEstimate& e, double times, const FpgaConfig& c) {
    MEMPIPE_CHECK_ARG(times >= 0, "repeat_estimate: times must be ≥ 0, got {}", times);
    e.cycles = 0;
    for (RegionReport& r : e.regions) {
        r.steady_cycles *= times;
        r.fill_drain_cycles *= times;
        r.cycles *= times;
        for (StageReport& s : r.stages) s.interval *= times;
        e.cycles += r.cycles;
    }
    e.seconds = e.fits ? c.seconds(e.cycles) + e.launch_seconds : INFINITY;
}

TierPlacement place_in_tiers(double n_items, double item_bytes, double reserved_onchip_bytes,
                             const FpgaConfig& c) {
    MEMPIPE_CHECK_ARG(n_items >= 0 && item_bytes >= 0 && reserved_onchip_bytes >= 0,
                      "place_in_tiers: sizes must be ≥ 0 (items {}, item bytes {}, reserved {})",
                      n_items, item_bytes, reserved_onchip_bytes);
    TierPlacement p;
    if (n_items == 0) return p;
    if (item_bytes == 0) {
        p.items[0] = n_items;
        return p;
    }
    // Usable on-chip bytes are split between BRAM and URAM in proportion to their capacity; the
    // design's own buffers come out of BRAM first.
    const double f = c.onchip_usable_fraction;
    double bram = f * c.bram.capacity_bytes, uram = f * c.uram.capacity_bytes;
    const double from_bram = std::min(bram, reserved_onchip_bytes);
    bram -= from_bram;
    uram = std::max(0.0, uram - (reserved_onchip_bytes - from_bram));
    double left = n_items;
    const double cap[2] = {bram, uram};
    for (int t = 0; t < 2; ++t) {
        const double fit = std::min(left, std::floor(cap[t] / item_bytes));
        p.items[t] = fit;
        p.bytes[t] = fit * item_bytes;
        left -= fit;
    }
    p.items[2] = left;
    p.bytes[2] = left * item_bytes;
    p.fits = p.bytes[2] <= c.hbm.capacity_bytes;
    return p;
}

std::vector<MemAccess> tier_accesses(const TierPlacement& p, int64_t hbm_ports) {
    std::vector<MemAccess> out;
    for (int t = 0; t < kMemTiers; ++t)
        if (p.bytes[t] > 0)
            out.push_back({MemTier(t), p.bytes[t], t == int(MemTier::Hbm) ? hbm_ports : 0, 0});
    return out;
}

double tier_latency(const TierPlacement& p, const FpgaConfig& c) {
    double lat = 0;
    for (int t = 0; t < kMemTiers; ++t)
        if (p.items[t] > 0) lat = std::max(lat, c.tier(MemTier(t)).latency_cycles);
    return lat;
}

double expected_top_k_insertions(double n, double k) {
    if (n <= 0 || k <= 0) return 0;
    if (n <= k) return n;
    return k * (1.0 + std::log(n / k));
}

double reduction_tree_depth(double k) {
    return std::max(1.0, std::ceil(std::log2(std::max(k, 1.0))));
}

std::string FpgaEstimate::to_string() const {
    std::string s = fmt::format(
        "{} on FPGA at {:.0f} MHz: {:.0f} cycles + {} launch{} = {:.3f} µs "
        "(modelled){}\n",
        design, clock_hz / 1e6, cycles, launches, launches == 1 ? "" : "es", seconds * 1e6,
        fits ? "" : " — DOES NOT FIT the device");
    if (placement.items[0] + placement.items[1] + placement.items[2] > 0)
        s += fmt::format(
            "  store: {:.0f} items in bram ({:.2f} MB), {:.0f} in uram ({:.2f} MB), "
            "{:.0f} in hbm ({:.2f} MB)\n",
            placement.items[0], placement.bytes[0] / 1e6, placement.items[1],
            placement.bytes[1] / 1e6, placement.items[2], placement.bytes[2] / 1e6);
    for (const RegionReport& r : regions) {
        s += fmt::format(
            "  region {}: {:.0f} cycles = steady {:.0f} (slowest: {}) + fill/drain "
            "{:.0f} (modelled)\n",
            r.name, r.cycles, r.steady_cycles, r.bottleneck, r.fill_drain_cycles);
        for (const StageReport& st : r.stages)
            s += fmt::format("    {:<18} interval {:>12.0f}  depth {:>5.0f}  {}\n", st.name,
                             st.interval, st.depth, st.bound);
    }
    for (const std::string& n : notes) s += "  note: " + n + "\n";
    return s;
}

}  // namespace mempipe::fpga
