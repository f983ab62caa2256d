#include "mempipe/graph/graph.h"

#include <cmath>

#include "mempipe/core/error.h"

namespace mempipe {

std::string_view pipeline_step_name(PipelineStep s) {
    switch (s) {
        case PipelineStep::Prepare:
            return "prepare";
        case PipelineStep::Relevancy:
            return "relevancy";
        case PipelineStep::Retrieval:
            return "retrieval";
        case PipelineStep::Apply:
            return "apply";
        case PipelineStep::Model:
            return "model";
    }
    return "?";
}

std::string_view phase_name(Phase p) {
    return p == Phase::Setup ? "setup" : "step";
}

int Graph::add(OpNode node) {
    for (int in : node.inputs)
        MEMPIPE_CHECK_ARG(in >= 0 && size_t(in) < nodes_.size(),
                          "graph node '{}' reads node {} which is not in the graph yet", node.name,
                          in);
    MEMPIPE_CHECK_ARG(node.period >= 1, "graph node '{}' has period {} (must be ≥ 1)", node.name,
                      node.period);
    MEMPIPE_CHECK_ARG(node.repeat > 0 && std::isfinite(node.repeat),
                      "graph node '{}' has repeat {} (must be finite and > 0)", node.name,
                      node.repeat);
    for (const auto& n : nodes_)
        MEMPIPE_CHECK_ARG(n.name != node.name, "graph already has a node named '{}'", node.name);
    nodes_.push_back(std::move(node));
    return int(nodes_.size() - 1);
}

void Graph::add_fused(FusedVariant variant) {
    MEMPIPE_CHECK_ARG(variant.nodes.size() >= 2, "fused variant '{}' must cover ≥ 2 nodes",
                      variant.fused.name);
    for (size_t i = 0; i < variant.nodes.size(); ++i) {
        const int n = variant.nodes[i];
        MEMPIPE_CHECK_ARG(n >= 0 && size_t(n) < nodes_.size(),
                          "fused variant '{}' names node {} which is not in the graph",
                          variant.fused.name, n);
        MEMPIPE_CHECK_ARG(i == 0 || n > variant.nodes[i - 1],
                          "fused variant '{}' must list its nodes in graph order",
                          variant.fused.name);
    }
    fused_.push_back(std::move(variant));
}

OpCost Graph::amortised_cost(Phase phase) const {
    OpCost total;
    for (const auto& n : nodes_)
        if (n.phase == phase) total += repeated(n.cost, n.per_step());
    return total;
}

OpCost Graph::amortised_cost(Phase phase, PipelineStep step) const {
    OpCost total;
    for (const auto& n : nodes_)
        if (n.phase == phase && n.step == step) total += repeated(n.cost, n.per_step());
    return total;
}

}  // namespace mempipe
