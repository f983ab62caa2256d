// The parameters of one FPGA card that the dataflow cycle model needs (clock, on-chip and HBM
// memory tiers, arithmetic resources, launch overhead), with the Alveo U55C as the default.
//
// A memory tier is a set of independent ports: BRAM and URAM blocks (each with its read ports) and
// HBM pseudo-channels. A stage that streams B bytes from a tier over p ports needs
// B / (p · bytes_per_cycle_per_port · efficiency) cycles (cycle_model.h). Capacities are raw
// silicon; `onchip_usable_fraction` is the part of BRAM + URAM a design can fill with data.
// Every constant of `u55c_config()` carries its source in src/devices/fpga/fpga_config.cpp and in
// docs/fpga.md. `fpga_config_from_profile` maps an FPGA hardware profile (node/hardware.h) onto
// this struct; nothing here reads files.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace mempipe {
struct DeviceProfile;
}

namespace mempipe::fpga {

enum class MemTier : int { Bram = 0, Uram = 1, Hbm = 2 };
inline constexpr int kMemTiers = 3;
std::string_view mem_tier_name(MemTier t);

struct TierConfig {
    double capacity_bytes = 0;
    int64_t ports = 0;                    // independent ports (read ports of blocks, or channels)
    double bytes_per_cycle_per_port = 0;  // at the kernel clock
    double efficiency = 1.0;              // sustained / peak
    double latency_cycles = 1;            // read latency, added to a loader's pipeline depth
    double random_access_bytes = 0;       // bytes moved by one random access (≥ 1 port beat)
    // Sustained bytes per cycle over p ports (p ≤ 0 or p > ports: all ports).
    double bytes_per_cycle(int64_t p = 0) const;
};

// Arithmetic element types of the engines, for resource-derived lane counts.
enum class MacType { Int4, Int8, Fp8, Int16, Bf16, Fp32, Fp64 };

struct FpgaConfig {
    std::string name = "u55c";
    double clock_hz = 0;
    TierConfig bram, uram, hbm;
    double onchip_usable_fraction = 1.0;  // of bram + uram capacity a design may fill
    int64_t dsp = 0;                      // DSP slices
    int64_t lut = 0;
    double launch_overhead_s = 0;      // host → kernel start and completion (one kernel launch)
    double engine_dsp_fraction = 0.5;  // DSPs a design's main engine may use (rest: shell, glue)
    // Design parameters of the fused designs as the authors built them ("dsa.ip_lanes",
    // "dsa.hbm_ports", "<design>.mac_cycles" and "<design>.round_cycles" (the engine computes
    // mac / round of the cycles: FusedParams::engine_duty; SeerAttention-R has one round per
    // kernel, ".round_cycles_top_k" / ".round_cycles_threshold"), "seer.logit_select", …; hardware
    // profile `design_params`); a design without an entry uses its default (FusedParams{} =
    // derived from this config). check_fpga_config rejects an engine that needs more DSPs or HBM
    // ports than the device has, and a MAC loop longer than its round.
    std::map<std::string, double> design_params;
    // The parameter's value, or 0 when absent.
    double design_param(const std::string& key) const;

    const TierConfig& tier(MemTier t) const;
    double onchip_bytes() const { return bram.capacity_bytes + uram.capacity_bytes; }
    double usable_onchip_bytes() const { return onchip_usable_fraction * onchip_bytes(); }
    double seconds(double cycles) const { return cycles / clock_hz; }
    // DSP slices per multiply-accumulate of `t` (the U55C's DSP48E2 table; see docs/fpga.md).
    double dsp_per_mac(MacType t) const;
    // Default lanes (MACs per cycle) of an engine of type t: engine_dsp_fraction · dsp /
    // dsp_per_mac, rounded down to a power of two (≥ 1).
    int64_t default_lanes(MacType t) const;
};

// The AMD Alveo U55C at the given kernel clock (default 250 MHz, the authors' model clock).
// Agrees with hardware/devices/u55c.json through fpga_config_from_profile (a test checks it).
FpgaConfig u55c_config(double clock_hz = 250e6);

// The configuration of an FPGA hardware profile (kind "fpga"):
//   clock, launch overhead, DSP and LUT counts       the profile's values;
//   bram / uram                                       its tiers of those names (absent: empty),
//                                                     bytes per cycle per port = port width / 8
//                                                     (72 bit when not given), ports = given or
//                                                     ceil(bandwidth / (clock · port bytes));
//                                                     efficiency 1, read latency 2 / 3 cycles,
//                                                     random access one port beat;
//   hbm                                               its Main tier (whatever its name): ports as
//                                                     given or enough 64-B kernel ports for its
//                                                     bandwidth, bytes per cycle per port =
//                                                     min(64, bandwidth / (ports · clock)),
//                                                     efficiency = the profile's regular
//                                                     efficiency, random access = port width / 8
//                                                     (32 B when not given), latency 64 cycles;
//   onchip_usable_fraction, engine_dsp_fraction       the U55C's (paper §5.3: 40 MB of its BRAM +
//                                                     URAM; half the DSPs for the main engine).
// Secondary tiers (V80 DDR) are not modelled by the designs. Usage error for a non-FPGA profile.
FpgaConfig fpga_config_from_profile(const DeviceProfile& profile);

// Usage error unless every field is usable (positive clock, capacities, ports, bandwidths, …).
void check_fpga_config(const FpgaConfig& c);

}  // namespace mempipe::fpga
