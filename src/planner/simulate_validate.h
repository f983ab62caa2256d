// Internals of `validate` (planner/simulate.h): per-method summaries of the study and the rows
// that compare them with the paper.
#pragma once

#include <cmath>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "mempipe/planner/simulate.h"

namespace mempipe::validate_detail {

// A range of values (empty until the first add).
struct Span {
    double lo = INFINITY, hi = -INFINITY;
    void add(double x);
    bool empty() const { return lo > hi; }
};
std::string span_text(const Span& s, const char* unit = "×");
// Every value within [lo·(1 − tol), hi·(1 + tol)]: inside the paper's range or within tol of an
// end (the bar rule, tol = 25%).
bool inside(const Span& s, double lo, double hi, double tol = 0.25);
// How the span sits against [lo, hi], in percent of the nearer end.
std::string difference(const Span& s, double lo, double hi);

// One method over the paper's sizes at batch 1.
struct MethodStats {
    std::string method;
    std::vector<const SimulationRow*> rows;
    Span mem, e2e;      // speedups of the heterogeneous plan
    bool fpga = false;  // a memory step ran on the FPGA at some size
    double energy_geo = 0, base_j_geo = 0, het_j_geo = 0;  // geomeans over sizes
    // The paper's mapping forced with pins (Fig. 6): what the FPGA would give.
    Span mapped_mem, mapped_e2e, mapped_fpga_memory;
    // Its copies per transfer step as App. C counts them (per layer and token, retrieval or
    // segment; see transfer_steps_per_unit in simulate_validate.cpp).
    Span mapped_pcie_per_step;
    std::string mapped_note;  // why the mapping was infeasible, if it was
    std::string mapped_why;   // the FPGA unit vs the GPU at the largest size (device models)
};

struct Inputs {
    const HardwareNode* node = nullptr;
    const SimulationReport* study = nullptr;
    std::map<std::string, MethodStats> stats;
    std::map<std::string, SimulationRow> fallback;         // "dsa@262144", "memagent@b4", …
    std::map<std::string, SimulationRow> fallback_mapped;  // the same with the paper's mapping
    std::optional<SimulationReport> a100;
    const HardwareNode* a100_node = nullptr;
};

MethodStats collect(const std::string& method, const std::vector<SimulationRow>& rows,
                    const HardwareNode& node);
ValidationReport build_report(const Inputs& in);
void add_context_rows(const Inputs& in, ValidationReport& rep);  // non-bar comparisons

}  // namespace mempipe::validate_detail
