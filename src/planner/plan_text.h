// Human-readable quantities for plans and their explanations (internal).
#pragma once

#include <fmt/format.h>

#include <cmath>
#include <string>
#include <vector>

#include "mempipe/planner/planner.h"
#include "node/units.h"

namespace mempipe::plan_text {

inline std::string seconds(double s) {
    return node_detail::human_seconds(s);
}

inline std::string joules(double j) {
    const double a = std::fabs(j);
    if (a >= 1 || a == 0) return fmt::format("{:.3g} J", j);
    if (a >= 1e-3) return fmt::format("{:.3g} mJ", j * 1e3);
    if (a >= 1e-6) return fmt::format("{:.3g} µJ", j * 1e6);
    return fmt::format("{:.3g} nJ", j * 1e9);
}

inline std::string objective(Objective o, double v) {
    switch (o) {
        case Objective::Latency:
            return seconds(v);
        case Objective::Energy:
            return joules(v);
        case Objective::Edp:
            return fmt::format("{:.3g} J·s", v);
    }
    return fmt::format("{:.3g}", v);
}

inline std::string shorten(const std::string& s, size_t n) {
    if (s.size() <= n) return s;
    size_t cut = n;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;  // UTF-8
    return s.substr(0, cut) + "…";
}

inline std::string join(const std::vector<std::string>& v, const char* sep) {
    std::string out;
    for (const std::string& s : v) out += (out.empty() ? "" : sep) + s;
    return out;
}

}  // namespace mempipe::plan_text
