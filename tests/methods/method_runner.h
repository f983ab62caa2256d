// Test helper shared by the method tests: set a method up and run its decode-step graph.
#pragma once

#include <malloc.h>

#include <map>
#include <string>

#include "mempipe/graph/executor.h"
#include "mempipe/methods/method.h"

#if defined(__SANITIZE_ADDRESS__)
// The sanitizer runtime's allocator statistics (sanitizer/allocator_interface.h, which GCC does not
// install).
extern "C" size_t __sanitizer_get_current_allocated_bytes();
#endif

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

// The graph's nodes by name.
inline std::map<std::string, const OpNode*> nodes_by_name(const Graph& g) {
    std::map<std::string, const OpNode*> m;
    for (const auto& n : g.nodes()) m[n.name] = &n;
    return m;
}

inline MethodOptions method_options(int64_t tokens, bool whole, Backend backend = Backend::Cpu,
                                    int batch = 1) {
    MethodOptions o;
    o.tokens = tokens;
    o.whole_model = whole;
    o.backend = backend;
    o.batch = batch;
    return o;
}

// Runs the graph's setup phase, then its step phase `steps` times; returns the method's result.
inline StepResult run_graph(Method& m, Graph& g, int steps = 1) {
    CpuDevice cpu;
    execute(g, Phase::Setup, cpu, 1);
    for (int i = 0; i < steps; ++i) execute(g, Phase::Step, cpu, 1);
    return m.result();
}

// Bytes the heap grew by while fn ran (glibc: arena + mmapped blocks; under AddressSanitizer,
// which replaces malloc and leaves glibc's counters still, the sanitizer allocator's count).
template <class Fn>
double allocated_by(Fn fn) {
#if defined(__SANITIZE_ADDRESS__)
    const size_t before = __sanitizer_get_current_allocated_bytes();
    fn();
    return double(__sanitizer_get_current_allocated_bytes()) - double(before);
#else
    const struct mallinfo2 before = mallinfo2();
    fn();
    const struct mallinfo2 after = mallinfo2();
    return double(after.uordblks + after.hblkhd) - double(before.uordblks + before.hblkhd);
#endif
}

}  // namespace mempipe::test
