#include <gtest/gtest.h>

#include "mempipe/core/error.h"
#include "mempipe/graph/executor.h"

using namespace mempipe;

namespace {
OpNode node(std::string name, PipelineStep step, Phase phase, int period, int* counter,
            std::vector<int> inputs = {}) {
    OpNode n;
    n.name = std::move(name);
    n.op = "test";
    n.step = step;
    n.phase = phase;
    n.period = period;
    n.cost.flops = 100;
    n.cost.bytes_read = 50;
    n.inputs = std::move(inputs);
    n.run = [counter] { ++*counter; };
    return n;
}
}  // namespace

TEST(Graph, RejectsForwardEdgesDuplicateNamesAndBadPeriods) {
    Graph g;
    int c = 0;
    g.add(node("a", PipelineStep::Prepare, Phase::Step, 1, &c));
    EXPECT_THROW(g.add(node("b", PipelineStep::Apply, Phase::Step, 1, &c, {5})), Error);
    EXPECT_THROW(g.add(node("a", PipelineStep::Apply, Phase::Step, 1, &c)), Error);
    EXPECT_THROW(g.add(node("z", PipelineStep::Apply, Phase::Step, 0, &c)), Error);
    EXPECT_EQ(g.size(), 1u);
}

TEST(Graph, AmortisesPeriodicCost) {
    Graph g;
    int c = 0;
    g.add(node("prep", PipelineStep::Prepare, Phase::Step, 1, &c));
    g.add(node("rel", PipelineStep::Relevancy, Phase::Step, 4, &c, {0}));
    g.add(node("setup", PipelineStep::Prepare, Phase::Setup, 1, &c));
    EXPECT_DOUBLE_EQ(g.amortised_cost(Phase::Step).flops, 100 + 25);
    EXPECT_DOUBLE_EQ(g.amortised_cost(Phase::Step, PipelineStep::Relevancy).bytes_read, 12.5);
    EXPECT_DOUBLE_EQ(g.amortised_cost(Phase::Setup).flops, 100);
    EXPECT_DOUBLE_EQ(g.amortised_cost(Phase::Step).intensity(), 2.0);
}

TEST(Executor, RunsOnlyTheRequestedPhaseRepeatedly) {
    Graph g;
    int steps = 0, setups = 0;
    g.add(node("prep", PipelineStep::Prepare, Phase::Step, 1, &steps));
    g.add(node("rel", PipelineStep::Relevancy, Phase::Step, 4, &steps, {0}));
    g.add(node("setup", PipelineStep::Prepare, Phase::Setup, 1, &setups));
    CpuDevice cpu;
    ExecutionReport r = execute(g, Phase::Step, cpu, 3);
    EXPECT_EQ(steps, 6);
    EXPECT_EQ(setups, 0);
    EXPECT_EQ(r.node_seconds.size(), 3u);
    EXPECT_EQ(r.node_seconds[2], 0.0);
    EXPECT_GE(r.total_seconds, 0.0);
    EXPECT_NEAR(
        r.total_seconds,
        r.step_seconds(g, PipelineStep::Prepare) + r.step_seconds(g, PipelineStep::Relevancy),
        1e-12);
    EXPECT_THROW(execute(g, Phase::Step, cpu, 0), Error);
}

TEST(Executor, NodeWithoutImplementationIsARuntimeError) {
    Graph g;
    OpNode n;
    n.name = "empty";
    n.op = "nothing";
    g.add(n);
    CpuDevice cpu;
    try {
        execute(g, Phase::Step, cpu, 1);
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Runtime);
        EXPECT_NE(std::string(e.what()).find("empty"), std::string::npos);
    }
}
