// The planner: places a method's graph on a heterogeneous node (layer 6 of DESIGN.md).
//
// `place(graph, node, options)` is a pure function. Every node of the graph (or every fused
// variant, graph.h) goes to one device of the node that supports it; a cross-device edge becomes
// an explicit copy whose time comes from the node's transfer model (HardwareNode::route). Costs
// come from the devices: ModelledDevice (roofline from the profile) for GPUs and CPUs, the FPGA
// emulator's cycle model (fpga::FpgaDevice, from the node's shape when it carries one) for FPGAs.
// Memory capacity is checked: the state_bytes of the nodes a device holds must fit in it (an
// FPGA's on-chip tiers first, then HBM; a placement that does not fit is refused). The search is
// exact (every assignment, branch and bound) for graphs of up to `exact_limit` placeable units and
// greedy with local improvement beyond. Objective: latency (critical path of one decode step,
// devices running one op at a time, copies on the links), energy (every device's board energy
// over that step: active power while busy, idle power otherwise) or EDP (their product).
// Setup-phase nodes (building an index, Prepare once per memory) are placed and reported but,
// unless `amortise_setup_steps` > 0, not charged to the step; with it, setup / steps is added.
// Pins force a node (by name) or every node of a pipeline step ("retrieval", …) onto a device.
// Every assignment carries its explanation: the time on the chosen device and on each
// alternative (or why an alternative was impossible), so fallbacks (GPU-only for a method whose
// index spills to FPGA HBM, MemAgent on the GPU at batch > 2) can be seen to emerge from costs.
// Every number is modelled.
//
// The model in detail (docs/planner.md has a worked example):
//   units      a node alone, or a fused variant standing for its members (usable when its members
//              share a phase and nothing outside reads a member other than the last);
//   cost       a unit alone on a device with the memory the units before it on that device left
//              free (ModelledDevice: TierBudget; FPGA: on-chip and HBM capacity reduced); Step
//              units are amortised by `period`; FPGA energy = active power × time (memory- or
//              launch-bound) or the board's max power × time (compute-bound);
//   capacity   a unit's state_bytes are held on its device (on-chip pools first, then main, then
//              secondary memory); more than the device has is refused, with the reason;
//   schedule   list scheduling in graph order, one schedule for Setup units and one for Step
//              units: a unit starts when its device is free and its inputs are there; a
//              cross-device input is copied once per (producer, destination device) over the
//              route's links (each direction of a link carries one copy at a time), in the
//              producer's schedule (a Setup → Step copy happens once, at setup), amortised by
//              the larger period of the two; a Setup node's inputs from Step nodes are ignored;
//   energy     per schedule: every powered device (the host, and each device placement may use)
//              idles over the makespan, and each unit adds (its joules − idle power × its time):
//              profile.energy_joules(busy, makespan) when every unit draws the active power;
//              copies add no device energy (DMA engines' power is within the boards' idle power);
//   objective  latency = step makespan (+ setup makespan / amortise_setup_steps), energy = step
//              energy (+ setup energy / amortise_setup_steps), EDP = their product; ties are
//              broken by the setup schedule's own measure, then by graph and device order;
//   search     branch and bound over the (unit, device) choices in graph order when at most
//              exact_limit nodes have more than one choice (lower bounds: critical path and
//              average device load of the remaining units at their cheapest, their cheapest
//              energy), started from the heuristic's plan; else the heuristic: greedy in graph
//              order plus every single-device plan, each improved by single-unit moves (move a
//              unit, fuse or split a variant) until none helps. A plan never costs more than the
//              best single-device plan.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "mempipe/core/io.h"
#include "mempipe/devices/device.h"
#include "mempipe/graph/graph.h"
#include "mempipe/node/hardware.h"

