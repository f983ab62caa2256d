// MethodOptions::whole_model: the rest of the model around a method's memory steps (one layer's
// projections, norms and MLP, scaled by the layer count, and the LM head), and what the profile
// makes of it (the memory-processing share).
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "mempipe/core/error.h"
#include "mempipe/graph/executor.h"
#include "mempipe/methods/method.h"
#include "mempipe/methods/profile.h"
#include "mempipe/model/config.h"
#include "mempipe/ops/linear.h"

using namespace mempipe;

namespace {

Graph whole_graph(Method& m, int64_t tokens, bool whole, int batch = 1) {
    MethodOptions o;
    o.tokens = tokens;
    o.batch = batch;
    o.whole_model = whole;
    m.setup(o);
    return m.step_graph();
}

TEST(WholeModel, SeerGraphScalesEveryPerLayerNodeByTheLayerCount) {
    const auto& cfg = model::model_config("qwen3-8b");
    auto m = make_method("seer-attention-r");
    Graph g = whole_graph(*m, 3000, true, 2);
    std::map<std::string, const OpNode*> by_name;
    for (const auto& n : g.nodes()) by_name[n.name] = &n;
    for (const char* name : {"model.attn_norm", "model.qkv_proj", "model.o_proj", "model.mlp_norm",
                             "model.gate_up", "model.silu_mul", "model.down"}) {
        ASSERT_TRUE(by_name.count(name)) << name;
        EXPECT_EQ(by_name[name]->step, PipelineStep::Model) << name;
        EXPECT_EQ(by_name[name]->repeat, double(cfg.layers)) << name;
    }
    for (const char* name : {"model.final_norm", "model.lm_head"}) {
        ASSERT_TRUE(by_name.count(name)) << name;
        EXPECT_EQ(by_name[name]->repeat, 1.0) << name;
    }
    // The method's own nodes run in every layer too.
    for (const char* name : {"seer.gate_scores", "seer.select", "attn.block_sparse"})
        EXPECT_EQ(by_name.at(name)->repeat, double(cfg.layers)) << name;
    // Weight bytes of the projections follow the configuration (batch 2 rows of x).
    const int64_t q = cfg.heads * cfg.head_dim, kv = cfg.kv_heads * cfg.head_dim;
    LinearWeights qkv;
    qkv.n = q + 2 * kv;
    qkv.k = cfg.hidden;
    EXPECT_DOUBLE_EQ(by_name["model.qkv_proj"]->cost.bytes_read, linear_cost(2, qkv).bytes_read);
    LinearWeights head;
    head.n = cfg.vocab;
    head.k = cfg.hidden;
    EXPECT_DOUBLE_EQ(by_name["model.lm_head"]->cost.flops, 2.0 * 2 * cfg.vocab * cfg.hidden);
    // Amortised costs multiply by repeat: the Model step is L × one layer + the LM head.
    double per_layer = 0, per_token = 0;
    for (const auto& n : g.nodes())
        if (n.step == PipelineStep::Model) (n.repeat > 1 ? per_layer : per_token) += n.cost.flops;
    EXPECT_DOUBLE_EQ(g.amortised_cost(Phase::Step, PipelineStep::Model).flops,
                     per_layer * double(cfg.layers) + per_token);
}

TEST(WholeModel, MemoryStepsAreUnchangedAndStateGrowsByTheWeights) {
    for (const char* name : {"seer-attention-r", "lserve", "dense-llama-3.1-8b"}) {
        SCOPED_TRACE(name);
        auto a = make_method(name);
        auto b = make_method(name);
        MethodOptions o;
        o.tokens = 2000;
        MethodOptions w = o;
        w.whole_model = true;
        EXPECT_GT(b->state_bytes(w) - a->state_bytes(o), 1e9)
            << "one layer + LM head of an 8B model";
        a->setup(o);
        b->setup(w);
        Graph ga = a->step_graph(), gb = b->step_graph();
        CpuDevice cpu;
        execute(ga, Phase::Setup, cpu, 1);
        execute(gb, Phase::Setup, cpu, 1);
        execute(ga, Phase::Step, cpu, 1);
        execute(gb, Phase::Step, cpu, 1);
        StepResult ra = a->result(), rb = b->result();
        EXPECT_EQ(ra.selection, rb.selection);
        EXPECT_EQ(ra.output, rb.output);
        EXPECT_DOUBLE_EQ(ra.memory_bytes_read, rb.memory_bytes_read) << "per layer in both";
    }
}

TEST(WholeModel, DsaUsesTheMlaProjectionsOfTheDeepSeekLayer) {
    const auto& cfg = model::model_config("deepseek-v3.2-layer");
    auto m = make_method("dsa");
    Graph g = whole_graph(*m, 1000, true);
    std::map<std::string, const OpNode*> by_name;
    for (const auto& n : g.nodes()) by_name[n.name] = &n;
    for (const char* name : {"model.wq_a", "model.wq_b", "model.wkv_a", "model.wo"}) {
        ASSERT_TRUE(by_name.count(name)) << name;
        EXPECT_EQ(by_name[name]->repeat, double(cfg.layers)) << name;
    }
    // wo reads heads × v_head_dim and writes the model width.
    EXPECT_DOUBLE_EQ(by_name["model.wo"]->cost.flops,
                     2.0 * double(cfg.heads * cfg.mla.v_head_dim) * double(cfg.hidden));
    EXPECT_FALSE(by_name.count("model.qkv_proj"));
}

TEST(WholeModel, LactAddsTheRestOfItsLayerPerChunk) {
    const auto& cfg = model::model_config("lact-760m");
    auto m = make_method("lact");
    Graph g = whole_graph(*m, 4096, true);
    std::map<std::string, const OpNode*> by_name;
    for (const auto& n : g.nodes()) by_name[n.name] = &n;
    for (const char* name : {"lact.apply", "lact.loss", "lact.grad", "lact.update",
                             "model.qkv_proj", "model.attention", "model.gate_up"}) {
        ASSERT_TRUE(by_name.count(name)) << name;
        EXPECT_EQ(by_name[name]->repeat, double(cfg.layers)) << name;
    }
    // The chunk's 2048 rows go through the projections: 2 · rows · (3·H) · H FLOPs for q/k/v.
    EXPECT_DOUBLE_EQ(by_name["model.qkv_proj"]->cost.flops,
                     2.0 * 2048 * double(3 * cfg.hidden) * double(cfg.hidden));
    EXPECT_EQ(by_name["model.attention"]->op, "attention_prefill");
    EXPECT_EQ(by_name["model.lm_head"]->repeat, 1.0);
}

TEST(WholeModel, ProfileReportsTheMemoryProcessingShare) {
    auto m = make_method("seer-attention-r");
    MethodOptions o;
    o.tokens = 4096;
    o.whole_model = true;
    MethodProfile p = profile_method(*m, o, 1);
    ASSERT_TRUE(p.has_model_step());
    EXPECT_EQ(p.max_repeat(), double(model::model_config("qwen3-8b").layers));
    EXPECT_GT(p.memory_fraction(), 0.0);
    EXPECT_LT(p.memory_fraction(), 1.0);
    double model = 0;
    for (const auto& s : p.steps)
        if (s.step == PipelineStep::Model) model = s.seconds;
    EXPECT_NEAR(p.memory_seconds() + model, p.step_seconds, 1e-9 * p.step_seconds);
    const Json j = profile_to_json(p);
    EXPECT_TRUE(j.at("memory_fraction").is_number());
    EXPECT_NE(j.at("scope").get<std::string>().find("scaled"), std::string::npos);
    EXPECT_NE(profile_to_markdown(p).find("memory processing"), std::string::npos);

    auto only = make_method("seer-attention-r");
    o.whole_model = false;
    MethodProfile q = profile_method(*only, o, 1);
    EXPECT_FALSE(q.has_model_step());
    EXPECT_TRUE(profile_to_json(q).at("memory_fraction").is_null());
}

TEST(WholeModel, GraphRejectsANonPositiveRepeat) {
    for (double r : {0.0, -1.0, std::nan("")}) {
        Graph g;
        OpNode n;
        n.name = "x";
        n.op = "linear";
        n.repeat = r;
        try {
            g.add(n);
            FAIL() << r;
        } catch (const Error& e) {
            EXPECT_EQ(e.kind(), ErrorKind::Usage);
        }
    }
}

}  // namespace
