#include <iostream>

#include "../../bench/src/harness.h"
#include "../../bench/src/linear_bench.h"
#include "../../bench/src/suite.h"
#include "commands.h"
#include "mempipe/core/error.h"

namespace mempipe::cli {

namespace {
struct BenchArgs {
    int threads = 2;
    int repeats = 5;
    std::string sizes = "4k,32k,128k,1M";
    std::string only;
    std::string work_dir;
    bool no_peers = false;
    bool json = false;
    std::string output;
    uint64_t seed = 42;
};

}  // namespace

void add_bench_command(CLI::App& app) {
    auto* bench = app.add_subcommand("bench",
                                     "Benchmarks: our kernels against peers run side by side, and "
                                     "this machine's limits (never tests: numbers are measured)");
    bench->require_subcommand(1, 1);

    auto r = std::make_shared<BenchArgs>();
    auto* roof =
        bench->add_subcommand("roofline",
                              "Measure this machine: DRAM read GB/s, fp32 FMA, bf16 dot, "
                              "int8 dot (and AMX tile dot) throughput with 1 and N threads");
    roof->add_option("--threads,-t", r->threads, "Largest thread count to measure")
        ->capture_default_str();
    roof->add_flag("--json", r->json, "Print JSON instead of markdown");
    roof->add_option("--output,-o", r->output, "Also write the JSON to this file (atomically)");
    roof->callback([r] {
        apply_threads(r->threads);
        Json j = bench::run_roofline(r->threads, !r->json);
        if (r->json) std::cout << j.dump(2) << "\n";
        if (!r->output.empty()) emit(r->output, j.dump(2) + "\n");
    });

    auto s = std::make_shared<BenchArgs>();
    auto* sa = bench->add_subcommand(
        "sparse-attention",
        "DSA indexer + top-k, top_k, SeerAttention-R and LServe relevancy + retrieval "
        "against their PyTorch CPU references (needs scripts/bootstrap --bench)");
    sa->add_option("--threads,-t", s->threads, "Threads for ours and the peers")
        ->capture_default_str();
    sa->add_option("--repeats,-r", s->repeats, "Timed repetitions (medians reported)")
        ->capture_default_str();
    sa->add_option("--sizes,-n", s->sizes, "Memory sizes N, e.g. 4k,32k,128k,1M")
        ->capture_default_str();
    sa->add_option("--only", s->only, "Comma-separated subset: top_k,dsa_indexer,seer,lserve");
    sa->add_option("--work-dir", s->work_dir,
                   "Scratch directory for .npy exchange (default: a temp dir)");
    sa->add_flag("--no-peers", s->no_peers, "Skip the PyTorch peers");
    sa->add_option("--seed", s->seed, "Input seed")->capture_default_str();
    sa->add_flag("--json", s->json, "Print JSON instead of markdown");
    sa->add_option("--output,-o", s->output, "Also write the JSON to this file (atomically)");
    sa->callback([s] {
        apply_threads(s->threads);
        MEMPIPE_CHECK_ARG(s->repeats >= 1 && s->repeats <= 1000,
                          "--repeats must be in [1, 1000], got {}", s->repeats);
        bench::BenchContext ctx;
        ctx.threads = s->threads;
        ctx.repeats = s->repeats;
        ctx.sizes = parse_size_list(s->sizes, "--sizes");
        ctx.run_peers = !s->no_peers;
        ctx.seed = s->seed;
        ctx.work_dir = s->work_dir;  // empty: the suite makes and removes a temporary directory
        Json j = bench::run_sparse_attention(ctx, split_list(s->only), !s->json);
        if (s->json) std::cout << j.dump(2) << "\n";
        if (!s->output.empty()) emit(s->output, j.dump(2) + "\n");
    });

    auto lo = std::make_shared<bench::LinearBenchOptions>();
    auto la = std::make_shared<BenchArgs>();
    la->sizes = "1,2";
    la->repeats = lo->repeats;
    auto* lin = bench->add_subcommand(
        "linear",
        "Dense linear layers (cpu::linear): bf16/int8/int4 decode GEMV and bf16/int8 prefill "
        "GEMM against PyTorch CPU on the same cold weights, as GB/s and GFLOP/s against this "
        "machine's limits (peers need scripts/bootstrap --bench)");
    lin->add_option("--threads,-t", la->sizes, "Thread counts, e.g. 1,2")->capture_default_str();
    lin->add_option("--repeats,-r", la->repeats, "Timed calls per row (medians reported)")
        ->capture_default_str();
    lin->add_option("--cases", la->only,
                    "Comma-separated subset: gemv_bf16,gemv_int8,gemv_int4,gemm_bf16,"
                    "gemm_bf16_packed,gemm_int8");
    lin->add_option("--prefill-tokens", lo->prefill_tokens, "m of the GEMM cases")
        ->capture_default_str();
    lin->add_option("--work-dir", la->work_dir, "Scratch directory for the peer's .npy files");
    lin->add_flag("--no-peers", la->no_peers, "Skip the PyTorch peers");
    lin->add_option("--seed", la->seed, "Input seed")->capture_default_str();
    lin->add_flag("--json", la->json, "Print JSON instead of markdown");
    lin->add_option("--output,-o", la->output, "Also write the JSON to this file (atomically)");
    lin->callback([la, lo] {
        bench::LinearBenchOptions o = *lo;
        o.threads.clear();
        for (int64_t t : parse_size_list(la->sizes, "--threads")) {
            MEMPIPE_CHECK_ARG(t >= 1 && t <= 1024, "--threads: counts must be in [1, 1024], got {}",
                              t);
            o.threads.push_back(int(t));
        }
        o.repeats = la->repeats;
        o.cases = split_list(la->only);
        o.run_peers = !la->no_peers;
        o.work_dir = la->work_dir;
        o.seed = la->seed;
        Json j = bench::run_linear_bench(o, !la->json);
        if (la->json) std::cout << j.dump(2) << "\n";
        if (!la->output.empty()) emit(la->output, j.dump(2) + "\n");
    });
}

}  // namespace mempipe::cli
