// The paper-scale workloads of Table 1 (methods/workload.h): names, sizes, dispatch.
#include <fmt/format.h>

#include <functional>

#include "mempipe/core/error.h"
#include "mempipe/methods/workload.h"
#include "workload_common.h"

namespace mempipe {

namespace {

// Sizes the paper evaluates (§3.2 Fig. 3: sparse attention from 4K to 1M cached tokens; Fig. 4: RAG
// from 500K to 20M documents of the 21,015,324-passage DPR Wikipedia, rag.md §3.1; memory-as-
// context and MemAgent over input lengths, Figs. 11–12, whose exact points the text does not give:
// powers of four spanning HMT's and MemAgent's long-input regimes are used).
const std::vector<int64_t> kSparseSizes = {4096, 16384, 65536, 131072, 262144, 524288, 1048576};
const std::vector<int64_t> kRagSizes = {500000, 1000000, 2000000, 5000000, 10000000, 21015324};
const std::vector<int64_t> kMacSizes = {16384, 65536, 262144, 1048576};
const std::vector<int64_t> kMemAgentSizes = {32768, 131072, 524288, 1048576};
const std::vector<int64_t> kLactSizes = {4096, 32768, 131072};

constexpr int64_t kMaxTokens = int64_t(1) << 28;  // 256M: far beyond every paper size
constexpr int kMaxBatch = 64;

struct Entry {
    WorkloadInfo info;
    std::function<workloads::Built(const WorkloadOptions&)> build;
};

const std::vector<Entry>& entries() {
    using namespace workloads;
    static const std::vector<Entry> k = {
        {{"dsa", "DeepSeek Sparse Attention (DeepSeek-V3.2-Exp, top-2048 of the lightning indexer)",
          131072, kSparseSizes},
         build_dsa},
        {{"seer-topk", "SeerAttention-R, token budget 4096 (Qwen3-8B, block 64)", 131072,
          kSparseSizes},
         [](const WorkloadOptions& o) { return build_seer(o, false); }},
        {{"seer-threshold", "SeerAttention-R, threshold 5e-4 (Qwen3-8B, block 64)", 131072,
          kSparseSizes},
         [](const WorkloadOptions& o) { return build_seer(o, true); }},
        {{"lserve", "LServe (Llama-3.1-8B, pages 16/64, budget 4096, half retrieval heads)", 131072,
          kSparseSizes},
         build_lserve},
        {{"fs-rag", "fixed-sentence RAG (BM25, Llama-2-7B, 64 documents)", 21015324, kRagSizes},
         build_single_stage_rag},
        {{"flare", "FLARE (BM25, Llama-2-7B, 64 documents)", 21015324, kRagSizes},
         build_single_stage_rag},
        {{"dragin", "DRAGIN (BM25, Llama-2-7B, 64 documents)", 21015324, kRagSizes},
         build_single_stage_rag},
        {{"two-stage-rag",
          "two-stage hybrid RAG with reranker (bge-large + BM25 → 64, bge-reranker → 10, "
          "Llama-3.1-8B)",
          2000000, kRagSizes},
         build_two_stage_rag},
        {{"hmt", "memory as context (HMT / Titans-style recall, Llama-2-7B, 1024-token segments)",
          65536, kMacSizes},
         build_hmt},
        {{"memagent", "MemAgent (Qwen2.5-7B, 5000-token chunks, 1024-token memory)", 131072,
          kMemAgentSizes},
         build_memagent},
        {{"lact", "LaCT test-time training (760M; profiled only, as in the paper)", 32768,
          kLactSizes},
         build_lact},
    };
    return k;
}

std::string known_methods() {
    std::string s;
    for (const Entry& e : entries()) s += (s.empty() ? "" : ", ") + e.info.name;
    return s;
}

}  // namespace

std::vector<WorkloadInfo> workload_methods() {
    std::vector<WorkloadInfo> out;
    for (const Entry& e : entries()) out.push_back(e.info);
    return out;
}

Workload make_workload(const WorkloadOptions& options) {
    const Entry* entry = nullptr;
    for (const Entry& e : entries())
        if (e.info.name == options.method) entry = &e;
    if (!entry)
        usage_error("unknown workload method '{}'; known methods: {}", options.method,
                    known_methods());
    WorkloadOptions o = options;
    if (o.tokens == 0) o.tokens = entry->info.default_tokens;
    MEMPIPE_CHECK_ARG(o.tokens > 0 && o.tokens <= kMaxTokens,
                      "{}: tokens (memory size) must be in [1, {}], got {}", o.method, kMaxTokens,
                      o.tokens);
    MEMPIPE_CHECK_ARG(o.batch >= 1 && o.batch <= kMaxBatch, "{}: batch must be in [1, {}], got {}",
                      o.method, kMaxBatch, o.batch);
    workloads::Built b = entry->build(o);
    Workload w;
    w.method = o.method;
    w.model = b.model;
    w.tokens = o.tokens;
    w.batch = o.batch;
    w.graph = std::move(b.graph);
    w.unit = b.unit;
    w.units = b.units;
    w.description = b.description;
    return w;
}

}  // namespace mempipe
