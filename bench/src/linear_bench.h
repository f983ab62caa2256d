// `mempipe bench linear`: cpu::linear (include/mempipe/ops/linear.h) against PyTorch CPU on the
// same data, side by side in one run, at each thread count, as a fraction of this machine's limits
// measured in the same process.
//
// Cases (shapes are m × k → n, W [n × k]):
//   gemv_bf16, gemv_int8 (per-row scales), gemv_int4 (groups of 128, symmetric): m = 1 decode on
//     4096 → 4096, 4096 → 14336 and 14336 → 4096; limit: DRAM read (weight bytes / s);
//   gemm_bf16, gemm_int8: m = `prefill_tokens` (512) × 4096 → 4096; limit: bf16 dot
//     (vdpbf16ps) and, at SIMD level amx, the AMX tile peak (bf16 or int8);
//   gemm_bf16_packed: gemm_bf16 with every copy of W packed once before timing (cpu::linear_pack,
//     as an inference engine holds a layer's weights), against oneDNN's prepacked linear in torch.
// Weights are cold: every timed call uses the next of several copies of W whose total size is
// max(512 MiB, 2 × L3 up to 1 GiB), so no call finds its weights in the caches (the peer makes
// the same number of copies). Peers (bench/peers/linear.py): torch.nn.functional.linear in bf16
// (prepacked: torch.ops.mkldnn._reorder_linear_weight once per copy, then _linear_pointwise);
// torch.ao.nn.quantized.dynamic.Linear (qint8 per-channel weights with our codes and scales) for
// int8; torch.ops.aten._weight_int4pack_mm_for_cpu (group 128, bf16 scales) for int4.
#pragma once

#include <string>
#include <vector>

#include "mempipe/core/io.h"

namespace mempipe::bench {

struct LinearBenchOptions {
    std::vector<int> threads = {1, 2};
    int repeats = 20;                // timed calls per row (median reported)
    std::vector<std::string> cases;  // empty: all of linear_bench_case_names()
    bool run_peers = true;
    std::string work_dir;  // scratch for the peer's .npy files; empty: a temporary directory
    uint64_t seed = 42;
    int64_t prefill_tokens = 512;  // m of the GEMM cases
};

std::vector<std::string> linear_bench_case_names();

// Runs the cases; prints a markdown table (rows as they finish; progress on stderr) when
// markdown_to_stdout. Usage errors: unknown case, threads < 1, repeats ∉ [1, 1000],
// prefill_tokens < 16. Returns {"machine", "limits": {"<threads>": {...}}, "rows": [{"case",
// "format", "m", "k", "n", "threads", "simd", "copies", "weight_bytes", "ours_s", "ours_gbs",
// "ours_gflops", "limit", "roofline_fraction", "amx_fraction", "peer", "peer_s", "speedup",
// "peer_max_rel_diff"}], "errors", "peers_note", "load_average": {"start", "end"}}.
Json run_linear_bench(const LinearBenchOptions& options, bool markdown_to_stdout = true);

}  // namespace mempipe::bench
