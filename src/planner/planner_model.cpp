// The planner's cost model: candidate units and their costs, pins, the scheduler, bounds
// (src/planner/planner_model.h).
#include "planner/planner_model.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>

#include "mempipe/core/error.h"
#include "mempipe/devices/fpga/fpga_device.h"
#include "mempipe/devices/modelled.h"
#include "planner/plan_text.h"

namespace mempipe::planner_detail {
namespace {

std::string join(const std::vector<std::string>& v, const char* sep = ", ") {
    return plan_text::join(v, sep);
}

double tol(double a, double b) {
    return 1e-9 * std::max(std::fabs(a), std::fabs(b));
}

}  // namespace

bool better(const Score& a, const Score& b) {
    if (std::isinf(b.primary)) return !std::isinf(a.primary);
    const double t = tol(a.primary, b.primary);
    if (a.primary < b.primary - t) return true;
    if (a.primary > b.primary + t) return false;
    return a.secondary < b.secondary - tol(a.secondary, b.secondary);
}

bool can_improve(const Score& lb, const Score& best) {
    if (std::isinf(best.primary)) return true;
    const double t = tol(lb.primary, best.primary);
    if (lb.primary > best.primary + t) return false;
    if (lb.primary < best.primary - t) return true;
    return lb.secondary < best.secondary - tol(lb.secondary, best.secondary);
}

Model::Model(const Graph& graph, const HardwareNode& node, const PlanOptions& options)
    : graph_(graph), node_(node), options_(options) {
    MEMPIPE_CHECK_ARG(options.exact_limit >= 0, "place: exact_limit must be >= 0, got {}",
                      options.exact_limit);
    MEMPIPE_CHECK_ARG(options.amortise_setup_steps >= 0,
                      "place: amortise_setup_steps must be >= 0 (0 = setup not charged), got {}",
                      options.amortise_setup_steps);
    build_slots();
    consumers_.assign(n(), {});
    for (size_t i = 0; i < n(); ++i)
        for (int in : graph_.node(int(i)).inputs) consumers_[size_t(in)].push_back(int(i));
    build_pins();
    build_candidates();
    build_options();
}

void Model::build_pins() {
    pin_slot_.assign(n(), -1);
    auto slot_of_id = [&](const std::string& key, const std::string& dev) {
        for (size_t s = 0; s < slots_.size(); ++s)
            if (slots_[s].id == dev) {
                MEMPIPE_CHECK_ARG(slots_[s].placeable,
                                  "pin {}={}: device '{}' is not among the devices placement may "
                                  "use ({}); add it or drop the pin",
                                  key, dev, dev, join(options_.devices));
                return int(s);
            }
        usage_error("pin {}={}: node '{}' has no device '{}'; its devices: {}", key, dev,
                    node_.name, dev, join(node_.device_ids()));
    };
    // Step pins first, node pins override them.
    for (int pass = 0; pass < 2; ++pass)
        for (const auto& [key, dev] : options_.pins) {
            bool is_step = false;
            for (PipelineStep st : kAllPipelineSteps) is_step |= pipeline_step_name(st) == key;
            bool is_node = false;
            for (const OpNode& nd : graph_.nodes()) is_node |= nd.name == key;
            if (!is_step && !is_node) {
                std::vector<std::string> names;
                for (const OpNode& nd : graph_.nodes()) names.push_back(nd.name);
                usage_error(
                    "pin '{}={}': no node or pipeline step named '{}'; steps: prepare, "
                    "relevancy, retrieval, apply, model; nodes: {}",
                    key, dev, key, names.empty() ? std::string("none") : join(names));
            }
            const int s = slot_of_id(key, dev);
            if (pass == 0 && is_step && !is_node) {
                bool any = false;
                for (size_t i = 0; i < n(); ++i)
                    if (pipeline_step_name(graph_.node(int(i)).step) == key) {
                        pin_slot_[i] = s;
                        any = true;
                    }
                MEMPIPE_CHECK_ARG(any, "pin {}={}: the graph has no node in step '{}'", key, dev,
                                  key);
            }
            if (pass == 1 && is_node)
                for (size_t i = 0; i < n(); ++i)
                    if (graph_.node(int(i)).name == key) pin_slot_[i] = s;
        }
}

void Model::build_candidates() {
    const size_t S = slots_.size();
    auto add = [&](Candidate c) {
        std::set<int> in;
        for (int m : c.nodes)
            for (int x : graph_.node(m).inputs)
                if (std::find(c.nodes.begin(), c.nodes.end(), x) == c.nodes.end()) in.insert(x);
        c.inputs.assign(in.begin(), in.end());
        cands_.push_back(std::move(c));
        return int(cands_.size() - 1);
    };
    single_.assign(n(), -1);
    for (size_t i = 0; i < n(); ++i) {
        const OpNode& nd = graph_.node(int(i));
        Candidate c;
        c.nodes = {int(i)};
        c.op = &nd;
        c.name = nd.name;
        c.phase = nd.phase;
        c.period = nd.period;
        c.repeat = nd.repeat;
        c.state_bytes = nd.state_bytes;
        c.output_bytes = nd.output_bytes;
        single_[i] = add(std::move(c));
    }
    for (size_t v = 0; v < graph_.fused().size(); ++v) {
        const FusedVariant& fv = graph_.fused()[v];
        const Phase ph = graph_.node(fv.nodes.front()).phase;
        std::string skip;
        for (int m : fv.nodes)
            if (graph_.node(m).phase != ph) skip = "its nodes mix setup and step phases";
        for (size_t j = 0; j + 1 < fv.nodes.size() && skip.empty(); ++j)
            for (int c : consumers_[size_t(fv.nodes[j])])
                if (std::find(fv.nodes.begin(), fv.nodes.end(), c) == fv.nodes.end())
                    skip = fmt::format(
                        "node '{}' reads its member '{}', whose output it does not "
                        "produce",
                        graph_.node(c).name, graph_.node(fv.nodes[j]).name);
        if (!skip.empty()) {
            notes_.push_back(fmt::format("fused variant '{}' ignored: {}", fv.fused.name, skip));
            continue;
        }
        Candidate c;
        c.variant = int(v);
        c.nodes = fv.nodes;
        c.op = &fv.fused;
        c.name = fv.fused.name;
        c.phase = ph;
        c.period = fv.fused.period;
        c.repeat = fv.fused.repeat;
        c.state_bytes = fv.fused.state_bytes;
        c.output_bytes = fv.fused.output_bytes > 0 ? fv.fused.output_bytes
                                                   : graph_.node(fv.nodes.back()).output_bytes;
        add(std::move(c));
    }
    routes_.resize(cands_.size() * S * S);
    const std::vector<double> none(kMaxPools, 0.0);
    lb_time_.assign(n(), kInf);
    lb_extra_.assign(n(), kInf);
    for (size_t c = 0; c < cands_.size(); ++c) {
        Candidate& k = cands_[c];
        k.cost.resize(S);
        k.pin_ok.assign(S, 1);
        for (size_t s = 0; s < S; ++s) {
            for (int m : k.nodes)
                if (pin_slot_[size_t(m)] >= 0 && pin_slot_[size_t(m)] != int(s)) k.pin_ok[s] = 0;
            if (!slots_[s].placeable) {
                k.cost[s].reason = "not among the devices placement may use";
                continue;
            }
            k.cost[s] = cost_with(int(c), int(s), none);
            if (!k.cost[s].feasible || !k.pin_ok[s]) continue;
            const double per = 1.0 / double(k.nodes.size());
            k.lb_seconds_per_node = std::min(k.lb_seconds_per_node, k.cost[s].seconds * per);
            k.lb_extra_per_node = std::min(
                k.lb_extra_per_node,
                std::max(0.0, k.cost[s].joules - idle_w(int(s)) * k.cost[s].seconds) * per);
        }
        for (int m : k.nodes) {
            lb_time_[size_t(m)] = std::min(lb_time_[size_t(m)], k.lb_seconds_per_node);
            lb_extra_[size_t(m)] = std::min(lb_extra_[size_t(m)], k.lb_extra_per_node);
        }
    }
    // Every node must run somewhere (alone or fused), and a pinned node on its pin.
    for (size_t i = 0; i < n(); ++i) {
        const OpNode& nd = graph_.node(int(i));
        const Candidate& k = cands_[size_t(single_[i])];
        if (pin_slot_[i] >= 0) {
            const int s = pin_slot_[i];
            bool ok = false;
            for (const Candidate& c : cands_)
                if (std::find(c.nodes.begin(), c.nodes.end(), int(i)) != c.nodes.end())
                    ok |= c.cost[size_t(s)].feasible && c.pin_ok[size_t(s)];
            MEMPIPE_CHECK_ARG(ok, "pin: node '{}' ({}) cannot run on '{}': {}", nd.name, nd.op,
                              slots_[size_t(s)].id, k.cost[size_t(s)].reason);
        }
        if (std::isinf(lb_time_[i])) {
            std::vector<std::string> why;
            for (size_t s = 0; s < S; ++s)
                if (slots_[s].placeable)
                    why.push_back(fmt::format("{}: {}", slots_[s].id, k.cost[s].reason));
            usage_error("place: node '{}' ({}) can run on none of the devices of node '{}': {}",
                        nd.name, nd.op, node_.name, join(why, "; "));
        }
    }
}

double Model::measure(double seconds, double joules) const {
    switch (options_.objective) {
        case Objective::Latency:
            return seconds;
        case Objective::Energy:
            return joules;
        case Objective::Edp:
            return seconds * joules;
    }
    return seconds;
}

void Model::build_options() {
    opts_.assign(n(), {});
    for (size_t c = 0; c < cands_.size(); ++c) {
        const Candidate& k = cands_[c];
        for (size_t s = 0; s < slots_.size(); ++s)
            if (k.cost[s].feasible && k.pin_ok[s])
                opts_[size_t(k.nodes.front())].push_back({int(c), int(s)});
    }
    for (auto& o : opts_)
        std::stable_sort(o.begin(), o.end(), [&](auto a, auto b) {
            const UnitCost& x = cands_[size_t(a.first)].cost[size_t(a.second)];
            const UnitCost& y = cands_[size_t(b.first)].cost[size_t(b.second)];
            return measure(x.seconds, x.joules) / double(cands_[size_t(a.first)].nodes.size()) <
                   measure(y.seconds, y.joules) / double(cands_[size_t(b.first)].nodes.size());
        });
}

int Model::placeable_units() const {
    int count = 0;
    for (size_t i = 0; i < n(); ++i) {
        size_t choices = 0;
        for (size_t c = 0; c < cands_.size(); ++c)
            if (std::find(cands_[c].nodes.begin(), cands_[c].nodes.end(), int(i)) !=
                cands_[c].nodes.end())
                for (size_t s = 0; s < slots_.size(); ++s)
                    choices += cands_[c].cost[s].feasible && cands_[c].pin_ok[s];
        count += choices > 1;
    }
    return count;
}

UnitCost Model::cost_with(int c, int s, const std::vector<double>& used) const {
    const Candidate& k = cands_[size_t(c)];
    const Slot& sl = slots_[size_t(s)];
    const OpNode& op = *k.op;
    const bool fresh = std::all_of(used.begin(), used.end(), [](double u) { return u <= 0; });
    CostEstimate e;
    if (sl.fpga) {
        const auto& dev = static_cast<const fpga::FpgaDevice&>(*sl.device);
        if (fresh) {
            e = dev.estimate(op);
        } else {
            fpga::FpgaConfig cfg = dev.config();
            const double onchip = cfg.onchip_bytes();
            const double left = std::max(0.0, cfg.usable_onchip_bytes() - used[0]);
            cfg.onchip_usable_fraction = onchip > 0 ? left / onchip : 0;
            cfg.hbm.capacity_bytes -= used[1];
            if (cfg.hbm.capacity_bytes <= 0) {
                UnitCost u;
                u.reason = fmt::format("{}'s HBM is full with the state of other units", sl.id);
                return u;
            }
            e = fpga::FpgaDevice(cfg, sl.id).estimate(op);
        }
        if (e.seconds < 0 && e.why.empty())
            e.why = fmt::format("{} has no FPGA design for op '{}'", sl.id, op.op);
        if (e.seconds >= 0) {
            const DeviceProfile& p = *sl.profile;
            e.joules = (e.bound == Bound::Compute ? p.max_power_w : p.active_power_w) * e.seconds;
        }
    } else {
        const auto& dev = static_cast<const ModelledDevice&>(*sl.device);
        TierBudget budget;
        if (!fresh) {
            for (const MemoryTier& t : sl.profile->memory) budget.push_back(t.capacity_bytes);
            for (size_t q = 0; q < sl.pool_tier.size(); ++q)
                budget[size_t(sl.pool_tier[q])] = std::max(0.0, sl.pool_capacity[q] - used[q]);
        }
        e = dev.estimate(op, budget);
    }
    UnitCost u;
    u.reason = e.why;
    if (e.seconds < 0 || !e.fits) {
        if (u.reason.empty()) u.reason = "no model for this op";
        return u;
    }
    u.feasible = true;
    const double per = k.phase == Phase::Step ? double(k.period) / k.repeat : 1.0;
    u.seconds = e.seconds / per;
    u.joules = e.joules / per;
    return u;
}

UnitCost Model::cost_at(int c, int s, const State& st) const {
    const size_t base = size_t(s) * kMaxPools;
    const size_t np = slots_[size_t(s)].pool_capacity.size();
    bool fresh = true;
    for (size_t q = 0; q < np; ++q) fresh &= st.pool_used[base + q] <= 0;
    if (fresh) return cands_[size_t(c)].cost[size_t(s)];
    std::vector<double> used(st.pool_used.begin() + long(base),
                             st.pool_used.begin() + long(base + np));
    auto key = std::make_tuple(c, s, used);
    auto it = cost_memo_.find(key);
    if (it != cost_memo_.end()) return it->second;
    used.resize(kMaxPools, 0.0);
    UnitCost u = cost_with(c, s, used);
    cost_memo_.emplace(std::move(key), u);
    return u;
}

State Model::initial_state() const {
    const size_t S = slots_.size();
    State st;
    for (Timeline& t : st.tl) {
        t.dev_free.assign(S, 0.0);
        t.busy.assign(S, 0.0);
        t.extra.assign(S, 0.0);
        t.link_free.assign(2 * node_.links.size(), 0.0);
    }
    st.cand_of.assign(n(), -1);
    st.slot_of.assign(n(), -1);
    st.done.assign(n(), 0);
    st.end.assign(n(), 0.0);
    st.copy_end.assign(n() * S, -1.0);
    st.pool_used.assign(S * kMaxPools, 0.0);
    return st;
}

void Model::decide(State& st, int c, int s) const {
    for (int m : cands_[size_t(c)].nodes) {
        st.cand_of[size_t(m)] = c;
        st.slot_of[size_t(m)] = s;
    }
}

bool Model::schedule(State& st, int c, int s, Record* rec) const {
    const Candidate& k = cands_[size_t(c)];
    const Slot& sl = slots_[size_t(s)];
    const size_t S = slots_.size();
    const UnitCost uc = cost_at(c, s, st);
    if (!uc.feasible) {
        if (rec) rec->refused = fmt::format("{} on {}: {}", k.name, sl.id, uc.reason);
        return false;
    }
    // The unit's state is held on the device: on-chip pools first, then main, then secondary.
    double left = k.state_bytes;
    const size_t base = size_t(s) * kMaxPools;
    for (size_t q = 0; q < sl.pool_capacity.size() && left > 0; ++q) {
        const double take =
            std::min(left, std::max(0.0, sl.pool_capacity[q] - st.pool_used[base + q]));
        st.pool_used[base + q] += take;
        left -= take;
    }
    if (left > 0) {
        if (rec) {
            double cap = 0, held = 0;
            for (size_t q = 0; q < sl.pool_capacity.size(); ++q) {
                cap += sl.pool_capacity[q];
                held += st.pool_used[base + q];
            }
            held -= k.state_bytes - left;  // what this unit took before running out
            rec->refused = fmt::format(
                "{} on {}: over capacity: its state needs {:.4g} GB but {:.4g} GB of the {:.4g} GB "
                "are held by other units",
                k.name, sl.id, k.state_bytes / 1e9, held / 1e9, cap / 1e9);
        }
        return false;
    }
    const int p = phase_index(k.phase);
    double ready = 0;
    for (int in : k.inputs) {
        const int pin = phase_index(graph_.node(in).phase);
        if (p == kSetup && pin == kStep) continue;  // a setup node's step inputs are not charged
        const int src = st.slot_of[size_t(in)];
        if (src == s) {
            if (pin == p) ready = std::max(ready, st.end[size_t(in)]);
            continue;
        }
        double& ce = st.copy_end[size_t(in) * S + size_t(s)];
        if (ce < 0) {
            const int producer = st.cand_of[size_t(in)];
            const CopyRoute& r = route(producer, src, s);
            const double per = pin == kStep
                                   ? double(std::max(cands_[size_t(producer)].period, k.period)) /
                                         std::min(cands_[size_t(producer)].repeat, k.repeat)
                                   : 1.0;
            const double secs = r.seconds / per;
            Timeline& t = st.tl[pin];
            double start = st.end[size_t(in)];
            for (int res : r.resources) start = std::max(start, t.link_free[size_t(res)]);
            const double e = start + secs;
            for (int res : r.resources) t.link_free[size_t(res)] = e;
            t.makespan = std::max(t.makespan, e);
            ce = e;
            if (rec) {
                int to = k.nodes.front();
                for (int m : k.nodes) {
                    const auto& ins = graph_.node(m).inputs;
                    if (std::find(ins.begin(), ins.end(), in) != ins.end()) {
                        to = m;
                        break;
                    }
                }
                rec->copies.push_back({in, to, src, s, producer,
                                       cands_[size_t(producer)].output_bytes, secs, start, e,
                                       pin == kSetup ? Phase::Setup : Phase::Step, &r});
            }
        }
        if (pin == p) ready = std::max(ready, ce);
    }
    Timeline& t = st.tl[p];
    const double start = std::max(ready, t.dev_free[size_t(s)]);
    const double end = start + uc.seconds;
    t.dev_free[size_t(s)] = end;
    t.busy[size_t(s)] += uc.seconds;
    t.extra[size_t(s)] += uc.joules - idle_w(s) * uc.seconds;
    t.makespan = std::max(t.makespan, end);
    for (int m : k.nodes) {
        st.end[size_t(m)] = end;
        st.done[size_t(m)] = 1;
    }
    if (rec) rec->units.push_back({c, s, start, end, uc.seconds, uc.joules});
    return true;
}

double Model::energy(const State& st, int tl) const {
    const Timeline& t = st.tl[tl];
    double e = 0;
    for (size_t s = 0; s < slots_.size(); ++s)
        if (slots_[s].powered) e += idle_w(int(s)) * t.makespan + t.extra[s];
    return e;
}

namespace {

Score combine(Objective o, int64_t amortise, const double m[2], const double e[2]) {
    const double a = amortise > 0 ? 1.0 / double(amortise) : 0.0;
    const double lat = m[kStep] + a * m[kSetup];
    const double en = e[kStep] + a * e[kSetup];
    switch (o) {
        case Objective::Latency:
            return {lat, m[kSetup]};
        case Objective::Energy:
            return {en, e[kSetup]};
        case Objective::Edp:
            return {lat * en, m[kSetup] * e[kSetup]};
    }
    return {lat, m[kSetup]};
}

}  // namespace

Score Model::score(const State& st) const {
    const double m[2] = {st.tl[kSetup].makespan, st.tl[kStep].makespan};
    const double e[2] = {energy(st, kSetup), energy(st, kStep)};
    return combine(options_.objective, options_.amortise_setup_steps, m, e);
}

Score Model::lower_bound(const State& st) const {
    double m[2], e[2], work[2] = {0, 0}, extra[2] = {0, 0};
    for (int p = 0; p < 2; ++p) m[p] = st.tl[p].makespan;
    std::vector<double> fin(n(), 0.0);
    for (size_t j = 0; j < n(); ++j) {
        if (st.done[j]) {
            fin[j] = st.end[j];
            continue;
        }
        const OpNode& nd = graph_.node(int(j));
        const int p = phase_index(nd.phase);
        double est = 0;
        for (int in : nd.inputs)
            if (phase_index(graph_.node(in).phase) == p) est = std::max(est, fin[size_t(in)]);
        fin[j] = est + lb_time_[j];
        m[p] = std::max(m[p], fin[j]);
        work[p] += lb_time_[j];
        extra[p] += lb_extra_[j];
    }
    int placeable = 0;
    for (const Slot& s : slots_) placeable += s.placeable;
    for (int p = 0; p < 2; ++p) {
        double free = 0;
        for (size_t s = 0; s < slots_.size(); ++s)
            if (slots_[s].placeable) free += st.tl[p].dev_free[s];
        m[p] = std::max(m[p], (free + work[p]) / double(std::max(1, placeable)));
        e[p] = extra[p];
        for (size_t s = 0; s < slots_.size(); ++s)
            if (slots_[s].powered) e[p] += idle_w(int(s)) * m[p] + st.tl[p].extra[s];
    }
    return combine(options_.objective, options_.amortise_setup_steps, m, e);
}

Score Model::evaluate(const Choice& ch, Record* rec, State* out) const {
    State st = initial_state();
    for (size_t i = 0; i < n(); ++i) {
        st.cand_of[i] = ch.cand[i];
        st.slot_of[i] = ch.slot[i];
    }
    for (size_t i = 0; i < n(); ++i) {
        const Candidate& k = cands_[size_t(ch.cand[i])];
        if (k.nodes.back() != int(i)) continue;
        if (!schedule(st, ch.cand[i], ch.slot[i], rec)) return {};
    }
    if (out) *out = st;
    return score(st);
}

}  // namespace mempipe::planner_detail
