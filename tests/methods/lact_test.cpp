// The LaCT recipe (src/methods/lact.cpp) on small shapes: the step graph carries the paper's TTT
// tags (Table 1: Prepare = backward + update, Relevancy = loss, Apply = forward, no Retrieval), the
// Cpu backend matches the Reference backend, and re-running the step is idempotent.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "../../src/methods/lact.h"
#include "mempipe/core/error.h"
#include "mempipe/graph/executor.h"

using namespace mempipe;

namespace {

LactConfig small_config(bool momentum, bool muon, TttMatmul mm = TttMatmul::F32) {
    LactConfig c;
    c.name = "lact-small";
    c.heads = 2;
    c.d = 17;
    c.dh = 24;
    c.chunk = 40;
    c.use_momentum = momentum;
    c.use_muon = muon;
    c.matmul = mm;
    return c;
}

StepResult run(const LactConfig& c, Backend backend, int64_t tokens, int batch, int steps = 1) {
    auto m = make_lact_method(c);
    MethodOptions o;
    o.tokens = tokens;
    o.batch = batch;
    o.seed = 5;
    o.backend = backend;
    m->setup(o);
    Graph g = m->step_graph();
    CpuDevice cpu;
    execute(g, Phase::Setup, cpu, 1);
    for (int i = 0; i < steps; ++i) execute(g, Phase::Step, cpu, 1);
    return m->result();
}

TEST(Lact, GraphFollowsTable1) {
    auto m = make_lact_method();
    MethodOptions o;
    m->setup(o);
    Graph g = m->step_graph();
    std::map<PipelineStep, int> steps;
    for (const auto& n : g.nodes()) {
        EXPECT_TRUE(bool(n.run)) << n.name;
        EXPECT_GT(n.cost.flops, 0) << n.name;
        EXPECT_GT(n.cost.bytes(), 0) << n.name;
        ++steps[n.step];
    }
    EXPECT_EQ(steps[PipelineStep::Apply], 1);
    EXPECT_EQ(steps[PipelineStep::Relevancy], 1);
    EXPECT_EQ(steps[PipelineStep::Prepare], 2);
    EXPECT_EQ(steps[PipelineStep::Retrieval], 0);
    // Default LaCT-760M shape: 18·D·H·L = 18·384²·2048 FLOPs per head (ttt_operation.py) plus
    // Muon's 30·d³ per weight, 4 heads.
    const double ttt = 18.0 * 384 * 384 * 2048, muon = 3 * 30.0 * 384 * 384 * 384;
    const double flops = g.amortised_cost(Phase::Step).flops;
    EXPECT_GT(flops, 4 * (ttt + muon));
    EXPECT_LT(flops, 4 * (ttt + muon) * 1.02);  // elementwise work is < 2%
    EXPECT_GT(m->state_bytes(o), 4 * 3 * 384.0 * 384 * 4);
    EXPECT_DOUBLE_EQ(m->state_bytes({o.tokens, 3}), 3 * m->state_bytes(o));
}

TEST(Lact, CpuMatchesReference) {
    for (TttMatmul mm : {TttMatmul::F32, TttMatmul::Bf16})
        for (int mode = 0; mode < 4; ++mode)
            for (int64_t tokens : {int64_t(10), int64_t(5000)})  // no momentum yet / momentum held
                for (int batch : {1, 2}) {
                    const bool mom = mode & 1, muon = mode & 2, bf16 = mm == TttMatmul::Bf16;
                    SCOPED_TRACE(testing::Message()
                                 << "momentum " << mom << " muon " << muon << " bf16 " << bf16
                                 << " tokens " << tokens << " batch " << batch);
                    const LactConfig c = small_config(mom, muon, mm);
                    StepResult r = run(c, Backend::Reference, tokens, batch);
                    StepResult f = run(c, Backend::Cpu, tokens, batch);
                    ASSERT_EQ(r.output.size(), f.output.size());
                    ASSERT_EQ(r.output.size(),
                              size_t(batch * c.heads * (c.chunk * c.d + 3 * c.d * c.dh)));
                    EXPECT_TRUE(f.selection.empty());
                    EXPECT_GT(f.memory_bytes_read, 0);
                    double max_err = 0, num = 0, den = 0;
                    for (size_t i = 0; i < r.output.size(); ++i) {
                        ASSERT_TRUE(std::isfinite(f.output[i])) << i;
                        const double d = double(r.output[i]) - double(f.output[i]);
                        max_err = std::max(max_err, std::fabs(d));
                        num += d * d;
                        den += double(r.output[i]) * double(r.output[i]);
                    }
                    if (!bf16) {
                        // f32 kernels vs the f64 oracle on O(1) values; Muon's iteration amplifies
                        // the f32 error (tests/ops/ttt_cases.cpp bounds it by 2e-5).
                        EXPECT_LE(max_err, muon ? 5e-5 : 5e-6);
                    } else {
                        // bf16 operands rounded from f32 vs f64 values may land one bf16 ulp
                        // apart; relative Frobenius bounds as in tests/ops/ttt_step_cases.cpp.
                        EXPECT_LE(std::sqrt(num), (muon ? 0.10 : 0.01) * std::sqrt(den));
                    }
                }
}

TEST(Lact, StepIsIdempotentAndUsesMomentum) {
    const LactConfig c = small_config(true, false);
    StepResult once = run(c, Backend::Cpu, 5000, 2, 1);
    StepResult twice = run(c, Backend::Cpu, 5000, 2, 2);
    EXPECT_EQ(once.output, twice.output);
    // Same seed, so the same weights and chunk; only the momentum state differs (zero before the
    // first update, tokens < chunk). Apply reads the previous weights only: equal outputs; the
    // update adds β·M: different weights.
    StepResult fresh = run(c, Backend::Cpu, 10, 2, 1);
    const size_t n_out = size_t(2 * c.heads * c.chunk * c.d);
    ASSERT_EQ(fresh.output.size(), once.output.size());
    EXPECT_TRUE(
        std::equal(once.output.begin(), once.output.begin() + long(n_out), fresh.output.begin()));
    EXPECT_FALSE(std::equal(once.output.begin() + long(n_out), once.output.end(),
                            fresh.output.begin() + long(n_out)));
}

TEST(Lact, BadConfigAndOrderAreUsageErrors) {
    LactConfig c = small_config(false, false);
    c.chunk = 0;
    EXPECT_THROW(make_lact_method(c), Error);
    EXPECT_THROW(make_lact_method(small_config(false, false))->step_graph(), Error);
    auto m = make_lact_method(small_config(false, false));
    MethodOptions o;
    o.batch = 0;
    EXPECT_THROW(m->setup(o), Error);
}

}  // namespace
