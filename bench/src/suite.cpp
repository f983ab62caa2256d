#include "suite.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iterator>

#include "mempipe/core/error.h"
#include "mempipe/core/parallel.h"
#include "mempipe/core/timer.h"
#include "report.h"
#include "roofline.h"

namespace mempipe::bench {

namespace fs = std::filesystem;

namespace {

// Figures from /work/shared/reference/machine.md (2-vCPU Zen 4 VM, 2026-11-25): medians of a
// throwaway program on a machine of this kind, printed next to ours for comparison only. Zen 4 has
// no AMX, so the AMX rows have no reference (negative: printed as "–", null in the JSON).
struct Reference {
    const char* kernel;
    const char* unit;
    double one_thread, two_threads;
};
constexpr Reference kReference[] = {
    {"DRAM read", "GB/s", 30, 34},
    {"fp32 FMA", "GFLOP/s", 116, 230},
    {"bf16 dot", "GFLOP/s", 234, 461},
    {"int8 dot", "GOP/s", 466, 893},
    {"AMX bf16 tile dot", "GFLOP/s", -1, -1},
    {"AMX int8 tile dot", "GOP/s", -1, -1},
};
constexpr int kRooflineRows = int(std::size(kReference));

double limit_value(const MachineLimits& l, int i) {
    switch (i) {
        case 0:
            return l.dram_read_gbs;
        case 1:
            return l.fp32_fma_gflops;
        case 2:
            return l.bf16_dot_gflops;
        case 3:
            return l.int8_dot_gops;
        case 4:
            return l.amx_bf16_gflops;
        default:
            return l.amx_int8_gops;
    }
}

std::string instruction(const RooflineMeasurement& m, int i) {
    switch (i) {
        case 0:
            return m.dram_instr;
        case 1:
            return m.fp32_fma_instr;
        case 2:
            return m.bf16_dot_instr;
        case 3:
            return m.int8_dot_instr;
        case 4:
            return m.amx_bf16_instr;
        default:
            return m.amx_int8_instr;
    }
}

Json reference_json(double v) {
    return v >= 0 ? Json(v) : Json(nullptr);
}

std::string reference_cell(double v) {
    return v >= 0 ? format_rate(v) : "–";
}

void out(const std::string& s) {
    std::fputs(s.c_str(), stdout);
    std::fflush(stdout);
}

void progress(const std::string& s) {
    std::fprintf(stderr, "[bench] %s\n", s.c_str());
    std::fflush(stderr);
}

std::string normalize(std::string name) {
    for (char& c : name) {
        if (c == '-') c = '_';
    }
    return name;
}

std::string join(const std::vector<std::string>& v, const char* sep) {
    std::string s;
    for (size_t i = 0; i < v.size(); ++i) s += (i ? sep : "") + v[i];
    return s;
}

std::string machine_line(const Json& build) {
    return "Measured on " + build["cpu"].get<std::string>() + " (" +
           std::to_string(build["logical_cpus"].get<int>()) + " logical CPUs), " +
           build["compiler"].get<std::string>() + ", SIMD level " +
           build["simd_active"].get<std::string>() + ", " + build["date"].get<std::string>() + ".";
}

using SuiteFn = std::vector<BenchRow> (*)(const BenchContext&);
struct Suite {
    const char* name;
    SuiteFn fn;
};
constexpr Suite kSuites[] = {
    {"top_k", bench_top_k},
    {"dsa_indexer", bench_dsa_indexer},
    {"seer", bench_seer},
    {"lserve", bench_lserve},
};

// A scratch directory made for this run and removed at the end (nothing when the caller gave one).
class ScratchDir {
  public:
    explicit ScratchDir(std::string given) : path_(std::move(given)) {
        std::error_code ec;
        if (!path_.empty()) {
            fs::create_directories(path_, ec);
            if (ec) runtime_error("cannot create bench work dir {}: {}", path_, ec.message());
            return;
        }
        std::string tmpl = (fs::temp_directory_path(ec) / "mempipe-bench-XXXXXX").string();
        if (!mkdtemp(tmpl.data())) runtime_error("cannot create a temporary bench work dir");
        path_ = tmpl;
        owned_ = true;
    }
    ~ScratchDir() {
        std::error_code ec;
        if (owned_) fs::remove_all(path_, ec);
    }
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;
    const std::string& path() const { return path_; }

