// The modelled device's roofline against hand-computed values on toy profiles: memory-bound
// GEMV, compute-bound GEMM, batch reuse, launch overhead, on-chip placement, spill and streaming,
// resident-state refusal, the software model, energy. Toy GPU: HBM 100 GB/s, f32 1 TFLOP/s, bf16 4
// TFLOP/s, launch 10 µs, 10/50/100 W, efficiency 0.5 / 0.25 / 0.2. Toy FPGA: URAM 1 MB at 1 TB/s on
// chip, HBM 1 GB at 100 GB/s, f32 100 GFLOP/s, no launch overhead, 20/30/40 W, efficiency 1.
#include <gtest/gtest.h>

#include "mempipe/core/error.h"
#include "mempipe/devices/modelled.h"
#include "mempipe/node/hardware.h"
#include "toy_hardware.h"

using namespace mempipe;
using mempipe::testing::ToyHardware;

namespace {

// Sums and products of a few terms: 1e-12 relative.
void expect_close(double got, double want) {
    EXPECT_NEAR(got, want, 1e-12 * std::abs(want)) << want;
}

struct Toys {
    ToyHardware hw;
    ModelledDevice gpu{load_device_profile(hw.path("devices", "toygpu"))};
    ModelledDevice fpga{load_device_profile(hw.path("devices", "toyfpga")), "fpga0"};
};

// y = x·Wᵀ for one token: bf16 weights [n × k], f32 x and y.
OpCost gemv(double k, double n) {
    OpCost c;
    c.flops = 2 * k * n;
    c.bytes_read = 2 * k * n + 4 * k;
    c.bytes_shared = 2 * k * n;  // the weights
    c.bytes_written = 4 * n;
    return c;
}

}  // namespace

TEST(Modelled, MemoryBoundGemv) {
    Toys t;
    const OpCost c = gemv(1000, 1000);  // 2 MFLOP, 2.004 MB read, 4 kB written
    CostEstimate e = t.gpu.estimate(c);
    const double t_mem = (2.004e6 + 4e3) / 1e11;  // 20.08 µs
    const double t_comp = 2e6 / 1e12;             // 2 µs at the f32 peak
    const double t_kernel = t_mem / 0.5;          // regular efficiency 0.5
    expect_close(e.seconds, t_kernel + 1e-5);
    EXPECT_EQ(e.bound, Bound::Memory);
    expect_close(e.bytes_moved, 2.008e6);
    // Power: active + (max − active) × t_comp / t_kernel.
    expect_close(e.joules, (50 + 50 * t_comp / t_kernel) * e.seconds);
    EXPECT_TRUE(e.fits);
    EXPECT_NE(e.why.find("memory-bound (modelled)"), std::string::npos) << e.why;
    EXPECT_NE(e.why.find("from hbm"), std::string::npos) << e.why;
}

TEST(Modelled, ComputeBoundGemmUsesTheDtypePeak) {
    Toys t;
    OpCost c;
    c.flops = 2e12;
    c.bytes_read = 6e8;
    c.bytes_written = 0;
    CostEstimate f32 = t.gpu.estimate(c);
    expect_close(f32.seconds, 2.0 / 0.5 + 1e-5);  // 2 s at 1 TFLOP/s, ÷ 0.5
    EXPECT_EQ(f32.bound, Bound::Compute);
    // t_comp / t_kernel = 0.5: half-way from active (50 W) to max (100 W).
    expect_close(f32.joules, 75 * f32.seconds);
    c.compute_dtype = DType::BF16;
    CostEstimate bf16 = t.gpu.estimate(c);
    expect_close(bf16.seconds, 0.5 / 0.5 + 1e-5);  // 4 TFLOP/s
    // The toy GPU has no fp8: fp8 arithmetic runs at its bf16 rate, and the FPGA (f32 only) runs
    // bf16 at its f32 rate (100 GFLOP/s; 6e8 B from HBM take 6 ms, far less than 20 s).
    c.compute_dtype = DType::FP8E4M3;
    CostEstimate fp8 = t.gpu.estimate(c);
    expect_close(fp8.seconds, bf16.seconds);
    EXPECT_NE(fp8.why.find("at the bf16 peak"), std::string::npos) << fp8.why;
    c.compute_dtype = DType::BF16;
    expect_close(t.fpga.estimate(c).seconds, 2e12 / 1e11);
    OpNode node;
    node.name = "gemm";
    node.op = "linear";
    node.cost = c;
    EXPECT_TRUE(t.gpu.supports(node));
}

TEST(Modelled, AccessPatternEfficiencies) {
    Toys t;
    OpCost c;
    c.bytes_read = 1e9 - 1;  // fits in the 1 GB HBM
    for (auto [p, eff] : {std::pair{AccessPattern::Regular, 0.5},
                          {AccessPattern::Irregular, 0.25},
                          {AccessPattern::DataDependent, 0.2}}) {
        c.pattern = p;
        expect_close(t.gpu.estimate(c).seconds, (1e9 - 1) / 1e11 / eff + 1e-5);
    }
}

