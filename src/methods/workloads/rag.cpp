// RAG workloads at the paper's settings (App. D): single-stage BM25 RAG (FS-RAG, FLARE, DRAGIN;
// Llama-2-7B, 64 documents, 32 generated tokens, the DPR Wikipedia corpus) and two-stage hybrid
// RAG with a reranker (RAG-EDA: bge-large-en-v1.5 + BM25 → 64, bge-reranker-large → 10, Llama-3.1-
// 8B). A request = its retrievals, the prompt's prefill with the retrieved documents and 32
// generated tokens; the graph holds one layer of each model op, with periods that give every node
// its count per request (see each builder). The index build (Prepare) is a one-time setup the
// paper amortises (§5.2); the index is the retrieval nodes' state.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "mempipe/core/error.h"
#include "mempipe/devices/fpga/fpga_device.h"
#include "mempipe/ops/bm25.h"
#include "mempipe/ops/dense_retrieval.h"
#include "mempipe/ops/fusion.h"
#include "mempipe/ops/top_k.h"
#include "workload_common.h"

namespace mempipe::workloads {

namespace {

constexpr int64_t kDocsRetrieved = 64;   // App. D: "retrieve 64 documents"
constexpr int64_t kGenerated = 32;       // App. D: "the maximum token generated is 32"
constexpr int64_t kPassageTokens = 128;  // a 100-word DPR passage (psgs_w100, rag.md §3.1) in
                                         // Llama tokens (≈ 1.3 tokens per English word)

struct SingleStage {
    const char* name;
    int retrievals;  // per request
    int query_words;
    const char* why;
};

// rag.md §3.3–3.4 (DRAGIN's code): FS-RAG retrieves with the question and then once per
// generated sentence — 32 tokens are about two sentences; FLARE and DRAGIN retrieve when their
// trigger fires — once per request is assumed. Queries: FS-RAG / FLARE a sentence (≈ 8 content
// words after stop words), DRAGIN the top 25 content words (retrieve_keep_top_k, 2Wiki).
constexpr SingleStage kSingle[] = {
    {"fs-rag", 2, 8, "question + one sentence boundary in 32 tokens"},
    {"flare", 1, 8, "one triggered retrieval per request (assumed)"},
    {"dragin", 1, 25, "one triggered retrieval per request (assumed); 25-word QFS query"},
};

// The BM25 retrieval of `queries` requests: scores (relevancy) then top-64 (retrieval), with the
// fused streaming variant of the FPGA (rag_designs.h). Returns the top-k node.
int add_bm25(Builder& b, const char* prefix, int64_t docs, int64_t postings, int64_t queries,
             std::vector<int> inputs, int period) {
    const double q = double(queries);
    // The index: (doc, impact) postings of 8 B (docs/rag.md) plus the per-doc accumulator.
    const double index = double(docs) * bm25_terms_per_doc() * 8.0 + double(docs) * 4.0;
    int scores = b.add({fmt::format("{}.bm25_scores", prefix), "bm25_scores",
                        PipelineStep::Relevancy, repeated(bm25_scores_cost(docs, postings), q),
                        inputs, q * double(docs) * 4.0, index, period});
    int top = b.add({fmt::format("{}.bm25_top_k", prefix),
                     "top_k",
                     PipelineStep::Retrieval,
                     repeated(top_k_cost(docs, kDocsRetrieved), q),
                     {scores},
                     q * double(kDocsRetrieved) * 4.0,
                     0,
                     period});
    // The FPGA's BM25 is the authors' forward-index scan (rag_designs.h): its rows per 64-passage
    // batch come from the corpus model.
    const fpga::bm25::Shape shape{docs, postings, kDocsRetrieved, queries,
                                  bm25_batch_rows(fpga::bm25::kBm25BatchDocs)};
    b.fuse({scores, top}, {fmt::format("{}.bm25_fused", prefix),
                           "bm25_top_k",
                           PipelineStep::Relevancy,
                           repeated(bm25_top_k_cost(docs, postings, kDocsRetrieved), q),
                           {},
                           q * double(kDocsRetrieved) * 4.0,
                           index,
                           period,
                           Phase::Step,
                           std::any(fpga::DesignShape(shape))});
    return top;
}

}  // namespace

// A graph execution ("tick") is one decoder layer of one generated token; a request is R × 32 × L
// ticks (R retrievals, 32 tokens, L layers), so each node runs with the period that gives it its
// count per request: retrieval once per 32·L ticks (R per request), a prefill layer every 32 (R·L
// per request), a decode layer every R (32·L), the LM head every R·L (32 tokens).
Built build_single_stage_rag(const WorkloadOptions& o) {
    const SingleStage* cfg = nullptr;
    for (const SingleStage& s : kSingle)
        if (o.method == s.name) cfg = &s;
    MEMPIPE_CHECK_ARG(cfg, "not a single-stage RAG method: '{}'", o.method);
    const ModelConfig& m = pick_model(o.model, "llama-2-7b", cfg->name);
    const int64_t B = o.batch, docs = o.tokens, L = m.layers, R = cfg->retrievals;
    const double Bd = double(B);
    const int64_t postings = int64_t(std::llround(bm25_expected_postings(docs, cfg->query_words)));
    // The prompt: few-shot demos + 64 passages + question exceed Llama-2's 4096-token window; it is
    // filled to the window less the tokens to generate (DRAGIN truncates the same way).
    const int64_t prompt = std::min<int64_t>(4096 - kGenerated, kDocsRetrieved * kPassageTokens);
    const double layer_w = (m.weight_bytes() - 4.0 * double(m.vocab * m.d)) / double(L);

    Builder b;
    int top = add_bm25(b, "rag", docs, postings, B, {}, int(kGenerated * L));
    int next = top;
    if (o.method == "dragin") {
        // RIND + QFS: DRAGIN's extra forward pass over question and generated text (last-layer
        // attention, rag.md §3.3): ≈ 128 tokens, no LM head.
        next = b.add({"dragin.rind_qfs",
                      "prefill",
                      PipelineStep::Model,
                      prefill_layer_cost(m, 128, 0, B),
                      {top},
                      Bd * 128 * m.d * 4.0,
                      layer_w,
                      int(kGenerated)});
    }
    int pre = b.add({"model.prefill",
                     "prefill",
                     PipelineStep::Model,
                     prefill_layer_cost(m, prompt, 0, B),
                     {next},
                     Bd * double(prompt) * kv_bytes_per_token(m) / double(L),
                     layer_w,
                     int(kGenerated)});
    add_generation_tail(b, m, prompt + kGenerated / 2, B, pre, layer_w, int(R), int(R * L));

    return Built{
        b.take(), "request", Bd / double(R * kGenerated * L),
        fmt::format(
            "{} on {} (paper App. D): BM25 top-{} of {} passages ({} expected postings for a "
            "{}-word query; {:.1f} distinct terms per passage, {:.0f} forward-index rows per "
            "{}-passage batch of the FPGA scan), {} retrieval(s) per request ({}), {}-token "
            "prompt, {} generated tokens; batch {}; one decoder layer of one generated token per "
            "graph execution",
            cfg->name, m.name, kDocsRetrieved, docs, postings, cfg->query_words,
            bm25_terms_per_doc(), bm25_batch_rows(fpga::bm25::kBm25BatchDocs),
            fpga::bm25::kBm25BatchDocs, R, cfg->why, prompt, kGenerated, B),
        m.name};
}

// Ticks: one generator layer of one generated token of one reranker-layer share: a request is
// 32 × L × Lr ticks (L generator layers, Lr = 24 reranker layers), so stage 1 runs every 32·L·Lr,
// a reranker layer every 32·L (Lr per request), a generator prefill layer every 32·Lr (L), a
// decode layer every Lr (32·L) and the LM head every L·Lr (32).
Built build_two_stage_rag(const WorkloadOptions& o) {
    const ModelConfig& m = pick_model(o.model, "llama-3.1-8b", "two-stage-rag");
    const ModelConfig& embed = model_config("bge-large-en-v1.5");
    const ModelConfig& rerank = model_config("bge-reranker-large");
    const int64_t B = o.batch, docs = o.tokens, L = m.layers, Lr = rerank.layers;
    const double Bd = double(B);
    constexpr int64_t kQueryTokens = 32;    // a question (rag.md §3.4: queries of 15–64 tokens)
    constexpr int64_t kFinalDocs = 10;      // App. D: "the second stage select 10 documents"
    constexpr int64_t kRerankTokens = 512;  // rag.md §4: cross-encoder pairs, max 512 tokens
    constexpr int64_t kQueryWords = 8;      // content words of a question
    const int64_t dim = embed.d;            // 1024 (rag.md §4)
    const DType key_type = DType::BF16;     // bf16 keys (fp32 keys of 21M passages: 86 GB)
    const int64_t postings = int64_t(std::llround(bm25_expected_postings(docs, kQueryWords)));
    const int stage1 = int(kGenerated * L * Lr);
    const double layer_w = (m.weight_bytes() - 4.0 * double(m.vocab * m.d)) / double(L);
    const double rerank_w =
        (rerank.weight_bytes() - 4.0 * double(rerank.vocab * rerank.d)) / double(Lr);

    Builder b;
    // Stage 1: the query embedding (bge-large-en-v1.5 over the question), dense inner product +
    // top-64 over the corpus embeddings, BM25 top-64, RRF fusion to 64.
    OpCost q_cost = repeated(prefill_layer_cost(embed, kQueryTokens, 0, B), double(embed.layers));
    int q = b.add({"rag.embed_query",
                   "prefill",
                   PipelineStep::Relevancy,
                   q_cost,
                   {},
                   Bd * double(dim) * 4.0,
                   embed.weight_bytes(),
                   stage1});
    const double keys = double(docs) * double(dim) * 2.0;
    int ds = b.add({"rag.dense_scores",
                    "dense_scores",
                    PipelineStep::Relevancy,
                    dense_scores_cost(B, docs, dim, key_type),
                    {q},
                    Bd * double(docs) * 4.0,
                    keys,
                    stage1});
    int dt = b.add({"rag.dense_top_k",
                    "top_k",
                    PipelineStep::Retrieval,
                    repeated(top_k_cost(docs, kDocsRetrieved), Bd),
                    {ds},
                    Bd * double(kDocsRetrieved) * 4.0,
                    0,
                    stage1});
    b.fuse(
        {ds, dt},
        {"rag.dense_fused",
         "dense_top_k",
         PipelineStep::Relevancy,
         dense_top_k_cost(B, docs, dim, key_type, kDocsRetrieved),
         {},
         Bd * double(kDocsRetrieved) * 4.0,
         keys,
         stage1,
         Phase::Step,
         std::any(fpga::DesignShape(fpga::dense::Shape{B, docs, dim, key_type, kDocsRetrieved}))});
    int bt = add_bm25(b, "rag", docs, postings, B, {}, stage1);
    int fuse = b.add({"rag.fuse",
                      "fuse_rrf",
                      PipelineStep::Retrieval,
                      repeated(fuse_rrf_cost(2 * kDocsRetrieved, kDocsRetrieved), Bd),
                      {dt, bt},
                      Bd * double(kDocsRetrieved) * 4.0,
                      0,
                      stage1});
    // Stage 2: the cross-encoder over 64 (query, passage) pairs (one of its 24 layers per
    // execution), then the top 10.
    int rr = b.add({"rag.rerank",
                    "prefill",
                    PipelineStep::Relevancy,
                    prefill_layer_cost(rerank, kRerankTokens, 0, B * kDocsRetrieved),
                    {fuse},
                    Bd * double(kDocsRetrieved * kRerankTokens * rerank.d) * 4.0,
                    rerank_w,
                    int(kGenerated * L)});
    int rt = b.add({"rag.rerank_top_k",
                    "top_k",
                    PipelineStep::Retrieval,
                    repeated(top_k_cost(kDocsRetrieved, kFinalDocs), Bd),
                    {rr},
                    Bd * double(kFinalDocs) * 4.0,
                    0,
                    stage1});
    const int64_t prompt = kQueryTokens + kFinalDocs * kPassageTokens;
    int pre = b.add({"model.prefill",
                     "prefill",
                     PipelineStep::Model,
                     prefill_layer_cost(m, prompt, 0, B),
                     {rt},
                     Bd * double(prompt) * kv_bytes_per_token(m) / double(L),
                     layer_w,
                     int(kGenerated * Lr)});
    add_generation_tail(b, m, prompt + kGenerated / 2, B, pre, layer_w, int(Lr), int(L * Lr));

    return Built{
        b.take(), "request", Bd / double(stage1),
        fmt::format(
            "two-stage RAG (RAG-EDA, paper App. D) on {}: bge-large-en-v1.5 query embedding, dense "
            "(bf16, d {}) and BM25 top-{} of {} passages fused by RRF, bge-reranker-large over {} "
            "× {} tokens → top {}, {}-token prompt, {} generated tokens; batch {}",
            m.name, dim, kDocsRetrieved, docs, kDocsRetrieved, kRerankTokens, kFinalDocs, prompt,
            kGenerated, B),
        m.name};
}

}  // namespace mempipe::workloads
