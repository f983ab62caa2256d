// Planner invariants on random graphs over a toy node with a host, two GPUs of different shapes
// and a toy FPGA: no unit on a device that cannot run it, every cross-device edge has a costed
// copy, the schedule respects dependencies and one-unit-at-a-time devices, the plan costs no more
// than any single-device plan, the exact search is at least as good as the greedy one and equals
// a brute-force enumeration on small graphs, energy adds up, and plans are deterministic.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "mempipe/core/error.h"
#include "mempipe/core/rng.h"
#include "mempipe/planner/planner.h"
#include "planner/planner_toys.h"

namespace mempipe {
namespace {

using testing::ToyDevice;
using testing::ToyHardware;

HardwareNode trio_node(const ToyHardware& hw) {
    ToyDevice host, a, b, f;
    host.bandwidth = 2e10;
    host.f32 = 2e11;
    host.idle = 5, host.active = 20, host.max = 40;
    a.f32 = 1e13;
    a.data_dependent = 0.3;
    b.bandwidth = 4e11;
    b.capacity = 1e9;  // small: state placement matters
    b.idle = 20, b.active = 120, b.max = 200;
    f.kind = "fpga";
    return testing::toy_node(hw, "trio", host, {{"a", a}, {"b", b}, {"f", f}});
}

double log_uniform(Rng& r, double lo, double hi) {
    return lo * std::pow(hi / lo, r.uniform());
}

// A random graph of n nodes; fused pairs when `fuse`.
Graph random_graph(uint64_t seed, int n, bool fuse) {
    static const char* kOps[] = {"linear",      "top_k",        "mqa_relu_logits",
                                 "bm25_scores", "dense_scores", "gather_rows"};
    Rng r(seed);
    Graph g;
    for (int i = 0; i < n; ++i) {
        OpNode nd;
        nd.name = fmt::format("n{}", i);
        nd.op = kOps[r.uniform_int(0, 5)];
        nd.step = kAllPipelineSteps[r.uniform_int(0, 4)];
        nd.cost.bytes_read = log_uniform(r, 1e3, 1e7);
        nd.cost.flops = r.uniform() < 0.5 ? 0 : log_uniform(r, 1e5, 1e9);
        nd.cost.pattern = AccessPattern(r.uniform_int(0, 2));
        nd.output_bytes = log_uniform(r, 1e2, 1e7);
        if (r.uniform() < 0.3) nd.state_bytes = log_uniform(r, 1e6, 6e8);
        if (r.uniform() < 0.15) nd.phase = Phase::Setup;
        if (r.uniform() < 0.2) nd.period = 4;
        for (int j = 0; j < i && nd.inputs.size() < 2; ++j)
            if (r.uniform() < 0.4) nd.inputs.push_back(j);
        g.add(nd);
    }
    if (fuse)
        for (int i = 0; i + 1 < n; ++i) {
            if (r.uniform() > 0.5) continue;
            FusedVariant v;
            v.nodes = {i, i + 1};
            v.fused.name = fmt::format("fused{}", i);
            v.fused.op = "score_top_k";
            v.fused.cost = g.node(i).cost;
            v.fused.cost.bytes_read += 0.5 * g.node(i + 1).cost.bytes_read;
            v.fused.state_bytes = g.node(i).state_bytes + g.node(i + 1).state_bytes;
            g.add_fused(v);
        }
    return g;
}

const OpNode* unit_op(const Graph& g, const Assignment& a) {
    if (a.nodes.size() == 1) return &g.node(a.nodes[0]);
    for (const FusedVariant& v : g.fused())
        if (v.nodes == a.nodes) return &v.fused;
    return nullptr;
}

// Everything a plan must satisfy on its own.
void check_plan(const Graph& g, const HardwareNode& node, const Plan& p) {
    std::vector<int> unit_of(g.size(), -1);
    for (size_t u = 0; u < p.units.size(); ++u) {
        const Assignment& a = p.units[u];
        for (int x : a.nodes) {
            EXPECT_EQ(unit_of[size_t(x)], -1) << "node " << x << " in two units";
            unit_of[size_t(x)] = int(u);
        }
        const OpNode* op = unit_op(g, a);
        ASSERT_NE(op, nullptr);
        const auto dev = make_planner_device(node.device(a.device));
        const CostEstimate e = dev->estimate(*op);
        EXPECT_TRUE(e.seconds >= 0 && e.fits) << a.name << " on " << a.device << ": " << e.why;
        EXPECT_GE(a.end_s, a.start_s + a.seconds * (1 - 1e-12));
    }
    for (int x : unit_of) ASSERT_GE(x, 0);
    // Cross-device edges have costed copies; units start after their inputs are where they run.
    for (size_t j = 0; j < g.size(); ++j) {
        const Assignment& cons = p.units[size_t(unit_of[j])];
        for (int k : g.node(int(j)).inputs) {
            const Assignment& prod = p.units[size_t(unit_of[size_t(k)])];
            if (&prod == &cons) continue;
            if (cons.phase == Phase::Setup && prod.phase == Phase::Step) continue;
            double ready = prod.phase == cons.phase ? prod.end_s : 0.0;
            if (prod.device != cons.device) {
                const CopyPlan* c = nullptr;
                for (const CopyPlan& x : p.copies)
                    if (x.from == k && x.dst == cons.device) c = &x;
                ASSERT_NE(c, nullptr) << "edge " << k << " → " << j << " has no copy";
                EXPECT_EQ(c->src, prod.device);
                EXPECT_GT(c->seconds, 0);
                EXPECT_EQ(c->phase, prod.phase);
                EXPECT_GE(c->start_s, prod.end_s * (1 - 1e-12));
                if (c->phase == cons.phase) ready = c->end_s;
            }
            EXPECT_GE(cons.start_s, ready * (1 - 1e-12)) << cons.name;
        }
    }
    // One unit at a time per device and schedule.
    for (const Assignment& a : p.units)
        for (const Assignment& b : p.units) {
            if (&a != &b && a.device == b.device && a.phase == b.phase && a.start_s <= b.start_s) {
                EXPECT_LE(a.end_s, b.start_s + 1e-15) << a.name << " overlaps " << b.name;
            }
        }
    // Energy adds up; every powered device idles at least over the step.
    double sum = 0, idle = 0;
    for (const auto& [d, j] : p.joules_by_device) {
        sum += j;
        idle += node.device(d).profile.idle_power_w;
    }
    EXPECT_NEAR(sum, p.step_joules, 1e-9 * p.step_joules);
    EXPECT_GE(p.step_joules, idle * p.makespan_seconds * (1 - 1e-12));
    const double obj = p.objective == Objective::Latency  ? p.step_seconds
                       : p.objective == Objective::Energy ? p.step_joules
                                                          : p.step_seconds * p.step_joules;
    EXPECT_NEAR(p.objective_value, obj, 1e-9 * obj);
}

PlanOptions pinned_to(const Graph& g, const std::vector<std::string>& devices, PlanOptions o) {
    for (size_t i = 0; i < g.size(); ++i) o.pins[g.node(int(i)).name] = devices[i];
    return o;
}

bool try_place(const Graph& g, const HardwareNode& node, const PlanOptions& o, Plan& out) {
    try {
        out = place(g, node, o);
        return true;
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Usage) << e.what();
        return false;
    }
}

TEST(PlannerInvariants, RandomGraphs) {
    ToyHardware hw;
    const HardwareNode node = trio_node(hw);
    const std::vector<std::string> ids = node.device_ids();
    int planned = 0;
    for (uint64_t seed = 1; seed <= 40; ++seed) {
        const int n = int(1 + seed % 7);
        const Graph g = random_graph(seed, n, seed % 2 == 0);
        PlanOptions o;
        o.objective = Objective(seed % 3);
        Plan p;
        if (!try_place(g, node, o, p)) continue;
        ++planned;
        SCOPED_TRACE("seed " + std::to_string(seed));
        check_plan(g, node, p);
        EXPECT_TRUE(p.exact);
        // Deterministic.
        EXPECT_EQ(place(g, node, o).to_json().dump(), p.to_json().dump());
        // Never worse than a single-device plan.
        for (const std::string& d : ids) {
            Plan single;
            if (!try_place(g, node, pinned_to(g, std::vector<std::string>(g.size(), d), o), single))
                continue;
            check_plan(g, node, single);
            EXPECT_LE(p.objective_value, single.objective_value * (1 + 1e-9)) << "vs all on " << d;
        }
        // The greedy search never beats the exact one.
        PlanOptions greedy = o;
        greedy.exact_limit = 0;
        const Plan q = place(g, node, greedy);
        check_plan(g, node, q);
        EXPECT_LE(p.objective_value, q.objective_value * (1 + 1e-9));
    }
    EXPECT_GE(planned, 30);
}

TEST(PlannerInvariants, ExactSearchEqualsBruteForceOnSmallGraphs) {
    ToyHardware hw;
    const HardwareNode node = trio_node(hw);
    const std::vector<std::string> ids = node.device_ids();
    for (uint64_t seed = 101; seed <= 112; ++seed) {
        const int n = int(2 + seed % 3);
        const Graph g = random_graph(seed, n, false);
        PlanOptions o;
        o.objective = Objective(seed % 3);
        Plan p;
        if (!try_place(g, node, o, p)) continue;
        SCOPED_TRACE("seed " + std::to_string(seed));
        double best = std::numeric_limits<double>::infinity();
        std::vector<size_t> digit(size_t(n), 0);
        for (;;) {
            std::vector<std::string> devs;
            for (size_t d : digit) devs.push_back(ids[d]);
            Plan q;
            if (try_place(g, node, pinned_to(g, devs, o), q))
                best = std::min(best, q.objective_value);
            size_t i = 0;
            while (i < digit.size() && ++digit[i] == ids.size()) digit[i++] = 0;
            if (i == digit.size()) break;
        }
        EXPECT_NEAR(p.objective_value, best, 1e-9 * best);
    }
}

TEST(PlannerInvariants, RestrictingDevicesGivesTheBaseline) {
    ToyHardware hw;
    const HardwareNode node = trio_node(hw);
    const Graph g = random_graph(7, 6, true);
    PlanOptions o;
    o.devices = {"a"};
    Plan p;
    ASSERT_TRUE(try_place(g, node, o, p));
    for (const Assignment& a : p.units) EXPECT_EQ(a.device, "a");
    EXPECT_TRUE(p.copies.empty());
    // Only a and the (always powered) host count in the energy.
    EXPECT_EQ(p.joules_by_device.size(), 2u);
    EXPECT_TRUE(p.joules_by_device.count("host"));
    EXPECT_EQ(p.devices, std::vector<std::string>{"a"});
}

}  // namespace
}  // namespace mempipe
