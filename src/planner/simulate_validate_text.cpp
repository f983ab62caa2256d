// The non-bar validation rows (Figs. 3–5, 8, 10, Table 4, App. C, App. H, the headline) and the
// report's markdown (docs/validation.md) and JSON.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "simulate_text.h"
#include "simulate_validate.h"

namespace mempipe::validate_detail {

namespace {

using simulate_text::seconds;
using simulate_text::size;

ValidationRow row(const char* source, std::string quantity, std::string paper, const Span& ours,
                  double lo, double hi, const char* unit, std::string explanation,
                  bool fpga_used = true) {
    ValidationRow r;
    r.source = source;
    r.quantity = std::move(quantity);
    r.paper = std::move(paper);
    r.ours = span_text(ours, unit);
    r.difference = difference(ours, lo, hi);
    r.hit = inside(ours, lo, hi);
    r.degenerate = r.hit && !fpga_used;
    r.explanation = std::move(explanation);
    return r;
}

bool uses_fpga(const Inputs& in, const std::vector<std::string>& methods) {
    for (const std::string& m : methods)
        if (in.stats.at(m).fpga) return true;
    return false;
}

Span over(const Inputs& in, const std::vector<std::string>& methods,
          double (*f)(const SimulationRow&), int64_t only_tokens = -1) {
    Span s;
    for (const std::string& m : methods)
        for (const SimulationRow* r : in.stats.at(m).rows)
            if (only_tokens < 0 || r->tokens == only_tokens) s.add(f(*r));
    return s;
}

Span max_of(const Span& s) {
    Span m;
    if (!s.empty()) m.add(s.hi);
    return m;
}

const std::vector<std::string> kSparse = {"dsa", "seer-topk", "seer-threshold", "lserve"};
const std::vector<std::string> kSingleRag = {"fs-rag", "flare", "dragin"};
const std::vector<std::string> kRag = {"fs-rag", "flare", "dragin", "two-stage-rag"};

std::string fpga_note(const Inputs& in, const std::vector<std::string>& methods) {
    for (const std::string& m : methods)
        if (in.stats.at(m).fpga) return "The FPGA runs memory steps at some sizes.";
    return "The heterogeneous plans leave the FPGA idle (see the memory-processing rows), so "
           "this ratio is 1 up to the scheduler's overlap.";
}

void add_trend_rows(const Inputs& in, ValidationReport& rep) {
    std::map<std::string, std::map<int, const SimulationRow*>> by;
    for (const SimulationRow& r : in.study->scaling) by[r.method][r.batch] = &r;
    struct Trend {
        const char* label;
        std::vector<std::string> methods;
        bool increasing;
        const char* paper;
    };
    const Trend trends[] = {
        {"sparse attention", kSparse, true, "speedup increases with batch"},
        {"RAG", kRag, true, "speedup increases with batch"},
        {"memory as context", {"hmt"}, false, "speedup decreases with batch"},
        {"MemAgent",
         {"memagent"},
         false,
         "slowdown with batch (GPU-centric deployment beyond batch 2)"},
    };
    for (const Trend& t : trends) {
        bool hit = true;
        std::string ours;
        for (const std::string& m : t.methods) {
            const auto& cells = by[m];
            if (cells.size() < 2) {
                hit = false;
                continue;
            }
            const double first = cells.begin()->second->e2e_speedup;
            const double last = cells.rbegin()->second->e2e_speedup;
            ours += fmt::format("{}{} {:.2f}×→{:.2f}× (batch {}→{})", ours.empty() ? "" : "; ", m,
                                first, last, cells.begin()->first, cells.rbegin()->first);
            hit &= t.increasing ? last > first * 1.001 : last < first / 1.001;
        }
        ValidationRow r;
        r.source = "Table 4; §6.4";
        r.quantity = fmt::format("batch scaling of the end-to-end speedup, {}", t.label);
        r.paper = t.paper;
        r.ours = ours;
        r.difference = hit ? "same trend" : "different trend";
        r.hit = hit;
        r.explanation = fmt::format(
            "At each method's default size (the table's cells are not in our copy of the paper, "
            "only the trends of §6.4). {}",
            fpga_note(in, t.methods));
        rep.rows.push_back(std::move(r));
    }
}

void add_a100_rows(const Inputs& in, ValidationReport& rep) {
    if (!in.a100) return;
    Span e2e, mem;
    int faster = 0, total = 0, a100_faster = 0;
    std::map<int64_t, const SimulationRow*> a100_rows;
    for (const SimulationRow& r : in.a100->rows)
        if (r.method == "dsa" && r.batch == 1) {
            e2e.add(r.e2e_speedup);
            mem.add(r.memory_speedup);
            a100_rows[r.tokens] = &r;
        }
    for (const SimulationRow* r : in.stats.at("dsa").rows) {
        auto it = a100_rows.find(r->tokens);
        if (it == a100_rows.end()) continue;
        ++total;
        faster += r->hetero_memory_s < it->second->baseline_memory_s;
        a100_faster += it->second->baseline_e2e_s < r->baseline_e2e_s;
    }
    const std::string name = in.a100_node ? in.a100_node->name : "a100";
    ValidationRow a = row("App. H; Figs. 25–26",
                          fmt::format("DSA on {}: end-to-end speedup over the A100 alone", name),
                          "consistent speedups (> 1×)", e2e, 1.0, INFINITY, "×",
                          "Same study with the A100 as the GPU. " +
                              std::string(e2e.lo > 1.005 ? ""
                                                         : "The planner keeps DSA on the A100 "
                                                           "at every size, as on the MI210."));
    a.hit = !e2e.empty() && e2e.lo > 1.005;
    a.difference = a.hit ? "speedup at every size" : "no speedup at some size";
    rep.rows.push_back(std::move(a));
    ValidationRow b;
    b.source = "App. H; Fig. 26";
    b.quantity = "DSA memory processing: MI210 + U55C faster than the A100 alone";
    b.paper = "in certain configurations";
    b.ours = fmt::format("at {} of {} sizes", faster, total);
    b.hit = faster > 0;
    b.difference = b.hit ? "some size" : "no size";
    auto gpu_profile = [](const HardwareNode& n) -> const DeviceProfile* {
        for (const NodeDevice& d : n.devices)
            if (d.profile.kind == HardwareKind::Gpu) return &d.profile;
        return nullptr;
    };
    const DeviceProfile* mi = gpu_profile(*in.node);
    const DeviceProfile* a1 = in.a100_node ? gpu_profile(*in.a100_node) : nullptr;
    b.explanation = fmt::format(
        "Compares the heterogeneous {} plan's memory time with the {}'s GPU-only memory time at "
        "each paper size. {}",
        in.node->name, a1 ? a1->name : "A100",
        in.stats.at("dsa").fpga ? "The FPGA runs DSA's memory steps at some sizes."
        : mi && a1 ? fmt::format("The FPGA is unused, so this compares the two GPUs: the indexer "
                                 "logits are f32 arithmetic (ops/dsa.h cost), where {} has a "
                                 "{:.3g} TFLOP/s peak and {} {:.3g}, and HBM {:.3g} vs {:.3g} "
                                 "TB/s.",
                                 mi->name, mi->peak("f32") / 1e12, a1->name, a1->peak("f32") / 1e12,
                                 mi->main_memory().bandwidth_bytes_per_s / 1e12,
                                 a1->main_memory().bandwidth_bytes_per_s / 1e12)
                   : std::string());
    b.degenerate = b.hit && !in.stats.at("dsa").fpga;
    rep.rows.push_back(std::move(b));
    ValidationRow c;
    c.source = "App. H; Fig. 25";
    c.quantity = "end to end, the A100 alone is faster than the MI210 alone";
    c.paper = "generally";
    c.ours = fmt::format("at {} of {} sizes", a100_faster, total);
    c.hit = total > 0 && a100_faster * 2 > total;
    c.difference = c.hit ? "same" : "different";
    c.explanation =
        "The GPU-only baselines of the two nodes (the MI210 with its measured-software model for "
        "memory ops, the A100 at its roofline: no published measurement of the same software on "
        "it).";
    rep.rows.push_back(std::move(c));
}

double per_exec_memory(const SimulationRow& r) {
    return r.baseline_memory_s * r.units;
}
double per_unit_memory(const SimulationRow& r) {
    return r.baseline_memory_s;
}
double fraction(const SimulationRow& r) {
    return 100 * r.baseline_memory_fraction;
}
double e2e_speedup(const SimulationRow& r) {
    return r.e2e_speedup;
}

}  // namespace

void add_context_rows(const Inputs& in, ValidationReport& rep) {
    // Fig. 8 / Fig. 10 left: end-to-end speedups (not bars).
    struct E2e {
        const char* label;
        std::vector<std::string> methods;
        double lo, hi;
        const char* source;
        bool max_only;
    };
    const E2e e2e[] = {
        {"DSA", {"dsa"}, 1.1, 1.2, "Fig. 8; App. F case 2", false},
        {"SeerAttention-R",
         {"seer-topk", "seer-threshold"},
         1.04,
         1.25,
         "Fig. 8; App. F case 1",
         false},
        {"LServe", {"lserve"}, 1.15, 1.49, "Fig. 8; App. F case 1", false},
        {"single-stage RAG (max)", kSingleRag, 2.2, 2.2, "Fig. 10 left; §1 (DRAGIN up to 2.2×)",
         true},
        {"two-stage RAG (max)", {"two-stage-rag"}, 1.47, 1.84, "Fig. 10 left; §6.2 case 2", true},
    };
    for (const E2e& e : e2e) {
        Span s = over(in, e.methods, e2e_speedup);
        if (e.max_only) s = max_of(s);
        rep.rows.push_back(row(e.source, fmt::format("end-to-end speedup, {}", e.label),
                               e.lo == e.hi ? fmt::format("up to {:.2g}×", e.lo)
                                            : fmt::format("{:.3g}–{:.3g}×", e.lo, e.hi),
                               s, e.lo, e.hi, "×", fpga_note(in, e.methods),
                               uses_fpga(in, e.methods)));
    }
    add_trend_rows(in, rep);
    add_a100_rows(in, rep);

    // App. C: the GPU kernels the paper measured for memory processing, and the PCIe transfers.
    auto gpu_row = [&](const char* label, const std::vector<std::string>& methods, double lo,
                       double hi, bool per_exec, const char* per) {
        const Span s = over(in, methods, per_exec ? per_exec_memory : per_unit_memory);
        Span scaled;
        if (!s.empty()) scaled.add(s.lo), scaled.add(s.hi);
        ValidationRow r;
        r.source = "App. C";
        r.quantity = fmt::format("baseline memory-processing latency, {} ({})", label, per);
        r.paper = fmt::format("{}–{}", seconds(lo), seconds(hi));
        r.ours = s.empty() ? "—" : fmt::format("{}–{}", seconds(s.lo), seconds(s.hi));
        r.difference = difference(scaled, lo, hi);
        r.hit = inside(scaled, lo, hi);
        r.explanation =
            "The paper's baselines are measured software (vLLM on ROCm, TileLang, HIPified "
            "LServe kernels, BM25S on the CPU, the HMT and MemAgent code). Ours use the "
            "measured-software model where a profile has one (mi210: 21 µs per memory op, "
            "derived so that DSA at 4K — the method with the most memory ops per layer — gives "
            "the 128 µs low end of the sparse-attention range, SeerAttention-R and LServe, with "
            "fewer ops, come out below it; epyc-host: BM25S efficiency 1.213e-3, derived from "
            "the 1596 ms high end of the single-stage RAG range as FS-RAG at 21M — "
            "hardware/devices/*.json `software`), so one point of each of those two rows is "
            "reproduced by construction and only the rest tests the model; memory as "
            "context and MemAgent are not anchored (their memory ops are few and large: the "
            "per-op overhead barely matters). See \"The GPU baseline as software\" for the "
            "roofline column.";
        rep.rows.push_back(std::move(r));
    };
    gpu_row("sparse attention", kSparse, 128e-6, 2450e-6, true, "per layer and token");
    gpu_row("single-stage RAG", kSingleRag, 23e-3, 1596e-3, false, "per request");
    gpu_row("memory as context", {"hmt"}, 26e-3, 498e-3, false, "per request");
    gpu_row("MemAgent", {"memagent"}, 17, 534, false, "per request");
    // App. C counts the transfers per transfer step (per layer and token, retrieval or segment);
    // ours are the copies of the plan with the paper's mapping forced, per the same step.
    auto pcie_row = [&](const char* label, const std::vector<std::string>& methods, double lo,
                        double hi, const char* per, const char* what) {
        Span s;
        for (const std::string& m : methods) {
            const Span& x = in.stats.at(m).mapped_pcie_per_step;
            if (!x.empty()) s.add(x.lo), s.add(x.hi);
        }
        ValidationRow r;
        r.source = "App. C; Fig. 16";
        r.quantity = fmt::format("PCIe transfers under the paper's mapping, {} ({})", label, per);
        r.paper = lo == hi ? fmt::format("≈ {}", seconds(lo))
                           : fmt::format("{}–{}", seconds(lo), seconds(hi));
        r.ours = s.empty() ? "—" : fmt::format("{}–{}", seconds(s.lo), seconds(s.hi));
        r.difference = difference(s, lo, hi);
        r.hit = inside(s, lo, hi);
        r.explanation = fmt::format(
            "Copies of the plan with the paper's mapping forced (Fig. 6) between the GPU and the "
            "FPGA, timed by the authors' measured MI210↔U55C host-jump P2P table "
            "(hardware/links/mi210-u55c-p2p.json; sizes under 1 KB cost the 1 KB point, 4.7 µs "
            "GPU→FPGA and 3.1 µs FPGA→GPU: the fit is not defined below it), per transfer step "
            "as App. C states it. {}",
            what);
        rep.rows.push_back(std::move(r));
    };
    pcie_row("sparse attention", kSparse, 12e-6, 12e-6, "per layer and token; LServe per selection",
             "App. C: \"new key indexing vectors and retrieved indices\"; §5.2: the FPGA also "
             "holds the query, so it crosses too. The authors' kernels read the query and the "
             "new key from one buffer (HeteroLLM kernels: indexer_top's qk_vec_mem), so each "
             "step sends one message in. Ours per layer: DSA the fp8 indexer query, 64 head "
             "weights and the 132-B key in one 8.6 kB copy, 2048 int32 indices (8.2 kB) out, "
             "11.7 + 11.6 µs; SeerAttention-R the layer's query (our graph hands the whole fp32 "
             "q/k/v row, 24.6 kB, where the gate reads q only: the table is nearly flat from 4 "
             "to 128 kB, 10–16 µs, so it costs under 1 µs more than q alone) and a compressed "
             "block key every 64 tokens in, the selection out (top-k: 66 int32 per KV head, "
             "2.1 kB, 5.1 µs; threshold: one bit per block and KV head in 128-bit words as the "
             "authors' threshold kernel writes it, 128 B at 4K to 16.5 kB at 1M, 3.1–16.8 µs); "
             "LServe, per selection (every 4 tokens), one 10.2 kB message (page statistics and "
             "the retrieval heads' query) in and 64 page ids per query head (4.1 kB) out, "
             "12.3 + 9 µs. The paper's ≈ 12 µs is close to DSA's key and indices alone by the "
             "authors' own formula (0.8 + 13.0 µs, the key's time extrapolated below the fit's "
             "1 KB point; we charge sub-KB copies the 1 KB point, 4.7 µs, as a DMA has a fixed "
             "cost and App. C's 256-B RAG copy takes ≈ 7 µs); ours is larger because the key "
             "travels with the query, which §5.2 puts on the FPGA (8.6 kB, 11.7 µs).");
    pcie_row("single-stage RAG", kSingleRag, 7e-6, 7e-6, "per retrieval",
             "Only the 64 retrieved indices cross (256 B, FPGA→GPU; the query terms come from the "
             "host), as App. C says; the 1 KB point of the table gives 3.1 µs, and the paper's "
             "≈ 7 µs is a measurement at a size the fit does not cover.");
    pcie_row("memory as context", {"hmt"}, 20e-6, 320e-6, "per segment",
             "Per 1024-token segment the GPU's Prepare hands the memory's new key and embedding "
             "(2 × 4096 fp32, 32.8 kB) to the FPGA, which holds the memory (§5.2 (2)), and the "
             "FPGA returns the recalled embedding (16.4 kB); the segment's embeddings reach the "
             "FPGA from the host (App. E, Fig. 17), not over this link. App. C's range is per "
             "segment (\"for each segment\"): per request it could not hold even one copy per "
             "segment at 16 segments (16K tokens), as every copy in the table takes ≥ 3 µs.");
    pcie_row("MemAgent", {"memagent"}, 14e-3, 218e-3, "per segment",
             "Per 5000-token segment the GPU delivers the KV cache of its prefill (all 28 layers "
             "of Qwen2.5-7B, 6224 tokens × 57.3 kB bf16 = 357 MB) to the FPGA's decode engine "
             "and gets back the memory's token ids (§5.2, App. E). At the table's 4 GiB/s "
             "plateau that is ~83 ms per segment, whatever the request length; App. C's range "
             "is per segment (\"for each segment\"). Not modelled: overlapping the copy with "
             "the prefill layer by layer.");

    // Figs. 3–5: the memory-processing share of the baseline.
    const int64_t small = 4096, large = int64_t(1) << 20;
    rep.rows.push_back(row("Fig. 3; §3.2",
                           "memory-processing share of decode, sparse attention, 4K", "1–11%",
                           over(in, kSparse, fraction, small), 1, 11, "%",
                           "Baseline (GPU-only) plan: Prepare + Relevancy + Retrieval over the "
                           "token's modelled latency."));
    rep.rows.push_back(row("Fig. 3; §3.2",
                           "memory-processing share of decode, sparse attention, 1M", "22–81%",
                           over(in, kSparse, fraction, large), 22, 81, "%",
                           "Baseline (GPU-only) plan at 1M cached tokens."));
    rep.rows.push_back(row("Fig. 4; §3.2",
                           "memory-processing share of a request, single-stage RAG, 20M documents",
                           "40–61%", over(in, kSingleRag, fraction, 21015324), 40, 61, "%",
                           "Baseline = GPU + BM25S on the host (the measured-software model, "
                           "anchored on App. C's 1.6 s per FS-RAG request at 21M); the rest of "
                           "the request (Llama-2-7B prefill of 4064 tokens and 32 decoded "
                           "tokens) is the GPU's roofline."));
    rep.rows.push_back(row("Fig. 5; §3.2", "memory-processing share of a request, MemAgent (max)",
                           "up to 97%", max_of(over(in, {"memagent"}, fraction)), 97, 97, "%",
                           "The memory rewrite (1024 decoded tokens per 5000-token chunk) is "
                           "Prepare Memory."));
    // The headline (§1, §7).
    std::vector<std::string> all;
    for (const auto& [m, s] : in.stats)
        if (m != "lact") all.push_back(m);
    rep.rows.push_back(row("Abstract; §7", "end-to-end speedup across methods", "1.04–2.2×",
                           over(in, all, e2e_speedup), 1.04, 2.2, "×",
                           "Every method at its paper sizes, batch 1 (LaCT excluded: profiled "
                           "only).",
                           uses_fpga(in, all)));
    Span energy;
    for (const std::string& m : all) energy.add(in.stats.at(m).energy_geo);
    rep.rows.push_back(row("Abstract; §7", "energy improvement across methods (geomeans)",
                           "1.11–4.7×", energy, 1.11, 4.7, "×",
                           "Per-method geomeans of baseline J / heterogeneous J (Table 3 rows).",
                           uses_fpga(in, all)));
}

}  // namespace mempipe::validate_detail

