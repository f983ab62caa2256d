// Paper-scale cost-only workloads (methods/workload.h): every method's graph is well formed at the
// paper's sizes, its memory steps cost exactly what the catalogue's cost functions say at the
// paper's settings (recomputed here from those settings, not read back from the workload), its
// FPGA shapes are accepted by the designs, and bad options are usage errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <string>

#include "mempipe/core/error.h"
#include "mempipe/devices/fpga/fpga_device.h"
#include "mempipe/methods/workload.h"
#include "mempipe/ops/bm25.h"
#include "mempipe/ops/dense_retrieval.h"
#include "mempipe/ops/dsa.h"
#include "mempipe/ops/lserve.h"
#include "mempipe/ops/seer.h"
#include "mempipe/ops/top_k.h"

namespace mempipe {
namespace {

const OpNode& node_named(const Graph& g, const std::string& name) {
    for (const OpNode& n : g.nodes())
        if (n.name == name) return n;
    ADD_FAILURE() << "no node " << name;
    static const OpNode none;
    return none;
}

const FusedVariant& fused_named(const Graph& g, const std::string& name) {
    for (const FusedVariant& v : g.fused())
        if (v.fused.name == name) return v;
    ADD_FAILURE() << "no fused variant " << name;
    static const FusedVariant none;
    return none;
}

void expect_cost(const OpCost& got, const OpCost& want, const std::string& what) {
    EXPECT_DOUBLE_EQ(got.flops, want.flops) << what;
    EXPECT_DOUBLE_EQ(got.bytes_read, want.bytes_read) << what;
    EXPECT_DOUBLE_EQ(got.bytes_written, want.bytes_written) << what;
    EXPECT_EQ(got.pattern, want.pattern) << what;
}

bool is_memory_step(PipelineStep s) {
    return s == PipelineStep::Prepare || s == PipelineStep::Relevancy ||
           s == PipelineStep::Retrieval;
}

TEST(Workloads, EveryMethodIsListedWithPaperSizes) {
    std::set<std::string> names;
    for (const WorkloadInfo& m : workload_methods()) {
        names.insert(m.name);
        EXPECT_FALSE(m.description.empty()) << m.name;
        EXPECT_FALSE(m.paper_tokens.empty()) << m.name;
        EXPECT_GT(m.default_tokens, 0) << m.name;
    }
    for (const char* m : {"dsa", "seer-topk", "seer-threshold", "lserve", "fs-rag", "flare",
                          "dragin", "two-stage-rag", "hmt", "memagent", "lact"})
        EXPECT_TRUE(names.count(m)) << m;
}

// Nodes in graph order with inputs before them, costs > 0, every step tagged, a memory step in
// every method, fused variants a chain whose inner outputs only feed the variant, units > 0.
TEST(Workloads, GraphsAreWellFormedAtEveryPaperSize) {
    for (const WorkloadInfo& m : workload_methods())
        for (int64_t t : m.paper_tokens)
            for (int b : {1, 3}) {
                const Workload w = make_workload({m.name, t, b, ""});
                const std::string what =
                    m.name + " @" + std::to_string(t) + " b" + std::to_string(b);
                ASSERT_GT(w.graph.size(), 0u) << what;
                EXPECT_GT(w.units, 0) << what;
                EXPECT_TRUE(w.unit == "token" || w.unit == "request") << what;
                EXPECT_EQ(w.tokens, t) << what;
                EXPECT_EQ(w.batch, b) << what;
                bool memory = false;
                std::set<std::string> names;
                for (size_t i = 0; i < w.graph.size(); ++i) {
                    const OpNode& n = w.graph.node(int(i));
                    EXPECT_TRUE(names.insert(n.name).second) << what << " " << n.name;
                    EXPECT_FALSE(n.op.empty()) << what << " " << n.name;
                    EXPECT_GT(n.cost.flops + n.cost.bytes(), 0) << what << " " << n.name;
                    EXPECT_GE(n.output_bytes, 0) << what << " " << n.name;
                    EXPECT_GE(n.state_bytes, 0) << what << " " << n.name;
                    EXPECT_GE(n.period, 1) << what << " " << n.name;
                    EXPECT_FALSE(n.run) << what << " " << n.name << ": cost-only graphs";
                    for (int in : n.inputs) EXPECT_LT(size_t(in), i) << what << " " << n.name;
                    memory |= is_memory_step(n.step);
                }
                EXPECT_TRUE(memory) << what;
                for (const FusedVariant& v : w.graph.fused()) {
                    ASSERT_GE(v.nodes.size(), 2u) << what;
                    EXPECT_GT(v.fused.cost.flops + v.fused.cost.bytes(), 0) << what;
                    EXPECT_TRUE(v.fused.shape.has_value()) << what << " " << v.fused.name;
                    EXPECT_EQ(v.fused.period, w.graph.node(v.nodes.front()).period) << what;
                    for (size_t k = 0; k + 1 < v.nodes.size(); ++k) {
                        EXPECT_EQ(v.nodes[k + 1], v.nodes[k] + 1) << what << " " << v.fused.name;
                        for (size_t j = 0; j < w.graph.size(); ++j) {
                            const auto& ins = w.graph.node(int(j)).inputs;
                            if (std::find(ins.begin(), ins.end(), v.nodes[k]) == ins.end())
                                continue;
                            EXPECT_NE(std::find(v.nodes.begin(), v.nodes.end(), int(j)),
                                      v.nodes.end())
                                << what << ": " << w.graph.node(int(j)).name << " reads inner node "
                                << w.graph.node(v.nodes[k]).name << " of " << v.fused.name;
                        }
                    }
                }
            }
}

// Every FPGA design shape a workload carries at the paper's sizes is accepted by its design on the
// U55C, unless the state truly exceeds the card's HBM (then the reason must say so).
TEST(Workloads, FpgaShapesAreAcceptedByTheDesignsAtPaperSizes) {
    const fpga::FpgaConfig c = fpga::u55c_config();
    int shapes = 0;
    for (const WorkloadInfo& m : workload_methods())
        for (int64_t t : m.paper_tokens) {
            const Workload w = make_workload({m.name, t, 1, ""});
            auto check = [&](const OpNode& n) {
                if (!n.shape.has_value()) return;
                const auto* s = std::any_cast<fpga::DesignShape>(&n.shape);
                ASSERT_NE(s, nullptr) << m.name << " " << n.name << ": shape is not a DesignShape";
                ++shapes;
                const std::string why = fpga::unsupported_design_reason(*s, c);
                if (why.empty()) return;
                EXPECT_NE(why.find("HBM"), std::string::npos)
                    << m.name << " " << n.name << ": " << why;
                EXPECT_GT(n.state_bytes, c.hbm.capacity_bytes) << m.name << " " << n.name;
            };
            for (const OpNode& n : w.graph.nodes()) check(n);
            for (const FusedVariant& v : w.graph.fused()) check(v.fused);
        }
    EXPECT_GT(shapes, 40);
}

// The memory steps are the catalogue's ops at the paper's settings (App. D): no hidden constants.
TEST(Workloads, DsaMemoryStepsCostTheCatalogueOps) {
    const int64_t N = 100000, L = N + 1, B = 2;
    const Workload w = make_workload({"dsa", N, B, ""});
    expect_cost(node_named(w.graph, "indexer.logits").cost,
                repeated(mqa_relu_logits_cost(1, 64, L), B), "logits");
    expect_cost(node_named(w.graph, "indexer.top_k").cost, repeated(top_k_cost(L, 2048), B),
                "top_k");
    IndexerWeights iw;
    expect_cost(node_named(w.graph, "indexer.key").cost, indexer_key_cost(iw, B), "key");
    expect_cost(node_named(w.graph, "indexer.query").cost, indexer_query_cost(iw, B), "query");
    const FusedVariant& f = fused_named(w.graph, "indexer.score_top_k");
    expect_cost(f.fused.cost, repeated(score_top_k_cost(1, 64, L, 2048), B), "fused");
    EXPECT_DOUBLE_EQ(f.fused.state_bytes, double(B * L * 132));
    const auto s = std::get<fpga::dsa::Shape>(std::any_cast<fpga::DesignShape>(f.fused.shape));
    EXPECT_EQ(s.n_keys, L);
    EXPECT_EQ(s.heads, 64);
    EXPECT_EQ(s.k, 2048);
    EXPECT_EQ(s.sequences, B);
    EXPECT_DOUBLE_EQ(w.units, double(B) / 61);  // one of DeepSeek-V3.2's 61 layers
    // The absorbed projections' weights (W_UK, W_UV: 128 heads × 128 × 512 bf16) are read once
    // for the B sequences; each sequence adds its own query or attention output.
    const double w_uk = 128.0 * 128 * 512 * 2;
    EXPECT_DOUBLE_EQ(node_named(w.graph, "mla.absorb_q").cost.bytes_read,
                     w_uk + double(B) * 128 * 128 * 4);
    EXPECT_DOUBLE_EQ(node_named(w.graph, "mla.v_up").cost.bytes_read,
                     w_uk + double(B) * 128 * 512 * 4);
}

TEST(Workloads, SeerMemoryStepsCostTheCatalogueOps) {
    for (bool threshold : {false, true}) {
        const int64_t N = 200000, L = N + 1, B = 3, nb = (L + 63) / 64;
        const Workload w = make_workload({threshold ? "seer-threshold" : "seer-topk", N, B, ""});
        SeerGateShape gs{32, 8, 128, 128, 64, false, 1e-6f};  // Qwen3-8B, block 64 (App. D)
        SeerSelectParams sel;
        sel.mode = threshold ? SeerSelectMode::Threshold : SeerSelectMode::TokenBudget;
        sel.budget_blocks = 64;  // token budget 4096
        sel.threshold = 5e-4f;   // App. D
        // The B sequences share the gates' weights: read once per step, not once per sequence.
        const double q_gate = 32.0 * 128 * 128 * 2, k_gate = 8.0 * 3 * 128 * 128 * 2;
        EXPECT_DOUBLE_EQ(node_named(w.graph, "seer.gate_scores").cost.bytes_read,
                         q_gate + double(B) * (seer_gate_scores_cost(gs, nb).bytes_read - q_gate));
        EXPECT_DOUBLE_EQ(node_named(w.graph, "seer.compress").cost.bytes_read,
                         k_gate + double(B) * (seer_compress_cost(gs, 1).bytes_read - k_gate));
        expect_cost(node_named(w.graph, "seer.gate_scores").cost,
                    batched(seer_gate_scores_cost(gs, nb), B), "scores");
        expect_cost(node_named(w.graph, "seer.select").cost,
                    batched(seer_select_blocks_cost(8, nb, sel), B), "select");
        const OpNode& comp = node_named(w.graph, "seer.compress");
        expect_cost(comp.cost, batched(seer_compress_cost(gs, 1), B), "compress");
        EXPECT_EQ(comp.period, 64);
        const FusedVariant& f = fused_named(w.graph, "seer.gate_select");
        expect_cost(f.fused.cost, batched(seer_gate_select_cost(gs, nb, sel), B), "fused");
        const auto s = std::get<fpga::seer::Shape>(std::any_cast<fpga::DesignShape>(f.fused.shape));
        EXPECT_EQ(s.n_blocks, nb);
        EXPECT_EQ(s.select.mode, sel.mode);
        EXPECT_EQ(s.sequences, B);
        // What the design returns over PCIe: int32 block indices (token budget), or a bitmap of
        // 128-bit words per KV head (the authors' threshold kernel).
        const double want = threshold ? double(B * 8 * ((nb + 127) / 128) * 16)
                                      : double(B * 8 * seer_select_width(nb, sel) * 4);
        EXPECT_DOUBLE_EQ(f.fused.output_bytes, want) << (threshold ? "threshold" : "top-k");
    }
}

TEST(Workloads, LserveMemoryStepsCostTheCatalogueOps) {
    const int64_t N = 300000, B = 2;
    const Workload w = make_workload({"lserve", N, B, ""});
    LservePageShape ps{32, 8, 128, 16, 64, 4096};  // Llama-3.1-8B, OMNI defaults
    const int64_t nl = lserve_logical_pages(N, ps);
    const OpNode& sc = node_named(w.graph, "lserve.page_scores");
    expect_cost(sc.cost, repeated(page_scores_cost(nl, ps, 4), B), "scores");
    EXPECT_EQ(sc.period, 4);  // selector_update_interval
    expect_cost(node_named(w.graph, "lserve.page_select").cost,
                repeated(page_select_cost(N, ps, 4), B), "select");
    expect_cost(node_named(w.graph, "lserve.page_stats").cost,
                repeated(page_minmax_update_cost(ps, 4), B), "stats");
    const FusedVariant& f = fused_named(w.graph, "lserve.score_select");
    OpCost both = page_scores_cost(nl, ps, 4);
    both += page_select_cost(N, ps, 4);
    expect_cost(f.fused.cost, repeated(both, B), "fused");
    const auto s = std::get<fpga::lserve::Shape>(std::any_cast<fpga::DesignShape>(f.fused.shape));
    EXPECT_EQ(s.history, N);
    EXPECT_EQ(s.active_kv_heads, 4);
    EXPECT_EQ(s.sequences, B);
    // One message per selection from the GPU's Prepare to the scorer: the page statistics of the
    // 4 retrieval heads (min and max, 128 bf16 each) and their 16 query heads (128 f32 each).
    const OpNode& stats = node_named(w.graph, "lserve.page_stats");
    EXPECT_DOUBLE_EQ(stats.output_bytes, double(B * (4 * 2 * 128 * 2 + 16 * 128 * 4)));
    ASSERT_EQ(sc.inputs.size(), 1u);
    EXPECT_EQ(w.graph.node(sc.inputs[0]).name, "lserve.page_stats");
}

// What crosses the GPU↔FPGA link per DSA step under the paper's mapping: one message in (the fp8
// indexer query of 64 × 128, 64 f32 head weights and the new 132-byte key) and the 2048 int32
// indices out; the scorer reads nothing else produced per step.
TEST(Workloads, DsaStepHandsTheScorerOneMessage) {
    const int64_t B = 3;
    const Workload w = make_workload({"dsa", 65536, B, ""});
    const OpNode& q = node_named(w.graph, "indexer.query");
    EXPECT_DOUBLE_EQ(q.output_bytes, double(B * (64 * 128 + 64 * 4 + 132)));
    const OpNode& logits = node_named(w.graph, "indexer.logits");
    ASSERT_EQ(logits.inputs.size(), 1u);
    EXPECT_EQ(w.graph.node(logits.inputs[0]).name, "indexer.query");
    const auto& qin = q.inputs;
    EXPECT_TRUE(std::any_of(qin.begin(), qin.end(),
                            [&](int i) { return w.graph.node(i).name == "indexer.cache_append"; }));
    EXPECT_DOUBLE_EQ(node_named(w.graph, "indexer.top_k").output_bytes, double(B * 2048 * 4));
    EXPECT_DOUBLE_EQ(fused_named(w.graph, "indexer.score_top_k").fused.output_bytes,
                     double(B * 2048 * 4));
}

TEST(Workloads, RagMemoryStepsCostTheCatalogueOps) {
    const int64_t docs = 3000000, B = 2;
    for (const char* m : {"fs-rag", "flare", "dragin", "two-stage-rag"}) {
        const Workload w = make_workload({m, docs, B, ""});
        const OpNode& sc = node_named(w.graph, "rag.bm25_scores");
        const FusedVariant& f = fused_named(w.graph, "rag.bm25_fused");
        const auto s = std::get<fpga::bm25::Shape>(std::any_cast<fpga::DesignShape>(f.fused.shape));
        EXPECT_EQ(s.num_docs, docs) << m;
        EXPECT_EQ(s.k, 64) << m;  // App. D: 64 documents
        EXPECT_EQ(s.queries, B) << m;
        EXPECT_GT(s.postings, 0) << m;
        EXPECT_LT(s.postings, docs * 25) << m;
        expect_cost(sc.cost, repeated(bm25_scores_cost(docs, s.postings), B), m);
        expect_cost(node_named(w.graph, "rag.bm25_top_k").cost, repeated(top_k_cost(docs, 64), B),
                    m);
        expect_cost(f.fused.cost, repeated(bm25_top_k_cost(docs, s.postings, 64), B), m);
    }
    // DRAGIN's 25-word queries touch more postings than FS-RAG's sentences.
    auto postings = [&](const char* m) {
        const Workload w = make_workload({m, docs, 1, ""});
        return std::get<fpga::bm25::Shape>(std::any_cast<fpga::DesignShape>(
                                               fused_named(w.graph, "rag.bm25_fused").fused.shape))
            .postings;
    };
    EXPECT_GT(postings("dragin"), 2 * postings("fs-rag"));
    const Workload two = make_workload({"two-stage-rag", docs, B, ""});
    expect_cost(node_named(two.graph, "rag.dense_scores").cost,
                dense_scores_cost(B, docs, 1024, DType::BF16), "dense");
    expect_cost(fused_named(two.graph, "rag.dense_fused").fused.cost,
                dense_top_k_cost(B, docs, 1024, DType::BF16, 64), "dense fused");
}

TEST(Workloads, CompressedMemoryStepsCostTheCatalogueOps) {
    const Workload h = make_workload({"hmt", 64 * 1024, 2, ""});
    const OpNode& recall = node_named(h.graph, "hmt.recall");
    const auto ms = std::get<fpga::mac::Shape>(std::any_cast<fpga::DesignShape>(recall.shape));
    EXPECT_EQ(ms.batch, 2);
    EXPECT_EQ(ms.d, 4096);  // Llama-2-7B
    EXPECT_LE(ms.n_mem, 100);
    expect_cost(recall.cost, fpga::mac::recall_cost(ms), "recall");
    // 64 segments of 1024 tokens; 32 generated tokens once per request.
    EXPECT_DOUBLE_EQ(h.units, 2.0 / (64.0 * 32 * 32));
    const Workload m = make_workload({"memagent", 128 * 1024, 1, ""});
    const OpNode& dec = node_named(m.graph, "memagent.decode");
    const auto ds = std::get<fpga::memagent::Shape>(std::any_cast<fpga::DesignShape>(dec.shape));
    EXPECT_EQ(ds.d, 3584);  // Qwen2.5-7B
    EXPECT_EQ(ds.layers, 28);
    EXPECT_EQ(ds.batch, 1);
    EXPECT_EQ(dec.step, PipelineStep::Prepare);
    EXPECT_EQ(node_named(m.graph, "memagent.prefill").period, 1024);  // once per memory rewrite
}

// What crosses per segment under the paper's mapping (§5.2, App. C, App. E) and what the FPGA
// holds: memory as context hands the memory's new key and embedding in and gets the recalled
// embedding back; MemAgent delivers each layer's KV cache of the chunk prefill (bf16, 2 × 4 KV
// heads × 128 per token) and gets a token id per decoded memory token; its engine holds int4
// weights with f32 scales per 128 and the KV of prompt + memory, not bf16 weights.
TEST(Workloads, CompressedMemoryHandsOverWhatThePaperTransfers) {
    const int64_t B = 2;
    const Workload h = make_workload({"hmt", 64 * 1024, B, ""});
    EXPECT_DOUBLE_EQ(node_named(h.graph, "hmt.memory_key").output_bytes, double(B * 2 * 4096 * 4));
    EXPECT_DOUBLE_EQ(node_named(h.graph, "hmt.recall").output_bytes, double(B * 4096 * 4));
    const Workload m = make_workload({"memagent", 128 * 1024, B, ""});
    const double kv_token_layer = 2.0 * 4 * 128 * 2;  // Qwen2.5-7B: 4 KV heads × 128, bf16 K and V
    const int64_t prompt = 200 + 1024 + 5000;         // template + problem, memory, chunk
    EXPECT_DOUBLE_EQ(node_named(m.graph, "memagent.prefill").output_bytes,
                     double(B * prompt) * kv_token_layer);
    const OpNode& dec = node_named(m.graph, "memagent.decode");
    EXPECT_DOUBLE_EQ(dec.output_bytes, double(B * 4));
    const auto ds = std::get<fpga::memagent::Shape>(std::any_cast<fpga::DesignShape>(dec.shape));
    const double d = 3584, q = 28 * 128, kv = 4 * 128, ffn = 18944, vocab = 152064;
    const double params = 28 * (d * (q + 2 * kv) + q * d + 3 * d * ffn) + vocab * d;
    EXPECT_DOUBLE_EQ(fpga::memagent::weight_bytes(ds), params * (0.5 + 4.0 / 128));
    EXPECT_NEAR(
        dec.state_bytes,
        fpga::memagent::weight_bytes(ds) + double(B * (prompt + 1024)) * 28 * kv_token_layer, 1.0);
}

// Larger memories cost more in the memory steps; the batch scales per-sequence work.
TEST(Workloads, MemoryCostGrowsWithSizeAndBatch) {
    for (const char* m : {"dsa", "seer-topk", "lserve", "fs-rag", "two-stage-rag"}) {
        auto mem = [&](int64_t t, int b) {
            const Workload w = make_workload({m, t, b, ""});
            double bytes = 0;
            for (const OpNode& n : w.graph.nodes())
                if (is_memory_step(n.step)) bytes += n.cost.bytes() / n.period;
            return bytes;
        };
        const int64_t t = make_workload({m, 0, 1, ""}).tokens;
        EXPECT_GT(mem(4 * t, 1), mem(t, 1)) << m;
        EXPECT_GT(mem(t, 4), 2 * mem(t, 1)) << m;
    }
}

TEST(Workloads, BadOptionsAreUsageErrors) {
    auto usage = [](const WorkloadOptions& o, const char* needle) {
        try {
            make_workload(o);
            ADD_FAILURE() << "no error for " << o.method;
        } catch (const Error& e) {
            EXPECT_EQ(e.kind(), ErrorKind::Usage) << e.what();
            EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
        }
    };
    usage({"nope", 0, 1, ""}, "known methods");
    usage({"dsa", -5, 1, ""}, "tokens");
    usage({"dsa", 4096, 0, ""}, "batch");
    usage({"dsa", 4096, 1000, ""}, "batch");
    usage({"lserve", 4096, 1, "gpt-17"}, "known models");
    usage({"dsa", 4096, 1, "qwen3-8b"}, "deepseek");
    usage({"memagent", 4096, 1, "bge-large-en-v1.5"}, "encoder");
    // A different decoder is accepted where the method allows it.
    EXPECT_EQ(make_workload({"lserve", 4096, 1, "qwen3-8b"}).model, "qwen3-8b");
}

}  // namespace
}  // namespace mempipe
