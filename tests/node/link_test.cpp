// Transfer models against hand-computed values: DMA and staged hops, the three modes, measured
// tables (at, between and beyond their points) and a node's cheapest route.
#include <gtest/gtest.h>

#include "mempipe/core/error.h"
#include "mempipe/node/link.h"
#include "toy_hardware.h"

using namespace mempipe;
using mempipe::testing::ToyHardware;

namespace {
// All values below are sums of a few exactly representable terms: compare to 1e-12 relative.
void expect_close(double got, double want) {
    EXPECT_NEAR(got, want, 1e-12 * want) << want;
}
}  // namespace

TEST(Link, HopsAndModesOverOneLink) {
    ToyHardware hw;
    LinkProfile l = load_link_profile(hw.path("links", "toylink"));
    // DMA hop: 1 µs + 1e6 B / (10 GB/s × 0.5) = 1 µs + 200 µs.
    expect_close(hop_seconds(l, 1e6, false), 201e-6);
    // Staged hop: 10 µs + 1e6 / (10 GB/s × 0.1) = 10 µs + 1 ms.
    expect_close(hop_seconds(l, 1e6, true), 1010e-6);
    expect_close(transfer_seconds(l, 1e6, TransferMode::Direct), 201e-6);
    expect_close(transfer_seconds(l, 1e6, TransferMode::Bounce), 2 * 201e-6);   // two DMA hops
    expect_close(transfer_seconds(l, 1e6, TransferMode::Staged), 2 * 1010e-6);  // two memcpys
    expect_close(transfer_seconds(l, 0, TransferMode::Direct), 1e-6);           // latency only
    EXPECT_THROW(transfer_seconds(l, -1, TransferMode::Direct), Error);
}

TEST(Link, ModesOverTwoLinks) {
    ToyHardware hw;
    LinkProfile a = load_link_profile(hw.path("links", "toylink"));   // 1 µs, 10 GB/s
    LinkProfile b = load_link_profile(hw.path("links", "slowlink"));  // 3 µs, 5 GB/s
    // Bounce: (1 µs + 1e6 / 5e9) + (3 µs + 1e6 / 2.5e9) = 201 + 403 µs.
    expect_close(transfer_seconds(a, b, 1e6, TransferMode::Bounce), 604e-6);
    // Staged: (10 µs + 1e6 / 1e9) + (10 µs + 1e6 / 5e8) = 1010 + 2010 µs.
    expect_close(transfer_seconds(a, b, 1e6, TransferMode::Staged), 3020e-6);
    // Direct: both latencies, the slower link's DMA rate: 4 µs + 1e6 / 2.5e9 = 404 µs.
    expect_close(transfer_seconds(a, b, 1e6, TransferMode::Direct), 404e-6);
}

TEST(Link, MeasuredTableInterpolation) {
    ToyHardware hw;
    LinkProfile m = load_link_profile(hw.path("links", "toyp2p"));
    EXPECT_EQ(m.kind, LinkKind::Measured);
    const auto fwd = [&](double bytes) {
        return transfer_seconds(m, bytes, TransferMode::Bounce, Direction::Forward);
    };
    expect_close(fwd(1000), 1e-5);     // at a point
    expect_close(fwd(2000), 2e-5);     // at a point
    expect_close(fwd(1500), 1.5e-5);   // halfway between (1000, 10 µs) and (2000, 20 µs)
    expect_close(fwd(3000), 2.25e-5);  // halfway between (2000, 20 µs) and (4000, 25 µs)
    expect_close(fwd(10), 1e-5);       // below the first point: the first point's time
    expect_close(fwd(0), 1e-5);
    // Beyond the last point: the last segment's slope, 5 µs per 2000 B.
    expect_close(fwd(8000), 2.5e-5 + 4000 * (0.5e-5 / 2000));
    expect_close(transfer_seconds(m, 1500, TransferMode::Bounce, Direction::Backward), 7.5e-6);
    EXPECT_THROW(transfer_seconds(m, 1000, TransferMode::Staged), Error);  // not measured
    EXPECT_THROW(hop_seconds(m, 1000, false), Error);
}

TEST(Link, RouteTakesTheCheapestModeAndExplainsIt) {
    ToyHardware hw;
    HardwareNode n = load_node("toynode", hw.dir());
    // gpu → fpga, 1500 B: bounce is measured (15 µs) and replaces the modelled bounce; staged =
    // (10 µs + 1500 / 1e9) + (10 µs + 1500 / 5e8) = 24.5 µs.
    Route r = n.route("gpu", "fpga", 1500);
    EXPECT_EQ(r.best.mode, TransferMode::Bounce);
    expect_close(r.best.seconds, 1.5e-5);
    EXPECT_EQ(r.best.via, "toyp2p (measured)");
    ASSERT_EQ(r.options.size(), 2u);
    EXPECT_EQ(r.options[1].mode, TransferMode::Staged);
    expect_close(r.options[1].seconds, 10e-6 + 1.5e-6 + 10e-6 + 3e-6);
    EXPECT_NE(r.why.find("bounce via toyp2p (measured)"), std::string::npos) << r.why;
    EXPECT_NE(r.why.find("beats staged"), std::string::npos) << r.why;
    // The reverse direction reads the backward table.
    expect_close(n.route("fpga", "gpu", 1500).best.seconds, 7.5e-6);
    // Host ↔ device: one DMA hop over the device's host link: 3 µs + 1e6 / 2.5e9.
    Route h = n.route("host", "fpga", 1e6);
    EXPECT_EQ(h.best.mode, TransferMode::Direct);
    expect_close(h.best.seconds, 403e-6);
    expect_close(n.route("gpu", "host", 1e6).best.seconds, 201e-6);
    // Same device: nothing moves.
    Route l = n.route("gpu", "gpu", 1e9);
    EXPECT_TRUE(l.local);
    EXPECT_EQ(l.best.seconds, 0);
    EXPECT_THROW(n.route("gpu", "tpu", 1), Error);
}

TEST(Link, LargeTransfersPreferTheFasterModelledMode) {
    ToyHardware hw;
    Json node = mempipe::testing::toy_node();
    node["links"].erase(2);  // no measured table: the bounce is modelled from the host links
    node["transfer_modes"] = {"staged", "bounce", "direct"};
    hw.write("nodes", "toynode", node);
    HardwareNode n = load_node("toynode", hw.dir());
    Route r = n.route("gpu", "fpga", 1e6);
    EXPECT_EQ(r.best.mode, TransferMode::Direct);  // 404 µs < bounce 604 µs < staged 3020 µs
    expect_close(r.best.seconds, 404e-6);
    ASSERT_EQ(r.options.size(), 3u);
    expect_close(r.options[1].seconds, 604e-6);
    expect_close(r.options[2].seconds, 3020e-6);
}