TEST(Modelled, BatchReusesSharedWeightsOnly) {
    Toys t;
    // Per sequence: 2 MB of shared weights + 100 kB of its own KV/index data, 2 MFLOP.
    OpCost seq;
    seq.flops = 2e6;
    seq.bytes_read = 2.1e6;
    seq.bytes_shared = 2e6;
    seq.bytes_written = 4e3;
    const OpCost b1 = batched(seq, 1), b2 = batched(seq, 2), b4 = batched(seq, 4);
    expect_close(b1.bytes_read, 2.1e6);
    expect_close(b2.bytes_read, 2.2e6);  // weights once, per-sequence bytes twice
    expect_close(b4.bytes_read, 2.4e6);
    expect_close(b4.bytes_read - b2.bytes_read, 2 * (b2.bytes_read - b1.bytes_read));
    expect_close(b2.bytes_shared, 2e6);
    expect_close(b2.flops, 4e6);
    expect_close(b2.bytes_written, 8e3);
    // Time: doubling the batch adds only the per-sequence bytes (memory-bound here).
    const double t1 = t.gpu.estimate(b1).seconds, t2 = t.gpu.estimate(b2).seconds;
    expect_close(t2 - t1, (1e5 + 4e3) / 1e11 / 0.5);
    EXPECT_LT(t2, 1.1 * t1);  // far from 2×: the weights dominate
}

TEST(Modelled, LaunchOverheadDominatesTinyOps) {
    Toys t;
    OpCost c;
    c.flops = 100;
    c.bytes_read = 100;
    CostEstimate e = t.gpu.estimate(c);
    EXPECT_EQ(e.bound, Bound::Launch);
    expect_close(e.seconds, 1e-5 + 100 / 1e11 / 0.5);
    EXPECT_GT(e.seconds, 0.99e-5);
    OpCost empty;
    expect_close(t.gpu.estimate(empty).seconds, 1e-5);  // a launch still costs its overhead
}

TEST(Modelled, OnChipTiersFirstThenSpillThenStream) {
    Toys t;
    OpCost c;
    c.bytes_read = 3e6;  // 1 MB fits in URAM, 2 MB spill to HBM
    CostEstimate e = t.fpga.estimate(c);
    expect_close(e.seconds, 1e6 / 1e12 + 2e6 / 1e11);
    EXPECT_NE(e.why.find("from uram"), std::string::npos) << e.why;
    EXPECT_NE(e.why.find("from hbm"), std::string::npos) << e.why;
    c.bytes_read = 5e5;  // all on chip
    expect_close(t.fpga.estimate(c).seconds, 5e5 / 1e12);
    // The planner placed other data in URAM: a budget of 0 free bytes there sends it all to HBM.
    // Tier order is the profile's: [hbm, uram].
    expect_close(t.fpga.estimate(c, {1e9, 0.0}).seconds, 5e5 / 1e11);
    expect_close(t.fpga.estimate(c, {1e9, 2e5}).seconds, 2e5 / 1e12 + 3e5 / 1e11);
    EXPECT_THROW(t.fpga.estimate(c, {1.0}), Error);  // wrong budget size
    // The GPU's L2 is a cache: never holds an op's data in the model.
    OpCost g;
    g.bytes_read = 5e5;
    expect_close(t.gpu.estimate(g).seconds, 5e5 / 1e11 / 0.5 + 1e-5);
    // Reads beyond all the memory (1 MB URAM + 1 GB HBM) are streamed through HBM, not refused:
    // 1 MB at 1 TB/s + 1 GB at 100 GB/s + the 0.999 GB beyond it, again at 100 GB/s.
    c.bytes_read = 2e9;
    CostEstimate big = t.fpga.estimate(c);
    EXPECT_TRUE(big.fits);
    expect_close(big.seconds, 1e6 / 1e12 + 1e9 / 1e11 + (2e9 - 1e9 - 1e6) / 1e11);
    EXPECT_NE(big.why.find("streamed through hbm"), std::string::npos) << big.why;
}

// Only resident data must fit: a node whose state exceeds the device's memory is refused, one
// whose streamed input does is costed.
TEST(Modelled, OnlyResidentStateMustFit) {
    Toys t;
    OpNode n;
    n.name = "scan";
    n.op = "top_k";
    n.cost.bytes_read = 5e9;  // 5 GB streamed through the toy GPU's 1 GB HBM
    EXPECT_TRUE(t.gpu.supports(n));
    expect_close(t.gpu.estimate(n).seconds, 5e9 / 1e11 / 0.5 + 1e-5);
    EXPECT_DOUBLE_EQ(t.gpu.resident_capacity_bytes(), 1e9);  // the L2 cache does not count
    n.state_bytes = 1e9;                                     // exactly fits
    EXPECT_TRUE(t.gpu.supports(n));
    n.state_bytes = 1.5e9;
    EXPECT_FALSE(t.gpu.supports(n));
    CostEstimate e = t.gpu.estimate(n);
    EXPECT_FALSE(e.fits);
    EXPECT_LT(e.seconds, 0);
    EXPECT_NE(e.why.find("resident state"), std::string::npos) << e.why;
}

