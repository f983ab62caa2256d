// The U55C default configuration: every constant with its source (docs/fpga.md repeats the table).
#include "mempipe/devices/fpga/fpga_config.h"

#include <algorithm>
#include <cmath>

#include "mempipe/core/error.h"
#include "mempipe/node/hardware.h"

namespace mempipe::fpga {
namespace {

// source: memory_fpga.md B4 — an HLS m_axi kernel port is at most 512 bit = 64 B per cycle.
constexpr double kMaxKernelPortBytes = 64.0;
// source: AMD UG573 — BRAM read latency 2 cycles with the output register (DO_REG); URAM 3
// cycles (cascaded output pipeline).
constexpr double kBramLatencyCycles = 2, kUramLatencyCycles = 3;
// Assumption: HBM read latency ~250 ns at 250 MHz (order of published HBM latencies); it only
// adds to a loader's fill/drain.
constexpr double kHbmLatencyCycles = 64;
// source: paper §5.3 — "The BRAM and URAM can store 40MB of data in total for U55C": 40 MB of the
// U55C's 2016 BRAM36 × 4608 B + 960 URAM × 36864 B. Used for every FPGA profile (no other card's
// figure is published).
constexpr double kOnchipUsableFraction = 40e6 / (2016.0 * 4608.0 + 960.0 * 36864.0);
// Design choice (docs/fpga.md): the main engine of a design takes half the DSPs; the rest goes to
// reduction, selection, softmax units and the shell.
constexpr double kEngineDspFraction = 0.5;

}  // namespace

std::string_view mem_tier_name(MemTier t) {
    switch (t) {
        case MemTier::Bram:
            return "bram";
        case MemTier::Uram:
            return "uram";
        case MemTier::Hbm:
            return "hbm";
    }
    return "?";
}

double TierConfig::bytes_per_cycle(int64_t p) const {
    const int64_t used = (p <= 0 || p > ports) ? ports : p;
    return double(used) * bytes_per_cycle_per_port * efficiency;
}

const TierConfig& FpgaConfig::tier(MemTier t) const {
    switch (t) {
        case MemTier::Bram:
            return bram;
        case MemTier::Uram:
            return uram;
        case MemTier::Hbm:
            return hbm;
    }
    return hbm;
}

double FpgaConfig::dsp_per_mac(MacType t) const {
    switch (t) {
        // source: memory_fpga.md B1 (HeteroLLM fpga_resource.json): int8 MAC 0.5 DSP (two MACs
        // packed per DSP48E2). int4 is taken at the same packing (conservative: decode engines
        // are HBM-bound, docs/fpga.md).
        case MacType::Int4:
        case MacType::Int8:
            return 0.5;
        // source: AMD UG579 (DSP48E2 27×18 multiplier): one e4m3 × e4m3 product as exact int9 ×
        // int9 per DSP, no packing; one int16 × int16 product (the authors' SeerAttention-R and
        // LServe engines, HeteroLLM kernels/seerattention, kernels/lserve) likewise.
        case MacType::Fp8:
        case MacType::Int16:
            return 1.0;
        // source: memory_fpga.md B1: fp32 fmadd = 3 DSP48E2 (bf16 operands use the fp32 unit).
        case MacType::Bf16:
        case MacType::Fp32:
            return 3.0;
        // source: AMD Floating-Point Operator (PG060) double multiplier ≈ 10–11 DSP48E2 plus a
        // 3-DSP adder, recalled from the product guide (not verified here); we take 13.
        case MacType::Fp64:
            return 13.0;
    }
    return 1.0;
}

int64_t FpgaConfig::default_lanes(MacType t) const {
    double n = engine_dsp_fraction * double(dsp) / dsp_per_mac(t);
    int64_t lanes = 1;
    while (double(lanes * 2) <= n) lanes *= 2;
    return lanes;
}

FpgaConfig u55c_config(double clock_hz) {
    MEMPIPE_CHECK_ARG(clock_hz > 0 && std::isfinite(clock_hz),
                      "u55c_config: clock_hz must be positive, got {}", clock_hz);
    FpgaConfig c;
    c.name = "u55c";
    // source: memory_fpga.md B1 — the authors' roofline (HeteroLLM roofline_analyzer.py) runs the
    // kernels at 250 MHz; realistic HLS designs close at 225–300 MHz.
    c.clock_hz = clock_hz;
    // source: memory_fpga.md B1 — 2016 BRAM36 blocks (HeteroLLM u55c.json) × 36 Kib = 4608 B;
    // one 72-bit read port per block in simple dual-port mode (AMD UG573) = 9 B/cycle/port;
    // read latency 2 cycles with the output register (UG573 DO_REG).
    c.bram = {2016.0 * 4608.0, 2016, 9.0, 1.0, kBramLatencyCycles, 9.0};
    // source: memory_fpga.md B1 — 960 URAM288 blocks × 288 Kib = 36864 B; 2 ports × 72 bit per
    // block (UG949 "Mapping Memories to UltraRAM") = 1920 ports × 9 B/cycle; read latency 3
    // cycles (cascaded output pipeline, UG573).
    c.uram = {960.0 * 36864.0, 1920, 9.0, 1.0, kUramLatencyCycles, 9.0};
    // source: memory_fpga.md B1 — HBM2 16 GiB, 32 pseudo-channels × 14.375 GB/s (UG1393 "HBM
    // Configuration and Use"); a kernel port is at most 512 bit = 64 B/cycle (B4), so a port
    // moves min(64, 14.375e9 / clock) B/cycle; sustained efficiency 0.85 (HeteroLLM bw_scale,
    // 391 GB/s of 460). Random access: one 256-bit HBM AXI beat = 32 B per access (B1: the HBM
    // ports are 256 bit). Latency 64 cycles: an assumption of ~250 ns at 250 MHz (order of
    // published HBM latencies; it only adds to fill/drain).
    const double hbm_port_bytes = std::min(kMaxKernelPortBytes, 14.375e9 / clock_hz);
    c.hbm = {16.0 * 1024 * 1024 * 1024, 32, hbm_port_bytes, 0.85, kHbmLatencyCycles, 32.0};
    // source: paper §5.3 — "The BRAM and URAM can store 40MB of data in total for U55C".
    c.onchip_usable_fraction = kOnchipUsableFraction;
    // source: memory_fpga.md B1 — 9024 DSP48E2, 1,303,680 LUTs (U55C).
    c.dsp = 9024;
    c.lut = 1303680;
    // source: memory_fpga.md "Transfer-cost model" — per-launch overhead of an XRT kernel, order of
    // 10 µs.
    c.launch_overhead_s = 10e-6;
    c.engine_dsp_fraction = kEngineDspFraction;
    return c;
}

namespace {

// An on-chip tier of the profile as a TierConfig (empty when the profile has none).
TierConfig onchip_tier(const DeviceProfile& p, std::string_view name, double latency) {
    const MemoryTier* t = p.tier(name);
    if (!t) return {0, 1, 9.0, 1.0, latency, 9.0};
    const double port_bytes = t->port_width_bits > 0 ? t->port_width_bits / 8 : 9.0;
    const int64_t ports =
        t->ports > 0 ? t->ports
                     : int64_t(std::ceil(t->bandwidth_bytes_per_s / (p.clock_hz * port_bytes)));
    return {t->capacity_bytes, std::max<int64_t>(1, ports), port_bytes, 1.0, latency, port_bytes};
}

}  // namespace

FpgaConfig fpga_config_from_profile(const DeviceProfile& p) {
    MEMPIPE_CHECK_ARG(p.kind == HardwareKind::Fpga,
                      "fpga_config_from_profile: profile '{}' is a {}, not an fpga", p.name,
                      hardware_kind_name(p.kind));
    FpgaConfig c;
    c.name = p.name;
    c.clock_hz = p.clock_hz;
    c.bram = onchip_tier(p, "bram", kBramLatencyCycles);
    c.uram = onchip_tier(p, "uram", kUramLatencyCycles);
    const MemoryTier& m = p.main_memory();
    const int64_t ports =
        m.ports > 0 ? m.ports
                    : int64_t(std::ceil(m.bandwidth_bytes_per_s /
                                        (p.clock_hz * kMaxKernelPortBytes) * (1 - 1e-12)));
    const double per_port =
        m.bandwidth_bytes_per_s / (double(std::max<int64_t>(1, ports)) * p.clock_hz);
    c.hbm = {m.capacity_bytes,
             std::max<int64_t>(1, ports),
             std::min(kMaxKernelPortBytes, per_port),
             p.efficiency.regular,
             kHbmLatencyCycles,
             m.port_width_bits > 0 ? m.port_width_bits / 8 : 32.0};
    c.onchip_usable_fraction = kOnchipUsableFraction;
    auto resource = [&](const char* k) {
        auto it = p.resources.find(k);
        return it == p.resources.end() ? 0.0 : it->second;
    };
    // A profile without a DSP count: from its f32 peak at 3 DSPs per fp32 FMA (2 FLOP per cycle).
    const double dsp = resource("dsp") > 0 ? resource("dsp") : 1.5 * p.peak("f32") / p.clock_hz;
    c.dsp = std::max<int64_t>(1, int64_t(std::llround(dsp)));
    c.lut = int64_t(std::llround(resource("lut")));
    c.launch_overhead_s = p.launch_overhead_s;
    c.engine_dsp_fraction = kEngineDspFraction;
    c.design_params = p.design_params;
    check_fpga_config(c);
    return c;
}

double FpgaConfig::design_param(const std::string& key) const {
    auto it = design_params.find(key);
    return it == design_params.end() ? 0.0 : it->second;
}

void check_fpga_config(const FpgaConfig& c) {
    // The fused designs' engines as the authors built them (their design_params time those
    // engines): DSA int16 (kernels/dsa_indexer/indexer_vanilla.h; as costly as our fp8 = int9 ×
    // int9), SeerAttention-R and LServe int16 (kernels/seerattention, kernels/lserve). Our
    // emulators compute the references' f32 arithmetic; docs/fpga.md "Fidelity to the authors'
    // kernels". HBM ports no more than the device has.
    const std::pair<const char*, MacType> engines[] = {
        {"dsa", MacType::Fp8}, {"seer", MacType::Int16}, {"lserve", MacType::Int16}};
    for (const auto& [design, type] : engines) {
        const double lanes = c.design_param(std::string(design) + ".ip_lanes");
        MEMPIPE_CHECK_ARG(lanes * c.dsp_per_mac(type) <= double(c.dsp),
                          "fpga config '{}': {}.ip_lanes {} needs {} DSPs but the device has {}",
                          c.name, design, lanes, lanes * c.dsp_per_mac(type), c.dsp);
        const double mac = c.design_param(std::string(design) + ".mac_cycles");
        for (const char* key :
             {".round_cycles", ".round_cycles_top_k", ".round_cycles_threshold"}) {
            const double round = c.design_param(std::string(design) + key);
            MEMPIPE_CHECK_ARG(round == 0 || mac <= round,
                              "fpga config '{}': {}.mac_cycles {} exceeds {}{} {} (the MAC loop "
                              "is part of the round)",
                              c.name, design, mac, design, key, round);
        }
        const double ports = c.design_param(std::string(design) + ".hbm_ports");
        MEMPIPE_CHECK_ARG(ports <= double(c.hbm.ports),
                          "fpga config '{}': {}.hbm_ports {} exceeds the device's {} HBM ports",
                          c.name, design, ports, c.hbm.ports);
    }
    MEMPIPE_CHECK_ARG(c.clock_hz > 0 && std::isfinite(c.clock_hz),
                      "fpga config '{}': clock_hz must be positive, got {}", c.name, c.clock_hz);
    for (MemTier t : {MemTier::Bram, MemTier::Uram, MemTier::Hbm}) {
        const TierConfig& m = c.tier(t);
        MEMPIPE_CHECK_ARG(
            m.capacity_bytes >= 0 && m.ports >= 1 && m.bytes_per_cycle_per_port > 0 &&
                m.efficiency > 0 && m.efficiency <= 1 && m.latency_cycles >= 0 &&
                m.random_access_bytes > 0,
            "fpga config '{}': tier {} needs capacity ≥ 0, ports ≥ 1, bytes per "
            "cycle > 0, efficiency in (0, 1], latency ≥ 0 and random access bytes > 0",
            c.name, mem_tier_name(t));
    }
    MEMPIPE_CHECK_ARG(c.hbm.capacity_bytes > 0, "fpga config '{}': HBM capacity must be > 0",
                      c.name);
    MEMPIPE_CHECK_ARG(c.onchip_usable_fraction >= 0 && c.onchip_usable_fraction <= 1,
                      "fpga config '{}': onchip_usable_fraction must be in [0, 1], got {}", c.name,
                      c.onchip_usable_fraction);
    MEMPIPE_CHECK_ARG(c.dsp >= 1 && c.engine_dsp_fraction > 0 && c.engine_dsp_fraction <= 1,
                      "fpga config '{}': dsp must be ≥ 1 and engine_dsp_fraction in (0, 1]",
                      c.name);
    MEMPIPE_CHECK_ARG(c.launch_overhead_s >= 0,
                      "fpga config '{}': launch_overhead_s must be ≥ 0, got {}", c.name,
                      c.launch_overhead_s);
}

}  // namespace mempipe::fpga
