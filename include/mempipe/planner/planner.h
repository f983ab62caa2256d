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
#pragma once

#include <map>
#include <string>
#include <vector>

#include "mempipe/core/io.h"
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
};

// Where one unit (a node, or a fused variant standing for several) runs, and why.
struct Assignment {
    std::vector<int> nodes;  // graph node indices this unit covers (one unless fused)
    std::string name;        // node name, or the fused op's name
    std::string op;
    std::string device;
    double seconds = 0;  // on the chosen device, amortised by period
    double joules = 0;
    double start_s = 0, end_s = 0;         // in the step's schedule
    std::vector<PlacementOption> options;  // every device considered, cheapest first
    std::string why;  // "retrieval → u55c: 41 µs + 7 µs PCIe < mi210 96 µs"
};

// An explicit copy inserted on a cross-device edge.
struct CopyPlan {
    int from = -1, to = -1;  // graph node indices
    std::string src, dst;    // device ids
    double bytes = 0;
    double seconds = 0;
    std::string mode;  // transfer_mode_name
    std::string why;   // Route::why
};

struct Plan {
    std::string node;  // hardware node name
    Objective objective = Objective::Latency;
    std::vector<Assignment> units;  // in execution order
    std::vector<CopyPlan> copies;
    double step_seconds = 0;   // critical path of one decode step (amortised setup included if asked)
    double step_joules = 0;    // all devices of the node over the step
    double setup_seconds = 0;  // setup-phase nodes, once
    double transfer_seconds = 0;  // sum of copy times in the step
    std::map<std::string, double> busy_seconds;  // per device, in the step
    std::map<std::string, double> joules_by_device;
    double objective_value = 0;
    bool exact = true;  // false when the greedy search was used

    // Seconds of the step spent in each pipeline step (units attributed by their nodes' step).
    std::map<std::string, double> seconds_by_step() const;
    std::string explain() const;  // markdown: one row per unit with alternatives, then copies
    Json to_json() const;
};

Plan place(const Graph& graph, const HardwareNode& node, const PlanOptions& options = {});

}  // namespace mempipe
