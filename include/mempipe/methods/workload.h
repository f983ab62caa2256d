// Paper-scale workloads: a method's decode step (or RAG request) as a cost-only graph.
//
// `make_workload` builds the graph of one unit of work of a method at the paper's model and memory
// sizes (paper §6.1, Appendix D) without allocating any state: every node carries its op, pipeline
// step, phase, period and cost signature (ops/cost.h), the bytes it hands to its consumers
// (output_bytes) and the persistent data it keeps where it runs (state_bytes), but no `run`
// closure. The memory steps are the catalogue's ops (mqa_relu_logits + top_k for DSA, block
// scores + top-k/threshold for SeerAttention-R, page scores + max-reduce + top-k for LServe,
// bm25 / inner product + top-k for RAG, cross-attention for memory-as-context, …) with their
// FPGA design shapes attached (OpNode::shape = fpga::DesignShape) and their fused
// relevancy+retrieval variants declared (Graph::add_fused); the rest of the model (projections,
// attention, MLP/MoE, norms) is represented by the catalogue's dense ops with their cost
// signatures, per layer × layers, so that end-to-end times can be modelled. Costs only: the
// executable recipes (methods/method.h) run the same ops on this CPU at small sizes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "mempipe/graph/graph.h"

namespace mempipe {

struct WorkloadOptions {
    std::string method;  // a name from workload_methods()
    int64_t tokens = 0;  // memory size N (context tokens, corpus documents…); 0 = paper default
    int batch = 1;       // concurrent requests sharing the weights
    std::string model;   // model config name; empty = the paper's model for this method
};

struct Workload {
    std::string method, model;
    int64_t tokens = 0;
    int batch = 1;
    Graph graph;              // cost-only (no run closures)
    std::string unit;         // what one graph execution produces: "token" or "request"
    double units = 1;         // units per graph execution (batch × tokens generated per step…)
    std::string description;  // model config and method settings, with the paper section
};

struct WorkloadInfo {
    std::string name;
    std::string description;
    int64_t default_tokens = 0;
    std::vector<int64_t> paper_tokens;  // the sizes the paper evaluates
};

std::vector<WorkloadInfo> workload_methods();
// Usage error naming the methods (or the models) when a name is unknown; sizes the method cannot
// take are usage errors that say the limit.
Workload make_workload(const WorkloadOptions& options);

}  // namespace mempipe
