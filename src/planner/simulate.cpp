// The paper's study (planner/simulate.h): baseline vs heterogeneous plans of every workload.
#include "mempipe/planner/simulate.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <set>

#include "mempipe/core/error.h"
#include "simulate_text.h"

namespace mempipe {

namespace {

bool is_memory_step(std::string_view step) {
    return step == pipeline_step_name(PipelineStep::Prepare) ||
           step == pipeline_step_name(PipelineStep::Relevancy) ||
           step == pipeline_step_name(PipelineStep::Retrieval);
}

bool is_rag(const std::string& method) {
    return method == "fs-rag" || method == "flare" || method == "dragin" ||
           method == "two-stage-rag";
}

// Memory-processing seconds of a plan's step: the memory steps' share of every unit, and the
// copies into or out of a memory-step node.
double memory_seconds(const Plan& p, const Graph& g) {
    double s = 0;
    for (const Assignment& a : p.units) {
        if (a.phase != Phase::Step) continue;
        for (const auto& [step, secs] : a.seconds_by_step)
            if (is_memory_step(step)) s += secs;
    }
    for (const CopyPlan& c : p.copies) {
        if (c.phase != Phase::Step) continue;
        if (is_memory_step(pipeline_step_name(g.node(c.from).step)) ||
            is_memory_step(pipeline_step_name(g.node(c.to).step)))
            s += c.seconds;
    }
    return s;
}

bool ran_on(const Plan& p, const std::string& device) {
    for (const Assignment& a : p.units)
        if (a.device == device) return true;
    return false;
}

// Joules of a configuration: its accelerators (busy or idle) and the host when a unit ran on it.
double config_joules(const Plan& p, const HardwareNode& node,
                     const std::vector<std::string>& accelerators) {
    double j = 0;
    for (const std::string& d : accelerators) {
        auto it = p.joules_by_device.find(d);
        if (it != p.joules_by_device.end()) j += it->second;
    }
    if (ran_on(p, node.host.id)) {
        auto it = p.joules_by_device.find(node.host.id);
        if (it != p.joules_by_device.end()) j += it->second;
    }
    return j;
}

std::string first_gpu(const HardwareNode& node) {
    for (const NodeDevice& d : node.devices)
        if (d.profile.kind == HardwareKind::Gpu) return d.id;
    return node.host.id;
}

double ratio(double a, double b) {
    return b > 0 ? a / b : 0.0;
}

}  // namespace

BaselineConfig baseline_config(const Workload& w, const HardwareNode& node) {
    BaselineConfig c;
    const std::string gpu = first_gpu(node);
    c.devices = {gpu};
    c.why = gpu == node.host.id ? "host only (the node has no GPU)" : "GPU only";
    if (is_rag(w.method) && gpu != node.host.id) {
        c.devices.push_back(node.host.id);
        for (const OpNode& n : w.graph.nodes())
            if (n.op == "bm25_scores" ||
                (n.op == "top_k" && n.name.find("bm25") != std::string::npos))
                c.pins[n.name] = node.host.id;
        c.why = "GPU + BM25S retrieval on the host CPU (paper App. D, App. F case 2)";
    }
    return c;
}

std::map<std::string, std::string> paper_mapping_pins(const Workload& w, const HardwareNode& node) {
    std::string fpga;
    for (const NodeDevice& d : node.devices)
        if (d.profile.kind == HardwareKind::Fpga && fpga.empty()) fpga = d.id;
    std::map<std::string, std::string> pins;
    if (fpga.empty()) return pins;
    static const std::set<std::string> kNodes = {
        "indexer.logits",     "indexer.top_k",      "seer.gate_scores", "seer.select",
        "lserve.page_scores", "lserve.page_select", "rag.bm25_scores",  "rag.bm25_top_k",
        "rag.dense_scores",   "rag.dense_top_k",    "hmt.recall",       "memagent.decode"};
    for (const OpNode& n : w.graph.nodes())
        if (kNodes.count(n.name)) pins[n.name] = fpga;
    return pins;
}

SimulationRow simulate_workload(const Workload& w, const HardwareNode& node, Objective objective,
                                const std::map<std::string, std::string>& hetero_pins) {
    SimulationRow r;
    r.method = w.method;
    r.model = w.model;
    r.unit = w.unit;
    r.tokens = w.tokens;
    r.batch = w.batch;
    r.units = w.units;
    for (const WorkloadInfo& info : workload_methods())
        if (info.name == w.method)
            r.paper_size = std::find(info.paper_tokens.begin(), info.paper_tokens.end(),
                                     w.tokens) != info.paper_tokens.end();

    const BaselineConfig bc = baseline_config(w, node);
    PlanOptions bo;
    bo.objective = Objective::Latency;
    bo.devices = bc.devices;
    bo.pins = bc.pins;
    r.baseline = place(w.graph, node, bo);
    r.baseline_devices = bc.devices.front();
    for (size_t i = 1; i < bc.devices.size(); ++i) r.baseline_devices += "+" + bc.devices[i];

    // The heterogeneous system: the baseline's devices plus every other accelerator (the host
    // only where the baseline has it, so a speedup never comes from adding the host CPU).
    PlanOptions ho;
    ho.objective = objective;
    ho.pins = hetero_pins;
    ho.devices = bc.devices;
    for (const NodeDevice& d : node.devices)
        if (std::find(ho.devices.begin(), ho.devices.end(), d.id) == ho.devices.end())
            ho.devices.push_back(d.id);
    r.hetero = place(w.graph, node, ho);

    const double per = 1.0 / w.units;
    r.baseline_e2e_s = r.baseline.step_seconds * per;
    r.hetero_e2e_s = r.hetero.step_seconds * per;
    r.baseline_memory_s = memory_seconds(r.baseline, w.graph) * per;
    r.hetero_memory_s = memory_seconds(r.hetero, w.graph) * per;
    r.memory_speedup = ratio(r.baseline_memory_s, r.hetero_memory_s);
    r.e2e_speedup = ratio(r.baseline_e2e_s, r.hetero_e2e_s);
    r.baseline_memory_fraction = ratio(r.baseline_memory_s, r.baseline_e2e_s);
    r.pcie_share = ratio(r.hetero.transfer_seconds, r.hetero.step_seconds);

    std::vector<std::string> base_acc, het_acc;
    for (const std::string& d : bc.devices)
        if (d != node.host.id) base_acc.push_back(d);
    for (const NodeDevice& d : node.devices) het_acc.push_back(d.id);
    r.baseline_joules = config_joules(r.baseline, node, base_acc) * per;
    r.hetero_joules = config_joules(r.hetero, node, het_acc) * per;
    r.energy_improvement = ratio(r.baseline_joules, r.hetero_joules);

    std::map<std::string, std::set<std::string>> by_step;
    for (const Assignment& a : r.hetero.units) {
        if (a.phase != Phase::Step) continue;
        for (int n : a.nodes)
            by_step[std::string(pipeline_step_name(w.graph.node(n).step))].insert(a.device);
        if (node.device(a.device).profile.kind == HardwareKind::Fpga)
            r.fpga_units.push_back(a.name + "→" + a.device);
    }
    for (const auto& [step, devs] : by_step) {
        std::string s;
        for (const std::string& d : devs) s += (s.empty() ? "" : "+") + d;
        r.step_devices[step] = s;
    }
    return r;
}

SimulationReport simulate(const HardwareNode& node, const SimulateOptions& o) {
    const auto t0 = std::chrono::steady_clock::now();
    const std::vector<WorkloadInfo> all = workload_methods();
    std::vector<const WorkloadInfo*> methods;
    if (o.methods.empty()) {
        for (const WorkloadInfo& m : all) methods.push_back(&m);
    } else {
        for (const std::string& name : o.methods) {
            const WorkloadInfo* found = nullptr;
            for (const WorkloadInfo& m : all)
                if (m.name == name) found = &m;
            if (!found) {
                std::string known;
                for (const WorkloadInfo& m : all) known += (known.empty() ? "" : ", ") + m.name;
                usage_error("unknown method '{}'; known methods: {}", name, known);
            }
            methods.push_back(found);
        }
    }
    MEMPIPE_CHECK_ARG(!o.batches.empty(), "simulate: give at least one batch size");
    SimulationReport rep;
    rep.node = node.name;
    rep.objective = o.objective;
    for (const WorkloadInfo* m : methods) {
        const std::vector<int64_t>& sizes = o.tokens.empty() ? m->paper_tokens : o.tokens;
        for (int64_t t : sizes)
            for (int b : o.batches) {
                Workload w = make_workload({m->name, t, b, ""});
                rep.rows.push_back(simulate_workload(w, node, o.objective));
            }
    }
    for (const WorkloadInfo* m : methods)
        for (int b : o.scaling_batches) {
            Workload w = make_workload({m->name, m->default_tokens, b, ""});
            rep.scaling.push_back(simulate_workload(w, node, o.objective));
        }
    rep.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return rep;
}

std::string SimulationReport::to_markdown() const {
    using namespace simulate_text;
    std::string out = fmt::format(
        "Node {} — every time and energy below is MODELLED (device rooflines, FPGA cycle models, "
        "link models; nothing ran). Heterogeneous plans: objective {}. Memory = Prepare + "
        "Relevancy + Retrieval (+ their copies); e2e = the step per unit; energy ratio = "
        "baseline J / heterogeneous J.\n\n",
        node, objective_name(objective));
    out +=
        "| method | size | batch | unit | baseline | memory base | memory het | memory × | e2e "
        "base | e2e het | e2e × | J/unit base | J/unit het | energy × | mem % base | PCIe % het "
        "| heterogeneous placement |\n"
        "|---|---:|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n";
    for (const SimulationRow& r : rows) out += row_markdown(r);
    if (!scaling.empty()) {
        out +=
            "\nBatch scaling (§6.4, Table 4) at each method's default size: e2e speedup "
            "(memory speedup) per batch, and where the memory steps ran (modelled).\n\n";
        out += scaling_markdown(scaling);
    }
    out += fmt::format("\nSimulation time: {:.2f} s (measured on this machine).\n", wall_seconds);
    return out;
}

Json SimulationReport::to_json() const {
    Json j;
    j["node"] = node;
    j["objective"] = std::string(objective_name(objective));
    j["modelled"] = true;
    j["rows"] = Json::array();
    for (const SimulationRow& r : rows) j["rows"].push_back(simulate_text::row_json(r));
    j["batch_scaling"] = Json::array();
    for (const SimulationRow& r : scaling) j["batch_scaling"].push_back(simulate_text::row_json(r));
    j["wall_seconds"] = wall_seconds;
    return j;
}

}  // namespace mempipe
