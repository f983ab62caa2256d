// Test helper shared by the method tests: set a method up and run its decode-step graph.
#pragma once

#include <string>

#include "mempipe/graph/executor.h"
#include "mempipe/methods/method.h"

namespace mempipe::test {

struct StepRun {
    StepResult r;
    Graph g;
};

// Sets up `name` with the given options, runs the setup phase once and the step phase `steps`
// times.
inline StepRun run_method_steps(const std::string& name, Backend backend, int64_t tokens, int batch,
                                uint64_t seed, int steps = 1) {
    auto m = make_method(name);
    MethodOptions o;
    o.tokens = tokens;
    o.batch = batch;
    o.seed = seed;
    o.backend = backend;
    m->setup(o);
    StepRun run{{}, m->step_graph()};
    CpuDevice cpu;
    execute(run.g, Phase::Setup, cpu, 1);
    for (int i = 0; i < steps; ++i) execute(run.g, Phase::Step, cpu, 1);
    run.r = m->result();
    return run;
}

}  // namespace mempipe::test
