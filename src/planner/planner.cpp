// place(): search, then the plan with its schedule, copies, energy and explanations
// (include/mempipe/planner/planner.h).
#include "mempipe/planner/planner.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "mempipe/core/error.h"
#include "planner/plan_text.h"
#include "planner/planner_model.h"
#include "planner/planner_search.h"

namespace mempipe {

using namespace planner_detail;

namespace {

bool contains(const std::vector<int>& v, int x) {
    return std::find(v.begin(), v.end(), x) != v.end();
}

// Copies a unit (candidate k on slot s) implies in a schedule: its outputs leaving it and the
// copies that bring its inputs to it. `label` gets "PCIe" / "NVLink" / "copies" (mixed).
double incident_copies(const Model& m, const Record& rec, const Candidate& k, int s,
                       std::string* label) {
    double sum = 0;
    std::string lab;
    for (const CopyRecord& c : rec.copies) {
        bool in = contains(k.nodes, c.from);
        if (!in && c.dst == s)
            for (int x : k.nodes) in |= contains(m.graph().node(x).inputs, c.from);
        if (!in) continue;
        sum += c.seconds;
        const std::string& l = c.route ? c.route->label : std::string("copies");
        lab = lab.empty() || lab == l ? l : "copies";
    }
    if (label) *label = lab.empty() ? "PCIe" : lab;
    return sum;
}

const UnitRecord* find_unit(const Record& rec, int cand) {
    for (const UnitRecord& u : rec.units)
        if (u.cand == cand) return &u;
    return nullptr;
}

std::string member_list(const Model& m, const Candidate& k) {
    std::string s;
    for (int x : k.nodes) s += (s.empty() ? "" : " + ") + m.graph().node(x).name;
    return s;
}

// One option as the why sentence shows it: "41 µs + 7 µs PCIe" (energy: "3 mJ (41 µs …)").
std::string option_text(Objective o, const PlacementOption& p, const std::string& label) {
    std::string t = plan_text::seconds(p.seconds);
    if (p.copy_seconds > 0) t += " + " + plan_text::seconds(p.copy_seconds) + " " + label;
    if (o == Objective::Latency) return t;
    return plan_text::joules(p.joules) + " (" + t + ")";
}

double local_measure(Objective o, const PlacementOption& p) {
    const double t = p.seconds + p.copy_seconds;
    switch (o) {
        case Objective::Latency:
            return t;
        case Objective::Energy:
            return p.joules;
        case Objective::Edp:
            return t * p.joules;
    }
    return t;
}

// An option the unit could take alone but not in this plan (memory held by other units).
bool refused_in_plan(const Model& m, const Candidate& k, const PlacementOption& p) {
    for (size_t s = 0; s < m.slots().size(); ++s)
        if (m.slots()[s].id == p.device) return !p.feasible && k.cost[s].feasible;
    return false;
}

std::string why_core(const Model& m, const Candidate& k, const Assignment& a,
                     const std::map<std::string, std::string>& labels) {
    const Objective o = m.options().objective;
    const PlacementOption* chosen = nullptr;
    std::vector<const PlacementOption*> alts;
    std::vector<std::string> refused;
    for (const PlacementOption& p : a.options) {
        if (p.device == a.device)
            chosen = &p;
        else if (p.feasible)
            alts.push_back(&p);
        else if (!refused_in_plan(m, k, p))
            refused.push_back(p.device + ": " + plan_text::shorten(p.reason, 90));
    }
    std::stable_sort(alts.begin(), alts.end(),
                     [](auto* x, auto* y) { return x->plan_objective < y->plan_objective; });
    std::string name = a.name;
    if (k.variant >= 0) name += " [" + member_list(m, k) + " fused]";
    std::string head = fmt::format("{} → {}{}: {}", name, a.device, a.pinned ? " (pinned)" : "",
                                   option_text(o, *chosen, labels.at(a.device)));
    if (alts.empty())
        return head + (refused.empty() ? std::string("; the only device")
                                       : "; no other device can run it (" +
                                             plan_text::join(refused, "; ") + ")");
    const PlacementOption& alt = *alts.front();
    const std::string alt_text =
        fmt::format("{} {}", alt.device, option_text(o, alt, labels.at(alt.device)));
    const double mc = local_measure(o, *chosen), ma = local_measure(o, alt);
    const double t = 1e-9 * std::max(std::fabs(mc), std::fabs(ma));
    if (a.pinned && alt.plan_objective < chosen->plan_objective - 1e-9 * chosen->plan_objective)
        return fmt::format("{}; unpinned, {} would give the plan {} instead of {}", head, alt_text,
                           plan_text::objective(o, alt.plan_objective),
                           plan_text::objective(o, chosen->plan_objective));
    if (mc <= ma + t) return fmt::format("{} {} {}", head, mc < ma - t ? "<" : "=", alt_text);
    return fmt::format("{} > {}, but the plan is better this way: {} vs {} with it on {}", head,
                       alt_text, plan_text::objective(o, chosen->plan_objective),
                       plan_text::objective(o, alt.plan_objective), alt.device);
}

std::string why_sentence(const Model& m, const Candidate& k, const Assignment& a,
                         const std::map<std::string, std::string>& labels) {
    std::string out = why_core(m, k, a, labels);
    // Devices that could run the unit but not in this plan (their memory holds other units).
    for (const PlacementOption& p : a.options)
        if (refused_in_plan(m, k, p))
            out += fmt::format("; {} refused: {}", p.device, plan_text::shorten(p.reason, 120));
    return out;
}

// The unit `u` of the plan with its alternatives and explanation.
Assignment assignment(const Model& m, const SearchResult& r, const Record& rec,
                      const UnitRecord& u) {
    const Candidate& k = m.candidates()[size_t(u.cand)];
    Assignment a;
    a.nodes = k.nodes;
    a.name = k.name;
    a.op = k.op->op;
    a.device = m.slots()[size_t(u.slot)].id;
    a.seconds = u.seconds;
    a.joules = u.joules;
    a.start_s = u.start;
    a.end_s = u.end;
    a.phase = k.phase;
    for (int x : k.nodes) a.pinned |= m.pin_slot(x) >= 0;
    std::map<std::string, std::string> labels;
    a.copy_seconds = incident_copies(m, rec, k, u.slot, &labels[a.device]);

    // Split over pipeline steps: a fused unit in proportion to its members' own times there.
    std::vector<double> w;
    double total = 0;
    for (int x : k.nodes) {
        const UnitCost& c = m.candidates()[size_t(m.single()[size_t(x)])].cost[size_t(u.slot)];
        w.push_back(c.feasible ? c.seconds : 0.0);
        total += w.back();
    }
    for (size_t i = 0; i < k.nodes.size(); ++i) {
        const double share = total > 0 ? w[i] / total : 1.0 / double(k.nodes.size());
        a.seconds_by_step[std::string(pipeline_step_name(m.graph().node(k.nodes[i]).step))] +=
            a.seconds * share;
    }

    for (size_t s = 0; s < m.slots().size(); ++s) {
        const Slot& sl = m.slots()[s];
        if (!sl.placeable) continue;
        PlacementOption o;
        o.device = sl.id;
        o.pinned_out = !k.pin_ok[s];
        o.reason = k.cost[s].reason;
        if (int(s) == u.slot) {
            o.seconds = u.seconds;
            o.joules = u.joules;
            o.copy_seconds = a.copy_seconds;
            o.plan_objective = r.score.primary;
        } else if (!k.cost[s].feasible) {
            o.feasible = false;
        } else {
            Choice c = r.choice;
            for (int x : k.nodes) c.slot[size_t(x)] = int(s);
            Record moved;
            const Score sc = m.evaluate(c, &moved);
            const UnitRecord* mu = find_unit(moved, u.cand);
            if (std::isinf(sc.primary) || !mu) {
                o.feasible = false;
                o.reason = moved.refused;
            } else {
                o.seconds = mu->seconds;
                o.joules = mu->joules;
                o.copy_seconds = incident_copies(m, moved, k, int(s), &labels[sl.id]);
                o.plan_objective = sc.primary;
            }
        }
        labels.emplace(sl.id, "PCIe");
        a.options.push_back(std::move(o));
    }
    const Objective obj = m.options().objective;
    // Cheapest first: by the plan's objective with the unit there, then by the unit's own cost.
    std::stable_sort(a.options.begin(), a.options.end(), [&](const auto& x, const auto& y) {
        if (x.feasible != y.feasible) return x.feasible;
        if (!x.feasible) return false;
        const double t = 1e-9 * std::max(x.plan_objective, y.plan_objective);
        if (x.plan_objective < y.plan_objective - t) return true;
        if (x.plan_objective > y.plan_objective + t) return false;
        return local_measure(obj, x) < local_measure(obj, y);
    });
    a.why = why_sentence(m, k, a, labels);
    return a;
}

void fused_notes(const Model& m, const SearchResult& r, Plan& p) {
    const Objective o = m.options().objective;
    for (size_t c = 0; c < m.candidates().size(); ++c) {
        const Candidate& k = m.candidates()[c];
        if (k.variant < 0) continue;
        const int first = k.nodes.front();
        if (r.choice.cand[size_t(first)] == int(c)) {
            const int s = r.choice.slot[size_t(first)];
            double parts = 0;
            bool all = true;
            for (int x : k.nodes) {
                const UnitCost& u = m.candidates()[size_t(m.single()[size_t(x)])].cost[size_t(s)];
                all &= u.feasible;
                parts += u.seconds;
            }
            p.notes.push_back(fmt::format(
                "fused variant '{}' ({}) used on {}: {}{}", k.name, member_list(m, k),
                m.slots()[size_t(s)].id, plan_text::seconds(k.cost[size_t(s)].seconds),
                all ? fmt::format(" vs its parts there {} (modelled)", plan_text::seconds(parts))
                    : std::string(" (its parts cannot all run there)")));
            continue;
        }
        Score best;
        int best_slot = -1;
        for (size_t s = 0; s < m.slots().size(); ++s) {
            Choice ch = r.choice;
            if (!activate(m, ch, int(c), int(s))) continue;
            const Score sc = m.evaluate(ch);
            if (better(sc, best)) {
                best = sc;
                best_slot = int(s);
            }
        }
        if (best_slot < 0) {
            std::vector<std::string> why;
            for (size_t s = 0; s < m.slots().size(); ++s)
                if (m.slots()[s].placeable && !k.cost[s].feasible)
                    why.push_back(m.slots()[s].id + ": " +
                                  plan_text::shorten(k.cost[s].reason, 90));
            p.notes.push_back(
                fmt::format("fused variant '{}' ({}) not used: no device of the "
                            "plan can run it{}",
                            k.name, member_list(m, k),
                            why.empty() ? "" : " (" + plan_text::join(why, "; ") + ")"));
            continue;
        }
        p.notes.push_back(fmt::format(
            "fused variant '{}' ({}) not used: with it on {} ({}) the plan would be {} instead "
            "of {}",
            k.name, member_list(m, k), m.slots()[size_t(best_slot)].id,
            plan_text::seconds(k.cost[size_t(best_slot)].seconds),
            plan_text::objective(o, best.primary), plan_text::objective(o, r.score.primary)));
    }
}

Plan build_plan(const Model& m, const SearchResult& r) {
    Record rec;
    State st;
    m.evaluate(r.choice, &rec, &st);
    const PlanOptions& opt = m.options();
    Plan p;
    p.node = m.node().name;
    p.objective = opt.objective;
    p.exact = r.exact;
    p.pins = opt.pins;
    for (const Slot& s : m.slots())
        if (s.placeable) p.devices.push_back(s.id);

    std::vector<const UnitRecord*> order;
    for (const UnitRecord& u : rec.units) order.push_back(&u);
    std::stable_sort(order.begin(), order.end(), [&](auto* x, auto* y) {
        const Phase px = m.candidates()[size_t(x->cand)].phase;
        const Phase py = m.candidates()[size_t(y->cand)].phase;
        if (px != py) return px == Phase::Setup;
        return x->start < y->start;
    });
    for (const UnitRecord* u : order) p.units.push_back(assignment(m, r, rec, *u));

    const double a = opt.amortise_setup_steps > 0 ? 1.0 / double(opt.amortise_setup_steps) : 0.0;
    for (const CopyRecord& c : rec.copies) {
        CopyPlan cp;
        cp.from = c.from;
        cp.to = c.to;
        cp.from_name = m.graph().node(c.from).name;
        cp.to_name = m.graph().node(c.to).name;
        cp.src = m.slots()[size_t(c.src)].id;
        cp.dst = m.slots()[size_t(c.dst)].id;
        cp.bytes = c.bytes;
        cp.seconds = c.seconds;
        cp.mode = c.route->mode;
        cp.why = c.route->why;
        cp.via = c.route->via;
        cp.phase = c.phase;
        cp.start_s = c.start;
        cp.end_s = c.end;
        p.transfer_seconds += c.phase == Phase::Step ? c.seconds : a * c.seconds;
        p.copies.push_back(std::move(cp));
    }
    p.makespan_seconds = st.tl[kStep].makespan;
    p.setup_seconds = st.tl[kSetup].makespan;
    p.setup_joules = m.energy(st, kSetup);
    p.step_seconds = p.makespan_seconds + a * p.setup_seconds;
    p.step_joules = m.energy(st, kStep) + a * p.setup_joules;
    for (size_t s = 0; s < m.slots().size(); ++s) {
        const Slot& sl = m.slots()[s];
        if (!sl.powered) continue;
        double e[2];
        for (int t = 0; t < 2; ++t) e[t] = m.idle_w(int(s)) * st.tl[t].makespan + st.tl[t].extra[s];
        p.busy_seconds[sl.id] = st.tl[kStep].busy[s] + a * st.tl[kSetup].busy[s];
        p.joules_by_device[sl.id] = e[kStep] + a * e[kSetup];
    }
    p.objective_value = r.score.primary;

    const int units = m.placeable_units();
    if (r.exact)
        p.notes.push_back(fmt::format(
            "search: exact branch and bound over {} placeable units ({} states visited)", units,
            r.visited));
    else if (!r.stopped.empty())
        p.notes.push_back("search: " + r.stopped);
    else
        p.notes.push_back(fmt::format(
            "search: greedy with single-unit moves ({} placeable units > exact_limit {}; {} "
            "plans evaluated); not proven optimal",
            units, opt.exact_limit, r.visited));
    for (const std::string& n : m.notes()) p.notes.push_back(n);
    fused_notes(m, r, p);
    return p;
}

}  // namespace

Plan place(const Graph& graph, const HardwareNode& node, const PlanOptions& options) {
    Model m(graph, node, options);
    const SearchResult r = search(m);
    if (std::isinf(r.score.primary))
        usage_error("place: no placement of the graph on node '{}' fits its devices: {}", node.name,
                    r.refused.empty() ? std::string("no feasible plan") : r.refused);
    Plan p = build_plan(m, r);
    if (!options.pins.empty()) {
        PlanOptions free = options;
        free.pins.clear();
        const Model mf(graph, node, free);
        const SearchResult rf = search(mf);
        if (!std::isinf(rf.score.primary)) {
            p.unpinned_objective_value = rf.score.primary;
            std::string pins;
            for (const auto& [k, v] : options.pins)
                pins += (pins.empty() ? "" : ", ") + k + "=" + v;
            p.notes.push_back(fmt::format(
                "pins ({}) cost {}: the plan is {} with them, {} without (modelled)", pins,
                plan_text::objective(options.objective,
                                     p.objective_value - p.unpinned_objective_value),
                plan_text::objective(options.objective, p.objective_value),
                plan_text::objective(options.objective, p.unpinned_objective_value)));
        }
    }
    return p;
}

}  // namespace mempipe
