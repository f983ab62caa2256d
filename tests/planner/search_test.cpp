// The planner's search on its own (src/planner/planner_search.h): the branch and bound started
// from nothing finds the same optimum as enumerating every (unit, device) choice, fused variants
// and state capacity included, for every objective; the lower bound never exceeds a completed
// plan's score.
#include <gtest/gtest.h>

#include <cmath>

#include "../../src/planner/planner_search.h"
#include "mempipe/core/rng.h"
#include "planner/planner_toys.h"

namespace mempipe {
namespace {

using namespace planner_detail;
using testing::ToyDevice;
using testing::ToyHardware;

HardwareNode trio(const ToyHardware& hw) {
    ToyDevice host, a, b, f;
    host.bandwidth = 2e10;
    host.f32 = 2e11;
    host.idle = 5, host.active = 20, host.max = 40;
    a.f32 = 1e13;
    a.data_dependent = 0.3;
    b.bandwidth = 4e11;
    b.capacity = 1e9;
    b.idle = 20, b.active = 120, b.max = 200;
    f.kind = "fpga";
    return testing::toy_node(hw, "trio", host, {{"a", a}, {"b", b}, {"f", f}});
}

// Comparable costs on every device, large outputs (copies matter), indexes that crowd b.
Graph graph(uint64_t seed, int n) {
    static const char* kOps[] = {"linear", "top_k", "mqa_relu_logits", "bm25_scores",
                                 "dense_scores"};
    Rng r(seed);
    Graph g;
    for (int i = 0; i < n; ++i) {
        OpNode nd;
        nd.name = "n" + std::to_string(i);
        nd.op = kOps[r.uniform_int(0, 4)];
        nd.cost.bytes_read = 1e6 * std::pow(100.0, r.uniform());
        nd.cost.flops = 1e8 * std::pow(100.0, r.uniform());
        nd.cost.pattern = AccessPattern(r.uniform_int(0, 2));
        nd.output_bytes = 1e4 * std::pow(1000.0, r.uniform());
        if (r.uniform() < 0.4) nd.state_bytes = 6e8 * r.uniform();
        if (i > 0 && r.uniform() < 0.15) nd.phase = Phase::Setup;
        if (r.uniform() < 0.2) nd.period = 2;
        for (int j = 0; j < i && nd.inputs.size() < 2; ++j)
            if (r.uniform() < 0.5) nd.inputs.push_back(j);
        g.add(nd);
    }
    for (int i = 0; i + 1 < n; ++i)
        if (r.uniform() < 0.4) {
            FusedVariant v;
            v.nodes = {i, i + 1};
            v.fused.name = "f" + std::to_string(i);
            v.fused.op = "score_top_k";
            v.fused.cost = g.node(i).cost;
            v.fused.cost.flops += g.node(i + 1).cost.flops;
            v.fused.state_bytes = g.node(i).state_bytes;
            g.add_fused(v);
        }
    return g;
}

// Every complete choice, scored by the scheduler.
void enumerate(const Model& m, State st, size_t i, Score& best) {
    if (i == m.n()) {
        Choice ch{st.cand_of, st.slot_of};
        const Score sc = m.evaluate(ch);
        if (better(sc, best)) best = sc;
        return;
    }
    if (st.cand_of[i] >= 0) return enumerate(m, st, i + 1, best);
    for (size_t c = 0; c < m.candidates().size(); ++c) {
        const Candidate& k = m.candidates()[c];
        if (k.nodes.front() != int(i)) continue;
        bool free = true;
        for (int x : k.nodes) free &= st.cand_of[size_t(x)] < 0;
        if (!free) continue;
        for (size_t s = 0; s < m.slots().size(); ++s) {
            if (!k.cost[s].feasible || !k.pin_ok[s]) continue;
            State next = st;
            m.decide(next, int(c), int(s));
            enumerate(m, next, i + 1, best);
        }
    }
}

TEST(PlannerSearch, BranchAndBoundFromNothingEqualsEnumeration) {
    ToyHardware hw;
    const HardwareNode node = trio(hw);
    int compared = 0, fused_used = 0;
    for (uint64_t seed = 1; seed <= 36; ++seed) {
        const Graph g = graph(seed, int(2 + seed % 5));
        for (Objective o : {Objective::Latency, Objective::Energy, Objective::Edp}) {
            PlanOptions opt;
            opt.objective = o;
            opt.amortise_setup_steps = seed % 2 ? 0 : 10;
            const Model m(g, node, opt);
            Score want;
            enumerate(m, m.initial_state(), 0, want);
            const SearchResult got = exact_search(m);
            SCOPED_TRACE("seed " + std::to_string(seed) + " objective " +
                         std::string(objective_name(o)));
            ASSERT_EQ(std::isinf(want.primary), std::isinf(got.score.primary));
            if (std::isinf(want.primary)) continue;
            ++compared;
            EXPECT_TRUE(got.exact);
            EXPECT_NEAR(got.score.primary, want.primary, 1e-9 * want.primary);
            EXPECT_NEAR(m.evaluate(got.choice).primary, got.score.primary, 1e-9 * want.primary);
            for (size_t i = 0; i < m.n(); ++i)
                fused_used += m.candidates()[size_t(got.choice.cand[i])].variant >= 0;
            // The heuristic alone never beats it.
            EXPECT_GE(heuristic_search(m).score.primary, got.score.primary * (1 - 1e-9));
        }
    }
    EXPECT_GE(compared, 80);
    EXPECT_GT(fused_used, 0);
}

TEST(PlannerSearch, LowerBoundNeverExceedsTheScore) {
    ToyHardware hw;
    const HardwareNode node = trio(hw);
    for (uint64_t seed = 200; seed <= 230; ++seed) {
        const Graph g = graph(seed, 6);
        for (Objective o : {Objective::Latency, Objective::Energy, Objective::Edp}) {
            PlanOptions opt;
            opt.objective = o;
            const Model m(g, node, opt);
            const SearchResult r = heuristic_search(m);
            if (std::isinf(r.score.primary)) continue;
            // Replay the plan node by node: every prefix's bound ≤ the final score.
            State st = m.initial_state();
            for (size_t i = 0; i < m.n(); ++i) {
                const int c = r.choice.cand[i];
                if (m.candidates()[size_t(c)].nodes.front() == int(i))
                    m.decide(st, c, r.choice.slot[i]);
                if (m.candidates()[size_t(c)].nodes.back() == int(i)) {
                    ASSERT_TRUE(m.schedule(st, c, r.choice.slot[i]));
                }
                EXPECT_LE(m.lower_bound(st).primary, r.score.primary * (1 + 1e-9))
                    << "seed " << seed << " node " << i;
            }
        }
    }
}

}  // namespace
}  // namespace mempipe
