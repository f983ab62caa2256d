// Factories of the compressed-contextual-memory recipes: HMT / Titans-style memory as context
// (hmt.cpp), Titans MAC with its neural memory (titans.cpp) and MemAgent (memagent.cpp). One step
// graph = one request over `MethodOptions::tokens` input tokens (the memory size of the paper's
// Fig. 5), one backbone layer measured and scaled by the layer count × segments (chunks) through
// ModelPass::times (model_rest.h).
#pragma once

#include <cstdint>
#include <memory>

#include "mempipe/graph/graph.h"
#include "mempipe/methods/method.h"

namespace mempipe {

// HMT at the paper's settings (App. D: segment 1024, 32 generated tokens) on Llama-2-7B, as
// src/methods/workloads/compressed_memory.cpp models it; small values are for tests.
struct HmtRecipe {
    const char* name = "hmt";
    const char* model = "llama-2-7b";  // model/config.h name
    int64_t segment = 1024;            // L (App. D)
    int64_t sensory = 32;              // k (every HMT script)
    int64_t entries = 100;   // N: --mem_recall_context default (memory_fpga.md §A1; the workload)
    int64_t generated = 32;  // App. D: output length 32
    // true: HMT's summary pass (a backbone forward over half the segment) makes the query.
    // false: the paper's replication of Titans (App. D: "update the summarization step into a
    // linear projection"; Fig. 11: "a linear projection on the current segment for query
    // generation"): q = the mean over the first j token embeddings x of x·Wqᵀ, no summary pass
    // (our reading of those sentences; the code is not public).
    bool summary_pass = true;
};
std::unique_ptr<Method> make_hmt_method(const HmtRecipe& recipe = HmtRecipe{});

// Titans "memory as context" (MAC) with its neural long-term memory (memory_fpga.md §A1; arXiv
// 2501.00663 §4.1; ops/neural_memory.h) on the backbone HMT uses, at App. D's segment and output
// lengths: the variant the paper did not run (it replicated Titans with HMT's recall: the
// `memory-as-context` method). titans.cpp.
struct TitansRecipe {
    const char* name = "titans-mac";
    const char* model = "llama-2-7b";
    int64_t segment = 1024;  // C (App. D)
    int64_t persistent = 4;  // N_p: titans-pytorch train_mac.py num_persist_mem_tokens
    double expansion = 2.0;  // dh = expansion · d: titans-pytorch MemoryMLP's default
    int64_t generated = 32;  // App. D: output length 32
};
std::unique_ptr<Method> make_titans_method(const TitansRecipe& recipe = TitansRecipe{});

// MemAgent at the released defaults on Qwen2.5-7B (memory_fpga.md §A2, App. D).
struct MemAgentRecipe {
    const char* name = "memagent";
    const char* model = "qwen2.5-7b";
    int64_t chunk = 5000;           // RECURRENT_CHUNK_SIZE
    int64_t memory_tokens = 1024;   // RECURRENT_MAX_NEW: the memory rewrite, at its cap
    int64_t prompt_overhead = 200;  // template (~150) + problem (~50): the workload's value
    int64_t answer_tokens = 32;     // App. D: output length 32
};
std::unique_ptr<Method> make_memagent_method(const MemAgentRecipe& recipe = MemAgentRecipe{});

// Bytes the memory-step nodes (all but Model) of a step graph read per step besides weights
// (bytes_read − bytes_shared, amortised): the recipes' StepResult::memory_bytes_read.
inline double memory_steps_bytes(const Graph& g) {
    double b = 0;
    for (const OpNode& n : g.nodes())
        if (n.phase == Phase::Step && n.step != PipelineStep::Model)
            b += (n.cost.bytes_read - n.cost.bytes_shared) * n.per_step();
    return b;
}

}  // namespace mempipe
