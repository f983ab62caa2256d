// The validation rows (planner/simulate.h `validate`): each compares a modelled quantity with the
// paper's reported value and says why it hits or misses. Paper values are quoted from its text
// (section named in each row); hit/miss is computed from the study.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "mempipe/core/error.h"
#include "simulate_text.h"
#include "simulate_validate.h"

namespace mempipe::validate_detail {

namespace {

using simulate_text::seconds;
using simulate_text::size;

struct Bar {
    const char* label;
    std::vector<std::string> methods;
    double lo, hi;
    const char* source;
};

std::string gpu_of(const HardwareNode& n) {
    for (const NodeDevice& d : n.devices)
        if (d.profile.kind == HardwareKind::Gpu) return d.id;
    return n.host.id;
}
std::string fpga_of(const HardwareNode& n) {
    for (const NodeDevice& d : n.devices)
        if (d.profile.kind == HardwareKind::Fpga) return d.id;
    return "none";
}

Span merged(const Inputs& in, const std::vector<std::string>& methods, Span MethodStats::*f) {
    Span s;
    for (const std::string& m : methods) {
        const Span& x = in.stats.at(m).*f;
        if (!x.empty()) s.add(x.lo), s.add(x.hi);
    }
    return s;
}

bool any_fpga(const Inputs& in, const std::vector<std::string>& methods) {
    for (const std::string& m : methods)
        if (in.stats.at(m).fpga) return true;
    return false;
}

// Why a method's memory steps stayed on the GPU (or what ran on the FPGA), with the numbers of
// the paper's mapping forced by pins.
std::string placement_reason(const Inputs& in, const std::string& method) {
    const MethodStats& s = in.stats.at(method);
    const std::string gpu = gpu_of(*in.node), fpga = fpga_of(*in.node);
    if (s.rows.empty()) return "no rows";
    const SimulationRow& big = *s.rows.back();
    std::string out;
    if (s.fpga) {
        out = fmt::format("The heterogeneous plan ran memory steps on {} (at {}: {}).", fpga,
                          size(big.tokens), simulate_text::placement(big));
    } else {
        out = fmt::format("The latency-objective planner kept every memory step off {} ({}).", fpga,
                          simulate_text::placement(big));
    }
    if (!s.mapped_mem.empty())
        out += fmt::format(
            " Forcing the paper's mapping (Fig. 6) with pins gives memory speedups of {} and "
            "end-to-end {}: at {} the memory steps take {} per {} with the FPGA vs {} on the "
            "GPU-only baseline.",
            span_text(s.mapped_mem), span_text(s.mapped_e2e), size(big.tokens),
            seconds(s.mapped_fpga_memory.hi), big.unit, seconds(big.baseline_memory_s));
    else if (!s.mapped_note.empty())
        out += " The paper's mapping is infeasible on this node: " + s.mapped_note + ".";
    return out;
}

// What each FPGA design is (docs/fpga.md §4) and, from the paper's mapping at the largest size,
// what the planner's device models said about it (computed, not quoted).
std::string design_reason(const Inputs& in, const std::string& method) {
    std::string d;
    if (method == "dsa")
        d = "The DSA design (Fig. 7: key loader over 8 HBM channels, an inner-product engine of "
            "2048 int16 MACs as in the authors' released kernel, busy half the cycles as its "
            "16-cycle MAC loop alternates with a 16-cycle output loop, reduction, streaming "
            "top-k) is compute-bound on its engine at 64 heads × 128 (the released kernel "
            "indexes 16 heads; DeepSeek-V3.2 has 64).";
    else if (method == "seer-topk" || method == "seer-threshold")
        d = "The SeerAttention-R gate design is timed as the authors' int16 kernels (8 PEs × 512 "
            "MACs, selection on the logits; docs/fpga.md §7); per layer it also needs the query "
            "over PCIe and a kernel launch.";
    else if (method == "lserve")
        d = "The LServe page selector computes the Quest bound over the min/max statistics, "
            "timed as the authors' kernel (5 PEs, 2560 int16 MACs, pages from URAM and HBM 4× "
            "and 16× slower than from BRAM; docs/fpga.md §7).";
    else if (method == "fs-rag" || method == "flare" || method == "dragin" ||
             method == "two-stage-rag")
        d = "The BM25 design is the authors' forward-index scan (kernels/bm25/indexer_bm25.h): 4 "
            "HBM channels × 16 documents per 512-bit row, every document scored into a streaming "
            "top-k, bound by the 4 channels' HBM bandwidth (docs/fpga.md §7); the baseline's BM25S "
            "runs on the host (measured-software model, anchored on App. C) and the GPU software "
            "has no BM25 kernel, so the speedup here is the FPGA design's over BM25S.";
    else if (method == "hmt")
        d = "The recall design streams Wq from the U55C's HBM every segment; the recall is a "
            "small part of a segment whose 1024-token backbone prefill dominates.";
    else if (method == "memagent")
        d = "The decode engine streams int4 weights from HBM and runs its engines one after "
            "another per layer (Fig. 18).";
    auto it = in.stats.find(method);
    if (it != in.stats.end() && !it->second.mapped_why.empty()) d += " " + it->second.mapped_why;
    return " " + d;
}

ValidationRow bar_row(const Inputs& in, const Bar& b, bool memory) {
    ValidationRow r;
    r.source = b.source;
    r.quantity =
        fmt::format("{} speedup, {}", memory ? "memory-processing" : "end-to-end", b.label);
    r.paper =
        b.lo == b.hi ? fmt::format("{:.2g}×", b.lo) : fmt::format("{:.2g}–{:.2g}×", b.lo, b.hi);
    const Span s = merged(in, b.methods, memory ? &MethodStats::mem : &MethodStats::e2e);
    r.ours = span_text(s);
    r.difference = difference(s, b.lo, b.hi);
    r.is_bar = true;
    r.hit = inside(s, b.lo, b.hi);
    const bool fpga = any_fpga(in, b.methods);
    r.degenerate = r.hit && !fpga;
    std::string why;
    for (const std::string& m : b.methods)
        why += fmt::format("{}[{}] {}", why.empty() ? "" : " ", m, placement_reason(in, m));
    why += design_reason(in, b.methods.front());
    if (r.degenerate)
        why =
            "Hit only through the 25% tolerance: the FPGA is unused, so the ratio reflects the "
            "GPU (or the baseline's host CPU vs the GPU), not the paper's mechanism. " +
            why;
    r.explanation = why;
    return r;
}

ValidationRow fallback_row(const Inputs& in, const std::string& method, const std::string& a,
                           const std::string& b, const std::string& what) {
    const std::string fpga = fpga_of(*in.node);
    const SimulationRow& x = in.fallback.at(a);
    const SimulationRow& y = in.fallback.at(b);
    auto on = [&](const SimulationRow& r) {
        for (const auto& [step, devs] : r.step_devices)
            if ((step == "prepare" || step == "relevancy" || step == "retrieval") &&
                devs.find(fpga) != std::string::npos)
                return true;
        return false;
    };
    ValidationRow r;
    r.source = method == "memagent" ? "§6.4" : "§6.2, App. F";
    r.quantity = fmt::format("fallback emerges: {} ({})", method, what);
    r.paper = method == "memagent" ? "FPGA decode at batch ≤ 2, GPU beyond"
                                   : "FPGA up to ~1M tokens, GPU-only beyond";
    r.ours = fmt::format("{}: {}; {}: {}", method == "memagent" ? "batch 1" : "256K",
                         on(x) ? "FPGA" : "GPU", method == "memagent" ? "batch 4" : "2M",
                         on(y) ? "FPGA" : "GPU");
    r.is_bar = true;
    r.hit = on(x) && !on(y);
    r.difference = r.hit ? "same switch" : "no switch";
    // What the paper's mapping would cost at both points: the FPGA's memory time (its units and
    // their copies) against the GPU-only plan's, i.e. what would have to change for the switch.
    std::string need;
    auto fm = in.fallback_mapped.find(a);
    auto gm = in.fallback_mapped.find(b);
    if (fm != in.fallback_mapped.end() && gm != in.fallback_mapped.end()) {
        const SimulationRow& f1 = fm->second;
        const SimulationRow& f2 = gm->second;
        const char* p1 = method == "memagent" ? "batch 1" : "256K";
        const char* p2 = method == "memagent" ? "batch 4" : "2M";
        auto point = [&](const SimulationRow& f, const char* p) {
            return fmt::format(
                "{} (FPGA, of which {} copies) vs {} (GPU-only) at {}", seconds(f.hetero_memory_s),
                seconds(f.hetero.transfer_seconds / f.units), seconds(f.baseline_memory_s), p);
        };
        const double r1 = f1.hetero_memory_s / f1.baseline_memory_s;
        const double r2 = f2.hetero_memory_s / f2.baseline_memory_s;
        need = fmt::format(
            " With the paper's mapping forced, memory processing per {} takes {} and {}. {}",
            f1.unit, point(f1, p1), point(f2, p2),
            r1 > 1 ? fmt::format("For the switch to emerge the FPGA's memory time at {} would "
                                 "have to shrink {:.3g}× (copies are {:.0f}% of it), while "
                                 "staying above the GPU's at {} (now {:.3g}× it).",
                                 p1, r1,
                                 100 * f1.hetero.transfer_seconds / f1.units /
                                     std::max(1e-30, f1.hetero_memory_s),
                                 p2, r2)
                   : fmt::format("The FPGA wins at {}; for the switch it would have to lose at "
                                 "{} (now {:.3g}× the GPU's time).",
                                 p1, p2, r2));
    }
    r.explanation = fmt::format(
        "From the planner's costs (`mempipe plan {} --node {} {} --explain`): {} at {} and {} at "
        "{}. {}",
        method, in.node->name, method == "memagent" ? "--batch 1,4" : "--tokens 256k,2M",
        simulate_text::placement(x), x.method == "memagent" ? "batch 1" : "256K",
        simulate_text::placement(y), y.method == "memagent" ? "batch 4" : "2M",
        r.hit ? "The switch emerges from the costs (no threshold is coded)."
              : "No switch: the FPGA loses at both points, so there is nothing to fall back "
                "from." +
                    need + design_reason(in, method));
    return r;
}

struct Table3 {
    const char* method;
    const char* label;
    double het, base, max, geo;
};
// Paper Table 3 (§6.3): GPU-FPGA and baseline J/token (sparse attention) or J/request.
constexpr Table3 kTable3[] = {
    {"dsa", "DSA", 15.86, 25.62, 1.69, 1.61},
    {"seer-threshold", "SA-R (threshold)", 0.30, 0.34, 1.26, 1.14},
    {"seer-topk", "SA-R (top-k)", 0.32, 0.36, 1.21, 1.11},
    {"lserve", "LServe", 0.29, 0.43, 1.62, 1.43},
    {"dragin", "DRAGIN", 328.16, 362.57, 1.34, 1.10},
    {"flare", "FLARE", 241.99, 275.53, 1.45, 1.14},
    {"fs-rag", "FS-RAG", 259.88, 315.25, 1.71, 1.21},
    {"two-stage-rag", "two-stage RAG", 150.33, 160.68, 1.23, 1.07},
    {"memagent", "MemAgent", 3202, 13662, 4.66, 4.66},
    {"hmt", "HMT / Titans", 16.55, 27.31, 1.74, 1.65},
};

void add_energy_rows(const Inputs& in, ValidationReport& rep) {
    int concordant = 0, discordant = 0;
    const size_t n = std::size(kTable3);
    for (size_t i = 0; i < n; ++i)
        for (size_t j = i + 1; j < n; ++j) {
            const double dp = kTable3[i].geo - kTable3[j].geo;
            if (std::fabs(dp) < 1e-9) continue;  // a tie in the paper orders nothing
            const double a = in.stats.at(kTable3[i].method).energy_geo;
            const double b = in.stats.at(kTable3[j].method).energy_geo;
            const double d = a - b;
            if (std::fabs(d) > 1e-3 * std::max(a, b) && (d > 0) == (dp > 0))
                ++concordant;
            else
                ++discordant;
        }
    std::vector<const Table3*> ours;
    for (const Table3& t : kTable3) ours.push_back(&t);
    std::stable_sort(ours.begin(), ours.end(), [&](auto* x, auto* y) {
        return in.stats.at(x->method).energy_geo > in.stats.at(y->method).energy_geo;
    });
    std::string order;
    for (auto* t : ours)
        order += fmt::format("{}{} {:.2f}", order.empty() ? "" : " > ", t->label,
                             in.stats.at(t->method).energy_geo);
    ValidationRow r;
    r.source = "Table 3";
    r.quantity = "ordering of the geomean energy improvements across methods";
    r.paper =
        "MemAgent 4.66 > HMT 1.65 > DSA 1.61 > LServe 1.43 > FS-RAG 1.21 > FLARE 1.14 = "
        "SA-R thr. 1.14 > SA-R top-k 1.11 > DRAGIN 1.10 > two-stage 1.07";
    r.ours = order;
    r.difference = fmt::format(
        "{} concordant, {} discordant method pairs (ties in ours count "
        "as discordant)",
        concordant, discordant);
    r.is_bar = true;
    r.hit = discordant == 0;
    double fpga_idle = 0;
    for (const NodeDevice& d : in.node->devices)
        if (d.profile.kind == HardwareKind::Fpga) fpga_idle += d.profile.idle_power_w;
    r.explanation = fmt::format(
        "Energy per unit = the configuration's devices (GPU; FPGA busy or idle in the "
        "heterogeneous node; the host when a unit ran there), active power × busy + idle power × "
        "the rest of the step. Where the planner leaves the FPGA idle, the heterogeneous node "
        "only adds the FPGA's idle power ({:g} W in its profile) to the same step, so such a "
        "method's improvement is below 1 and its rank is set by the GPU's power during the step "
        "against that idle power, not by the paper's kernel powers (App. G).",
        fpga_idle);
    rep.rows.push_back(r);
    for (const Table3& t : kTable3) {
        const MethodStats& s = in.stats.at(t.method);
        ValidationRow e;
        e.source = "Table 3";
        e.quantity = fmt::format("energy per {} and geomean improvement, {}",
                                 s.rows.empty() ? "unit" : s.rows.front()->unit, t.label);
        e.paper = fmt::format("{:.4g} J vs {:.4g} J baseline; {:.2f}× (max {:.2f}×)", t.het, t.base,
                              t.geo, t.max);
        e.ours = fmt::format("{:.4g} J vs {:.4g} J baseline; {:.2f}×", s.het_j_geo, s.base_j_geo,
                             s.energy_geo);
        Span g;
        g.add(s.energy_geo);
        e.difference = difference(g, t.geo, t.geo);
        e.hit = inside(g, t.geo, t.geo);
        e.degenerate = e.hit && !s.fpga;
        e.explanation = fmt::format(
            "Geomean over the paper's sizes at batch 1. Our baseline J per unit is {:.2g}× the "
            "paper's: ours charges whole-board power of every configured device over the "
            "modelled step (idle included), the paper its measured kernel power (App. G).{}",
            t.base > 0 ? s.base_j_geo / t.base : 0.0,
            s.fpga ? ""
                   : " The FPGA is idle in our heterogeneous plans, so its idle power is pure "
                     "overhead.");
        rep.rows.push_back(e);
    }
}

}  // namespace

ValidationReport build_report(const Inputs& in) {
    ValidationReport rep;
    const std::vector<Bar> memory_bars = {
        {"DSA", {"dsa"}, 1.3, 2.2, "Fig. 9; §6.2 case 2"},
        {"SeerAttention-R top-k", {"seer-topk"}, 1.8, 2.2, "Fig. 9; §6.2 case 1"},
        {"SeerAttention-R threshold", {"seer-threshold"}, 2.6, 4.9, "Fig. 9; §6.2 case 1"},
        {"LServe", {"lserve"}, 1.2, 5.6, "Fig. 9; §6.2 case 1"},
        {"single-stage RAG (FS-RAG, FLARE, DRAGIN)",
         {"fs-rag", "flare", "dragin"},
         5.1,
         6.6,
         "Fig. 10 right; §6.2 case 2"},
        {"two-stage RAG", {"two-stage-rag"}, 1.1, 2.1, "Fig. 10 right; §6.2 case 2"},
        {"memory as context", {"hmt"}, 3.1, 4.0, "Fig. 11 right; §6.2 case 2"},
    };
    for (const Bar& b : memory_bars) {
        ValidationRow r = bar_row(in, b, true);
        ++rep.memory_bars;
        rep.memory_hits += r.hit;
        rep.memory_hits_with_fpga += r.hit && !r.degenerate;
        rep.rows.push_back(std::move(r));
    }
    const std::vector<Bar> e2e_bars = {
        {"MemAgent", {"memagent"}, 1.8, 1.8, "Fig. 12; §6.2 case 3"},
        {"memory as context", {"hmt"}, 1.3, 1.6, "Fig. 11 left; §6.2 case 2"},
    };
    for (const Bar& b : e2e_bars) rep.rows.push_back(bar_row(in, b, false));
    rep.rows.push_back(fallback_row(in, "dsa", "dsa@262144", "dsa@2097152", "256K vs 2M tokens"));
    rep.rows.push_back(
        fallback_row(in, "lserve", "lserve@262144", "lserve@2097152", "256K vs 2M tokens"));
    rep.rows.push_back(
        fallback_row(in, "memagent", "memagent@b1", "memagent@b4", "batch 1 vs batch 4"));
    add_energy_rows(in, rep);
    add_context_rows(in, rep);
    return rep;
}

}  // namespace mempipe::validate_detail
