#include <algorithm>
#include <functional>

#include "lact.h"
#include "memory_methods.h"
#include "mempipe/core/error.h"
#include "mempipe/methods/method.h"
#include "recipes.h"

namespace mempipe {

namespace {
struct Entry {
    const char* name;
    const char* description;
    std::function<std::unique_ptr<Method>()> make;
};

const std::vector<Entry>& entries() {
    static const std::vector<Entry> e = {
        {"dsa",
         "DeepSeek Sparse Attention on a DeepSeek-V3.2 layer: lightning indexer (64 heads × 128, "
         "fp8) + top-2048 + sparse MLA",
         [] { return make_dsa_method(); }},
        {"dense-mla", "baseline: dense MLA decode on the same DeepSeek-V3.2 layer (no indexer)",
         [] { return make_dense_mla_method(); }},
        {"seer-attention-r",
         "SeerAttention-R on Qwen3-8B (32 q / 8 KV heads): AttnGate, token budget 4096 (64 blocks "
         "of 64)",
         [] { return make_seer_method(SeerSelection::TokenBudget); }},
        {"seer-attention-r-threshold",
         "SeerAttention-R on Qwen3-8B: AttnGate with threshold selection",
         [] { return make_seer_method(SeerSelection::Threshold); }},
        {"lserve",
         "LServe on Llama-3.1-8B (32/8 heads): page 64/16 min-max scores, budget 4096, streaming "
         "heads",
         [] { return make_lserve_method(); }},
        {"dense-qwen3-8b",
         "baseline: dense GQA decode attention, Qwen3-8B shapes (32/8 heads, d 128)",
         [] { return make_dense_gqa_method(GqaModel::Qwen3_8B); }},
        {"dense-llama-3.1-8b",
         "baseline: dense GQA decode attention, Llama-3.1-8B shapes (32/8 heads, d 128)",
         [] { return make_dense_gqa_method(GqaModel::Llama31_8B); }},
        {"fs-rag",
         "fixed-sentence RAG: BM25 top-3 per generated sentence over a synthetic corpus "
         "(--tokens = corpus documents)",
         [] { return make_rag_method(RagKind::FsRag); }},
        {"flare",
         "FLARE (DRAGIN's variant): BM25 top-3 with the sentence minus low-confidence tokens "
         "(--tokens = corpus documents)",
         [] { return make_rag_method(RagKind::Flare); }},
        {"dragin", "DRAGIN: BM25 top-3 with 25 QFS keywords (--tokens = corpus documents)",
         [] { return make_rag_method(RagKind::Dragin); }},
        {"two-stage-rag",
         "two-stage hybrid RAG: BM25 + dense (1024-d) top-64 → RRF → 64 candidates; with the "
         "whole model the bge-reranker-large cross-encoder picks 10 (--tokens = corpus documents)",
         [] { return make_rag_method(RagKind::TwoStage); }},
        {"lact",
         "LaCT test-time training: SwiGLU fast weights (4 heads × 384), apply-then-update per "
         "2048-token chunk with momentum and Muon; one step = one chunk of one layer (no "
         "Retrieval step, as the paper's Table 1)",
         [] { return make_lact_method(); }},
        {"hmt",
         "HMT memory as context on Llama-2-7B: per 1024-token segment a summary pass over half "
         "the segment, cross-attention recall over ≤ 100 cached memories, the augmented segment; "
         "one step = one request (--tokens = input length)",
         [] { return make_hmt_method(); }},
        {"memory-as-context",
         "HMT with the query from a linear projection of the segment instead of the summary "
         "pass (the paper's Titans-style replication, App. D); one step = one request",
         [] {
             HmtRecipe r;
             r.name = "memory-as-context";
             r.summary_pass = false;
             return make_hmt_method(r);
         }},
        {"titans-mac",
         "Titans memory as context on Llama-2-7B with its neural memory (an MLP trained per "
         "1024-token segment: MSE gradient, momentum, forget gate): q = S·W_Q reads it, the "
         "retrieved rows precede the segment, the updated memory gates the output; one step = "
         "one request (--tokens = input length)",
         [] { return make_titans_method(); }},
        {"memagent",
         "MemAgent on Qwen2.5-7B: 5000-token chunks, the memory (≤ 1024 tokens) rewritten per "
         "chunk, a final answer pass; one step = one request (--tokens = input length)",
         [] { return make_memagent_method(); }},
    };
    return e;
}
}  // namespace

std::vector<MethodInfo> list_methods() {
    std::vector<MethodInfo> out;
    for (const auto& e : entries()) out.push_back({e.name, e.description});
    return out;
}

std::unique_ptr<Method> make_method(std::string_view name) {
    for (const auto& e : entries())
        if (name == e.name) return e.make();
    std::string known;
    for (const auto& e : entries()) known += std::string(known.empty() ? "" : ", ") + e.name;
    usage_error("unknown method '{}'; known methods: {} (see `mempipe methods`)", name, known);
}

}  // namespace mempipe
