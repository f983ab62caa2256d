// Printing benchmark results: markdown tables for people, JSON for tools.
//
// Pure formatting helpers (no timing, no I/O besides reading /proc/cpuinfo in `build_info`). A
// value that was not measured (≤ 0 or NaN) prints as "n/a" in markdown and as null in JSON.
//
// JSON row schema (`bench_row_json`):
//   {"name": str, "n": int, "ours_s": num|null, "peer_s": num|null, "speedup": num|null,
//    "roofline_fraction": num|null, "limit": str, "peer": str, "extra": object}
#pragma once

#include <string>
#include <vector>

#include "harness.h"

namespace mempipe::bench {

std::string format_seconds(double s);  // "850 ns", "12.3 µs", "4.56 ms", "1.23 s"; "n/a" if ≤ 0
std::string format_size(int64_t n);    // 4096 → "4k", 1048576 → "1M", 1000 → "1000"
std::string format_speedup(double x);  // 2.314 → "2.31×"; "n/a" if ≤ 0
std::string format_percent(double f);  // 0.423 → "42.3%"; "n/a" if ≤ 0
std::string format_rate(double x);     // 229.6 → "230", 33.41 → "33.4"; "n/a" if ≤ 0

// Markdown table pieces. Cells have '|' escaped and newlines flattened.
std::string markdown_escape(const std::string& cell);
std::string markdown_row(const std::vector<std::string>& cells);       // "| a | b |\n"
std::string markdown_header(const std::vector<std::string>& columns);  // header + "|---|" line

// The sparse-attention table: case, N, ours, peer, speedup, % of roofline, notes.
std::vector<std::string> bench_row_columns();
std::vector<std::string> bench_row_cells(const BenchRow& row);
std::string bench_row_notes(const BenchRow& row);  // peer name and `extra` as "k=v; k=v"
Json bench_row_json(const BenchRow& row);

Json machine_limits_json(const MachineLimits& limits);

// Compiler, build type, SIMD level (detected/active), thread count, CPU model, UTC date.
Json build_info(int threads);

}  // namespace mempipe::bench
