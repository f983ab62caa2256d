#include "simulate_text.h"

#include <fmt/format.h>

#include <cmath>
#include <map>

#include "planner/plan_text.h"

namespace mempipe::simulate_text {

std::string seconds(double s) {
    return plan_text::seconds(s);
}

std::string joules(double j) {
    return plan_text::joules(j);
}

std::string size(int64_t t) {
    if (t >= 1000000 && t % 1048576 != 0 && t % 1000000 != 0)
        return fmt::format("{:.1f}M", double(t) / 1e6);
    if (t % 1048576 == 0) return fmt::format("{}M", t / 1048576);
    if (t % 1000000 == 0) return fmt::format("{}M", t / 1000000);
    if (t % 1024 == 0) return fmt::format("{}K", t / 1024);
    if (t % 1000 == 0) return fmt::format("{}K", t / 1000);
    return fmt::format("{}", t);
}

std::string shorten(const std::string& s, size_t n) {
    return plan_text::shorten(s, n);
}

std::string speedup(double x) {
    return fmt::format("{:.2f}×", x);
}

std::string placement(const SimulationRow& r) {
    std::string s;
    for (PipelineStep st : kAllPipelineSteps) {
        auto it = r.step_devices.find(std::string(pipeline_step_name(st)));
        if (it == r.step_devices.end()) continue;
        s += fmt::format("{}{}: {}", s.empty() ? "" : "; ", it->first, it->second);
    }
    return s;
}

std::string row_markdown(const SimulationRow& r) {
    return fmt::format(
        "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.0f}% | "
        "{:.1f}% | {} |\n",
        r.method, size(r.tokens), r.batch, r.unit, r.baseline_devices, seconds(r.baseline_memory_s),
        seconds(r.hetero_memory_s), speedup(r.memory_speedup), seconds(r.baseline_e2e_s),
        seconds(r.hetero_e2e_s), speedup(r.e2e_speedup), joules(r.baseline_joules),
        joules(r.hetero_joules), speedup(r.energy_improvement), 100 * r.baseline_memory_fraction,
        100 * r.pcie_share, placement(r));
}

std::string scaling_markdown(const std::vector<SimulationRow>& rows) {
    std::vector<int> batches;
    std::map<std::string, std::map<int, const SimulationRow*>> by;
    std::vector<std::string> order;
    for (const SimulationRow& r : rows) {
        if (std::find(batches.begin(), batches.end(), r.batch) == batches.end())
            batches.push_back(r.batch);
        if (!by.count(r.method)) order.push_back(r.method);
        by[r.method][r.batch] = &r;
    }
    std::string out = "| method | size |";
    std::string sep = "|---|---:|";
    for (int b : batches) {
        out += fmt::format(" batch {} |", b);
        sep += "---|";
    }
    out += "\n" + sep + "\n";
    for (const std::string& m : order) {
        const auto& cells = by[m];
        out += fmt::format("| {} | {} |", m, size(cells.begin()->second->tokens));
        for (int b : batches) {
            auto it = cells.find(b);
            if (it == cells.end()) {
                out += " — |";
                continue;
            }
            const SimulationRow& r = *it->second;
            std::string where;
            for (const char* st : {"prepare", "relevancy", "retrieval"}) {
                auto d = r.step_devices.find(st);
                if (d != r.step_devices.end() && where.find(d->second) == std::string::npos)
                    where += (where.empty() ? "" : "/") + d->second;
            }
            out += fmt::format(" {} ({}) {} |", speedup(r.e2e_speedup), speedup(r.memory_speedup),
                               where);
        }
        out += "\n";
    }
    return out;
}

Json row_json(const SimulationRow& r) {
    Json j;
    j["method"] = r.method;
    j["model"] = r.model;
    j["unit"] = r.unit;
    j["tokens"] = r.tokens;
    j["batch"] = r.batch;
    j["paper_size"] = r.paper_size;
    j["baseline_devices"] = r.baseline_devices;
    j["baseline_memory_s"] = r.baseline_memory_s;
    j["hetero_memory_s"] = r.hetero_memory_s;
    j["memory_speedup"] = r.memory_speedup;
    j["baseline_e2e_s"] = r.baseline_e2e_s;
    j["hetero_e2e_s"] = r.hetero_e2e_s;
    j["e2e_speedup"] = r.e2e_speedup;
    j["baseline_joules_per_unit"] = r.baseline_joules;
    j["hetero_joules_per_unit"] = r.hetero_joules;
    j["energy_improvement"] = r.energy_improvement;
    j["baseline_memory_fraction"] = r.baseline_memory_fraction;
    j["pcie_share"] = r.pcie_share;
    j["step_devices"] = Json::object();
    for (const auto& [k, v] : r.step_devices) j["step_devices"][k] = v;
    j["fpga_units"] = r.fpga_units;
    j["modelled"] = true;
    return j;
}

}  // namespace mempipe::simulate_text
