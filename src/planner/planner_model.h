// The planner's cost model (internal): the candidate units of a graph (single nodes and usable
// fused variants), what each costs on each device of the node, the list scheduler that turns a
// choice of (unit, device) pairs into a step schedule with copies on the links, its energy and
// objective, and the lower bounds the branch and bound uses. planner.h states the model.
#pragma once

#include <limits>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "mempipe/devices/device.h"
#include "mempipe/planner/planner.h"

namespace mempipe::planner_detail {

inline constexpr double kInf = std::numeric_limits<double>::infinity();
inline constexpr int kSetup = 0, kStep = 1;  // schedule indices
inline int phase_index(Phase p) {
    return p == Phase::Setup ? kSetup : kStep;
}

// A candidate unit on one device, with the device's free memory as it was.
struct UnitCost {
    bool feasible = false;
    double seconds = 0;  // in its schedule: amortised by period for Step units
    double joules = 0;   // the same execution(s), board energy while it runs
    std::string reason;  // why infeasible, or the device's CostEstimate::why
};

// A device of the node as the planner sees it.
struct Slot {
    std::string id;
    const DeviceProfile* profile = nullptr;
    std::unique_ptr<Device> device;
    bool fpga = false;
    bool placeable = true;  // in PlanOptions::devices
    bool powered = true;    // counts in the energy: placeable, or the host (always powered)
    std::vector<double> pool_capacity;  // where state is held, in fill order
    std::vector<std::string> pool_name;
    std::vector<int> pool_tier;  // ModelledDevice: the profile tier of each pool
};

// A possible unit: one node, or a fused variant standing for several.
struct Candidate {
    int variant = -1;        // index in Graph::fused(), −1 for a single node
    std::vector<int> nodes;  // graph node indices, in graph order
    const OpNode* op = nullptr;
    std::string name;
    Phase phase = Phase::Step;
    int period = 1;
    double repeat = 1.0;  // OpNode::repeat
    double state_bytes = 0;
    double output_bytes = 0;
    std::vector<int> inputs;            // graph nodes read from outside the unit (sorted, unique)
    std::vector<UnitCost> cost;         // per slot, every pool free
    std::vector<char> pin_ok;           // per slot: no pin keeps it off
    double lb_seconds_per_node = kInf;  // min over feasible slots, ÷ its node count
    double lb_extra_per_node = kInf;    // min of (joules − idle × seconds), ÷ its node count
};

// The cheapest route from one slot to another for a candidate's output.
struct CopyRoute {
    double seconds = 0;
    std::vector<int> resources;         // link-direction ids it occupies
    std::string mode, via, why, label;  // label: "PCIe" / "NVLink"
};

// One schedule (setup or step).
struct Timeline {
    std::vector<double> dev_free, busy, extra;  // per slot
    std::vector<double> link_free;              // per link-direction resource
    double makespan = 0;
};

struct State {
    Timeline tl[2];
    std::vector<int> cand_of, slot_of;  // per node; −1 undecided
    std::vector<char> done;             // per node: its unit is scheduled
    std::vector<double> end;            // per node: its unit's end in its schedule
    std::vector<double> copy_end;       // [node × slots]: its output's copy on a slot (−1: none)
    std::vector<double> pool_used;      // [slot × kMaxPools]
};
inline constexpr int kMaxPools = 8;

struct UnitRecord {
    int cand = -1, slot = -1;
    double start = 0, end = 0, seconds = 0, joules = 0;
};
struct CopyRecord {
    int from = -1, to = -1, src = -1, dst = -1, producer = -1;  // producer: candidate
    double bytes = 0, seconds = 0, start = 0, end = 0;
    Phase phase = Phase::Step;
    const CopyRoute* route = nullptr;
};
struct Record {
    std::vector<UnitRecord> units;
    std::vector<CopyRecord> copies;
    std::string refused;  // why the last schedule() failed
};

// Objective value with the setup schedule as a tie breaker (when setup is not charged to the
// step, where it runs still matters: it is placed as fast as the step allows).
struct Score {
    double primary = kInf, secondary = kInf;
};
bool better(const Score& a, const Score& b);           // a strictly better than b
bool can_improve(const Score& lb, const Score& best);  // a subtree bounded by lb may beat best

// A choice: per node, its candidate and slot (members of a fused unit share them).
struct Choice {
    std::vector<int> cand, slot;
};

class Model {
  public:
    Model(const Graph& graph, const HardwareNode& node, const PlanOptions& options);

