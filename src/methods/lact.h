// LaCT (test-time training with large chunks, memory_fpga.md §A3) as a method recipe: one layer's
// fast-weight memory processing one chunk, profiled only (paper §4: its bottleneck is compute-
// bound, so the paper does not place it on the FPGA; neither does the planner here).
#pragma once

#include <cstdint>
#include <memory>

#include "mempipe/methods/method.h"
#include "mempipe/ops/ttt.h"

namespace mempipe {

// Shape of the LaCT layer the recipe runs. The defaults are LaCT-760M (lact_llm/configs):
// hidden 1536 split into num_lact_heads 4 fast-weight heads of d = 384, inter_multi 1 (dh = d),
// lact_chunk_size 2048, use_momentum true, use_muon true (the configs use both settings of Muon;
// the paper's workload and ours assume it on), matmuls in bf16 with f32 fast weights as the LaCT
// code runs them (TttMatmul::Bf16; TttMatmul::F32 for f32 matmuls).
struct LactConfig {
    const char* name = "lact";
    int64_t heads = 4;
    int64_t d = 384;
    int64_t dh = 384;
    int64_t chunk = 2048;
    bool use_momentum = true;
    bool use_muon = true;
    TttMatmul matmul = TttMatmul::Bf16;
};

// The recipe (lact.cpp). Small configs exist for tests: the Reference backend at the default shape
// is ≈ 42 GFLOP of scalar f64 per step.
std::unique_ptr<Method> make_lact_method(const LactConfig& config = LactConfig{});

}  // namespace mempipe
