// Method recipes: one per memory-processing method, building its per-decode-step graph.
//
// A method owns its state (weights with fixed seeds, caches holding `tokens` past tokens, outputs).
// `setup` builds the state: weights are random (seeded; nothing is downloaded) and the memory of
// the `tokens` earlier positions is synthesised directly as random cache contents with the
// statistics the method's Prepare step would produce — running the real Prepare ops over a million
// past tokens is not what a decode step costs, so the step graph's Prepare nodes process only the
// new token. `step_graph` returns the graph of one decode step at position `tokens` (the new
// token); running it repeatedly decodes the same position again (idempotent), which is what timing
// needs. `Backend::Reference` binds every node to the scalar reference ops, `Backend::Cpu` to the
// fast CPU kernels; tests compare the two.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "mempipe/core/backend.h"
#include "mempipe/graph/graph.h"

namespace mempipe {

struct MethodOptions {
    int64_t tokens = 4096;  // cached tokens before the new one (the memory size N)
    int batch = 1;          // independent decode queries, each with its own memory
    uint64_t seed = 42;
    Backend backend = Backend::Cpu;
    // Also run the rest of the model around the memory steps (src/methods/model_rest.h: one
    // layer's projections, norms and MLP, and the LM head) with every per-layer node repeated ×
    // the model's layer count, so a profile gives the memory-processing share of the whole step.
    bool whole_model = false;
};

// What one decode step produced, for reports and for comparing backends.
struct StepResult {
    // Selected memory positions, flattened over (batch, head), each group sorted ascending, −1
    // padded; `selection_groups` groups of `selection_width` entries.
    std::vector<int32_t> selection;
    int64_t selection_groups = 0;
    int64_t selection_width = 0;
    std::vector<float> output;    // the Apply step's attention output, flattened
    int64_t tokens_selected = 0;  // distinct attended tokens per query, summed over batch and heads
    double memory_bytes_read = 0;  // bytes of memory (caches, index) the step read, from op costs
};

class Method {
  public:
    virtual ~Method() = default;
    virtual std::string_view name() const = 0;
    virtual std::string_view description() const = 0;  // model config and method defaults
    virtual void setup(const MethodOptions& options) = 0;
    virtual Graph step_graph() = 0;         // call after setup
    virtual StepResult result() const = 0;  // after the step graph ran
    // (optional) bytes of state `setup(options)` would allocate, so callers can refuse sizes that
    // do not fit in memory before allocating. Default 0: unknown.
    virtual double state_bytes(const MethodOptions& options) const { return 0; }
};

struct MethodInfo {
    std::string name;
    std::string description;
};

std::vector<MethodInfo> list_methods();
// Throws a usage error naming the known methods when `name` is unknown.
std::unique_ptr<Method> make_method(std::string_view name);

}  // namespace mempipe
