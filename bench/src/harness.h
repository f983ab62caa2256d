// The benchmark harness: timing, peers run side by side, machine limits, and result rows.
//
// Benchmarks are never tests: they measure our kernels and a peer implementation of the same math
// on identical inputs in the same run and report ratios and the fraction of this machine's measured
// limits. Peers are Python scripts under bench/peers/ run with the project's virtualenv (.venv,
// made by `scripts/bootstrap --bench`). Contract for a peer script:
//   .venv/bin/python bench/peers/<script>.py --dir DIR --repeats R --threads T [extra args]
// It reads its inputs as .npy files from DIR (names agreed with its C++ bench), runs the
// computation R times after one warm-up with torch.set_num_threads(T), writes its outputs as .npy
// into DIR (e.g. DIR/peer_indices.npy) and prints one JSON line to stdout: {"median_s": x,
// "times_s": [...]}.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "mempipe/core/io.h"

namespace mempipe::bench {

struct BenchContext {
    std::string work_dir;  // scratch directory for .npy exchange (created by the driver)
    int threads = 2;
    int repeats = 5;             // timed repetitions (median reported)
    std::vector<int64_t> sizes;  // N values to run (e.g. 4096, 32768, 131072, 1048576)
    bool run_peers = true;       // false: --no-peers, or no .venv
    uint64_t seed = 42;
};

struct BenchRow {
    std::string name;   // "dsa_indexer_topk_bf16", "top_k", ...
    int64_t n = 0;      // problem size N
    double ours_s = 0;  // median seconds, our kernel
    double peer_s = 0;  // median seconds, peer (0 = not run)
    std::string peer;   // "torch 2.x einsum+relu+topk"
    double roofline_fraction =
        0;              // floor time at this machine's limit / ours_s (1.0 = at the limit)
    std::string limit;  // which limit: "bf16 dot 461 GFLOP/s", "DRAM read 33 GB/s"
    Json extra;         // e.g. {"recall": 0.999}
    double speedup() const { return peer_s > 0 && ours_s > 0 ? peer_s / ours_s : 0; }
};

// Median wall seconds of `fn` over `repeats` runs after `warmup` runs.
double time_median(const std::function<void()>& fn, int repeats, int warmup = 1);

struct PeerResult {
    bool ok = false;
    double median_s = 0;
    std::string error;  // why it did not run (no .venv, script failed: its stderr tail)
};
// Runs bench/peers/<script> with the contract above.
PeerResult run_peer(const BenchContext& ctx, const std::string& script,
                    const std::vector<std::string>& args = {});

// The mempipe checkout the peers live in: $MEMPIPE_ROOT if set, else the first directory holding
// bench/peers found walking up from the executable's directory, then from the working directory;
// "" if none. The peers' interpreter is <root>/.venv/bin/python.
std::string find_repo_root();

// This machine's limits, measured once per process by the roofline kernels (2 threads unless set).
struct MachineLimits {
    double dram_read_gbs = 0;  // GB/s
    double fp32_fma_gflops = 0;
    double bf16_dot_gflops = 0;
    double int8_dot_gops = 0;
    double amx_bf16_gflops = 0;  // AMX tdpbf16ps tile peak; 0 unless the active SIMD level is amx
    double amx_int8_gops = 0;    // AMX tdpbssd tile peak; 0 unless the active SIMD level is amx
};
const MachineLimits& machine_limits(int threads);

// Suites. Each family's benchmark lives in bench/src/<family>_bench.cpp.
std::vector<BenchRow> bench_top_k(const BenchContext& ctx);
std::vector<BenchRow> bench_dsa_indexer(const BenchContext& ctx);
std::vector<BenchRow> bench_seer(const BenchContext& ctx);
std::vector<BenchRow> bench_lserve(const BenchContext& ctx);

}  // namespace mempipe::bench
