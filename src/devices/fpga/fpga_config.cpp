// The U55C default configuration: every constant with its source (docs/fpga.md repeats the table).
#include "mempipe/devices/fpga/fpga_config.h"

#include <algorithm>
#include <cmath>

#include "mempipe/core/error.h"

namespace mempipe::fpga {

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
        // int9 per DSP, no packing.
        case MacType::Fp8:
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
    c.bram = {2016.0 * 4608.0, 2016, 9.0, 1.0, 2, 9.0};
    // source: memory_fpga.md B1 — 960 URAM288 blocks × 288 Kib = 36864 B; 2 ports × 72 bit per
    // block (UG949 "Mapping Memories to UltraRAM") = 1920 ports × 9 B/cycle; read latency 3
    // cycles (cascaded output pipeline, UG573).
    c.uram = {960.0 * 36864.0, 1920, 9.0, 1.0, 3, 9.0};
    // source: memory_fpga.md B1 — HBM2 16 GiB, 32 pseudo-channels × 14.375 GB/s (UG1393 "HBM
    // Configuration and Use"); a kernel port is at most 512 bit = 64 B/cycle (B4), so a port
    // moves min(64, 14.375e9 / clock) B/cycle; sustained efficiency 0.85 (HeteroLLM bw_scale,
    // 391 GB/s of 460). Random access: one 256-bit HBM AXI beat = 32 B per access (B1: the HBM
    // ports are 256 bit). Latency 64 cycles: an assumption of ~250 ns at 250 MHz (order of
    // published HBM latencies; it only adds to fill/drain).
    c.hbm = {16.0 * 1024 * 1024 * 1024, 32, std::min(64.0, 14.375e9 / clock_hz), 0.85, 64, 32.0};
    // source: paper §5.3 — "The BRAM and URAM can store 40MB of data in total for U55C".
    c.onchip_usable_fraction = 40e6 / c.onchip_bytes();
    // source: memory_fpga.md B1 — 9024 DSP48E2, 1,303,680 LUTs (U55C).
    c.dsp = 9024;
    c.lut = 1303680;
    // source: memory_fpga.md "Transfer-cost model" — per-launch overhead of an XRT kernel, order of
    // 10 µs.
    c.launch_overhead_s = 10e-6;
    // Design choice (docs/fpga.md): the main engine of a design takes half the DSPs; the rest goes
    // to reduction, selection, softmax units and the shell.
    c.engine_dsp_fraction = 0.5;
    return c;
}

void check_fpga_config(const FpgaConfig& c) {
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
