// Human-readable quantities for explanations: "16.3 µs", "12.0 MB", "1.39 TB/s".
#pragma once

#include <fmt/format.h>

#include <cmath>
#include <string>

namespace mempipe::node_detail {

inline std::string human_seconds(double s) {
    const double a = std::fabs(s);
    if (a >= 1) return fmt::format("{:.3g} s", s);
    if (a >= 1e-3) return fmt::format("{:.3g} ms", s * 1e3);
    if (a >= 1e-6 || a == 0) return fmt::format("{:.3g} µs", s * 1e6);
    return fmt::format("{:.3g} ns", s * 1e9);
}

inline std::string human_scaled(double v, const char* unit) {
    const char* prefix[] = {"", "k", "M", "G", "T", "P"};
    int i = 0;
    while (std::fabs(v) >= 1000 && i < 5) v /= 1000, ++i;
    return fmt::format("{:.3g} {}{}", v, prefix[i], unit);
}

inline std::string human_bytes(double b) {
    return human_scaled(b, "B");
}
inline std::string human_rate(double bytes_per_s) {
    return human_scaled(bytes_per_s, "B/s");
}

}  // namespace mempipe::node_detail
