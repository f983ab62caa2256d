// Golden planner cases on toy nodes (planner_toys.h), each answer computed by hand in the comment
// next to it: memory-bound ops go to the higher-bandwidth device, a copy dearer than the gain
// keeps an op local, a fused variant wins when it saves a copy, capacity refusals, pins and their
// cost, energy vs latency.
#include <gtest/gtest.h>

#include <cmath>

#include "mempipe/core/error.h"
#include "mempipe/planner/planner.h"
#include "planner/planner_toys.h"

namespace mempipe {
namespace {

using testing::duo_node;
using testing::flop_op;
using testing::mem_op;
using testing::ToyDevice;
using testing::ToyHardware;

// Every expected value is a short sum of exact decimal terms: 1e-9 relative covers the rounding.
void expect_near_rel(double got, double want) {
    EXPECT_NEAR(got, want, 1e-9 * std::fabs(want)) << "want " << want;
}

const Assignment& unit(const Plan& p, const std::string& name) {
    for (const Assignment& a : p.units)
        if (a.name == name) return a;
    ADD_FAILURE() << "no unit " << name;
    return p.units.front();
}

TEST(PlannerGolden, MemoryBoundOpGoesToTheHigherBandwidthDevice) {
    ToyHardware hw;
    const HardwareNode node = duo_node(hw);
    Graph g;
    g.add(mem_op("scan", "top_k", 4e6));
    const Plan p = place(g, node);
    // a: 4 MB / 100 GB/s = 40 µs, b: 4 MB / 400 GB/s = 10 µs, host: 4 MB / 10 GB/s = 400 µs.
    ASSERT_EQ(p.units.size(), 1u);
    EXPECT_EQ(p.units[0].device, "b");
    expect_near_rel(p.step_seconds, 10e-6);
    expect_near_rel(p.objective_value, 10e-6);
    EXPECT_TRUE(p.exact);
    EXPECT_TRUE(p.copies.empty());
    ASSERT_EQ(p.units[0].options.size(), 3u);  // cheapest first
    EXPECT_EQ(p.units[0].options[0].device, "b");
    EXPECT_EQ(p.units[0].options[1].device, "a");
    expect_near_rel(p.units[0].options[1].seconds, 40e-6);
    EXPECT_EQ(p.units[0].options[2].device, "host");
    expect_near_rel(p.units[0].options[2].seconds, 400e-6);
    EXPECT_EQ(p.units[0].why, "scan → b: 10 µs < a 40 µs");
    // Energy, modelled: every powered device idles over the 10 µs step, b is active while busy:
    // (5 + 10 + 10 W) · 10 µs + (50 − 10 W) · 10 µs = 650 µJ.
    expect_near_rel(p.step_joules, 650e-6);
    expect_near_rel(p.joules_by_device.at("b"), 500e-6);
    EXPECT_EQ(p.seconds_by_step().at("model"), p.units[0].seconds);
}

// prep (1 GFLOP, compute-bound: 100 µs on a, 1 ms on b) feeds scan (4 MB: 40 µs on a, 10 µs on
// b).
Graph copy_graph(double prep_output_bytes) {
    Graph g;
    const int prep = g.add(flop_op("prep", "linear", 1e9, {}, prep_output_bytes));
    g.add(mem_op("scan", "top_k", 4e6, {prep}));
    return g;
}

TEST(PlannerGolden, CopyDearerThanTheGainKeepsTheOpLocal) {
    ToyHardware hw;
    const HardwareNode node = duo_node(hw);
    // 1 MB between a and b: 2 · (1 µs + 100 µs) = 202 µs > the 30 µs scan gains on b.
    // a, a: 100 + 40 = 140 µs; a, b: 100 + 202 + 10 = 312 µs.
    const Plan p = place(copy_graph(1e6), node);
    EXPECT_EQ(unit(p, "prep").device, "a");
    EXPECT_EQ(unit(p, "scan").device, "a");
    expect_near_rel(p.step_seconds, 140e-6);
    EXPECT_TRUE(p.copies.empty());
    const Assignment& scan = unit(p, "scan");
    EXPECT_EQ(scan.why, "scan → a: 40 µs < b 10 µs + 202 µs PCIe");
    for (const PlacementOption& o : scan.options)
        if (o.device == "b") {
            expect_near_rel(o.copy_seconds, 202e-6);
            expect_near_rel(o.plan_objective, 312e-6);
        }
}

TEST(PlannerGolden, CheapCopyMovesTheOpToTheFasterDevice) {
    ToyHardware hw;
    const HardwareNode node = duo_node(hw);
    // 1 KB between a and b: 2 · (1 µs + 0.1 µs) = 2.2 µs; a, b: 100 + 2.2 + 10 = 112.2 µs < 140.
    const Plan p = place(copy_graph(1e3), node);
    EXPECT_EQ(unit(p, "prep").device, "a");
    EXPECT_EQ(unit(p, "scan").device, "b");
    expect_near_rel(p.step_seconds, 112.2e-6);
    ASSERT_EQ(p.copies.size(), 1u);
    EXPECT_EQ(p.copies[0].src, "a");
    EXPECT_EQ(p.copies[0].dst, "b");
    EXPECT_EQ(p.copies[0].bytes, 1e3);
    EXPECT_EQ(p.copies[0].mode, "bounce");
    expect_near_rel(p.copies[0].seconds, 2.2e-6);
    expect_near_rel(p.copies[0].start_s, 100e-6);
    expect_near_rel(p.transfer_seconds, 2.2e-6);
    expect_near_rel(unit(p, "scan").start_s, 102.2e-6);
    EXPECT_EQ(unit(p, "scan").why, "scan → b: 10 µs + 2.2 µs PCIe < a 40 µs");
}

// prep (a, 100 µs) → score (4 MB keys) → select (400 KB scores, data-dependent) → apply (a,
// 100 µs); b is 100× slower on data-dependent ops (efficiency 0.01). The fused score+select
// streams the keys once on either device (4 MB, regular) and outputs 1 KB of indices.
Graph fused_graph(bool with_variant) {
    Graph g;
    const int prep = g.add(flop_op("prep", "linear", 1e9, {}, 1e3));
    OpNode score = mem_op("score", "mqa_relu_logits", 4e6, {prep}, 4e5);
    score.step = PipelineStep::Relevancy;
    const int s = g.add(score);
    OpNode select = mem_op("select", "top_k", 4e5, {s}, 1e3);
    select.cost.pattern = AccessPattern::DataDependent;
    select.step = PipelineStep::Retrieval;
    const int t = g.add(select);
    g.add(flop_op("apply", "linear", 1e9, {t}));
    if (with_variant) {
        FusedVariant v;
        v.nodes = {s, t};
        v.fused = mem_op("score_select", "score_top_k", 4e6);
        g.add_fused(v);
    }
    return g;
}

TEST(PlannerGolden, FusedVariantWinsWhenItSavesACopy) {
    ToyHardware hw;
    ToyDevice b;
    b.data_dependent = 0.01;
    const HardwareNode node = duo_node(hw, {}, b);
    // Without the variant: all on a = 100 + 40 + 4 + 100 = 244 µs; score on b and select on a =
    // 100 + 2.2 + 10 + 82 (400 KB back) + 4 + 100 = 298.2; both on b = 100 + 2.2 + 10 + 100 +
    // 2.2 + 100 = 314.4. Best: 244 µs, all on a.
    const Plan parts = place(fused_graph(false), node);
    expect_near_rel(parts.step_seconds, 244e-6);
    for (const Assignment& a : parts.units) EXPECT_EQ(a.device, "a") << a.name;
    // With it: fused on b = 100 + 2.2 + 10 + 2.2 + 100 = 214.4 µs (on a: 100 + 40 + 100 = 240).
    const Plan p = place(fused_graph(true), node);
    expect_near_rel(p.step_seconds, 214.4e-6);
    ASSERT_EQ(p.units.size(), 3u);
    const Assignment& f = unit(p, "score_select");
    EXPECT_EQ(f.device, "b");
    EXPECT_EQ(f.nodes, (std::vector<int>{1, 2}));
    EXPECT_EQ(f.op, "score_top_k");
    expect_near_rel(f.seconds, 10e-6);
    expect_near_rel(f.copy_seconds, 4.4e-6);
    EXPECT_EQ(f.why, "score_select [score + select fused] → b: 10 µs + 4.4 µs PCIe < a 40 µs");
    ASSERT_EQ(p.copies.size(), 2u);
    // Its time is split over relevancy and retrieval in proportion to the parts on b (10 : 100).
    expect_near_rel(p.seconds_by_step().at("relevancy"), 10e-6 * 10 / 110);
    expect_near_rel(p.seconds_by_step().at("retrieval"), 10e-6 * 100 / 110);
    bool noted = false;
    for (const std::string& n : p.notes) noted |= n.find("fused variant 'score_select'") == 0;
    EXPECT_TRUE(noted);
}

TEST(PlannerGolden, CapacityRefusesASecondIndexOnTheSameDevice) {
    ToyHardware hw;
    ToyDevice b;
    b.capacity = 1e9;
    const HardwareNode node = duo_node(hw, {}, b);
    // Two independent scans (4 MB: 10 µs on b, 40 on a), each keeping a 0.6 GB index. Both on b
    // would take 20 µs but 1.2 GB exceeds its 1 GB: one goes to a, in parallel: max(10, 40) =
    // 40 µs.
    Graph g;
    OpNode x = mem_op("scan_x", "top_k", 4e6);
    x.state_bytes = 0.6e9;
    OpNode y = x;
    y.name = "scan_y";
    g.add(x);
    g.add(y);
    const Plan p = place(g, node);
    expect_near_rel(p.step_seconds, 40e-6);
    EXPECT_NE(unit(p, "scan_x").device, unit(p, "scan_y").device);
    const Assignment& on_a =
        unit(p, "scan_x").device == "a" ? unit(p, "scan_x") : unit(p, "scan_y");
    EXPECT_EQ(on_a.device, "a");
    bool refused = false;
    for (const PlacementOption& o : on_a.options)
        if (o.device == "b") {
            EXPECT_FALSE(o.feasible);
            EXPECT_NE(o.reason.find("over capacity"), std::string::npos) << o.reason;
            refused = true;
        }
    EXPECT_TRUE(refused);
    EXPECT_NE(on_a.why.find("over capacity"), std::string::npos) << on_a.why;

    // An index larger than every device is refused, saying so.
    Graph big;
    OpNode z = mem_op("scan_z", "top_k", 4e6);
    z.state_bytes = 1e12;
    big.add(z);
    try {
        place(big, node);
        FAIL() << "expected a refusal";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Usage);
        // Refused by every device's own check: its resident state exceeds the device's memory.
        EXPECT_NE(std::string(e.what()).find("resident state"), std::string::npos) << e.what();
    }
}

TEST(PlannerGolden, PinOverridesAndTheExplanationShowsItsCost) {
    ToyHardware hw;
    const HardwareNode node = duo_node(hw);
    Graph g;
    OpNode scan = mem_op("scan", "top_k", 4e6);
    scan.step = PipelineStep::Retrieval;
    g.add(scan);
    for (const char* key : {"scan", "retrieval"}) {
        PlanOptions o;
        o.pins[key] = "a";
        const Plan p = place(g, node, o);
        EXPECT_EQ(p.units[0].device, "a");
        EXPECT_TRUE(p.units[0].pinned);
        expect_near_rel(p.step_seconds, 40e-6);
        expect_near_rel(p.unpinned_objective_value, 10e-6);
        EXPECT_EQ(p.units[0].why,
                  "scan → a (pinned): 40 µs; unpinned, b 10 µs would give the plan 10 µs "
                  "instead of 40 µs");
        bool noted = false;
        for (const std::string& n : p.notes)
            noted |= n.find("cost 30 µs: the plan is 40 µs with them, 10 µs without") !=
                     std::string::npos;
        EXPECT_TRUE(noted);
        const std::string md = p.explain();
        EXPECT_NE(md.find("objective without the pins | 10 µs"), std::string::npos) << md;
        EXPECT_NE(md.find("excluded by a pin"), std::string::npos);
    }
}

TEST(PlannerGolden, EnergyAndLatencyChooseDifferentlyWhenTheFastDeviceBurnsMore) {
    ToyHardware hw;
    ToyDevice host, a, b;
    host.idle = 1, host.active = 2, host.max = 3, host.bandwidth = 1e10;  // host: 400 µs, 1.6 mJ
    a.idle = 1, a.active = 11, a.max = 20;
    b.idle = 1, b.active = 201, b.max = 300, b.bandwidth = 4e11;
    const HardwareNode node = testing::toy_node(hw, "power", host, {{"a", a}, {"b", b}});
    Graph g;
    g.add(mem_op("scan", "top_k", 4e6));
    // Latency: b (10 µs) beats a (40 µs). Energy (3 W idle in all): a = 3 · 40 + 10 · 40 = 520 µJ,
    // b = 3 · 10 + 200 · 10 = 2030 µJ: a wins.
    PlanOptions lat, en;
    en.objective = Objective::Energy;
    const Plan pl = place(g, node, lat), pe = place(g, node, en);
    EXPECT_EQ(pl.units[0].device, "b");
    EXPECT_EQ(pe.units[0].device, "a");
    expect_near_rel(pe.step_joules, 520e-6);
    expect_near_rel(pe.objective_value, 520e-6);
    expect_near_rel(pl.step_joules, 2030e-6);
    // The runner-up is the plan with the scan on the host: 3 W · 400 µs + 1 W · 400 µs = 1.6 mJ
    // (< 2030 µJ on b); the sentence compares the unit's own energy (host: 2 W · 400 µs).
    EXPECT_EQ(pe.units[0].why, "scan → a: 440 µJ (40 µs) < host 800 µJ (400 µs)");
    // EDP: a = 520 µJ · 40 µs = 2.08e-8, b = 2030 µJ · 10 µs = 2.03e-8: b.
    PlanOptions edp;
    edp.objective = Objective::Edp;
    const Plan pd = place(g, node, edp);
    EXPECT_EQ(pd.units[0].device, "b");
    expect_near_rel(pd.objective_value, 2030e-6 * 10e-6);
}

TEST(PlannerGolden, SetupIsReportedAndChargedOnlyWhenAmortised) {
    ToyHardware hw;
    const HardwareNode node = duo_node(hw);
    // build (setup, 10 GFLOP: 1 ms on a) → scan (step, 4 MB: 10 µs on b); the 1 KB index summary
    // crosses once, in the setup schedule: 1 ms + 2.2 µs.
    Graph g;
    OpNode build = flop_op("build", "invert", 1e10, {}, 1e3);
    build.phase = Phase::Setup;
    const int b = g.add(build);
    g.add(mem_op("scan", "top_k", 4e6, {b}));
    const Plan p = place(g, node);
    EXPECT_EQ(unit(p, "build").device, "a");
    EXPECT_EQ(unit(p, "scan").device, "b");
    expect_near_rel(p.setup_seconds, 1002.2e-6);
    expect_near_rel(p.step_seconds, 10e-6);
    expect_near_rel(p.transfer_seconds, 0);
    ASSERT_EQ(p.copies.size(), 1u);
    EXPECT_EQ(p.copies[0].phase, Phase::Setup);
    EXPECT_EQ(p.units.front().name, "build");  // setup first in execution order
    PlanOptions o;
    o.amortise_setup_steps = 100;
    const Plan q = place(g, node, o);
    expect_near_rel(q.step_seconds, 10e-6 + 1002.2e-6 / 100);
    expect_near_rel(q.transfer_seconds, 2.2e-6 / 100);
}

TEST(PlannerGolden, PeriodAmortisesAUnit) {
    ToyHardware hw;
    const HardwareNode node = duo_node(hw);
    Graph g;
    OpNode scan = mem_op("scan", "top_k", 4e6);
    scan.period = 4;  // 10 µs every 4 steps
    g.add(scan);
    const Plan p = place(g, node);
    expect_near_rel(p.step_seconds, 2.5e-6);
    expect_near_rel(p.units[0].seconds, 2.5e-6);
}

}  // namespace
}  // namespace mempipe
