// Markdown and JSON of simulation rows (internal to simulate*.cpp).
#pragma once

#include <string>
#include <vector>

#include "mempipe/core/io.h"
#include "mempipe/planner/simulate.h"

namespace mempipe::simulate_text {

std::string seconds(double s);
std::string joules(double j);
std::string size(int64_t tokens);                     // 4K, 1M, 21.0M
std::string speedup(double x);                        // "1.83×"
std::string shorten(const std::string& s, size_t n);  // at most n bytes (UTF-8 safe) + "…"
std::string placement(const SimulationRow& r);
std::string row_markdown(const SimulationRow& r);
std::string scaling_markdown(const std::vector<SimulationRow>& rows);
Json row_json(const SimulationRow& r);

}  // namespace mempipe::simulate_text
