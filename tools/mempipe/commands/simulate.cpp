// mempipe simulate: the paper's study on a hardware node (planner/simulate.h), and
// `--validate`, which compares it with the paper's reported numbers (docs/validation.md).
#include <fmt/format.h>

#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "commands.h"
#include "mempipe/core/error.h"
#include "mempipe/core/io.h"
#include "mempipe/node/hardware.h"
#include "mempipe/planner/simulate.h"

namespace mempipe::cli {

namespace {

struct SimulateArgs {
    std::string node;
    std::string methods;
    std::string tokens;
    std::string batch = "1";
    std::string scaling = "1,2,4,8";
    std::string objective = "latency";
    bool json = false;
    bool validate = false;
    std::string a100_node = "a100-u55c";
    std::string output;
    std::string hardware;
};

std::vector<int> parse_batch_list(const std::string& text, const char* option) {
    std::vector<int> out;
    if (text == "none") return out;
    for (int64_t b : parse_size_list(text, option)) {
        MEMPIPE_CHECK_ARG(b <= 64, "{} must be in [1, 64], got {}", option, b);
        out.push_back(int(b));
    }
    return out;
}

}  // namespace

void add_simulate_command(CLI::App& app) {
    auto a = std::make_shared<SimulateArgs>();
    std::string methods;
    for (const WorkloadInfo& m : workload_methods())
        methods += (methods.empty() ? "" : ", ") + m.name;
    auto* cmd = app.add_subcommand(
        "simulate",
        "The paper's study on a hardware node (modelled): for every method and size, the GPU-only "
        "baseline vs the heterogeneous plan — memory-processing and end-to-end latency and "
        "speedup, energy per token or request, PCIe share, placement — and the batch-scaling "
        "table; --validate compares with the paper and writes docs/validation.md");
    cmd->add_option("--node", a->node,
                    "Hardware node (hardware/nodes name or .json); required unless --validate "
                    "(which uses mi210-u55c)");
    cmd->add_option("--methods", a->methods, "Comma-separated methods (default: all): " + methods);
    cmd->add_option("--tokens,-n", a->tokens,
                    "Comma-separated memory sizes for every method (default: each method's paper "
                    "sizes)");
    cmd->add_option("--batch,-b", a->batch, "Comma-separated batch sizes of the main table")
        ->capture_default_str();
    cmd->add_option("--scaling-batches", a->scaling,
                    "Batch sizes of the batch-scaling table at each method's default size "
                    "('none' to skip)")
        ->capture_default_str();
    cmd->add_option("--objective", a->objective,
                    "Objective of the heterogeneous plans: latency, energy or edp")
        ->capture_default_str();
    cmd->add_flag("--json", a->json, "Print JSON instead of markdown");
    cmd->add_flag("--validate", a->validate,
                  "Compare with the paper's reported ranges (Figs. 8–12, Tables 3–4, App. H); "
                  "write the markdown to -o (e.g. docs/validation.md) or stdout");
    cmd->add_option("--a100-node", a->a100_node,
                    "With --validate: the node for App. H ('none' to skip)")
        ->capture_default_str();
    cmd->add_option("--output,-o", a->output, "Write the report to this file (atomically)");
    cmd->add_option("--hardware", a->hardware,
                    "Directory of hardware profiles (default: $MEMPIPE_HARDWARE, else the "
                    "checkout's or installation's hardware/)");
    cmd->callback([a] {
        const std::string dir = find_hardware_dir(a->hardware);
        if (a->validate) {
            MEMPIPE_CHECK_ARG(a->methods.empty() && a->tokens.empty() && a->batch == "1",
                              "--validate runs the paper's study as published: drop --methods, "
                              "--tokens and --batch");
            const HardwareNode node = load_node(a->node.empty() ? "mi210-u55c" : a->node, dir);
            std::optional<HardwareNode> a100;
            if (a->a100_node != "none") a100 = load_node(a->a100_node, dir);
            const ValidationReport rep = validate(node, a100 ? &*a100 : nullptr);
            const std::string text = a->json ? rep.to_json().dump(2) + "\n" : rep.to_markdown();
            emit(a->output, text);
            if (!a->output.empty())
                std::cerr << fmt::format(
                    "{} of {} memory-processing bars hit, {} of them with the FPGA in use "
                    "(modelled)\n",
                    rep.memory_hits, rep.memory_bars, rep.memory_hits_with_fpga);
            return;
        }
        MEMPIPE_CHECK_ARG(!a->node.empty(),
                          "simulate needs --node NAME (e.g. --node mi210-u55c; see `mempipe "
                          "devices --list-nodes`), or --validate");
        SimulateOptions o;
        o.methods = split_list(a->methods);
        if (!a->tokens.empty()) o.tokens = parse_size_list(a->tokens, "--tokens");
        o.batches = parse_batch_list(a->batch, "--batch");
        MEMPIPE_CHECK_ARG(!o.batches.empty(), "--batch needs at least one batch size");
        o.scaling_batches = parse_batch_list(a->scaling, "--scaling-batches");
        o.objective = parse_objective(a->objective);
        const HardwareNode node = load_node(a->node, dir);
        const SimulationReport rep = simulate(node, o);
        emit(a->output, a->json ? rep.to_json().dump(2) + "\n" : rep.to_markdown());
    });
}

}  // namespace mempipe::cli
