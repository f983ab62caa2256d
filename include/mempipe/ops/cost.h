// Cost signatures: what an op costs, independent of where it runs.
//
// Every op in the catalogue declares its FLOPs (or integer ops), bytes read and written and its
// access pattern as a function of its parameters (`<op>_cost(...)` next to the op). Devices turn a
// signature into time (roofline over the right memory tier, divided by an efficiency for the access
// pattern); the profiler reports arithmetic intensity = flops / (bytes read + written).
#pragma once

#include <string_view>

namespace mempipe {

enum class AccessPattern {
    Regular,    // streaming, unit stride (GEMV, scoring a contiguous key cache)
    Irregular,  // gathers with indices known before the op (sparse attention over selected tokens)
    DataDependent,  // control flow depends on values (top-k, threshold filtering)
};

std::string_view access_pattern_name(AccessPattern p);

struct OpCost {
    double flops = 0;       // floating-point or integer arithmetic operations
    double bytes_read = 0;  // from the memory that holds the op's inputs (DRAM for large inputs)
    double bytes_written = 0;
    AccessPattern pattern = AccessPattern::Regular;

    double bytes() const { return bytes_read + bytes_written; }
    double intensity() const { return bytes() > 0 ? flops / bytes() : 0.0; }  // FLOP per byte
    OpCost& operator+=(const OpCost& o);  // pattern: the least regular of the two
};

}  // namespace mempipe
