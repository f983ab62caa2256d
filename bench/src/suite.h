// Benchmark suites behind `mempipe bench roofline` and `mempipe bench sparse-attention`.
//
// Each entry point prints a markdown table on stdout (progress goes to stderr) and returns the same
// results as JSON for `--json`. Timings are medians; peers run in the same process run on the same
// inputs, so compare ours vs peer within one run.
#pragma once

#include <string>
#include <vector>

#include "harness.h"

namespace mempipe::bench {

// Measures DRAM read GB/s, fp32 FMA GFLOP/s, bf16 dot GFLOP/s and int8 dot GOP/s with 1 thread and
// with `max_threads` threads (≥ 1), next to the reference figures of machine.md. Returns
//   {"build": {...}, "simd": str, "threads": [1, T], "kernels": [{"kernel", "unit", "instruction",
//    "measured": {"1": x, "T": y}, "reference_machine_md": {"1": a, "2": b}}], "notes": [...]}
Json run_roofline(int max_threads, bool markdown_to_stdout);

// Suite names accepted in `only` ('-' and '_' are interchangeable); empty `only` runs them all.
std::vector<std::string> sparse_attention_suite_names();  // top_k, dsa_indexer, seer, lserve

// 4k, 32k, 128k, 1M: used when ctx.sizes is empty.
std::vector<int64_t> default_bench_sizes();

// Runs bench_top_k, bench_dsa_indexer, bench_seer, bench_lserve (or the subset named in `only`)
// with ctx. An empty ctx.work_dir gets a temporary directory (removed afterwards); missing peers
// (no .venv) print "n/a" instead of failing. A suite that throws is reported in "errors" and the
// others still run. Unknown names in `only` or threads/repeats < 1 are usage errors. Returns
//   {"machine": build_info, "threads": T, "repeats": R, "sizes": [...], "peers": bool,
//    "peers_note": str, "rows": [bench_row_json...], "limits": {...}, "errors": [{"suite",
//    "error"}]}
Json run_sparse_attention(const BenchContext& ctx, const std::vector<std::string>& only,
                          bool markdown_to_stdout = true);

}  // namespace mempipe::bench
