// A method's per-decode-step work as a small DAG of op nodes.
//
// Each node is one op of the catalogue bound to its inputs and outputs (a closure over the method's
// state), tagged with the memory-pipeline step it belongs to (Prepare → Relevancy → Retrieval →
// Apply, or Model for the rest of the layer) and its phase (`Setup`: once per memory, e.g. building
// the caches; `Step`: every decode step). Nodes are stored in a valid execution order (each node's
// inputs come before it). `period` > 1 marks work done once every `period` decode steps (LServe
// re-selects pages every 4 steps, SeerAttention-R compresses a block every 64 tokens); reports
// amortise it.
#pragma once

#include <any>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "mempipe/ops/cost.h"

namespace mempipe {

enum class PipelineStep { Prepare, Relevancy, Retrieval, Apply, Model };
enum class Phase { Setup, Step };

std::string_view pipeline_step_name(PipelineStep s);
std::string_view phase_name(Phase p);
inline constexpr PipelineStep kAllPipelineSteps[] = {PipelineStep::Prepare, PipelineStep::Relevancy,
                                                     PipelineStep::Retrieval, PipelineStep::Apply,
                                                     PipelineStep::Model};

struct OpNode {
    std::string name;  // unique within the graph, e.g. "indexer.k_proj"
    std::string op;    // catalogue op, e.g. "linear", "mqa_relu_logits", "top_k"
    PipelineStep step = PipelineStep::Model;
    Phase phase = Phase::Step;
    int period = 1;  // runs once every `period` decode steps
    // Times one decode step does this node's work: a graph that holds one of a model's L layers
    // marks its per-layer nodes with L (the executor runs the node once; times and costs per step
    // are multiplied by repeat / period).
    double repeat = 1.0;
    double per_step() const { return repeat / double(period); }
    OpCost cost;                // per execution
    std::vector<int> inputs;    // indices of nodes this node reads from
    std::function<void()> run;  // executes the op on the host CPU (empty in cost-only graphs)

    // For placement (planner/planner.h); 0 / empty when unknown.
    double output_bytes = 0;  // bytes of the output its consumers read: what a cross-device
                              // edge copies
    double state_bytes = 0;   // persistent data the op keeps where it runs between executions
                              // (index keys, a KV cache, a BM25 index): held against capacity
    std::any shape;  // a device-specific shape (e.g. fpga::DesignShape) for devices that cost
                     // ops from their shapes rather than from `cost` alone
};

// A fused implementation of several consecutive nodes (e.g. relevancy + retrieval as one
// streaming op) that some devices offer: a device that supports `fused` may run all of `nodes` as
// that one op; its output is the last node's.
struct FusedVariant {
    std::vector<int> nodes;  // indices, in graph order
    OpNode fused;            // name, op, cost, state_bytes, shape of the fused op
};

class Graph {
  public:
    // Appends a node; its inputs must already be in the graph. Returns its index.
    int add(OpNode node);
    // Declares a fused variant of existing nodes (consecutive in a chain).
    void add_fused(FusedVariant variant);
    const std::vector<FusedVariant>& fused() const { return fused_; }
    const std::vector<OpNode>& nodes() const { return nodes_; }
    const OpNode& node(int i) const { return nodes_.at(size_t(i)); }
    size_t size() const { return nodes_.size(); }
    // Sum of costs of nodes of `phase`, amortised (cost · repeat / period).
    OpCost amortised_cost(Phase phase) const;
    OpCost amortised_cost(Phase phase, PipelineStep step) const;

  private:
    std::vector<OpNode> nodes_;
    std::vector<FusedVariant> fused_;
};

}  // namespace mempipe
