// FPGA profiles as the planner sees them: fpga_config_from_profile agrees with u55c_config() on
// the shipped U55C profile, maps other profiles (V80, a toy without BRAM) sensibly; FpgaDevice
// costs a node that carries its design shape (OpNode::shape) with the design's cycle model, and
// the planner costs such a node on the node's FPGA the same way.
#include <gtest/gtest.h>

#include "mempipe/core/error.h"
#include "mempipe/devices/fpga/fpga_config.h"
#include "mempipe/devices/fpga/fpga_device.h"
#include "mempipe/ops/dsa.h"
#include "mempipe/ops/mla.h"
#include "mempipe/ops/nn.h"
#include "mempipe/ops/top_k.h"
#include "mempipe/planner/planner.h"
#include "node/toy_hardware.h"

namespace mempipe {
namespace {

using testing::shipped_hardware_dir;

void expect_tier_eq(const fpga::TierConfig& a, const fpga::TierConfig& b, const char* name) {
    SCOPED_TRACE(name);
    EXPECT_DOUBLE_EQ(a.capacity_bytes, b.capacity_bytes);
    EXPECT_EQ(a.ports, b.ports);
    EXPECT_DOUBLE_EQ(a.bytes_per_cycle_per_port, b.bytes_per_cycle_per_port);
    EXPECT_DOUBLE_EQ(a.efficiency, b.efficiency);
    EXPECT_DOUBLE_EQ(a.latency_cycles, b.latency_cycles);
    EXPECT_DOUBLE_EQ(a.random_access_bytes, b.random_access_bytes);
}

TEST(FpgaProfile, U55cConfigAgreesWithTheShippedProfile) {
    const DeviceProfile p = load_device_profile(shipped_hardware_dir() + "/devices/u55c.json");
    const fpga::FpgaConfig got = fpga::fpga_config_from_profile(p);
    const fpga::FpgaConfig want = fpga::u55c_config();
    EXPECT_EQ(got.name, want.name);
    EXPECT_DOUBLE_EQ(got.clock_hz, want.clock_hz);
    expect_tier_eq(got.bram, want.bram, "bram");
    expect_tier_eq(got.uram, want.uram, "uram");
    expect_tier_eq(got.hbm, want.hbm, "hbm");
    EXPECT_DOUBLE_EQ(got.onchip_usable_fraction, want.onchip_usable_fraction);
    EXPECT_DOUBLE_EQ(got.usable_onchip_bytes(), 40e6);  // paper §5.3
    EXPECT_EQ(got.dsp, want.dsp);
    EXPECT_EQ(got.lut, want.lut);
    EXPECT_DOUBLE_EQ(got.launch_overhead_s, want.launch_overhead_s);
    EXPECT_DOUBLE_EQ(got.engine_dsp_fraction, want.engine_dsp_fraction);
}

TEST(FpgaProfile, OtherProfilesMapOntoTheConfig) {
    // V80: HBM ports not given → enough 64-B ports for 819.2 GB/s at 300 MHz: ceil(42.67) = 43,
    // 819.2e9 / (43 · 300e6) = 63.5 B/cycle each.
    const fpga::FpgaConfig v80 = fpga::fpga_config_from_profile(
        load_device_profile(shipped_hardware_dir() + "/devices/v80.json"));
    EXPECT_EQ(v80.hbm.ports, 43);
    EXPECT_DOUBLE_EQ(v80.hbm.bytes_per_cycle_per_port, 8.192e11 / (43 * 3e8));
    EXPECT_DOUBLE_EQ(v80.hbm.capacity_bytes, 34359738368.0);
    EXPECT_EQ(v80.uram.ports, 3850);
    EXPECT_EQ(v80.dsp, 10848);
    EXPECT_DOUBLE_EQ(v80.clock_hz, 3e8);

    // The node tests' toy FPGA has no BRAM: an empty tier; its URAM ports come from bandwidth.
    testing::ToyHardware hw;
    const fpga::FpgaConfig toy =
        fpga::fpga_config_from_profile(load_device_profile(hw.path("devices", "toyfpga")));
    EXPECT_EQ(toy.bram.capacity_bytes, 0);
    EXPECT_DOUBLE_EQ(toy.uram.capacity_bytes, 1e6);
    EXPECT_EQ(toy.uram.ports, 445);                          // ceil(1e12 / (250e6 · 9))
    EXPECT_DOUBLE_EQ(toy.hbm.bytes_per_cycle_per_port, 64);  // 100 GB/s over 4 ports, capped
    EXPECT_EQ(toy.dsp, 10);

    // Not an FPGA.
    EXPECT_THROW(fpga::fpga_config_from_profile(
                     load_device_profile(shipped_hardware_dir() + "/devices/mi210.json")),
                 Error);
}

TEST(FpgaProfile, ANodeCarryingItsShapeIsCostedByTheDesign) {
    fpga::FpgaDevice dev;
    const fpga::dsa::Shape shape{1, kDsaHeads, 65536, kDsaTopK};
    OpNode n;
    n.name = "indexer.score_top_k";
    n.op = "score_top_k";
    n.cost = score_top_k_cost(1, kDsaHeads, 65536, kDsaTopK);
    const double design = fpga::dsa::estimate(shape, dev.config()).seconds;
    const double signature = dev.estimate(n).seconds;  // no shape yet: cost-signature estimate
    n.shape = fpga::DesignShape(shape);
    EXPECT_DOUBLE_EQ(dev.estimate(n).seconds, design);
    EXPECT_NE(dev.estimate(n).why.find("dsa_indexer"), std::string::npos);
    EXPECT_NE(design, signature);
    EXPECT_TRUE(dev.supports(n));
    n.shape = shape;  // an alternative of DesignShape stored directly works too
    EXPECT_DOUBLE_EQ(dev.estimate(n).seconds, design);
    // A shape the design cannot take: unsupported, with the reason.
    n.shape = fpga::dsa::Shape{1, kDsaHeads, 65536, fpga::kFpgaMaxTopK + 1};
    EXPECT_FALSE(dev.supports(n));
    EXPECT_FALSE(dev.estimate(n).fits);
    EXPECT_NE(dev.estimate(n).why.find("capacity"), std::string::npos);
    // bind() takes precedence over the node's shape.
    const fpga::dsa::Shape small{1, kDsaHeads, 1024, 64};
    dev.bind(n.name, {small, {}});
    EXPECT_DOUBLE_EQ(dev.estimate(n).seconds, fpga::dsa::estimate(small, dev.config()).seconds);
    EXPECT_TRUE(dev.supports(n));
    // Something else in the shape: ignored (cost-signature estimate).
    OpNode other = n;
    other.name = "other";
    other.shape = 42;
    EXPECT_DOUBLE_EQ(dev.estimate(other).seconds, signature);
}

// The worked example of docs/planner.md: one DSA decode step at 64K tokens on the paper's node.
Graph dsa_step(int64_t tokens) {
    Graph g;
    OpNode prep;
    prep.name = "indexer.q_proj";
    prep.op = "linear";
    prep.step = PipelineStep::Prepare;
    prep.cost = linear_cost(1, 1536, kDsaHeads * 128);
    prep.output_bytes = kDsaHeads * 128 + kDsaHeads * 4 + 132;  // fp8 q, head weights, new key
    const int p = g.add(prep);
    OpNode score;
    score.name = "indexer.scores";
    score.op = "mqa_relu_logits";
    score.step = PipelineStep::Relevancy;
    score.cost = mqa_relu_logits_cost(1, kDsaHeads, tokens);
    score.inputs = {p};
    score.output_bytes = 4.0 * double(tokens);
    score.state_bytes = 132.0 * double(tokens);
    const int s = g.add(score);
    OpNode select;
    select.name = "indexer.top_k";
    select.op = "top_k";
    select.step = PipelineStep::Retrieval;
    select.cost = top_k_cost(tokens, kDsaTopK);
    select.inputs = {s};
    select.output_bytes = 4.0 * kDsaTopK;
    const int t = g.add(select);
    OpNode apply;
    apply.name = "attn.sparse_mla";
    apply.op = "sparse_mla";
    apply.step = PipelineStep::Apply;
    apply.cost = sparse_mla_cost(MlaShape{}, kDsaTopK);
    apply.inputs = {t};
    g.add(apply);
    FusedVariant v;
    v.nodes = {s, t};
    v.fused.name = "indexer.score_top_k";
    v.fused.op = "score_top_k";
    v.fused.step = PipelineStep::Relevancy;
    v.fused.cost = score_top_k_cost(1, kDsaHeads, tokens, kDsaTopK);
    v.fused.state_bytes = 132.0 * double(tokens);
    v.fused.shape = fpga::DesignShape(fpga::dsa::Shape{1, kDsaHeads, tokens, kDsaTopK});
    g.add_fused(v);
    return g;
}

TEST(FpgaProfile, ThePlannerCostsAShapedUnitOnTheNodesFpgaByItsDesign) {
    const HardwareNode node = load_node("mi210-u55c", shipped_hardware_dir());
    const Plan p = place(dsa_step(65536), node);
    const fpga::FpgaConfig cfg = fpga::fpga_config_from_profile(node.device("u55c").profile);
    const double design = fpga::dsa::estimate({1, kDsaHeads, 65536, kDsaTopK}, cfg).seconds;
    bool seen = false;
    for (const Assignment& a : p.units)
        for (const PlacementOption& o : a.options)
            if (a.name == "indexer.score_top_k" && o.device == "u55c") {
                EXPECT_TRUE(o.feasible);
                EXPECT_DOUBLE_EQ(o.seconds, design);
                // FPGA energy: the profile's active power (memory-bound) or its limit
                // (compute-bound) over the unit's time.
                const DeviceProfile& u = node.device("u55c").profile;
                EXPECT_TRUE(o.joules == u.active_power_w * o.seconds ||
                            o.joules == u.max_power_w * o.seconds);
                seen = true;
            }
    // Whether the fused unit is chosen or not, its option on u55c is listed (in the fused unit's
    // options, or the fused-variant note when the parts were kept).
    bool noted = false;
    for (const std::string& n : p.notes)
        noted |= n.find("indexer.score_top_k") != std::string::npos;
    EXPECT_TRUE(seen || noted);
    EXPECT_TRUE(p.exact);
}

}  // namespace
}  // namespace mempipe