// The software model (SoftwareModel): for memory-processing steps, the per-op overhead replaces
// the launch overhead and the software's efficiency the profile's; model steps stay on the
// roofline; ops without a kernel are refused; roofline_only removes it.
TEST(Modelled, SoftwareModelForMemorySteps) {
    ToyHardware hw;
    Json g = mempipe::testing::toy_gpu();
    g["software"] = {{"description", "toy framework"},
                     {"memory_op_overhead_s", mempipe::testing::sourced(4e-5)},
                     {"efficiency", {{"data_dependent", mempipe::testing::sourced(0.01)}}},
                     {"unsupported_ops", {{"ops", {"bm25_scores"}}, {"source", "toy"}}}};
    hw.write("devices", "toygpu", g);
    const DeviceProfile p = load_device_profile(hw.path("devices", "toygpu"));
    ASSERT_TRUE(p.software.present);
    EXPECT_DOUBLE_EQ(p.software.efficiency.regular, 0.5);  // not given: the profile's
    EXPECT_DOUBLE_EQ(p.software.efficiency.data_dependent, 0.01);
    ModelledDevice d(p);
    OpNode n;
    n.name = "select";
    n.op = "top_k";
    n.step = PipelineStep::Retrieval;
    n.cost.bytes_read = 1e6;
    n.cost.pattern = AccessPattern::DataDependent;
    // 1 MB at 100 GB/s = 10 µs, ÷ 0.01 = 1 ms, + 40 µs overhead.
    expect_close(d.estimate(n).seconds, 1e6 / 1e11 / 0.01 + 4e-5);
    EXPECT_NE(d.estimate(n).why.find("software model"), std::string::npos) << d.estimate(n).why;
    // The same op as a model step, or as a bare cost: the roofline (÷ 0.2, + 10 µs launch).
    n.step = PipelineStep::Model;
    expect_close(d.estimate(n).seconds, 1e6 / 1e11 / 0.2 + 1e-5);
    expect_close(d.estimate(n.cost).seconds, 1e6 / 1e11 / 0.2 + 1e-5);
    // No kernel in the software for this op: refused, saying why.
    n.op = "bm25_scores";
    n.step = PipelineStep::Relevancy;
    EXPECT_FALSE(d.supports(n));
    EXPECT_NE(d.estimate(n).why.find("no kernel"), std::string::npos) << d.estimate(n).why;
    // roofline_only strips it from every device of a node.
    HardwareNode node;
    node.host = {"host", p};
    node.devices.push_back({"gpu", p});
    const HardwareNode r = roofline_only(node);
    EXPECT_FALSE(r.host.profile.software.present);
    EXPECT_FALSE(r.devices[0].profile.software.present);
    EXPECT_TRUE(ModelledDevice(r.devices[0].profile).supports(n));
    // A software block with an unknown member is a load error naming it.
    g["software"]["overhead"] = mempipe::testing::sourced(1);
    hw.write("devices", "toygpu", g);
    EXPECT_THROW(load_device_profile(hw.path("devices", "toygpu")), Error);
}

TEST(Modelled, EnergyArithmetic) {
    Toys t;
    // active × busy + idle × (wall − busy) = 50 × 2 + 10 × 8.
    expect_close(t.gpu.energy_joules(2, 10), 180);
    expect_close(t.gpu.energy_joules(0, 10), 100);  // idle all along
    expect_close(t.fpga.energy_joules(1, 1), 30);   // busy all along
    EXPECT_THROW(t.gpu.energy_joules(3, 2), Error);
    EXPECT_THROW(t.gpu.energy_joules(-1, 2), Error);
}

TEST(Modelled, IsADeviceThatCannotRun) {
    Toys t;
    DeviceInfo i = t.fpga.info();
    EXPECT_EQ(i.name, "fpga0");
    EXPECT_EQ(i.kind, DeviceKind::Modelled);
    EXPECT_NE(i.description.find("modelled"), std::string::npos);
    OpNode node;
    node.name = "scores";
    node.op = "inner_product";
    node.cost.flops = 1e6;
    node.cost.bytes_read = 1e6;
    Device& d = t.fpga;
    EXPECT_TRUE(d.supports(node));
    expect_close(d.estimate(node).seconds, 1e6 / 1e11);  // compute-bound: 1 MFLOP at 100 GFLOP/s
    try {
        d.run(node);
        FAIL() << "run() did not throw";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("cannot execute"), std::string::npos) << e.what();
    }
}

TEST(Modelled, ShippedProfilesEstimateAGemv) {
    // Every shipped device gives a positive, finite, labelled estimate for a 4096² bf16 GEMV.
    const std::string dir = mempipe::testing::shipped_hardware_dir();
    for (const std::string& name : list_devices(dir)) {
        ModelledDevice d(load_device_profile(dir + "/devices/" + name + ".json"));
        CostEstimate e = d.estimate(gemv(4096, 4096));
        EXPECT_GT(e.seconds, 0) << name;
        EXPECT_GT(e.joules, 0) << name;
        EXPECT_NE(e.why.find("(modelled)"), std::string::npos) << name;
    }
}
