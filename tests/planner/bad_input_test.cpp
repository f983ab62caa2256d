// Bad planner input: unknown pin targets, devices and objectives are usage errors that name the
// choices; a pin onto a device that cannot run the node says why; a graph that cannot run
// anywhere says which node and why; empty graphs plan to nothing.
#include <gtest/gtest.h>

#include "mempipe/core/error.h"
#include "mempipe/planner/planner.h"
#include "planner/planner_toys.h"

namespace mempipe {
namespace {

using testing::duo_node;
using testing::mem_op;
using testing::ToyDevice;
using testing::ToyHardware;

// Runs f, expects a usage error whose message contains every needle.
template <class F>
void expect_usage(F f, std::initializer_list<const char*> needles) {
    try {
        f();
        ADD_FAILURE() << "expected a usage error";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Usage) << e.what();
        for (const char* n : needles)
            EXPECT_NE(std::string(e.what()).find(n), std::string::npos)
                << "'" << n << "' not in: " << e.what();
    }
}

Graph one_scan() {
    Graph g;
    OpNode s = mem_op("scan", "top_k", 4e6);
    s.step = PipelineStep::Retrieval;
    s.state_bytes = 4e6;  // the scanned data is resident (an index): it must fit
    g.add(s);
    return g;
}

TEST(PlannerBadInput, UnknownPinDeviceNamesTheDevices) {
    ToyHardware hw;
    const HardwareNode node = duo_node(hw);
    PlanOptions o;
    o.pins["scan"] = "gpu7";
    expect_usage([&] { place(one_scan(), node, o); }, {"gpu7", "host, a, b"});
}

TEST(PlannerBadInput, UnknownPinTargetNamesStepsAndNodes) {
    ToyHardware hw;
    const HardwareNode node = duo_node(hw);
    PlanOptions o;
    o.pins["retreival"] = "a";
    expect_usage([&] { place(one_scan(), node, o); },
                 {"retreival", "prepare, relevancy, retrieval, apply, model", "nodes: scan"});
    // A step with no node in the graph.
    PlanOptions q;
    q.pins["apply"] = "a";
    expect_usage([&] { place(one_scan(), node, q); }, {"no node in step 'apply'"});
}

TEST(PlannerBadInput, PinOntoADeviceThatCannotRunTheNodeSaysWhy) {
    ToyHardware hw;
    ToyDevice b;
    b.capacity = 1e6;  // the scan's 4 MB resident index does not fit
    const HardwareNode node = duo_node(hw, {}, b);
    PlanOptions o;
    o.pins["scan"] = "b";
    expect_usage([&] { place(one_scan(), node, o); },
                 {"scan", "cannot run on 'b'", "does not fit"});
}

TEST(PlannerBadInput, PinOutsideTheAllowedDevices) {
    ToyHardware hw;
    const HardwareNode node = duo_node(hw);
    PlanOptions o;
    o.devices = {"a"};
    o.pins["scan"] = "b";
    expect_usage([&] { place(one_scan(), node, o); }, {"not among the devices"});
    PlanOptions d;
    d.devices = {"a", "tpu"};
    expect_usage([&] { place(one_scan(), node, d); }, {"tpu", "host, a, b"});
}

TEST(PlannerBadInput, NodeThatRunsNowhere) {
    ToyHardware hw;
    const HardwareNode node = duo_node(hw);
    Graph g;
    OpNode huge = mem_op("huge", "top_k", 1e15);
    huge.state_bytes = 1e15;  // a resident index larger than any device
    g.add(huge);
    expect_usage([&] { place(g, node); }, {"huge", "can run on none", "a: does not fit"});
}

TEST(PlannerBadInput, ObjectivesAndOptions) {
    EXPECT_EQ(parse_objective("energy"), Objective::Energy);
    EXPECT_EQ(parse_objective("edp"), Objective::Edp);
    EXPECT_EQ(objective_name(Objective::Latency), "latency");
    expect_usage([] { parse_objective("speed"); }, {"speed", "latency, energy, edp"});
    ToyHardware hw;
    const HardwareNode node = duo_node(hw);
    PlanOptions o;
    o.exact_limit = -1;
    expect_usage([&] { place(one_scan(), node, o); }, {"exact_limit"});
    PlanOptions a;
    a.amortise_setup_steps = -3;
    expect_usage([&] { place(one_scan(), node, a); }, {"amortise_setup_steps"});
}

TEST(PlannerBadInput, EmptyGraphPlansToNothing) {
    ToyHardware hw;
    const HardwareNode node = duo_node(hw);
    const Plan p = place(Graph{}, node);
    EXPECT_TRUE(p.units.empty());
    EXPECT_TRUE(p.copies.empty());
    EXPECT_EQ(p.step_seconds, 0);
    EXPECT_EQ(p.step_joules, 0);
    EXPECT_FALSE(p.explain().empty());
    EXPECT_EQ(p.to_json()["units"].size(), 0u);
}

}  // namespace
}  // namespace mempipe
