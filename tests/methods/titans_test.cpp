// The Titans MAC recipe (src/methods/titans.cpp): graph shape, step tags and repeats, that the
// memory really learns (a step moves the weights along the descent direction of the segment's
// loss), Reference vs Cpu, state_bytes against what setup allocates, the paper-scale shapes.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>

#include "../../src/methods/memory_methods.h"
#include "mempipe/core/error.h"
#include "mempipe/graph/executor.h"
#include "mempipe/methods/method.h"
#include "mempipe/model/config.h"
#include "mempipe/ops/neural_memory.h"
#include "method_runner.h"

namespace mempipe {
namespace {

TitansRecipe tiny_titans() {
    TitansRecipe r;
    r.name = "titans-tiny";
    r.model = "tiny-llama";  // d = 128
    r.segment = 12;
    r.persistent = 2;
    r.expansion = 0.5;  // dh = 64
    r.generated = 4;
    return r;
}

TEST(TitansMethod, GraphStepsAndRepeats) {
    const auto& cfg = model::model_config("tiny-llama");
    auto m = make_titans_method(tiny_titans());
    m->setup(test::method_options(12 * 4 + 1, true, Backend::Cpu, 2));  // S = 5 segments
    Graph g = m->step_graph();
    auto n = test::nodes_by_name(g);
    const double L = double(cfg.layers);
    struct Want {
        const char* name;
        const char* op;
        PipelineStep step;
        double repeat;
    };
    for (const Want& w : std::initializer_list<Want>{
             {"titans.query", "linear", PipelineStep::Relevancy, 5},
             {"titans.read", "neural_memory_forward", PipelineStep::Retrieval, 5},
             {"titans.assemble", "append_context", PipelineStep::Apply, 5},
             {"titans.kv", "linear", PipelineStep::Prepare, 5},
             {"titans.grad", "neural_memory_grad", PipelineStep::Prepare, 5},
             {"titans.update", "neural_memory_update", PipelineStep::Prepare, 5},
             {"titans.gate", "neural_memory_forward", PipelineStep::Apply, 5},
             {"model.segment.attention", nullptr, PipelineStep::Model, L * 5},
             {"model.segment.lm_head", nullptr, PipelineStep::Model, 5},
             {"model.decode.down", nullptr, PipelineStep::Model, L * 4},
             {"model.decode.lm_head", nullptr, PipelineStep::Model, 4}}) {
        ASSERT_TRUE(n.count(w.name)) << w.name;
        EXPECT_EQ(n[w.name]->step, w.step) << w.name;
        EXPECT_EQ(n[w.name]->repeat, w.repeat) << w.name;
        if (w.op) {
            EXPECT_EQ(n[w.name]->op, w.op) << w.name;
        }
    }
    // The backbone runs N_p + 2·C = 26 rows per segment (× batch 2); the memory d → 64 → d.
    const double d = double(cfg.hidden);
    const double qkv = d * double((cfg.heads + 2 * cfg.kv_heads) * cfg.head_dim);
    EXPECT_DOUBLE_EQ(n["model.segment.qkv_proj"]->cost.flops, 2.0 * 2 * 26 * qkv);
    const NeuralMemoryShape s{cfg.hidden, 64};
    EXPECT_DOUBLE_EQ(n["titans.read"]->cost.flops, 2.0 * neural_memory_forward_cost(12, s).flops);
    EXPECT_DOUBLE_EQ(n["titans.grad"]->cost.flops, 2.0 * neural_memory_grad_cost(12, s).flops);
    EXPECT_DOUBLE_EQ(n["titans.query"]->cost.flops, 2.0 * 2 * 12 * d * d);
    const StepResult r = test::run_graph(*m, g);
    EXPECT_EQ(r.tokens_selected, 2 * 12);
    ASSERT_EQ(r.output.size(), size_t(2 * cfg.hidden));
    for (float v : r.output) ASSERT_TRUE(std::isfinite(v));
    EXPECT_GT(r.memory_bytes_read, 0.0);
}

TEST(TitansMethod, MemoryOnlyGraphHasNoModelStep) {
    auto m = make_titans_method(tiny_titans());
    m->setup(test::method_options(7, false));
    Graph g = m->step_graph();
    for (const auto& nd : g.nodes()) {
        EXPECT_NE(nd.step, PipelineStep::Model) << nd.name;
        EXPECT_EQ(nd.repeat, 1.0) << nd.name << ": one segment";
    }
    EXPECT_EQ(test::run_graph(*m, g).tokens_selected, 12);
}

// The memory learns: each step graph trains M on the segment's (k, v) with the surprise update,
// so the gate's read of the same y changes from step to step, and stays finite (η < 1, α > 0).
TEST(TitansMethod, EachStepUpdatesTheMemory) {
    auto m = make_titans_method(tiny_titans());
    m->setup(test::method_options(12, false));
    Graph g = m->step_graph();
    const StepResult first = test::run_graph(*m, g, 1);
    CpuDevice cpu;
    execute(g, Phase::Step, cpu, 1);
    const StepResult second = m->result();
    ASSERT_EQ(first.output.size(), second.output.size());
    double diff = 0;
    for (size_t i = 0; i < first.output.size(); ++i) {
        ASSERT_TRUE(std::isfinite(second.output[i]));
        diff = std::max(diff, double(std::fabs(first.output[i] - second.output[i])));
    }
    EXPECT_GT(diff, 0.0) << "the update did not change the memory";
    for (int i = 0; i < 20; ++i) execute(g, Phase::Step, cpu, 1);
    for (float v : m->result().output) ASSERT_TRUE(std::isfinite(v)) << "updates diverged";
}

TEST(TitansMethod, ReferenceAndCpuAgree) {
    auto a = make_titans_method(tiny_titans());
    auto b = make_titans_method(tiny_titans());
    a->setup(test::method_options(12 * 3, false, Backend::Reference));
    b->setup(test::method_options(12 * 3, false, Backend::Cpu));
    Graph ga = a->step_graph(), gb = b->step_graph();
    const StepResult ra = test::run_graph(*a, ga), rb = test::run_graph(*b, gb);
    ASSERT_EQ(ra.output.size(), rb.output.size());
    // o = y ⊙ M(y): f32 GEMMs over d = 128 and dh = 64 against f64 (ops/neural_memory.h), after
    // one update whose gradient sums 12 rows; |y| ≤ √3 and |M(y)| = O(1).
    for (size_t i = 0; i < ra.output.size(); ++i)
        EXPECT_NEAR(ra.output[i], rb.output[i], 1e-4) << i;
}

TEST(TitansMethod, StateBytesMatchWhatSetupAllocates) {
    for (bool whole : {false, true}) {
        auto m = make_titans_method(tiny_titans());
        const MethodOptions o = test::method_options(12 * 6, whole, Backend::Cpu, 3);
        const double said = m->state_bytes(o);
        const double got = test::allocated_by([&] { m->setup(o); });
        EXPECT_GT(said, 0.8 * got) << whole;
        EXPECT_LT(said, 1.25 * got) << whole;
    }
}

TEST(TitansMethod, PaperScaleShapesAndBadOptions) {
    auto m = make_method("titans-mac");
    EXPECT_EQ(m->name(), "titans-mac");
    const auto& cfg = model::model_config("llama-2-7b");
    // The memory's weights, surprise and gradients at d = 4096, dh = 8192: 6 × 128 MiB.
    EXPECT_GT(m->state_bytes(test::method_options(32768, true)), 6.0 * 4096 * 8192 * 4);
    TitansRecipe r;
    auto t = make_titans_method(r);
    EXPECT_NE(std::string(t->description()).find("4096→8192→4096"), std::string::npos)
        << t->description();
    (void)cfg;
    try {
        t->setup(test::method_options(0, true));
        FAIL() << "tokens 0";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("--tokens"), std::string::npos) << e.what();
    }
    r.segment = 0;
    EXPECT_THROW(make_titans_method(r), Error);
}

}  // namespace
}  // namespace mempipe