namespace mempipe {

enum class Objective { Latency, Energy, Edp };
std::string_view objective_name(Objective o);
Objective parse_objective(std::string_view s);  // usage error naming the objectives

struct PlanOptions {
    Objective objective = Objective::Latency;
    // node name or pipeline step name ("prepare", "relevancy", "retrieval", "apply", "model") →
    // device id of the node. A pin naming an unknown node/step/device is a usage error; a pin
    // onto a device that cannot run the node is a usage error that says why.
    std::map<std::string, std::string> pins;
    int64_t amortise_setup_steps = 0;  // 0: setup reported, not charged to the step
    int exact_limit = 14;              // placeable units searched exhaustively
    // Restrict placement to these device ids (e.g. {"mi210"} for the GPU-only baseline); empty =
    // every device of the node, host included.
    std::vector<std::string> devices;
};

// One alternative device for a unit and what it would cost there.
struct PlacementOption {
    std::string device;
    bool feasible = true;
    double seconds = 0;  // the unit alone on that device (modelled)
    double joules = 0;
    std::string reason;  // why infeasible, or the device's CostEstimate::why
    // With every other unit where the plan put it: the copies this unit's inputs and outputs
    // would need on that device, and the plan's objective (0 when infeasible).
    double copy_seconds = 0;
    double plan_objective = 0;
    bool pinned_out = false;  // a pin keeps the unit off this device
};

// Where one unit (a node, or a fused variant standing for several) runs, and why.
struct Assignment {
    std::vector<int> nodes;  // graph node indices this unit covers (one unless fused)
    std::string name;        // node name, or the fused op's name
    std::string op;
    std::string device;
    double seconds = 0;  // on the chosen device, amortised by period
    double joules = 0;
    double start_s = 0, end_s = 0;  // in the step's schedule
    // Every device placement may use, cheapest first (the plan's objective with the unit there,
    // then its own cost); infeasible ones last.
    std::vector<PlacementOption> options;
    std::string why;            // "retrieval → u55c: 41 µs + 7 µs PCIe < mi210 96 µs"
    Phase phase = Phase::Step;  // Setup units run in the setup schedule (start_s/end_s there)
    bool pinned = false;
    double copy_seconds = 0;  // the copies into and out of this unit (see PlacementOption)
    // `seconds` split over the pipeline steps of the nodes it covers (a fused unit in proportion
    // to its members' own times on the device).
    std::map<std::string, double> seconds_by_step;
};

// An explicit copy inserted on a cross-device edge.
struct CopyPlan {
    int from = -1, to = -1;  // graph node indices
    std::string src, dst;    // device ids
    double bytes = 0;
    double seconds = 0;
    std::string mode;                // transfer_mode_name
    std::string why;                 // Route::why
    std::string from_name, to_name;  // their node names
    Phase phase = Phase::Step;       // Setup: a one-time copy in the setup schedule
    double start_s = 0, end_s = 0;   // on its links, in its phase's schedule
    std::string via;                 // the links it occupies
};

struct Plan {
    std::string node;  // hardware node name
    Objective objective = Objective::Latency;
    std::vector<Assignment> units;  // in execution order
    std::vector<CopyPlan> copies;
    double step_seconds =
        0;                   // critical path of one decode step (amortised setup included if asked)
    double step_joules = 0;  // all powered devices over the step (amortised setup if asked)
    double setup_seconds = 0;     // setup-phase nodes, once
    double transfer_seconds = 0;  // sum of copy times in the step (+ amortised setup copies)
    // Per powered device, in the step (+ amortised setup): busy time and energy (they sum to
    // step_joules).
    std::map<std::string, double> busy_seconds;
    std::map<std::string, double> joules_by_device;
    double objective_value = 0;
    bool exact = true;                 // false when the greedy search was used
    double makespan_seconds = 0;       // the step schedule alone (without amortised setup)
    double setup_joules = 0;           // all devices over the setup schedule, once
    std::vector<std::string> devices;  // device ids placement could use
    std::map<std::string, std::string> pins;
    // With pins: the objective of the best plan without them (the cost of the pins); −1 without.
    double unpinned_objective_value = -1;
    std::vector<std::string> notes;  // fused variants considered, search statistics

    // Seconds of the step spent in each pipeline step (units attributed by their nodes' step).
    std::map<std::string, double> seconds_by_step() const;
    std::string explain() const;  // markdown: one row per unit with alternatives, then copies
    Json to_json() const;
};

Plan place(const Graph& graph, const HardwareNode& node, const PlanOptions& options = {});

// The device the planner costs a node's device with: a ModelledDevice (devices/modelled.h) for
// GPU and CPU profiles (the host included), an fpga::FpgaDevice configured from the profile
// (fpga_config_from_profile) for FPGA profiles. Its id is the node's device id.
std::unique_ptr<Device> make_planner_device(const NodeDevice& device);

}  // namespace mempipe
