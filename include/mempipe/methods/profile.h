// Profiling a method: run its decode-step graph on the CPU and break the time down by pipeline
// step.
//
// `profile_method` sets a method up for one memory size, runs its step graph (after a warm-up) and
// reports per-node and per-step times (medians over repeats; period-p nodes amortised ÷ p), cost
// signatures and arithmetic intensity — the data of the paper's Fig. 3 breakdown for the memory
// steps.
#pragma once

#include <string>
#include <vector>

#include "mempipe/core/io.h"
#include "mempipe/methods/method.h"

namespace mempipe {

struct NodeProfile {
    std::string name, op;
    PipelineStep step;
    Phase phase;
    int period = 1;
    double repeat = 1;             // executions per step it stands for (layers; see OpNode)
    double seconds = 0;            // median per execution
    double amortised_seconds = 0;  // seconds · repeat / period
    OpCost cost;
};

struct StepBreakdown {
    PipelineStep step;
    double seconds = 0;  // amortised
    OpCost cost;         // amortised
};

struct MethodProfile {
    std::string method, description, backend;
    int64_t tokens = 0;
    int batch = 1;
    int threads = 1;
    double setup_seconds = 0;
    double step_seconds = 0;  // amortised total of one decode step
    std::vector<NodeProfile> nodes;
    std::vector<StepBreakdown>
        steps;  // Prepare, Relevancy, Retrieval, Apply, Model (those present)
    int64_t tokens_selected = 0;
    double memory_bytes_read = 0;

    // Seconds per step of the four memory-processing steps (all but Model).
    double memory_seconds() const;
    // memory_seconds / step_seconds: the paper's memory-processing share (Figs. 3–5) when the
    // graph holds the rest of the model (a Model step); 0 when step_seconds is 0.
    double memory_fraction() const;
    bool has_model_step() const;
    // The largest node repeat (> 1: per-layer nodes ran once and were scaled by the layer count).
    double max_repeat() const;
};

MethodProfile profile_method(Method& method, const MethodOptions& options, int repeats);

Json profile_to_json(const MethodProfile& p);
// One method at one size: per-node table and per-step summary.
std::string profile_to_markdown(const MethodProfile& p);
// Several sizes of one method: the Fig. 3-style breakdown (rows = sizes, columns = steps, % of
// step).
std::string profiles_breakdown_markdown(const std::vector<MethodProfile>& ps);

}  // namespace mempipe
