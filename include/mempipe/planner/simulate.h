// The paper's study on a heterogeneous node: every method's GPU-only baseline against the
// heterogeneous plan, from cost-only workloads (methods/workload.h) placed by the planner
// (planner/planner.h). Every number is MODELLED (device roofline and FPGA cycle models, link
// models); nothing runs.
//
// For one workload (a method at a memory size and batch):
//   baseline  place(graph, devices = the node's GPU — plus the host CPU where the paper's baseline
//             runs a step there: the BM25S retrieval of RAG (App. D, App. F case 2), pinned to it)
//   hetero    place(graph, the baseline's devices plus every other accelerator of the node —
//             the host only where the baseline has it, so no speedup comes from adding the host
//             CPU; objective from the options: latency)
//   memory    Prepare + Compute Relevancy + Retrieval of the step (Apply and the rest of the model
//             excluded; copies to or from a memory-step node included), per unit — the paper's
//             "memory processing" of Figs. 9–12 (§3.1, Fig. 3);
//   e2e       the plan's step latency per unit (token or request, Workload::unit);
//   energy    per unit: the devices of each configuration (the GPU; the FPGA for the
//             heterogeneous node, busy or idle; the host when a unit of that plan ran on it),
//             each active × busy + idle × (step − busy) (DeviceProfile::energy_joules);
//   PCIe      share of the heterogeneous step spent in copies (transfer seconds / step seconds).
// `simulate` runs every method at each of its paper sizes (or the sizes given) and batch, plus
// the batch-scaling table of §6.4 (Table 4) at each method's default size, in well under a minute
// (design estimates, never functional emulation). `validate` compares the results with the
// paper's reported ranges (Figs. 8–12, Tables 3–4, App. H) and writes docs/validation.md.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "mempipe/core/io.h"
#include "mempipe/methods/workload.h"
#include "mempipe/node/hardware.h"
#include "mempipe/planner/planner.h"

namespace mempipe {

// The GPU-only baseline of a workload on a node: device ids and pins.
struct BaselineConfig {
    std::vector<std::string> devices;
    std::map<std::string, std::string> pins;
    std::string why;  // "GPU only" / "GPU + BM25S on the host CPU (App. D)"
};
// The node's first GPU (or its host when it has none), plus the host with the BM25 nodes pinned to
// it for the RAG methods.
BaselineConfig baseline_config(const Workload& w, const HardwareNode& node);

struct SimulationRow {
    std::string method, model, unit;
    int64_t tokens = 0;
    int batch = 1;
    bool paper_size = false;       // one of the sizes the paper evaluates
    std::string baseline_devices;  // "mi210" / "mi210+host"
    double units = 1;              // units per graph execution (Workload::units)
    // Seconds and joules per unit (token or request). Modelled.
    double baseline_memory_s = 0, hetero_memory_s = 0, memory_speedup = 0;
    double baseline_e2e_s = 0, hetero_e2e_s = 0, e2e_speedup = 0;
    double baseline_joules = 0, hetero_joules = 0, energy_improvement = 0;  // baseline / hetero
    double baseline_memory_fraction = 0;  // memory / e2e in the baseline (Figs. 3–5)
    double pcie_share = 0;                // of the heterogeneous step
    // Heterogeneous plan: pipeline step ("prepare", …) → the devices its units ran on ("u55c",
    // "mi210+u55c"); and the units placed on an FPGA.
    std::map<std::string, std::string> step_devices;
    std::vector<std::string> fpga_units;
    Plan baseline, hetero;
};

// One workload: both plans and the row. `objective` and `hetero_pins` are the heterogeneous
// plan's (pins force the paper's mapping, Fig. 6, for diagnosis; see paper_mapping_pins).
SimulationRow simulate_workload(const Workload& w, const HardwareNode& node,
                                Objective objective = Objective::Latency,
                                const std::map<std::string, std::string>& hetero_pins = {});
// The paper's mapping of a workload's memory steps onto the node's FPGA (Fig. 6: the fused
// relevancy + retrieval for sparse attention and RAG, the recall for memory-as-context, the
// decode for MemAgent) as node pins; empty when the node has no FPGA or the method has no FPGA
// kernel (LaCT).
std::map<std::string, std::string> paper_mapping_pins(const Workload& w, const HardwareNode& node);

struct SimulateOptions {
    std::vector<std::string> methods;                 // empty: every method of workload_methods()
    std::vector<int64_t> tokens;                      // empty: each method's paper sizes
    std::vector<int> batches = {1};                   // batches of the main table
    std::vector<int> scaling_batches = {1, 2, 4, 8};  // §6.4 table at the default size; empty: none
    Objective objective = Objective::Latency;
};

struct SimulationReport {
    std::string node;
    Objective objective = Objective::Latency;
    std::vector<SimulationRow> rows;
    std::vector<SimulationRow> scaling;  // batch scaling (Table 4)
    double wall_seconds = 0;             // measured time of the simulation itself
    std::string to_markdown() const;     // tables: speedups, energy, placement, batch scaling
    Json to_json() const;
};

// Usage error naming the methods when one is unknown; sizes and batches are checked by
// make_workload.
SimulationReport simulate(const HardwareNode& node, const SimulateOptions& options);

// One comparison with the paper.
struct ValidationRow {
    std::string source;    // "Fig. 9", "Table 3", "App. H", …
    std::string quantity;  // "memory-processing speedup, DSA"
    std::string paper;     // the paper's reported value or range, as text
    std::string ours;      // our modelled value or range, as text
    std::string difference;
    bool is_bar = false;      // one of the bars
    bool hit = false;         // computed, never hard-coded
    bool degenerate = false;  // a hit only because the heterogeneous plan left the FPGA unused
    std::string explanation;
};

struct ValidationReport {
    std::string node;
    std::vector<ValidationRow> rows;
    int memory_bars = 0, memory_hits = 0, memory_hits_with_fpga = 0;  // the seven memory bars
    // Markdown: the fused designs at their default parallelism vs the parallelism of the
    // authors' released kernels, against the GPU (computed with the same models).
    std::string design_section;
    // Markdown: the GPU baseline as a roofline vs as the measured-software model (App. C anchor),
    // per method — baseline memory latency and memory speedup under each (modelled).
    std::string gpu_model_section;
    // Markdown: the planner's explanation of the memory units at 256K vs 2M tokens (DSA, LServe)
    // and batch 1 vs 4 (MemAgent) — the fallbacks' evidence.
    std::string fallback_section;
    double wall_seconds = 0;
    std::string to_markdown() const;  // docs/validation.md
    Json to_json() const;
};

// Runs the study on `node` (the paper's is mi210-u55c) and, for App. H, on `a100_node` when it is
// not empty; compares with the paper.
ValidationReport validate(const HardwareNode& node, const HardwareNode* a100_node = nullptr);

}  // namespace mempipe
