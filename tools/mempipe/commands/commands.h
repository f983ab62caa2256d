// The mempipe CLI's subcommands. Each `add_*` registers a subcommand on the app; its callback runs
// the command and throws mempipe::Error on failure (main maps usage errors to exit 2, runtime to
// exit 1).
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "mempipe/methods/method.h"

namespace mempipe::cli {

void add_methods_command(CLI::App& app);
void add_devices_command(CLI::App& app);
void add_run_command(CLI::App& app);
void add_profile_command(CLI::App& app);
void add_bench_command(CLI::App& app);
void add_plan_command(CLI::App& app);      // mempipe plan (plan.cpp)
void add_simulate_command(CLI::App& app);  // mempipe simulate [--validate] (simulate.cpp)
void add_embed_command(CLI::App& app);     // mempipe embed (embed.cpp)
void add_rag_command(CLI::App& app);  // mempipe rag …: index, search, eval (rag.cpp) and the below
void add_rag_hybrid_commands(CLI::App& rag);  // rag dense, rag hybrid (rag_hybrid.cpp)
void add_rag_replay_command(CLI::App& rag);   // rag replay (rag_replay.cpp)
void add_rag_bench_command(CLI::App& rag);    // rag bench (rag_bench.cpp)

// "4k" → 4096, "1M" → 1048576, "1000" → 1000 (binary suffixes k, m, g; case-insensitive).
int64_t parse_size(const std::string& text, const std::string& option);
std::vector<int64_t> parse_size_list(const std::string& text, const std::string& option);
// "a,b,,c" → {"a", "b", "c"} (empty items dropped).
std::vector<std::string> split_list(const std::string& text);

// Shared validation of --tokens/--batch/--threads and the memory the method would need.
void check_method_options(const Method& method, const MethodOptions& options);
void apply_threads(int threads);

// Writes `text` to `path` atomically, or to stdout when path is empty.
void emit(const std::string& path, const std::string& text);

}  // namespace mempipe::cli
