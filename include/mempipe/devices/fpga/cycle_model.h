// The cycle model of an emulated dataflow design: per-stage loop timing (Vitis HLS rules), memory
// tiers with port and bandwidth limits, dataflow regions, launches. Every time it produces is
// MODELLED (no FPGA ran) and every report says so.
//
// Rules (sources in docs/fpga.md; memory_fpga.md B4 quotes AMD UG1393 / UG1399):
//   * a pipelined loop of T iterations, unrolled `lanes` times, with initiation interval II and
//     iteration latency (pipeline depth) D takes D + II·(N − 1) cycles, N = ceil(T / lanes);
//     data-dependent stalls (`extra_cycles`, e.g. a top-k insertion) add to II·(N − 1);
//   * its memory traffic: each access moves `bytes` (or random_accesses × the tier's random-access
//     granularity, whichever is larger) over `ports` ports of its tier at the tier's sustained
//     bytes per cycle per port; the accesses of one stage are served one after another (a loader
//     walks the tiers in token order);
//   * a stage's interval = max(II·(N − 1) + extra, memory cycles): it is bound by compute (its II
//     and lanes) or by the memory tier that dominates its traffic;
//   * a dataflow region of stages connected by FIFOs runs them concurrently: its latency is the
//     slowest stage's interval (steady state) + the sum of the depths of the stages that run
//     (fill and drain), the UG1393 dataflow rule;
//   * regions of a design run one after another; each kernel launch adds the launch overhead.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "mempipe/devices/fpga/fpga_config.h"

namespace mempipe::fpga {

// Longest list a design's streaming top-k retriever holds (a fixed on-chip array).
inline constexpr int64_t kFpgaMaxTopK = 8192;

struct MemAccess {
    MemTier tier = MemTier::Hbm;
    double bytes = 0;            // bytes streamed
    int64_t ports = 0;           // ports used (≤ 0: all ports of the tier)
    double random_accesses = 0;  // independent accesses (each moves ≥ random_access_bytes)
};

struct StageTiming {
    std::string name;
    double trip_count = 0;    // loop iterations T
    double ii = 1;            // initiation interval (cycles)
    double lanes = 1;         // iterations started per II (unroll / parallel lanes)
    double depth = 1;         // pipeline depth D (cycles)
    double extra_cycles = 0;  // data-dependent stall cycles
    std::vector<MemAccess> mem;
};

struct StageReport {
    std::string name;
    double compute_cycles = 0;  // II·(N − 1) + extra
    double memory_cycles = 0;   // all accesses
    double tier_cycles[kMemTiers] = {0, 0, 0};
    double interval = 0;  // max(compute, memory)
    double depth = 0;     // counted in fill/drain (0 when the loop does not run)
    bool memory_bound = false;
    std::string bound;  // "compute (II 1, 4096 lanes)" or "memory: hbm (32 ports)"
};

struct RegionReport {
    std::string name;
    std::vector<StageReport> stages;
    double steady_cycles = 0;  // slowest stage interval
    double fill_drain_cycles = 0;
    double cycles = 0;       // steady + fill/drain
    std::string bottleneck;  // name of the slowest stage
};

// Where the items of a tiered store live: lower item ids in faster tiers (BRAM, then URAM, then
// HBM), whole items per tier.
struct TierPlacement {
    double items[kMemTiers] = {0, 0, 0};
    double bytes[kMemTiers] = {0, 0, 0};
    bool fits = true;  // false: not even HBM holds them all
    double onchip_items() const { return items[0] + items[1]; }
};

// The model's answer for one design invocation. All times are modelled.
struct FpgaEstimate {
    std::string design;
    std::vector<RegionReport> regions;
    double clock_hz = 0;
    double cycles = 0;  // Σ region cycles
    int64_t launches = 1;
    double launch_seconds = 0;
    double seconds = 0;       // cycles / clock + launches · launch overhead (MODELLED)
    bool fits = true;         // false: the design's data does not fit the device (seconds is +inf)
    TierPlacement placement;  // of the design's main streamed store (keys, postings, …)
    std::vector<std::string> notes;
    // A plain-text table, every time labelled "modelled".
    std::string to_string() const;
};

StageReport model_stage(const StageTiming& s, const FpgaConfig& c);
RegionReport model_region(std::string name, std::span<const StageTiming> stages,
                          const FpgaConfig& c);
// Fills cycles, launch and total seconds from the regions.
FpgaEstimate finish_estimate(std::string design, std::vector<RegionReport> regions,
                             const FpgaConfig& c, int64_t launches = 1);

// The same design run `times` times back to back (queries of a batch processed one after
// another): every region's cycles are multiplied; launches stay as they are.
void repeat_estimate(FpgaEstimate& e, double times, const FpgaConfig& c);

// Places n_items of item_bytes each, lower ids first, into BRAM, URAM and HBM. The on-chip
// capacity available is usable_onchip_bytes() minus `reserved_onchip_bytes` (the design's own
// buffers), taken from BRAM first.
TierPlacement place_in_tiers(double n_items, double item_bytes, double reserved_onchip_bytes,
                             const FpgaConfig& c);
// The loader accesses of a placed store: one MemAccess per non-empty tier, `hbm_ports` ports on
// HBM (all on-chip ports: data is partitioned over every block).
std::vector<MemAccess> tier_accesses(const TierPlacement& p, int64_t hbm_ports);
// Max over the tiers a placement touches of their read latency (a loader's extra depth).
double tier_latency(const TierPlacement& p, const FpgaConfig& c);

// Streaming top-k timing (the retriever of Fig. 7): the expected number of insertions of a
// running top-k over n scores in random order, k·(1 + ln(n / k)) for n > k, else n.
double expected_top_k_insertions(double n, double k);
// ceil(log2(k)) ≥ 1: depth of the reduction tree over k entries.
double reduction_tree_depth(double k);

}  // namespace mempipe::fpga