    const Graph& graph() const { return graph_; }
    const HardwareNode& node() const { return node_; }
    const PlanOptions& options() const { return options_; }
    const std::vector<Slot>& slots() const { return slots_; }
    const std::vector<Candidate>& candidates() const { return cands_; }
    const std::vector<int>& single() const { return single_; }  // node → its single candidate
    const std::vector<std::string>& notes() const { return notes_; }
    const std::map<std::string, std::string>& pins() const { return options_.pins; }
    size_t n() const { return graph_.size(); }
    int placeable_units() const;  // nodes with more than one (unit, device) choice
    int pin_slot(int node) const { return pin_slot_[node]; }
    // Objective measure of one unit alone (seconds, joules or their product).
    double measure(double seconds, double joules) const;
    // Per-node share of a unit's cost used by the bounds (valid lower bounds whatever the plan).
    double lb_time(int node) const { return lb_time_[node]; }

    // Options of a node not yet covered: (candidate, slot) pairs starting at it, cheapest first
    // (by the objective's measure at full memory), feasible and allowed by pins only.
    const std::vector<std::pair<int, int>>& options_at(int node) const { return opts_[node]; }

    State initial_state() const;
    // The cost of candidate c on slot s with the slot's memory as `st` left it.
    UnitCost cost_at(int c, int s, const State& st) const;
    // Schedules candidate c on slot s (every member decided, its inputs scheduled). False when
    // the slot's memory cannot hold the unit (rec->refused says why).
    bool schedule(State& st, int c, int s, Record* rec = nullptr) const;
    // Decides c on s for its members (not scheduled yet).
    void decide(State& st, int c, int s) const;
    Score score(const State& st) const;  // of a fully scheduled state
    // A bound no completion of `st` (nodes not yet scheduled) can beat.
    Score lower_bound(const State& st) const;
    // Schedules a whole choice; infinite score when infeasible.
    Score evaluate(const Choice& ch, Record* rec = nullptr, State* out = nullptr) const;
    // Energy of one schedule: all slots idle over its makespan + what the units add.
    double energy(const State& st, int tl) const;
    const CopyRoute& route(int producer_cand, int src, int dst) const;
    double idle_w(int s) const { return slots_[s].profile->idle_power_w; }

  private:
    void build_slots();
    void build_candidates();
    void build_pins();
    void build_options();
    UnitCost cost_with(int c, int s, const std::vector<double>& used) const;
    int resource(int link, bool forward) const { return 2 * link + (forward ? 0 : 1); }

    const Graph& graph_;
    const HardwareNode& node_;
    PlanOptions options_;
    std::vector<Slot> slots_;
    std::vector<Candidate> cands_;
    std::vector<int> single_;
    std::vector<std::vector<std::pair<int, int>>> opts_;
    std::vector<int> pin_slot_;  // per node: −1 or the slot it is pinned to
    std::vector<std::vector<int>> consumers_;
    mutable std::vector<std::unique_ptr<CopyRoute>> routes_;  // [cand × slot × slot], lazily
    mutable std::map<std::tuple<int, int, std::vector<double>>, UnitCost> cost_memo_;
    std::vector<std::string> notes_;
    std::vector<double> lb_time_, lb_extra_;  // per node
};

}  // namespace mempipe::planner_detail