  private:
    std::string path_;
    bool owned_ = false;
};

}  // namespace

Json run_roofline(int max_threads, bool markdown_to_stdout) {
    MEMPIPE_CHECK_ARG(max_threads >= 1, "bench roofline: --threads must be >= 1, got {}",
                      max_threads);
    std::vector<int> counts = {1};
    if (max_threads > 1) counts.push_back(max_threads);
    std::vector<RooflineMeasurement> ms;
    RooflineOptions options;
    size_t dram_mib = dram_array_bytes(options.dram_bytes) >> 20;
    for (int t : counts) {
        progress("roofline: measuring with " + std::to_string(t) + " thread(s) (" +
                 std::to_string(dram_mib) + " MiB DRAM sweeps, ~" +
                 format_rate(options.compute_seconds) + " s per compute rep)");
        ms.push_back(measure_roofline(t, options));
    }

    Json j;
    j["build"] = build_info(max_threads);
    j["simd"] = ms.front().level;
    j["dram_bytes"] = ms.front().dram_bytes;
    j["threads"] = Json::array();
    for (const auto& m : ms) j["threads"].push_back(m.threads);
    j["kernels"] = Json::array();
    std::vector<std::string> cols = {"kernel", "instruction"};
    for (int t : counts) cols.push_back(std::to_string(t) + (t == 1 ? " thread" : " threads"));
    cols.insert(cols.end(), {"unit", "machine.md 1 thr", "machine.md 2 thr"});
    std::string md = markdown_header(cols);
    for (int i = 0; i < kRooflineRows; ++i) {
        const Reference& ref = kReference[i];
        Json row;
        row["kernel"] = ref.kernel;
        row["unit"] = ref.unit;
        row["instruction"] = instruction(ms.front(), i);
        std::vector<std::string> cells = {ref.kernel, instruction(ms.front(), i)};
        for (size_t c = 0; c < ms.size(); ++c) {
            double v = limit_value(ms[c].limits, i);
            row["measured"][std::to_string(counts[c])] = v;
            cells.push_back(format_rate(v));
        }
        row["reference_machine_md"] = {{"1", reference_json(ref.one_thread)},
                                       {"2", reference_json(ref.two_threads)}};
        cells.insert(cells.end(),
                     {ref.unit, reference_cell(ref.one_thread), reference_cell(ref.two_threads)});
        md += markdown_row(cells);
        j["kernels"].push_back(row);
    }
    j["notes"] = Json::array();
    std::vector<std::string> notes;  // each note once, although every thread count reports it
    for (const auto& m : ms) {
        for (const auto& n : m.notes) {
            if (std::find(notes.begin(), notes.end(), n) == notes.end()) notes.push_back(n);
        }
    }
    for (const auto& n : notes) j["notes"].push_back(n);
    j["reference"] =
        "machine.md: 2-vCPU Zen 4 VM, 2026-11-25 (shared VM: ±10% compute, ±20-30% DRAM)";
    if (markdown_to_stdout) {
        std::string text = md + "\n" + machine_line(j["build"]) +
                           "\nReference: " + j["reference"].get<std::string>() + ".\n";
        for (const auto& n : j["notes"]) text += "Note: " + n.get<std::string>() + "\n";
        out(text);
    }
    return j;
}

std::vector<std::string> sparse_attention_suite_names() {
    std::vector<std::string> names;
    for (const auto& s : kSuites) names.push_back(s.name);
    return names;
}

std::vector<int64_t> default_bench_sizes() {
    return {4096, 32768, 131072, 1048576};
}

Json run_sparse_attention(const BenchContext& ctx, const std::vector<std::string>& only,
                          bool markdown_to_stdout) {
    MEMPIPE_CHECK_ARG(ctx.threads >= 1, "bench: --threads must be >= 1, got {}", ctx.threads);
    MEMPIPE_CHECK_ARG(ctx.repeats >= 1, "bench: --repeats must be >= 1, got {}", ctx.repeats);
    for (int64_t n : ctx.sizes) {
        MEMPIPE_CHECK_ARG(n >= 1, "bench: every size must be >= 1, got {}", n);
    }
    std::vector<const Suite*> selected;
    for (const auto& name : only) {
        std::string want = normalize(name);
        const Suite* found = nullptr;
        for (const auto& s : kSuites) {
            if (want == s.name) found = &s;
        }
        MEMPIPE_CHECK_ARG(found, "bench sparse-attention: unknown case '{}'; choose from {}", name,
                          join(sparse_attention_suite_names(), ", "));
        selected.push_back(found);
    }
    if (only.empty()) {
        for (const auto& s : kSuites) selected.push_back(&s);
    }

    BenchContext c = ctx;
    if (c.sizes.empty()) c.sizes = default_bench_sizes();
    ScratchDir scratch(c.work_dir);
    c.work_dir = scratch.path();
    set_num_threads(c.threads);

    std::string peers_note;
    if (!c.run_peers) {
        peers_note = "peers disabled";
    } else {
        std::string root = find_repo_root();
        if (root.empty() || access((root + "/.venv/bin/python").c_str(), X_OK) != 0) {
            peers_note = root.empty() ? "mempipe checkout not found: set MEMPIPE_ROOT"
                                      : "no .venv: run scripts/bootstrap --bench";
            c.run_peers = false;
        }
    }
    if (!peers_note.empty()) progress("peers: n/a (" + peers_note + ")");

    progress("measuring this machine's limits with " + std::to_string(c.threads) + " thread(s)");
    const MachineLimits& limits = machine_limits(c.threads);
    progress("limits: DRAM read " + format_rate(limits.dram_read_gbs) + " GB/s, fp32 FMA " +
             format_rate(limits.fp32_fma_gflops) + " GFLOP/s, bf16 dot " +
             format_rate(limits.bf16_dot_gflops) + " GFLOP/s, int8 dot " +
             format_rate(limits.int8_dot_gops) + " GOP/s");

    Json j;
    j["machine"] = build_info(c.threads);
    progress(machine_line(j["machine"]));
    j["threads"] = c.threads;
    j["repeats"] = c.repeats;
    j["sizes"] = c.sizes;
    j["peers"] = c.run_peers;
    j["peers_note"] = peers_note;
    j["rows"] = Json::array();
    j["limits"] = machine_limits_json(limits);
    j["errors"] = Json::array();

    if (markdown_to_stdout) out(markdown_header(bench_row_columns()));
    for (const Suite* s : selected) {
        progress(std::string(s->name) + ": running");
        Timer t;
        std::vector<BenchRow> rows;
        try {
            rows = s->fn(c);
        } catch (const std::exception& e) {
            progress(std::string(s->name) + " failed: " + e.what());
            j["errors"].push_back({{"suite", s->name}, {"error", e.what()}});
            continue;
        }
        for (const auto& row : rows) {
            if (markdown_to_stdout) out(markdown_row(bench_row_cells(row)));
            j["rows"].push_back(bench_row_json(row));
        }
        progress(std::string(s->name) + ": " + std::to_string(rows.size()) + " row(s) in " +
                 format_seconds(t.seconds()));
    }
    return j;
}

}  // namespace mempipe::bench
