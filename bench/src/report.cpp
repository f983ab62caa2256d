#include "report.h"

#include <fmt/format.h>

#include <cmath>
#include <ctime>
#include <fstream>
#include <thread>

#include "mempipe/core/simd.h"

namespace mempipe::bench {

namespace {

bool measured(double x) {
    return std::isfinite(x) && x > 0;
}

// Three significant digits without switching to exponent notation.
std::string three_digits(double v) {
    if (v < 9.995) return fmt::format("{:.2f}", v);
    if (v < 99.95) return fmt::format("{:.1f}", v);
    return fmt::format("{:.0f}", v);
}

Json measured_or_null(double x) {
    return measured(x) ? Json(x) : Json(nullptr);
}

std::string extra_value(const Json& v) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number_float()) return fmt::format("{:.4g}", v.get<double>());
    return v.dump();
}

std::string cpu_model() {
    std::ifstream in("/proc/cpuinfo");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("model name", 0) == 0) {
            auto colon = line.find(':');
            if (colon != std::string::npos) {
                auto start = line.find_first_not_of(' ', colon + 1);
                return start == std::string::npos ? "" : line.substr(start);
            }
        }
    }
    return "unknown";
}

std::string compiler_name() {
#if defined(__clang__)
    return std::string("clang ") + __clang_version__;
#elif defined(__GNUC__)
    return std::string("GCC ") + __VERSION__;
#else
    return "unknown";
#endif
}

}  // namespace

std::string format_seconds(double s) {
    if (!measured(s)) return "n/a";
    if (s >= 1) return three_digits(s) + " s";
    if (s >= 1e-3) return three_digits(s * 1e3) + " ms";
    if (s >= 1e-6) return three_digits(s * 1e6) + " µs";
    return fmt::format("{:.0f} ns", s * 1e9);
}

std::string format_size(int64_t n) {
    constexpr int64_t kKi = 1024, kMi = 1024 * 1024, kGi = kMi * 1024;
    if (n >= kGi && n % kGi == 0) return fmt::format("{}G", n / kGi);
    if (n >= kMi && n % kMi == 0) return fmt::format("{}M", n / kMi);
    if (n >= kKi && n % kKi == 0) return fmt::format("{}k", n / kKi);
    return fmt::format("{}", n);
}

std::string format_speedup(double x) {
    return measured(x) ? three_digits(x) + "×" : "n/a";
}

std::string format_percent(double f) {
    if (!measured(f)) return "n/a";
    double p = f * 100;
    return p < 9.95 ? fmt::format("{:.1f}%", p) : fmt::format("{:.0f}%", p);
}

std::string format_rate(double x) {
    return measured(x) ? three_digits(x) : "n/a";
}

std::string markdown_escape(const std::string& cell) {
    std::string out;
    out.reserve(cell.size());
    for (char c : cell) {
        if (c == '|') {
            out += "\\|";
        } else if (c == '\n' || c == '\r') {
            out += ' ';
        } else {
            out += c;
        }
    }
    return out;
}

std::string markdown_row(const std::vector<std::string>& cells) {
    std::string out = "|";
    for (const auto& c : cells) {
        out += ' ';
        out += markdown_escape(c);
        out += " |";
    }
    return out + "\n";
}

std::string markdown_header(const std::vector<std::string>& columns) {
    std::string sep = "|";
    for (size_t i = 0; i < columns.size(); ++i) sep += "---|";
    return markdown_row(columns) + sep + "\n";
}

std::vector<std::string> bench_row_columns() {
    return {"case", "N", "ours", "peer", "speedup", "% of roofline", "notes"};
}

std::string bench_row_notes(const BenchRow& row) {
    std::string notes;
    auto add = [&](const std::string& s) {
        if (s.empty()) return;
        if (!notes.empty()) notes += "; ";
        notes += s;
    };
    if (!row.peer.empty()) add("peer: " + row.peer);
    if (row.extra.is_object()) {
        for (const auto& [key, value] : row.extra.items()) add(key + "=" + extra_value(value));
    } else if (!row.extra.is_null()) {
        add(row.extra.dump());
    }
    return notes;
}

std::vector<std::string> bench_row_cells(const BenchRow& row) {
    std::string roof = format_percent(row.roofline_fraction);
    if (roof != "n/a" && !row.limit.empty()) roof += " of " + row.limit;
    return {row.name,
            format_size(row.n),
            format_seconds(row.ours_s),
            format_seconds(row.peer_s),
            format_speedup(row.speedup()),
            roof,
            bench_row_notes(row)};
}

Json bench_row_json(const BenchRow& row) {
    Json j;
    j["name"] = row.name;
    j["n"] = row.n;
    j["ours_s"] = measured_or_null(row.ours_s);
    j["peer_s"] = measured_or_null(row.peer_s);
    j["speedup"] = measured_or_null(row.speedup());
    j["roofline_fraction"] = measured_or_null(row.roofline_fraction);
    j["limit"] = row.limit;
    j["peer"] = row.peer;
    j["extra"] = row.extra.is_null() ? Json::object() : row.extra;
    return j;
}

Json machine_limits_json(const MachineLimits& limits) {
    Json j;
    j["dram_read_gbs"] = limits.dram_read_gbs;
    j["fp32_fma_gflops"] = limits.fp32_fma_gflops;
    j["bf16_dot_gflops"] = limits.bf16_dot_gflops;
    j["int8_dot_gops"] = limits.int8_dot_gops;
    j["amx_bf16_gflops"] = limits.amx_bf16_gflops;
    j["amx_int8_gops"] = limits.amx_int8_gops;
    return j;
}

Json build_info(int threads) {
    Json j;
    j["compiler"] = compiler_name();
#ifdef NDEBUG
    j["build"] = "release (NDEBUG)";
#else
    j["build"] = "debug (assertions on)";
#endif
    j["openmp"] = _OPENMP;
    j["simd_detected"] = std::string(simd_level_name(detected_simd_level()));
    j["simd_active"] = std::string(simd_level_name(active_simd_level()));
    j["threads"] = threads;
    j["logical_cpus"] = int(std::thread::hardware_concurrency());
    j["cpu"] = cpu_model();
    std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    char date[32];
    std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &utc);
    j["date"] = date;
    return j;
}

}  // namespace mempipe::bench
