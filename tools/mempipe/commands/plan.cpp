// mempipe plan METHOD --node N: place a method's paper-scale workload (methods/workload.h) on a
// hardware node with the planner and show where every step goes and what it costs (modelled).
#include <fmt/format.h>

#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "commands.h"
#include "mempipe/core/error.h"
#include "mempipe/core/io.h"
#include "mempipe/methods/workload.h"
#include "mempipe/node/hardware.h"
#include "mempipe/planner/planner.h"

namespace mempipe::cli {

namespace {

struct PlanArgs {
    std::string method;
    std::string node;
    std::string tokens;
    std::string batch = "1";
    std::string objective = "latency";
    std::string devices;
    std::vector<std::string> pins;
    bool explain = false;
    bool json = false;
    std::string hardware;
    std::string model;
};

std::string secs(double s) {
    if (s >= 1) return fmt::format("{:.3g} s", s);
    if (s >= 1e-3) return fmt::format("{:.3g} ms", s * 1e3);
    return fmt::format("{:.3g} µs", s * 1e6);
}

std::map<std::string, std::string> parse_pins(const std::vector<std::string>& items) {
    std::map<std::string, std::string> pins;
    for (const std::string& item : items) {
        const size_t eq = item.find('=');
        MEMPIPE_CHECK_ARG(eq != std::string::npos && eq > 0 && eq + 1 < item.size(),
                          "--pin '{}': expected STEP_OR_NODE=DEVICE, e.g. retrieval=u55c or "
                          "indexer.top_k=mi210",
                          item);
        pins[item.substr(0, eq)] = item.substr(eq + 1);
    }
    return pins;
}

std::vector<int> parse_batches(const std::string& text) {
    std::vector<int> out;
    for (int64_t b : parse_size_list(text, "--batch")) {
        MEMPIPE_CHECK_ARG(b <= 64, "--batch must be in [1, 64], got {}", b);
        out.push_back(int(b));
    }
    return out;
}

// Where each pipeline step ran, and the units on each device.
std::string placement_summary(const Plan& p, const Graph& g) {
    std::map<std::string, std::set<std::string>> by_step;
    for (const Assignment& a : p.units)
        if (a.phase == Phase::Step)
            for (int n : a.nodes)
                by_step[std::string(pipeline_step_name(g.node(n).step))].insert(a.device);
    std::string out;
    for (PipelineStep st : kAllPipelineSteps) {
        auto it = by_step.find(std::string(pipeline_step_name(st)));
        if (it == by_step.end()) continue;
        std::string devs;
        for (const std::string& d : it->second) devs += (devs.empty() ? "" : "+") + d;
        out += fmt::format("{}{}: {}", out.empty() ? "" : "; ", it->first, devs);
    }
    return out;
}

void print_markdown(const Workload& w, const Plan& p, bool explain) {
    const double per = 1.0 / w.units;
    std::cout << fmt::format("# {} — {} tokens/documents, batch {} (modelled)\n\n{}\n\n", w.method,
                             w.tokens, w.batch, w.description);
    std::cout << "| quantity | modelled value |\n|---|---|\n";
    std::cout << fmt::format("| latency per {} | {} |\n", w.unit, secs(p.step_seconds * per));
    std::cout << fmt::format("| energy per {} (powered devices) | {:.4g} J |\n", w.unit,
                             p.step_joules * per);
    for (const auto& [step, s] : p.seconds_by_step())
        std::cout << fmt::format("| {} per {} | {} |\n", step, w.unit, secs(s * per));
    std::cout << fmt::format("| PCIe/link copies per {} | {} ({:.1f}% of the step) |\n", w.unit,
                             secs(p.transfer_seconds * per),
                             p.step_seconds > 0 ? 100 * p.transfer_seconds / p.step_seconds : 0.0);
    std::cout << fmt::format("| placement | {} |\n", placement_summary(p, w.graph));
    std::cout << fmt::format("| graph executions per {} | {:.6g} |\n\n", w.unit, per);
    if (explain) {
        std::cout << "Per graph execution (one layer / tick of the workload, see the description "
                     "above):\n\n";
        std::cout << p.explain() << "\n";
        return;
    }
    std::cout << "| unit | op | device | time per execution | why |\n|---|---|---|---|---|\n";
    for (const Assignment& a : p.units)
        if (a.phase == Phase::Step)
            std::cout << fmt::format("| {} | {} | {} | {} | {} |\n", a.name, a.op, a.device,
                                     secs(a.seconds), a.why);
    std::cout << "\n";
}

}  // namespace

void add_plan_command(CLI::App& app) {
    auto a = std::make_shared<PlanArgs>();
    auto* cmd = app.add_subcommand(
        "plan",
        "Place a method's paper-scale workload on a hardware node (modelled): where each step "
        "runs, its latency and energy per token or request, the copies, and with --explain every "
        "alternative the planner weighed");
    cmd->add_option("method", a->method, "Method (see `mempipe simulate --help` for the list)")
        ->required();
    cmd->add_option("--node", a->node, "Hardware node name (hardware/nodes) or a node .json")
        ->required();
    cmd->add_option("--tokens,-n", a->tokens,
                    "Comma-separated memory sizes (cached tokens, corpus documents, input "
                    "tokens), e.g. 256k,2M; default: the method's default size");
    cmd->add_option("--batch,-b", a->batch, "Comma-separated batch sizes")->capture_default_str();
    cmd->add_option("--objective", a->objective, "latency, energy or edp")->capture_default_str();
    cmd->add_option("--devices", a->devices,
                    "Comma-separated device ids placement may use (default: every device of "
                    "the node, host included), e.g. mi210 for a GPU-only plan");
    cmd->add_option("--pin", a->pins,
                    "STEP_OR_NODE=DEVICE, repeatable: force a pipeline step (prepare, relevancy, "
                    "retrieval, apply, model) or a node onto a device");
    cmd->add_option("--model", a->model, "Model configuration (default: the paper's)");
    cmd->add_flag("--explain", a->explain,
                  "Every unit with the cost of each alternative device and the copies");
    cmd->add_flag("--json", a->json, "Print JSON instead of markdown");
    cmd->add_option("--hardware", a->hardware,
                    "Directory of hardware profiles (default: $MEMPIPE_HARDWARE, else the "
                    "checkout's or installation's hardware/)");
    cmd->callback([a] {
        std::vector<int64_t> sizes;
        if (!a->tokens.empty()) sizes = parse_size_list(a->tokens, "--tokens");
        if (sizes.empty()) sizes.push_back(0);
        const std::vector<int> batches = parse_batches(a->batch);
        PlanOptions po;
        po.objective = parse_objective(a->objective);
        po.pins = parse_pins(a->pins);
        po.devices = split_list(a->devices);
        // Validate every workload before the (cheap) planning.
        std::vector<Workload> ws;
        for (int64_t t : sizes)
            for (int b : batches) ws.push_back(make_workload({a->method, t, b, a->model}));
        const HardwareNode node = load_node(a->node, find_hardware_dir(a->hardware));
        Json all = Json::array();
        for (const Workload& w : ws) {
            const Plan p = place(w.graph, node, po);
            if (a->json) {
                Json j;
                j["method"] = w.method;
                j["model"] = w.model;
                j["tokens"] = w.tokens;
                j["batch"] = w.batch;
                j["unit"] = w.unit;
                j["units_per_execution"] = w.units;
                j["description"] = w.description;
                j["seconds_per_unit"] = p.step_seconds / w.units;
                j["joules_per_unit"] = p.step_joules / w.units;
                j["modelled"] = true;
                j["plan"] = p.to_json();
                all.push_back(std::move(j));
            } else {
                print_markdown(w, p, a->explain);
            }
        }
        if (a->json) std::cout << all.dump(2) << "\n";
    });
}

}  // namespace mempipe::cli
