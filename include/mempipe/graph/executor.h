// Runs a graph's nodes of one phase on a device and records per-node wall time.
#pragma once

#include <vector>

#include "mempipe/devices/device.h"
#include "mempipe/graph/graph.h"

namespace mempipe {

struct ExecutionReport {
    std::vector<double> node_seconds;  // [graph.size()]: median over repeats; 0 for nodes not run
    double total_seconds = 0;          // sum of amortised node times (seconds · repeat / period)
    double step_seconds(const Graph& g, PipelineStep step) const;  // amortised
};

// Runs every node of `phase` in order, `repeats` times (≥ 1); each node's time is the median over
// the repeats. Period-p nodes run every time (to be measured) and are amortised (÷ p) in the
// totals.
ExecutionReport execute(const Graph& graph, Phase phase, Device& device, int repeats = 1);

}  // namespace mempipe