namespace mempipe {

std::string ValidationReport::to_markdown() const {
    std::string md;
    int e2e_hits = 0, e2e_total = 0, other_hits = 0, other_total = 0;
    for (const ValidationRow& r : rows) {
        if (r.is_bar && r.quantity.rfind("end-to-end", 0) == 0) e2e_total++, e2e_hits += r.hit;
        if (r.is_bar && r.quantity.rfind("memory", 0) != 0 &&
            r.quantity.rfind("end-to-end", 0) != 0)
            other_total++, other_hits += r.hit;
    }
    md += "# Validation against the paper (modelled)\n\n";
    md += fmt::format(
        "Generated by `mempipe simulate --validate -o docs/validation.md` on node `{}` in {:.1f} s "
        "(measured on the machine that ran it). Every number in the *ours* column is **modelled**: "
        "device rooflines (hardware/devices/*.json) with, for the GPU's and host's "
        "memory-processing ops, the measured-software model anchored on the baseline latencies "
        "the paper states in App. C (not on any result; see \"The GPU baseline as software\"), "
        "the FPGA designs' cycle models "
        "(docs/fpga.md), the node's link models and the planner (docs/planner.md). Every paper "
        "number is quoted from its text with the section named; none of them is used by any "
        "model (no constant is fitted to a result).\n\n",
        node, wall_seconds);
    md += fmt::format(
        "**Summary.** Memory-processing bars: {} of {} hit (inside the paper's range or within "
        "25% of an end), {} of them with the FPGA actually in use. End-to-end bars: {} of {}. "
        "Fallback and energy-ordering bars: {} of {}. Rows marked *hit (FPGA unused)* meet the "
        "numeric rule only because the ratio is ≈1 or comes from the GPU; they do not reproduce "
        "the paper's mechanism.\n\n",
        memory_hits, memory_bars, memory_hits_with_fpga, e2e_hits, e2e_total, other_hits,
        other_total);
    auto result = [](const ValidationRow& r) {
        if (r.hit && r.degenerate) return std::string("hit (FPGA unused)");
        return std::string(r.hit ? "hit" : "miss");
    };
    auto table = [&](bool bars) {
        md +=
            "| # | source | quantity | paper | ours (modelled) | difference | result |\n"
            "|---:|---|---|---|---|---|---|\n";
        for (size_t i = 0; i < rows.size(); ++i) {
            const ValidationRow& r = rows[i];
            if (r.is_bar != bars) continue;
            md += fmt::format("| {} | {} | {} | {} | {} | {} | {} |\n", i + 1, r.source, r.quantity,
                              r.paper, r.ours, r.difference, result(r));
        }
        md += "\n";
    };
    md += "## The issue's bars\n\n";
    table(true);
    md += "## Other comparisons\n\n";
    table(false);
    std::string app_c;
    for (size_t i = 0; i < rows.size(); ++i)
        if (rows[i].source == "App. C" && !rows[i].hit)
            app_c += fmt::format("{}{}", app_c.empty() ? "" : ", ", i + 1);
    md += memory_hits_with_fpga == 0 ? "## Why the planner leaves the FPGA idle in this model\n\n"
                                     : "## Where the FPGA helps and where it does not\n\n";
    md +=
        "Each memory-processing explanation below quotes the planner's own cost of the FPGA "
        "design and of the GPU alternative, with the paper's mapping (Fig. 6) forced by pins. "
        "The FPGA designs are modelled by their cycle models at the authors' parallelism "
        "(u55c.json `design_params`), the GPU's and host's memory-processing ops by the "
        "measured-software model (below) and everything else by the profiles' rooflines divided "
        "by per-pattern efficiencies (hardware/devices/*.json); no efficiency or design "
        "parameter was changed to move a result. ";
    if (!app_c.empty())
        md += fmt::format(
            "The paper's GPU-only baselines are measured software (vLLM on ROCm, TileLang, "
            "HIPified LServe kernels, BM25S on the CPU, the HMT and MemAgent code; App. C) and "
            "rows {} show how far their memory-processing latencies are from our baseline "
            "models': an FPGA speedup measured against such a baseline need not survive against "
            "a baseline at the hardware's roofline.",
            app_c);
    md += "\n\n";
    if (!gpu_model_section.empty())
        md += "### The GPU baseline as software (App. C anchor)\n\n" + gpu_model_section + "\n";
    if (!design_section.empty())
        md +=
            "### FPGA design parallelism (App. E)\n\n"
            "App. E describes the fused kernel's structure (Fig. 7) but gives no lane or port "
            "counts; §5.3 gives the tier bandwidths (BRAM 21.8 TB/s, URAM 10.4 TB/s, HBM 460 "
            "GB/s) and App. F says relevancy and retrieval are memory-bound on chip. The "
            "authors' released kernels (github.com/OswaldHe/HeteroLLM, read, not copied: "
            "kernels/dsa_indexer/indexer_vanilla.h, kernels/lserve/indexer_lserve_long.h) read "
            "keys through 8 HBM channels and instantiate 8 PEs of 16 × 16 int16 MACs for the "
            "DSA indexer (16 heads) and 8 PEs of 512 int16 MACs for LServe keys held in BRAM. "
            "The planner uses the parallelism the u55c profile sets from those kernels "
            "(`design_params`: DSA 2048 lanes and 8 HBM channels, LServe 8 HBM channels; "
            "LServe's 4096 int16 MACs do not fit the DSP budget as our bit-exact f32 lanes, so "
            "its lanes stay the default); this table compares it with the designs' defaults "
            "(docs/fpga.md §3) and with the GPU's two models for the same unfused ops "
            "(modelled):\n\n" +
            design_section + "\n";
    md += "## Explanations, row by row\n\n";
    for (size_t i = 0; i < rows.size(); ++i)
        md += fmt::format("{}. **{} — {}** ({}). {}\n\n", i + 1, rows[i].source, rows[i].quantity,
                          result(rows[i]), rows[i].explanation);
    md +=
        "## Workloads (the paper's settings, methods/workload.h)\n\n"
        "| method | unit | paper sizes | at the default size |\n|---|---|---|---|\n";
    for (const WorkloadInfo& m : workload_methods()) {
        std::string sizes;
        for (int64_t t : m.paper_tokens)
            sizes += (sizes.empty() ? "" : ", ") + simulate_text::size(t);
        const Workload w = make_workload({m.name, 0, 1, ""});
        md += fmt::format("| {} | {} | {} | {} |\n", m.name, w.unit, sizes, w.description);
    }
    md += "\n";
    if (!fallback_section.empty())
        md += "## Fallback evidence (`mempipe plan … --explain`, trimmed)\n\n" + fallback_section +
              "\n";
    md +=
        "## Reproduce\n\n```sh\nmempipe simulate --validate -o docs/validation.md\n"
        "mempipe simulate --node mi210-u55c            # the full study table\n"
        "mempipe plan lserve --node mi210-u55c --tokens 256k,2M --explain\n"
        "mempipe plan memagent --node mi210-u55c --batch 1,4 --explain\n"
        "mempipe plan dsa --node mi210-u55c --pin indexer.logits=u55c --pin "
        "indexer.top_k=u55c --explain   # the paper's mapping, forced\n```\n";
    return md;
}

Json ValidationReport::to_json() const {
    Json j;
    j["node"] = node;
    j["modelled"] = true;
    j["memory_bars"] = memory_bars;
    j["memory_hits"] = memory_hits;
    j["memory_hits_with_fpga"] = memory_hits_with_fpga;
    j["wall_seconds"] = wall_seconds;
    j["rows"] = Json::array();
    for (const ValidationRow& r : rows)
        j["rows"].push_back({{"source", r.source},
                             {"quantity", r.quantity},
                             {"paper", r.paper},
                             {"ours", r.ours},
                             {"difference", r.difference},
                             {"bar", r.is_bar},
                             {"hit", r.hit},
                             {"fpga_unused", r.degenerate},
                             {"explanation", r.explanation}});
    return j;
}

}  // namespace mempipe
