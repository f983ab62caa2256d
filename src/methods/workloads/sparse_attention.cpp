// Sparse-attention workloads (DSA, SeerAttention-R, LServe) at the paper's settings: one
// transformer layer of one decode step (every layer of these models runs the same memory steps;
// the paper itself multiplies DSA's first-layer latency by the layer count, App. D), with the LM
// head once per `layers` executions. A graph execution therefore produces batch / layers tokens.
#include <fmt/format.h>

#include <algorithm>

#include "mempipe/core/error.h"
#include "mempipe/devices/fpga/fpga_device.h"
#include "mempipe/ops/attention.h"
#include "mempipe/ops/dsa.h"
#include "mempipe/ops/lserve.h"
#include "mempipe/ops/mla.h"
#include "mempipe/ops/nn.h"
#include "mempipe/ops/seer.h"
#include "mempipe/ops/top_k.h"
#include "workload_common.h"

namespace mempipe::workloads {

namespace {

// DeepSeek-V3.2-Exp (sparse_attention.md §1.1, DS32 config_671B_v3.2.json): dim 7168, 61 layers,
// MLA 128 heads (q_lora 1536, kv_lora 512, rope 64, nope 128, v_head 128), vocab 129280. The
// paper runs the FIRST layer and multiplies by 61 (App. D); that layer has a dense MLP of 18432
// (first_k_dense_replace 3, moe/dense intermediate 18432 in config_671B_v3.2.json).
constexpr int64_t kDsLayers = 61, kDsDim = 7168, kDsQLora = 1536, kDsHeads = 128, kDsLatent = 512,
                  kDsRope = 64, kDsDenseFfn = 18432, kDsVocab = 129280;

}  // namespace

Built build_dsa(const WorkloadOptions& o) {
    MEMPIPE_CHECK_ARG(o.model.empty() || o.model == "deepseek-v3.2-exp",
                      "dsa: the only model is deepseek-v3.2-exp (the indexer is part of its MLA), "
                      "got '{}'",
                      o.model);
    const int64_t B = o.batch, N = o.tokens, L = N + 1;
    const double Bd = double(B);
    const MlaShape mla{kDsHeads, kDsLatent, kDsRope, 128, 128, 0.0f};
    IndexerWeights iw;  // dims only (dim 7168, q_lora 1536, 64 heads): the cost functions read them
    const double key_bytes = double(kDsaHeadDim + 4);  // e4m3 codes + the ue8m0 scale (ops/dsa.h)
    const int64_t k = kDsaTopK;

    Builder b;
    int norm = b.add({"model.attn_norm",
                      "norm",
                      PipelineStep::Model,
                      norm_cost(B, kDsDim),
                      {},
                      Bd * kDsDim * 4});
    OpCost qa = weights_linear(B, kDsDim, kDsQLora);
    qa += norm_cost(B, kDsQLora);
    int q_a = b.add({"mla.q_a",
                     "linear",
                     PipelineStep::Model,
                     qa,
                     {norm},
                     Bd * kDsQLora * 4,
                     2.0 * kDsDim * kDsQLora});
    int q_b = b.add({"mla.q_b",
                     "linear",
                     PipelineStep::Model,
                     weights_linear(B, kDsQLora, kDsHeads * 192),
                     {q_a},
                     Bd * kDsHeads * 192 * 4,
                     2.0 * kDsQLora * kDsHeads * 192});
    OpCost kva = weights_linear(B, kDsDim, kDsLatent + kDsRope);
    kva += norm_cost(B, kDsLatent);
    int kv_a = b.add({"mla.kv_a",
                      "linear",
                      PipelineStep::Model,
                      kva,
                      {norm},
                      Bd * (kDsLatent + kDsRope) * 4,
                      2.0 * kDsDim * (kDsLatent + kDsRope)});
    // The MLA latent cache append (as methods/dsa.cpp's mla.kv_append: rope the 64-wide part,
    // write 576 bf16): the cache itself is the state of the attention that reads it.
    int kv_append = b.add(
        {"mla.kv_append",
         "cache_append",
         PipelineStep::Apply,
         OpCost{rope_cost(B, kDsRope).flops, Bd * 576 * 4, Bd * 576 * 2, AccessPattern::Regular},
         {kv_a},
         Bd * 576 * 2});
    // Prepare: the indexer key of the new token, appended to the key store.
    int key = b.add({"indexer.key",
                     "indexer_key",
                     PipelineStep::Prepare,
                     indexer_key_cost(iw, B),
                     {norm},
                     Bd * key_bytes,
                     2.0 * 128 * kDsDim});
    int append = b.add({"indexer.cache_append",
                        "cache_append",
                        PipelineStep::Prepare,
                        index_cache_append_cost(B),
                        {key},
                        Bd * key_bytes});
    // Relevancy: the indexer query (wq_b, RoPE, Hadamard, fp8; head weights), then the logits over
    // the L cached keys of each sequence (the key store is the state). The query's output is the
    // step's message to the scorer: fp8 query, head weights and the appended key, handed over
    // together as the authors' indexer takes the query and the keys through one buffer
    // (HeteroLLM kernels/dsa_indexer/indexer_vanilla.h: indexer_top's qk_vec_mem; the
    // SeerAttention-R and LServe kernels order it "all past keys, q0, k0, …"), so a scorer on
    // another device receives one copy per step, not one for the key and one for the query.
    int query = b.add({"indexer.query",
                       "indexer_query",
                       PipelineStep::Relevancy,
                       indexer_query_cost(iw, B),
                       {q_a, norm, append},
                       Bd * (kDsaHeads * kDsaHeadDim + kDsaHeads * 4 + key_bytes),
                       2.0 * (kDsaHeads * kDsaHeadDim * kDsQLora + kDsaHeads * kDsDim)});
    const double store = Bd * double(L) * key_bytes;
    int logits = b.add({"indexer.logits",
                        "mqa_relu_logits",
                        PipelineStep::Relevancy,
                        batched(mqa_relu_logits_cost(1, kDsaHeads, L), B),
                        {query},
                        Bd * double(L) * 4,
                        store});
    int topk = b.add({"indexer.top_k",
                      "top_k",
                      PipelineStep::Retrieval,
                      batched(top_k_cost(L, k), B),
                      {logits},
                      Bd * double(k) * 4});
    b.fuse({logits, topk}, {"indexer.score_top_k",
                            "score_top_k",
                            PipelineStep::Relevancy,
                            batched(score_top_k_cost(1, kDsaHeads, L, k), B),
                            {},
                            Bd * double(k) * 4,
                            store,
                            1,
                            Phase::Step,
                            std::any(fpga::DesignShape(fpga::dsa::Shape{1, kDsaHeads, L, k, B}))});
    // Apply: token-sparse MLA over the selected 2048 (absorbed form, ops/mla.h).
    int absorb = b.add({"mla.absorb_q",
                        "mla_absorb_q",
                        PipelineStep::Apply,
                        batched(mla_absorb_q_cost(mla), B),
                        {q_b},
                        Bd * kDsHeads * 576 * 4,
                        2.0 * kDsHeads * 128 * kDsLatent});
    int attn = b.add({"mla.sparse_attention",
                      "sparse_mla",
                      PipelineStep::Apply,
                      batched(sparse_mla_cost(mla, std::min(L, k)), B),
                      {topk, absorb, kv_append},
                      Bd * kDsHeads * kDsLatent * 4,
                      Bd * double(L) * 576 * 2});
    int vup = b.add({"mla.v_up",
                     "mla_v_up",
                     PipelineStep::Apply,
                     batched(mla_v_up_cost(mla), B),
                     {attn},
                     Bd * kDsHeads * 128 * 4,
                     2.0 * kDsHeads * 128 * kDsLatent});
    ModelConfig rest{"deepseek-v3.2-exp", "",      kDsLayers, kDsDim, kDsHeads, 1, 128,
                     kDsDenseFfn,         kDsVocab};
    add_layer_back(b, rest, B, vup);

    return Built{
        b.take(), "token", Bd / double(kDsLayers),
        fmt::format(
            "DeepSeek-V3.2-Exp decode, one of 61 layers per graph execution (paper App. D: first "
            "layer × 61): MLA 128 heads, lightning indexer 64 heads × 128 fp8, top-{} of {} cached "
            "keys; first-layer dense MLP 18432; batch {}",
            k, L, B),
        "deepseek-v3.2-exp"};
}

Built build_seer(const WorkloadOptions& o, bool threshold) {
    const char* name = threshold ? "seer-threshold" : "seer-topk";
    const ModelConfig& m = pick_model(o.model, "qwen3-8b", name);
    const int64_t B = o.batch, N = o.tokens, L = N + 1;
    const double Bd = double(B);
    // SeerAttention-R (paper App. D): block 64, token budget 4096 (top-k), threshold 5e-4. The
    // AttnGate's hidden size is the head dim (sparse_attention.md §2.2).
    SeerGateShape gs{m.hq, m.hkv, m.head_dim, m.head_dim, 64, false, 1e-6f};
    SeerSelectParams sel;
    sel.mode = threshold ? SeerSelectMode::Threshold : SeerSelectMode::TokenBudget;
    sel.budget_blocks = 4096 / gs.block;
    sel.threshold = 5e-4f;
    const int64_t nb = (L + gs.block - 1) / gs.block;
    const int64_t width = seer_select_width(nb, sel);
    const double row = double(gs.hkv * gs.d_gate) * 2.0;  // bf16 k_comp row per block

    Builder b;
    LayerFront f = add_layer_front(b, m, B);
    int kv_append = b.add({"attn.kv_append",
                           "cache_append",
                           PipelineStep::Apply,
                           OpCost{0, Bd * 2 * m.hkv * m.head_dim * 4,
                                  Bd * 2 * m.hkv * m.head_dim * 2, AccessPattern::Regular},
                           {f.rope},
                           Bd * 2 * m.hkv * m.head_dim * 2});
    Builder::Node compress{"seer.compress",
                           "seer_compress",
                           PipelineStep::Prepare,
                           batched(seer_compress_cost(gs, 1), B),
                           {f.qkv},
                           Bd * row,
                           2.0 * double(gs.hkv * 3 * gs.d * gs.d_gate)};
    compress.period = int(gs.block);  // a block is pooled and projected when it completes
    int comp = b.add(std::move(compress));
    const double store = Bd * double(nb) * row;
    int scores = b.add({"seer.gate_scores",
                        "seer_gate_scores",
                        PipelineStep::Relevancy,
                        batched(seer_gate_scores_cost(gs, nb), B),
                        {f.qkv, comp},
                        Bd * double(gs.hkv * nb) * 4,
                        store});
    int select = b.add({"seer.select",
                        threshold ? "threshold_select" : "seer_select_blocks",
                        PipelineStep::Retrieval,
                        batched(seer_select_blocks_cost(gs.hkv, nb, sel), B),
                        {scores},
                        Bd * double(gs.hkv * width) * 4});
    fpga::seer::Shape shape{gs, nb, sel, B};
    // What the FPGA design hands back to the GPU: the token budget's block indices (int32), or,
    // in threshold mode, one bit per block and KV head in 128-bit words, as the authors'
    // threshold kernel writes it (HeteroLLM kernels/seerattention/indexer_seer_threshold.h:
    // gemm_pe → `ap_uint<128> bitmap` per 128 blocks → write_id; their toolchain's index type
    // ThresholdBitmapIndex), not a list of up to n_blocks indices.
    const double fused_out = threshold ? Bd * double(gs.hkv) * double((nb + 127) / 128) * 16.0
                                       : Bd * double(gs.hkv * width) * 4;
    b.fuse({scores, select}, {"seer.gate_select",
                              "seer_gate_select",
                              PipelineStep::Relevancy,
                              batched(seer_gate_select_cost(gs, nb, sel), B),
                              {},
                              fused_out,
                              store,
                              1,
                              Phase::Step,
                              std::any(fpga::DesignShape(shape))});
    // Apply: block-sparse attention over the selected blocks per KV head (budget 4096 + first and
    // last block). Threshold mode selects a data-dependent count; the token budget's count is
    // assumed for its Apply cost (the memory-processing comparison does not include Apply).
    const int64_t attended = std::min(L, (sel.budget_blocks + 2) * gs.block);
    int attn = b.add(
        {"attn.block_sparse",
         "block_sparse_attention",
         PipelineStep::Apply,
         batched(block_sparse_attention_cost(m.attention(L), attended, SelectionGroups::PerKvHead),
                 B),
         {select, f.rope, kv_append},
         Bd * double(m.hq * m.head_dim) * 4,
         Bd * double(L) * kv_bytes_per_token(m) / double(m.layers)});
    add_layer_back(b, m, B, attn);

    return Built{
        b.take(), "token", Bd / double(m.layers),
        fmt::format(
            "SeerAttention-R ({}) on {}, one of {} layers per graph execution: block 64, {}; {} "
            "blocks of {} cached tokens; batch {} (paper App. D)",
            threshold ? "threshold" : "top-k", m.name, m.layers,
            threshold ? "threshold 5e-4" : "token budget 4096", nb, L, B),
        m.name};
}

Built build_lserve(const WorkloadOptions& o) {
    const ModelConfig& m = pick_model(o.model, "llama-3.1-8b", "lserve");
    const int64_t B = o.batch, N = o.tokens, L = N + 1;
    const double Bd = double(B);
    // LServe defaults (sparse_attention.md §3.1, OMNI EngineArgs): logical page 16, physical page
    // 64, budget 4096, selector_update_interval 4, static_sparsity 0.5 (half the KV heads are
    // streaming heads: sink 128 + local 256).
    LservePageShape ps{m.hq, m.hkv, m.head_dim, 16, 64, 4096};
    constexpr int kInterval = 4;
    const int64_t active = m.hkv / 2;  // retrieval KV heads
    const int64_t q_heads = active * ps.group();
    const int64_t n_logical = lserve_logical_pages(N, ps);
    const double page_bytes = double(active) * 2.0 * double(ps.d) * 2.0;

    Builder b;
    LayerFront f = add_layer_front(b, m, B);
    int kv_append = b.add({"attn.kv_append",
                           "cache_append",
                           PipelineStep::Apply,
                           OpCost{0, Bd * 2 * m.hkv * m.head_dim * 4,
                                  Bd * 2 * m.hkv * m.head_dim * 2, AccessPattern::Regular},
                           {f.rope},
                           Bd * 2 * m.hkv * m.head_dim * 2});
    // Prepare: the new key merged into its logical page's min/max (retrieval heads). Its output is
    // the step's message to the page scorer: the updated page statistics and the retrieval heads'
    // query (f32), in one buffer as the authors' selector reads query and keys (HeteroLLM
    // kernels/lserve/indexer_lserve_long.h: indexer_top's qk_vec_mem), so a scorer on another
    // device receives one copy per selection.
    int stats = b.add({"lserve.page_stats",
                       "page_minmax",
                       PipelineStep::Prepare,
                       batched(page_minmax_update_cost(ps, active), B),
                       {f.rope},
                       Bd * (page_bytes + double(q_heads * m.head_dim) * 4)});
    const double store = Bd * double(n_logical) * page_bytes;
    Builder::Node sc{"lserve.page_scores",
                     "page_scores",
                     PipelineStep::Relevancy,
                     batched(page_scores_cost(n_logical, ps, active), B),
                     {stats},
                     Bd * double(q_heads) * double(lserve_pages(N, ps)) * 4,
                     store};
    sc.period = kInterval;
    int scores = b.add(std::move(sc));
    Builder::Node se{"lserve.page_select",
                     "page_select",
                     PipelineStep::Retrieval,
                     batched(page_select_cost(N, ps, active), B),
                     {scores},
                     Bd * double(q_heads * ps.width()) * 4};
    se.period = kInterval;
    int select = b.add(std::move(se));
    OpCost fused_cost = page_scores_cost(n_logical, ps, active);
    fused_cost += page_select_cost(N, ps, active);
    b.fuse({scores, select}, {"lserve.score_select",
                              "page_scores_select",
                              PipelineStep::Relevancy,
                              batched(fused_cost, B),
                              {},
                              Bd * double(q_heads * ps.width()) * 4,
                              store,
                              kInterval,
                              Phase::Step,
                              std::any(fpga::DesignShape(fpga::lserve::Shape{ps, N, active, B}))});
    // Apply: retrieval heads over their 64 pages (per query head), streaming heads over sink +
    // local tokens.
    AttentionShape retrieval{L, q_heads, active, m.head_dim, 0};
    int sparse = b.add({"attn.block_sparse",
                        "block_sparse_attention",
                        PipelineStep::Apply,
                        batched(block_sparse_attention_cost(retrieval, std::min(L, ps.budget),
                                                            SelectionGroups::PerQueryHead),
                                B),
                        {select, f.rope, kv_append},
                        Bd * double(q_heads * m.head_dim) * 4,
                        Bd * double(L) * kv_bytes_per_token(m) / double(m.layers)});
    int streaming =
        b.add({"attn.streaming",
               "streaming_attention",
               PipelineStep::Apply,
               batched(streaming_attention_cost(m.attention(L), 128, 256, m.hkv - active), B),
               {f.rope, sparse},
               Bd * double(m.hq * m.head_dim) * 4});
    add_layer_back(b, m, B, streaming);

    return Built{
        b.take(), "token", Bd / double(m.layers),
        fmt::format("LServe on {}, one of {} layers per graph execution: pages 16/64, budget 4096, "
                    "selection every 4 steps, {} of {} KV heads retrieval heads; {} cached tokens; "
                    "batch {}",
                    m.name, m.layers, active, m.hkv, N, B),
        m.name};
}

}  // namespace mempipe::workloads
