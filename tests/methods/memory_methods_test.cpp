// The HMT and MemAgent recipes (src/methods/memory_methods.h): graph shape and step tags, repeats
// (layers × segments / chunks), the recall over the mean cache size, Reference vs Cpu outputs,
// state_bytes against what setup really allocates, and the paper-scale shapes (built, not run).
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>

#include "../../src/methods/memory_methods.h"
#include "mempipe/core/error.h"
#include "mempipe/graph/executor.h"
#include "mempipe/model/config.h"
#include "method_runner.h"

namespace mempipe {
namespace {

HmtRecipe tiny_hmt() {
    HmtRecipe r;
    r.name = "hmt-tiny";
    r.model = "tiny-llama";
    r.segment = 24;  // block 18, summary 9
    r.sensory = 4;
    r.entries = 3;
    r.generated = 4;
    return r;
}

MemAgentRecipe tiny_memagent() {
    MemAgentRecipe r;
    r.name = "memagent-tiny";
    r.model = "tiny-qwen2";
    r.chunk = 40;
    r.memory_tokens = 8;
    r.prompt_overhead = 6;
    r.answer_tokens = 4;
    return r;
}

TEST(HmtMethod, GraphStepsAndRepeats) {
    const auto& cfg = model::model_config("tiny-llama");
    auto m = make_hmt_method(tiny_hmt());
    m->setup(test::method_options(18 * 5, true, Backend::Cpu, 2));  // S = 5 segments
    Graph g = m->step_graph();
    auto n = test::nodes_by_name(g);
    const double L = double(cfg.layers);
    struct Want {
        const char* name;
        PipelineStep step;
        double repeat;
    };
    for (const Want& w :
         std::initializer_list<Want>{{"hmt.summary.qkv_proj", PipelineStep::Prepare, L * 5},
                                     {"hmt.summary.attention", PipelineStep::Prepare, L * 5},
                                     {"hmt.memory_key", PipelineStep::Prepare, 5},
                                     {"hmt.query", PipelineStep::Relevancy, 4},
                                     {"hmt.scores", PipelineStep::Relevancy, 4},
                                     {"hmt.read", PipelineStep::Retrieval, 4},
                                     {"hmt.augment", PipelineStep::Apply, 5},
                                     {"model.segment.attention", PipelineStep::Model, L * 5},
                                     {"model.segment.lm_head", PipelineStep::Model, 5},
                                     {"model.decode.down", PipelineStep::Model, L * 4},
                                     {"model.decode.lm_head", PipelineStep::Model, 4}}) {
        ASSERT_TRUE(n.count(w.name)) << w.name;
        EXPECT_EQ(n[w.name]->step, w.step) << w.name;
        EXPECT_EQ(n[w.name]->repeat, w.repeat) << w.name;
    }
    EXPECT_FALSE(n.count("hmt.summary.lm_head")) << "the summary keeps hidden states only";
    // Rows: summary 9 + 2, the augmented segment 24 (× batch 2) — from the projections' FLOPs.
    const double qkv = double(cfg.hidden) * double((cfg.heads + 2 * cfg.kv_heads) * cfg.head_dim);
    EXPECT_DOUBLE_EQ(n["hmt.summary.qkv_proj"]->cost.flops, 2.0 * 2 * 11 * qkv);
    EXPECT_DOUBLE_EQ(n["model.segment.qkv_proj"]->cost.flops, 2.0 * 2 * 24 * qkv);
    // The recall attends the mean cache size over segments 2..5: min(s, 3) for s = 1..4 → 2.25 → 2.
    EXPECT_DOUBLE_EQ(n["hmt.scores"]->cost.flops, 2.0 * 2 * 2 * double(cfg.hidden));
    const StepResult r = test::run_graph(*m, g);
    EXPECT_EQ(r.tokens_selected, 2 * 2);
    ASSERT_EQ(r.output.size(), size_t(2 * cfg.hidden));
    for (float v : r.output) ASSERT_TRUE(std::isfinite(v));
    EXPECT_GT(r.memory_bytes_read, 0.0);
}

TEST(HmtMethod, OneSegmentRecallsNothingAndMemoryOnlyHasNoModelStep) {
    auto m = make_hmt_method(tiny_hmt());
    m->setup(test::method_options(10, false));
    Graph g = m->step_graph();
    for (const auto& nd : g.nodes()) {
        EXPECT_NE(nd.step, PipelineStep::Model) << nd.name;
        EXPECT_NE(nd.name, "hmt.scores") << "one segment: the cache is empty";
    }
    EXPECT_EQ(test::run_graph(*m, g).tokens_selected, 0);
}

TEST(HmtMethod, ReferenceAndCpuAgree) {
    auto a = make_hmt_method(tiny_hmt());
    auto b = make_hmt_method(tiny_hmt());
    a->setup(test::method_options(18 * 4, false, Backend::Reference));
    b->setup(test::method_options(18 * 4, false, Backend::Cpu));
    Graph ga = a->step_graph(), gb = b->step_graph();
    const StepResult ra = test::run_graph(*a, ga), rb = test::run_graph(*b, gb);
    ASSERT_EQ(ra.output.size(), rb.output.size());
    // P = a·M with f32 vs f64 arithmetic (ops/memory_recall.h bounds: ~(2n + 128)·u relative to
    // Σ a·|M| ≤ max |M| = √3); the query's bf16 linear may differ by ~1e-6 relative.
    for (size_t i = 0; i < ra.output.size(); ++i)
        EXPECT_NEAR(ra.output[i], rb.output[i], 1e-4) << i;
    EXPECT_EQ(ra.tokens_selected, rb.tokens_selected);
}

TEST(HmtMethod, StateBytesMatchWhatSetupAllocates) {
    for (bool summary : {true, false})
        for (bool whole : {false, true}) {
            HmtRecipe r = tiny_hmt();
            r.summary_pass = summary;
            auto m = make_hmt_method(r);
            const MethodOptions o = test::method_options(18 * 6, whole, Backend::Cpu, 3);
            const double said = m->state_bytes(o);
            const double got = test::allocated_by([&] { m->setup(o); });
            EXPECT_GT(said, 0.8 * got) << whole << summary;
            EXPECT_LT(said, 1.25 * got) << whole << summary;
        }
}

TEST(HmtMethod, LinearQueryVariantHasNoSummaryPass) {
    const auto& cfg = model::model_config("tiny-llama");
    HmtRecipe r = tiny_hmt();
    r.summary_pass = false;
    for (Backend b : {Backend::Reference, Backend::Cpu}) {
        auto m = make_hmt_method(r);
        m->setup(test::method_options(18 * 3, true, b, 2));
        Graph g = m->step_graph();
        auto n = test::nodes_by_name(g);
        for (const auto& nd : g.nodes())
            EXPECT_EQ(nd.name.rfind("hmt.summary", 0), std::string::npos);
        // q = mean over the first j = 9 embeddings of x·Wqᵀ: 9 rows per sequence + the pooling.
        const double d = double(cfg.hidden);
        EXPECT_DOUBLE_EQ(n.at("hmt.query")->cost.flops, 2.0 * 2 * 9 * d * d + 2 * 9 * d);
        EXPECT_EQ(n.at("hmt.memory_key")->step, PipelineStep::Prepare);
        const StepResult res = test::run_graph(*m, g);
        for (float v : res.output) ASSERT_TRUE(std::isfinite(v));
    }
}

TEST(HmtMethod, PaperScaleShapes) {
    auto m = make_hmt_method();
    EXPECT_EQ(m->name(), "hmt");
    const auto& cfg = model::model_config("llama-2-7b");
    MethodOptions o = test::method_options(32768, true);
    EXPECT_GT(m->state_bytes(o), 2.0 * cfg.hidden * cfg.hidden * 2) << "Wq + Wk at least";
    m->setup(o);  // S = ⌈32768 / 990⌉ = 34 segments, mean cache min(s, 100) over 1..33 = 17
    Graph g = m->step_graph();
    auto n = test::nodes_by_name(g);
    EXPECT_EQ(n.at("hmt.summary.qkv_proj")->repeat, 34.0 * cfg.layers);
    EXPECT_EQ(n.at("hmt.query")->repeat, 33.0);
    EXPECT_DOUBLE_EQ(n.at("hmt.scores")->cost.flops, 2.0 * 17 * 4096);
    const double qkv = 4096.0 * 3 * 4096;
    EXPECT_DOUBLE_EQ(n.at("hmt.summary.qkv_proj")->cost.flops, 2.0 * 497 * qkv);
    EXPECT_DOUBLE_EQ(n.at("model.segment.qkv_proj")->cost.flops, 2.0 * 1024 * qkv);
}

TEST(MemAgentMethod, GraphStepsAndRepeats) {
    const auto& cfg = model::model_config("tiny-qwen2");
    auto m = make_memagent_method(tiny_memagent());
    m->setup(
        test::method_options(100, true, Backend::Cpu, 2));  // C = 3 chunks, mean chunk 34 → 48 rows
    Graph g = m->step_graph();
    auto n = test::nodes_by_name(g);
    const double L = double(cfg.layers);
    struct Want {
        const char* name;
        PipelineStep step;
        double repeat;
    };
    for (const Want& w : std::initializer_list<Want>{
             {"memagent.prefill.attention", PipelineStep::Apply, L * 3},
             {"memagent.prefill.lm_head", PipelineStep::Apply, 3},
             {"memagent.decode.attention", PipelineStep::Prepare, L * 3 * 8},
             {"memagent.decode.lm_head", PipelineStep::Prepare, 3 * 8},
             {"memagent.concat", PipelineStep::Apply, 3},
             {"model.answer_prefill.gate_up", PipelineStep::Model, L},
             {"model.answer_decode.gate_up", PipelineStep::Model, L * 4}}) {
        ASSERT_TRUE(n.count(w.name)) << w.name;
        EXPECT_EQ(n[w.name]->step, w.step) << w.name;
        EXPECT_EQ(n[w.name]->repeat, w.repeat) << w.name;
    }
    EXPECT_EQ(n["memagent.prefill.attention"]->op, "attention_prefill");
    EXPECT_EQ(n["memagent.decode.attention"]->op, "dense_attention");
    const double qkv = double(cfg.hidden) * double((cfg.heads + 2 * cfg.kv_heads) * cfg.head_dim);
    EXPECT_DOUBLE_EQ(n["memagent.prefill.qkv_proj"]->cost.flops, 2.0 * 2 * 48 * qkv);
    EXPECT_DOUBLE_EQ(n["model.answer_prefill.qkv_proj"]->cost.flops, 2.0 * 2 * 14 * qkv);
    // The decode attends the prompt plus half the memory on average: 48 + 4 tokens.
    const double per_token = n["memagent.decode.attention"]->cost.bytes_read;
    auto shorter = make_memagent_method(tiny_memagent());
    shorter->setup(test::method_options(40, true, Backend::Cpu, 2));  // one chunk of 40 → 54 rows
    Graph gs = shorter->step_graph();
    EXPECT_GT(test::nodes_by_name(gs).at("memagent.decode.attention")->cost.bytes_read, per_token);
    const StepResult r = test::run_graph(*m, g);
    EXPECT_EQ(r.tokens_selected, 2 * 8);
    EXPECT_GT(r.memory_bytes_read, 0.0);
}

TEST(MemAgentMethod, MemoryOnlyAndReferenceBackendRun) {
    for (Backend b : {Backend::Reference, Backend::Cpu}) {
        auto m = make_memagent_method(tiny_memagent());
        m->setup(test::method_options(70, false, b));
        Graph g = m->step_graph();
        for (const auto& nd : g.nodes()) EXPECT_NE(nd.step, PipelineStep::Model) << nd.name;
        EXPECT_EQ(test::run_graph(*m, g).tokens_selected, 8);
    }
}

TEST(MemAgentMethod, StateBytesMatchWhatSetupAllocates) {
    for (bool whole : {false, true}) {
        auto m = make_memagent_method(tiny_memagent());
        const MethodOptions o = test::method_options(300, whole, Backend::Cpu, 2);
        const double said = m->state_bytes(o);
        const double got = test::allocated_by([&] { m->setup(o); });
        EXPECT_GT(said, 0.8 * got) << whole;
        EXPECT_LT(said, 1.25 * got) << whole;
    }
}

TEST(MemAgentMethod, PaperScaleAndBadOptions) {
    auto m = make_memagent_method();
    EXPECT_EQ(m->name(), "memagent");
    // 12 000 tokens: 3 chunks of 4000 (mean) → 200 + 1024 + 4000 rows per chunk prefill.
    EXPECT_GT(m->state_bytes(test::method_options(12000, true)), 1e8);
    try {
        m->setup(test::method_options(0, true));
        FAIL() << "tokens 0";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Usage);
    }
    HmtRecipe bad = tiny_hmt();
    bad.sensory = 22;
    EXPECT_THROW(make_hmt_method(bad), Error);
}

}  // namespace
}  // namespace mempipe
