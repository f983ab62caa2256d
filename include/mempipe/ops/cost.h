// Cost signatures: what an op costs, independent of where it runs.
//
// Every op in the catalogue declares its FLOPs (or integer ops), bytes read and written and its
// access pattern as a function of its parameters (`<op>_cost(...)` next to the op). Devices turn a
// signature into time (roofline over the right memory tier, divided by an efficiency for the access
// pattern); the profiler reports arithmetic intensity = flops / (bytes read + written).
//
// Batching: an OpCost describes one execution, whatever batch it covers. `bytes_shared` says how
// much of `bytes_read` is read once per execution however many sequences it serves (weights);
// the rest (KV caches, index keys, activations) is per sequence. `batched(c, b)` turns the cost
// of one sequence into the cost of one execution over b sequences. `compute_dtype` is the type
// the arithmetic runs in, which selects a device's peak (devices/modelled.h).
#pragma once

#include <cstdint>
#include <string_view>

#include "mempipe/core/dtype.h"

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
    DType compute_dtype = DType::F32;  // the arithmetic's type: picks the device's peak ops/s
    double bytes_shared = 0;  // part of bytes_read read once per execution whatever the batch

    double bytes() const { return bytes_read + bytes_written; }
    double intensity() const { return bytes() > 0 ? flops / bytes() : 0.0; }  // FLOP per byte
    // Sums; pattern: the least regular of the two; compute_dtype: the one with more flops.
    OpCost& operator+=(const OpCost& o);
};

// The cost of the op run f times on separate data (every count, the shared reads included,
// multiplied by f).
inline OpCost repeated(OpCost c, double f) {
    c.flops *= f;
    c.bytes_read *= f;
    c.bytes_written *= f;
    c.bytes_shared *= f;
    return c;
}

// The cost of one execution over `batch` sequences from the cost of one sequence: flops, writes
// and the per-sequence reads scale with batch; `bytes_shared` (weights) is read once.
inline OpCost batched(OpCost per_sequence, int64_t batch) {
    const double b = double(batch);
    const double own = per_sequence.bytes_read - per_sequence.bytes_shared;
    per_sequence.flops *= b;
    per_sequence.bytes_written *= b;
    per_sequence.bytes_read = per_sequence.bytes_shared + own * b;
    return per_sequence;
}

}  // namespace mempipe
