// Cycle-model unit tests against hand-computed latencies (include/mempipe/devices/fpga/
// cycle_model.h): the UG1393 loop formula, dataflow regions, port-limited loaders, tier spills,
// launch overhead, and the U55C constants.
#include <gtest/gtest.h>

#include <cmath>

#include "mempipe/core/error.h"
#include "mempipe/devices/fpga/cycle_model.h"
#include "mempipe/devices/fpga/fpga_config.h"

namespace mempipe::fpga {
namespace {

// A toy device with round numbers: BRAM 1000 B over 10 ports × 10 B/cycle, URAM 2000 B over 10
// ports × 10 B/cycle, HBM 1 MB over 4 ports × 10 B/cycle, 100 MHz, 5 µs launch.
FpgaConfig toy() {
    FpgaConfig c;
    c.name = "toy";
    c.clock_hz = 100e6;
    c.bram = {1000, 10, 10, 1.0, 2, 10};
    c.uram = {2000, 10, 10, 1.0, 3, 10};
    c.hbm = {1e6, 4, 10, 1.0, 50, 32};
    c.onchip_usable_fraction = 1.0;
    c.dsp = 100;
    c.launch_overhead_s = 5e-6;
    return c;
}

TEST(CycleModel, SingleLoopIsDepthPlusIiTimesTripsMinusOne) {
    // UG1393: latency = depth + II·(N − 1).
    StageTiming s{"loop", 100, 1, 1, 5, 0, {}};
    const StageTiming st[] = {s};
    RegionReport r = model_region("r", st, toy());
    EXPECT_DOUBLE_EQ(r.cycles, 5 + 99);
    s.ii = 3;
    const StageTiming st3[] = {s};
    EXPECT_DOUBLE_EQ(model_region("r", st3, toy()).cycles, 5 + 3 * 99);
}

TEST(CycleModel, LanesDivideTheTripCountRoundedUp) {
    StageTiming s{"unrolled", 100, 1, 8, 4, 0, {}};  // N = ceil(100 / 8) = 13
    EXPECT_DOUBLE_EQ(model_stage(s, toy()).compute_cycles, 12);
    const StageTiming st[] = {s};
    EXPECT_DOUBLE_EQ(model_region("r", st, toy()).cycles, 4 + 12);
}

TEST(CycleModel, TwoStagePipelineIsBoundByTheSlowerIi) {
    // Producer II = 1, consumer II = 2, 100 tokens: the consumer sets the pace, both depths fill
    // and drain: 3 + 5 + 2·99.
    StageTiming a{"producer", 100, 1, 1, 3, 0, {}};
    StageTiming b{"consumer", 100, 2, 1, 5, 0, {}};
    const StageTiming st[] = {a, b};
    RegionReport r = model_region("pipe", st, toy());
    EXPECT_DOUBLE_EQ(r.steady_cycles, 198);
    EXPECT_DOUBLE_EQ(r.fill_drain_cycles, 8);
    EXPECT_DOUBLE_EQ(r.cycles, 206);
    EXPECT_EQ(r.bottleneck, "consumer");
    // Both at II = 1: 3 + 5 + 99.
    b.ii = 1;
    const StageTiming st1[] = {a, b};
    EXPECT_DOUBLE_EQ(model_region("pipe", st1, toy()).cycles, 107);
}

TEST(CycleModel, PortLimitedLoaderIsMemoryBound) {
    // 8000 B from HBM over 2 of its 4 ports at 10 B/cycle each: 400 cycles > 100 iterations.
    StageTiming s{"loader", 100, 1, 1, 2, 0, {{MemTier::Hbm, 8000, 2, 0}}};
    StageReport r = model_stage(s, toy());
    EXPECT_DOUBLE_EQ(r.memory_cycles, 400);
    EXPECT_DOUBLE_EQ(r.interval, 400);
    EXPECT_TRUE(r.memory_bound);
    EXPECT_EQ(r.bound, "memory: hbm (2 ports)");
    // All four ports: 200 cycles; more ports than exist are capped at four.
    s.mem[0].ports = 0;
    EXPECT_DOUBLE_EQ(model_stage(s, toy()).memory_cycles, 200);
    s.mem[0].ports = 64;
    EXPECT_DOUBLE_EQ(model_stage(s, toy()).memory_cycles, 200);
}

TEST(CycleModel, RandomAccessesMoveAtLeastTheTierGranularity) {
    // 100 random 4-byte updates on HBM move 100 × 32 B = 3200 B over 4 ports × 10 B: 80 cycles.
    StageTiming s{"scatter", 10, 1, 1, 1, 0, {{MemTier::Hbm, 400, 0, 100}}};
    EXPECT_DOUBLE_EQ(model_stage(s, toy()).memory_cycles, 80);
}

TEST(CycleModel, StoreSpillsToHbmAndSlowsTheLoader) {
    const FpgaConfig c = toy();
    // 50 items of 100 B: 10 in BRAM (1000 B), 20 in URAM (2000 B), 20 in HBM.
    TierPlacement p = place_in_tiers(50, 100, 0, c);
    EXPECT_DOUBLE_EQ(p.items[0], 10);
    EXPECT_DOUBLE_EQ(p.items[1], 20);
    EXPECT_DOUBLE_EQ(p.items[2], 20);
    EXPECT_TRUE(p.fits);
    // Loader: BRAM 1000 / 100 + URAM 2000 / 100 + HBM 2000 / 40 = 10 + 20 + 50 = 80 cycles.
    StageTiming spill{"loader", 50, 1, 1, 2, 0, tier_accesses(p, 0)};
    EXPECT_DOUBLE_EQ(model_stage(spill, c).memory_cycles, 80);
    EXPECT_DOUBLE_EQ(tier_latency(p, c), 50);
    // The same 50 items with on-chip memory for all of them: 5000 B at 100 B/cycle = 50 cycles.
    FpgaConfig big = c;
    big.uram.capacity_bytes = 10000;
    TierPlacement q = place_in_tiers(50, 100, 0, big);
    EXPECT_DOUBLE_EQ(q.items[2], 0);
    StageTiming fits{"loader", 50, 1, 1, 2, 0, tier_accesses(q, 0)};
    EXPECT_DOUBLE_EQ(model_stage(fits, big).memory_cycles, 50);
    // A reserved on-chip buffer of 1500 B takes all of BRAM and 500 B of URAM: 15 items on chip.
    TierPlacement r = place_in_tiers(50, 100, 1500, c);
    EXPECT_DOUBLE_EQ(r.items[0] + r.items[1], 15);
    // More than HBM holds does not fit.
    EXPECT_FALSE(place_in_tiers(20000, 100, 0, c).fits);
}

TEST(CycleModel, RegionsAddAndLaunchOverheadIsAddedOnce) {
    const FpgaConfig c = toy();
    StageTiming a{"a", 1000, 1, 1, 0, 0, {}};
    const StageTiming st[] = {a};
    std::vector<RegionReport> regs = {model_region("r1", st, c), model_region("r2", st, c)};
    FpgaEstimate e = finish_estimate("two", regs, c);
    EXPECT_DOUBLE_EQ(e.cycles, 2 * 999);
    EXPECT_NEAR(e.seconds, 2 * 999 / 100e6 + 5e-6, 1e-15);
    EXPECT_NE(e.to_string().find("modelled"), std::string::npos);
    repeat_estimate(e, 3, c);
    EXPECT_DOUBLE_EQ(e.cycles, 6 * 999);
    EXPECT_NEAR(e.seconds, 6 * 999 / 100e6 + 5e-6, 1e-15);
}

TEST(CycleModel, EmptyLoopsCostNothing) {
    StageTiming s{"empty", 0, 1, 1, 9, 0, {}};
    const StageTiming st[] = {s};
    EXPECT_DOUBLE_EQ(model_region("r", st, toy()).cycles, 0);
}

TEST(CycleModel, TopKInsertionCountsAndTreeDepth) {
    EXPECT_DOUBLE_EQ(expected_top_k_insertions(10, 20), 10);
    EXPECT_DOUBLE_EQ(expected_top_k_insertions(0, 5), 0);
    EXPECT_NEAR(expected_top_k_insertions(2048 * std::exp(1.0), 2048), 2048 * 2.0, 1e-9);
    EXPECT_DOUBLE_EQ(reduction_tree_depth(1), 1);
    EXPECT_DOUBLE_EQ(reduction_tree_depth(2048), 11);
    EXPECT_DOUBLE_EQ(reduction_tree_depth(2049), 12);
}

TEST(CycleModel, BadStagesAreUsageErrors) {
    StageTiming s{"bad", 10, 0, 1, 1, 0, {}};
    EXPECT_THROW(model_stage(s, toy()), Error);
    s.ii = 1;
    s.lanes = 0;
    EXPECT_THROW(model_stage(s, toy()), Error);
    EXPECT_THROW(place_in_tiers(-1, 10, 0, toy()), Error);
}

TEST(FpgaConfigU55c, ConstantsMatchTheirSources) {
    const FpgaConfig c = u55c_config();
    EXPECT_DOUBLE_EQ(c.clock_hz, 250e6);
    EXPECT_DOUBLE_EQ(c.bram.capacity_bytes, 2016.0 * 4608);  // 8.86 MiB
    EXPECT_DOUBLE_EQ(c.uram.capacity_bytes, 960.0 * 36864);  // 33.75 MiB
    EXPECT_NEAR(c.usable_onchip_bytes(), 40e6, 1);           // paper §5.3
    // HeteroLLM's effective HBM bandwidth: 460 GB/s · 0.85 = 391 GB/s = 1564 B/cycle at 250 MHz.
    EXPECT_NEAR(c.hbm.bytes_per_cycle(), 1564, 1);
    EXPECT_NEAR(c.hbm.bytes_per_cycle() * c.clock_hz, 391e9, 1e9);
    // At 300 MHz a 512-bit port (64 B) exceeds a pseudo-channel: the channel limits (47.9 B).
    EXPECT_NEAR(u55c_config(300e6).hbm.bytes_per_cycle_per_port, 14.375e9 / 300e6, 1e-9);
    EXPECT_EQ(c.default_lanes(MacType::Fp8), 4096);   // 4512 DSPs / 1 → 4096
    EXPECT_EQ(c.default_lanes(MacType::Int8), 8192);  // 4512 / 0.5 → 8192
    EXPECT_EQ(c.default_lanes(MacType::Fp32), 1024);  // 4512 / 3 → 1024
    EXPECT_NO_THROW(check_fpga_config(c));
}

TEST(FpgaConfigU55c, InvalidConfigsAreRejected) {
    FpgaConfig c = u55c_config();
    c.clock_hz = 0;
    EXPECT_THROW(check_fpga_config(c), Error);
    c = u55c_config();
    c.hbm.ports = 0;
    EXPECT_THROW(check_fpga_config(c), Error);
    c = u55c_config();
    c.onchip_usable_fraction = 1.5;
    EXPECT_THROW(check_fpga_config(c), Error);
    EXPECT_THROW(u55c_config(-1), Error);
}

}  // namespace
}  // namespace mempipe::fpga
