// Plan reports: objective names, per-step seconds, the markdown explanation and JSON
// (include/mempipe/planner/planner.h).
#include <fmt/format.h>

#include "mempipe/core/error.h"
#include "mempipe/planner/planner.h"
#include "planner/plan_text.h"

namespace mempipe {

std::string_view objective_name(Objective o) {
    switch (o) {
        case Objective::Latency:
            return "latency";
        case Objective::Energy:
            return "energy";
        case Objective::Edp:
            return "edp";
    }
    return "?";
}

Objective parse_objective(std::string_view s) {
    for (Objective o : {Objective::Latency, Objective::Energy, Objective::Edp})
        if (objective_name(o) == s) return o;
    usage_error("unknown objective '{}'; expected one of: latency, energy, edp", s);
}

std::map<std::string, double> Plan::seconds_by_step() const {
    std::map<std::string, double> out;
    for (const Assignment& a : units)
        if (a.phase == Phase::Step)
            for (const auto& [step, s] : a.seconds_by_step) out[step] += s;
    return out;
}

namespace {

using plan_text::joules;
using plan_text::seconds;

// Markdown table cells must not contain '|' or line breaks.
std::string cell(std::string s) {
    for (char& c : s)
        if (c == '|' || c == '\n') c = c == '|' ? '/' : ' ';
    return s;
}

}  // namespace

std::string Plan::explain() const {
    std::string md;
    auto line = [&](const std::string& s) { md += s + "\n"; };
    line(fmt::format("## Plan on node `{}` (objective: {})", node, objective_name(objective)));
    line("");
    line(
        "Every time and energy below is **modelled** (roofline of the device profiles, the FPGA "
        "cycle model, the node's transfer models); nothing was measured.");
    line("");
    line("| quantity | modelled value |");
    line("|---|---|");
    line(fmt::format("| step latency | {} |", seconds(step_seconds)));
    line(fmt::format("| step energy (all powered devices) | {} |", joules(step_joules)));
    line(fmt::format("| energy × delay | {:.3g} J·s |", step_joules * step_seconds));
    line(fmt::format("| transfers in the step | {} |", seconds(transfer_seconds)));
    if (setup_seconds > 0 || setup_joules > 0)
        line(fmt::format("| setup, once | {}, {} |", seconds(setup_seconds), joules(setup_joules)));
    line(fmt::format("| objective ({}) | {} |", objective_name(objective),
                     plan_text::objective(objective, objective_value)));
    if (unpinned_objective_value >= 0)
        line(fmt::format("| objective without the pins | {} |",
                         plan_text::objective(objective, unpinned_objective_value)));
    line(fmt::format("| search | {} |", exact ? "exact" : "greedy (not proven optimal)"));
    line("");
    line("### Units (modelled schedule)");
    line("");
    line("| unit | op | phase | device | start | end | time | energy | why |");
    line("|---|---|---|---|---|---|---|---|---|");
    for (const Assignment& a : units)
        line(fmt::format("| {} | {} | {} | {}{} | {} | {} | {} | {} | {} |", cell(a.name),
                         cell(a.op), phase_name(a.phase), a.device, a.pinned ? " (pinned)" : "",
                         seconds(a.start_s), seconds(a.end_s), seconds(a.seconds), joules(a.joules),
                         cell(a.why)));
    line("");
    line("### Alternatives (modelled; each with every other unit where the plan put it)");
    line("");
    line("| unit | device | time | copies | energy | plan objective | note |");
    line("|---|---|---|---|---|---|---|");
    for (const Assignment& a : units)
        for (const PlacementOption& o : a.options) {
            std::string note = o.device == a.device ? "chosen" : "";
            if (o.pinned_out) note += std::string(note.empty() ? "" : "; ") + "excluded by a pin";
            if (!o.feasible)
                line(fmt::format("| {} | {} | — | — | — | — | infeasible: {} |", cell(a.name),
                                 o.device, cell(plan_text::shorten(o.reason, 160))));
            else
                line(fmt::format("| {} | {} | {} | {} | {} | {} | {} |", cell(a.name), o.device,
                                 seconds(o.seconds), seconds(o.copy_seconds), joules(o.joules),
                                 plan_text::objective(objective, o.plan_objective), note));
        }
    line("");
    line("### Copies (modelled transfers)");
    line("");
    if (copies.empty()) {
        line("None: every edge stays on one device.");
    } else {
        line("| producer → consumer | devices | bytes | phase | time | start | mode | route |");
        line("|---|---|---|---|---|---|---|---|");
        for (const CopyPlan& c : copies)
            line(fmt::format("| {} → {} | {} → {} | {:.4g} | {} | {} | {} | {} | {} |",
                             cell(c.from_name), cell(c.to_name), c.src, c.dst, c.bytes,
                             phase_name(c.phase), seconds(c.seconds), seconds(c.start_s), c.mode,
                             cell(c.why)));
    }
    line("");
    line("### Devices (modelled, over the step)");
    line("");
    line("| device | busy | energy |");
    line("|---|---|---|");
    for (const auto& [d, j] : joules_by_device) {
        auto it = busy_seconds.find(d);
        line(fmt::format("| {} | {} | {} |", d, seconds(it == busy_seconds.end() ? 0 : it->second),
                         joules(j)));
    }
    if (!notes.empty()) {
        line("");
        line("### Notes");
        line("");
        for (const std::string& n : notes) line("- " + n);
    }
    return md;
}

Json Plan::to_json() const {
    Json j;
    j["node"] = node;
    j["objective"] = std::string(objective_name(objective));
    j["modelled"] = true;
    j["exact"] = exact;
    j["step_seconds"] = step_seconds;
    j["step_joules"] = step_joules;
    j["makespan_seconds"] = makespan_seconds;
    j["setup_seconds"] = setup_seconds;
    j["setup_joules"] = setup_joules;
    j["transfer_seconds"] = transfer_seconds;
    j["objective_value"] = objective_value;
    if (unpinned_objective_value >= 0) j["unpinned_objective_value"] = unpinned_objective_value;
    j["devices"] = devices;
    j["pins"] = Json::object();
    for (const auto& [k, v] : pins) j["pins"][k] = v;
    j["busy_seconds"] = Json::object();
    for (const auto& [k, v] : busy_seconds) j["busy_seconds"][k] = v;
    j["joules_by_device"] = Json::object();
    for (const auto& [k, v] : joules_by_device) j["joules_by_device"][k] = v;
    j["seconds_by_step"] = Json::object();
    for (const auto& [k, v] : seconds_by_step()) j["seconds_by_step"][k] = v;
    j["units"] = Json::array();
    for (const Assignment& a : units) {
        Json u;
        u["name"] = a.name;
        u["op"] = a.op;
        u["nodes"] = a.nodes;
        u["phase"] = std::string(phase_name(a.phase));
        u["device"] = a.device;
        u["pinned"] = a.pinned;
        u["seconds"] = a.seconds;
        u["joules"] = a.joules;
        u["start_s"] = a.start_s;
        u["end_s"] = a.end_s;
        u["copy_seconds"] = a.copy_seconds;
        u["why"] = a.why;
        u["seconds_by_step"] = Json::object();
        for (const auto& [k, v] : a.seconds_by_step) u["seconds_by_step"][k] = v;
        u["options"] = Json::array();
        for (const PlacementOption& o : a.options) {
            Json oj;
            oj["device"] = o.device;
            oj["feasible"] = o.feasible;
            if (o.feasible) {
                oj["seconds"] = o.seconds;
                oj["joules"] = o.joules;
                oj["copy_seconds"] = o.copy_seconds;
                oj["plan_objective"] = o.plan_objective;
            }
            oj["pinned_out"] = o.pinned_out;
            oj["reason"] = o.reason;
            u["options"].push_back(std::move(oj));
        }
        j["units"].push_back(std::move(u));
    }
    j["copies"] = Json::array();
    for (const CopyPlan& c : copies)
        j["copies"].push_back({{"from", c.from},
                               {"to", c.to},
                               {"from_name", c.from_name},
                               {"to_name", c.to_name},
                               {"src", c.src},
                               {"dst", c.dst},
                               {"bytes", c.bytes},
                               {"seconds", c.seconds},
                               {"phase", std::string(phase_name(c.phase))},
                               {"start_s", c.start_s},
                               {"end_s", c.end_s},
                               {"mode", c.mode},
                               {"via", c.via},
                               {"why", c.why}});
    j["notes"] = notes;
    return j;
}

}  // namespace mempipe
