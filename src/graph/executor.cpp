#include "mempipe/graph/executor.h"

#include "mempipe/core/error.h"
#include "mempipe/core/timer.h"

namespace mempipe {

double ExecutionReport::step_seconds(const Graph& g, PipelineStep step) const {
    double s = 0;
    for (size_t i = 0; i < g.size(); ++i)
        if (g.node(int(i)).step == step) s += node_seconds[i] * g.node(int(i)).per_step();
    return s;
}

ExecutionReport execute(const Graph& graph, Phase phase, Device& device, int repeats) {
    MEMPIPE_CHECK_ARG(repeats >= 1, "repeats must be ≥ 1, got {}", repeats);
    std::vector<std::vector<double>> samples(graph.size());
    for (int r = 0; r < repeats; ++r) {
        for (size_t i = 0; i < graph.size(); ++i) {
            const OpNode& n = graph.node(int(i));
            if (n.phase != phase) continue;
            if (!device.supports(n))
                runtime_error("device {} cannot run node '{}' ({})", device.info().name, n.name,
                              n.op);
            Timer t;
            device.run(n);
            samples[i].push_back(t.seconds());
        }
    }
    ExecutionReport rep;
    rep.node_seconds.resize(graph.size(), 0.0);
    for (size_t i = 0; i < graph.size(); ++i) {
        rep.node_seconds[i] = median(samples[i]);
        rep.total_seconds += rep.node_seconds[i] * graph.node(int(i)).per_step();
    }
    return rep;
}

}  // namespace mempipe
