#include <iostream>

#include "commands.h"
#include "mempipe/core/error.h"
#include "mempipe/methods/profile.h"

namespace mempipe::cli {

namespace {
struct ProfileArgs {
    std::string method;
    std::string tokens = "4k,32k,128k";
    int batch = 1;
    int threads = 0;
    int repeats = 3;
    uint64_t seed = 42;
    bool json = false;
    bool memory_only = false;
    std::string output;
};
}  // namespace

void add_profile_command(CLI::App& app) {
    auto a = std::make_shared<ProfileArgs>();
    auto* cmd = app.add_subcommand("profile",
                                   "Per-step latency breakdown of a method over memory sizes "
                                   "(the paper's Fig. 3 for the memory steps), markdown and JSON");
    cmd->add_option("method", a->method, "Method name (see `mempipe methods`)")->required();
    cmd->add_option("--tokens,-n", a->tokens, "Comma-separated memory sizes, e.g. 4k,32k,128k,1M")
        ->capture_default_str();
    cmd->add_option("--batch,-b", a->batch, "Decode queries per step")->capture_default_str();
    cmd->add_option("--threads,-t", a->threads, "Threads (0 = OpenMP default)")
        ->capture_default_str();
    cmd->add_option("--repeats,-r", a->repeats, "Timed repetitions per size")
        ->capture_default_str();
    cmd->add_option("--seed", a->seed, "Seed for weights and synthetic memory")
        ->capture_default_str();
    cmd->add_flag("--json", a->json, "Print JSON instead of markdown");
    cmd->add_flag("--memory-only", a->memory_only,
                  "Run only the method's memory steps of one layer (default: the whole model "
                  "around them — one layer measured and scaled by the layer count, plus the LM "
                  "head — so the report gives the memory-processing share)");
    cmd->add_option("--output,-o", a->output,
                    "Also write the JSON report to this file (atomically)");
    cmd->callback([a] {
        apply_threads(a->threads);
        auto sizes = parse_size_list(a->tokens, "--tokens");
        MEMPIPE_CHECK_ARG(a->repeats >= 1 && a->repeats <= 10000,
                          "--repeats must be in [1, 10000], got {}", a->repeats);
        std::vector<MethodProfile> profiles;
        {
            auto probe = make_method(a->method);  // validates the name before any work
            for (int64_t n : sizes) {
                MethodOptions o;
                o.tokens = n;
                o.batch = a->batch;
                o.seed = a->seed;
                o.whole_model = !a->memory_only;
                check_method_options(*probe, o);
            }
        }
        Json all = Json::array();
        for (int64_t n : sizes) {
            MethodOptions o;
            o.tokens = n;
            o.batch = a->batch;
            o.seed = a->seed;
            o.whole_model = !a->memory_only;
            std::cerr << "mempipe: profiling " << a->method << " at " << n << " tokens...\n";
            auto method =
                make_method(a->method);  // fresh state per size: memory is released between sizes
            profiles.push_back(profile_method(*method, o, a->repeats));
            all.push_back(profile_to_json(profiles.back()));
        }
        Json report{{"method", a->method},
                    {"measured_on", "this machine's CPU (measured, not modelled)"},
                    {"profiles", all}};
        if (!a->output.empty()) emit(a->output, report.dump(2) + "\n");
        if (a->json) {
            std::cout << report.dump(2) << "\n";
        } else {
            std::cout << profiles_breakdown_markdown(profiles) << "\n";
        }
    });
}

}  // namespace mempipe::cli
