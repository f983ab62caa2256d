#include <iostream>

#include "commands.h"
#include "mempipe/core/error.h"
#include "mempipe/methods/profile.h"

namespace mempipe::cli {

namespace {
struct RunArgs {
    std::string method;
    std::string tokens = "4k";
    int batch = 1;
    int threads = 0;
    int repeats = 5;
    uint64_t seed = 42;
    bool reference = false;
    bool json = false;
    std::string output;
};
}  // namespace

void add_run_command(CLI::App& app) {
    auto a = std::make_shared<RunArgs>();
    auto* cmd = app.add_subcommand("run",
                                   "Run one decode step of a method and report per-node latency, "
                                   "arithmetic intensity, tokens selected and memory read");
    cmd->add_option("method", a->method, "Method name (see `mempipe methods`)")->required();
    cmd->add_option("--tokens,-n", a->tokens, "Memory size N: cached tokens (e.g. 4096, 32k, 1M)")
        ->capture_default_str();
    cmd->add_option("--batch,-b", a->batch, "Decode queries per step, each with its own memory")
        ->capture_default_str();
    cmd->add_option("--threads,-t", a->threads, "Threads (0 = OpenMP default)")
        ->capture_default_str();
    cmd->add_option("--repeats,-r", a->repeats, "Timed repetitions; medians are reported")
        ->capture_default_str();
    cmd->add_option("--seed", a->seed, "Seed for weights and synthetic memory")
        ->capture_default_str();
    cmd->add_flag("--reference", a->reference,
                  "Use the scalar reference ops instead of the fast CPU kernels");
    cmd->add_flag("--json", a->json, "Print JSON instead of markdown");
    cmd->add_option("--output,-o", a->output,
                    "Write the report to this file (atomically) instead of stdout");
    cmd->callback([a] {
        apply_threads(a->threads);
        MethodOptions o;
        o.tokens = parse_size(a->tokens, "--tokens");
        o.batch = a->batch;
        o.seed = a->seed;
        o.backend = a->reference ? Backend::Reference : Backend::Cpu;
        MEMPIPE_CHECK_ARG(a->repeats >= 1 && a->repeats <= 10000,
                          "--repeats must be in [1, 10000], got {}", a->repeats);
        auto method = make_method(a->method);
        check_method_options(*method, o);
        std::cerr << "mempipe: setting up " << a->method << " with " << o.tokens << " tokens...\n";
        MethodProfile p = profile_method(*method, o, a->repeats);
        emit(a->output, a->json ? profile_to_json(p).dump(2) + "\n" : profile_to_markdown(p));
    });
}

}  // namespace mempipe::cli
