#include "mempipe/core/simd.h"

#include <algorithm>
#include <cstdlib>
#include <string>

namespace mempipe {

namespace {
thread_local std::optional<SimdLevel> t_cap;

SimdLevel detect() {
    __builtin_cpu_init();
    bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
                __builtin_cpu_supports("f16c") && __builtin_cpu_supports("bmi2");
    bool avx512 = avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                  __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
                  __builtin_cpu_supports("avx512bf16") && __builtin_cpu_supports("avx512vnni") &&
                  __builtin_cpu_supports("avx512vbmi2");
    return avx512 ? SimdLevel::Avx512 : avx2 ? SimdLevel::Avx2 : SimdLevel::Scalar;
}

SimdLevel env_capped() {
    SimdLevel level = detect();
    if (const char* env = std::getenv("MEMPIPE_SIMD")) {
        if (auto cap = parse_simd_level(env)) level = std::min(level, *cap);
    }
    return level;
}
}  // namespace

std::string_view simd_level_name(SimdLevel level) {
    switch (level) {
        case SimdLevel::Scalar: return "scalar";
        case SimdLevel::Avx2: return "avx2";
        case SimdLevel::Avx512: return "avx512";
    }
    return "?";
}

std::optional<SimdLevel> parse_simd_level(std::string_view name) {
    if (name == "scalar") return SimdLevel::Scalar;
    if (name == "avx2") return SimdLevel::Avx2;
    if (name == "avx512") return SimdLevel::Avx512;
    return std::nullopt;
}

SimdLevel detected_simd_level() {
    static const SimdLevel level = detect();
    return level;
}

SimdLevel active_simd_level() {
    static const SimdLevel process_level = env_capped();
    return t_cap ? std::min(process_level, *t_cap) : process_level;
}

std::vector<SimdLevel> available_simd_levels() {
    std::vector<SimdLevel> out;
    for (int l = 0; l <= int(detected_simd_level()); ++l) out.push_back(SimdLevel(l));
    return out;
}

ScopedSimdLevel::ScopedSimdLevel(SimdLevel cap) : previous_(t_cap) { t_cap = cap; }
ScopedSimdLevel::~ScopedSimdLevel() { t_cap = previous_; }

}  // namespace mempipe
