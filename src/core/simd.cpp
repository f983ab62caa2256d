#include "mempipe/core/simd.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <string>

namespace mempipe {

namespace {
thread_local std::optional<SimdLevel> t_cap;

// AMX needs CPUID support and the kernel's permission to use the tile data state (Linux ≥ 5.16:
// arch_prctl(ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA)); without it the first tile instruction
// faults.
bool amx_usable() {
    unsigned a, b, c, d;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(7), "c"(0));
    bool tile = (d >> 24) & 1, bf16 = (d >> 22) & 1, int8 = (d >> 25) & 1;
    if (!(tile && bf16 && int8)) return false;
    constexpr long kArchReqXcompPerm = 0x1023, kXfeatureXtiledata = 18;
    return syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtiledata) == 0;
}

SimdLevel detect() {
    __builtin_cpu_init();
    bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
                __builtin_cpu_supports("f16c") && __builtin_cpu_supports("bmi2");
    bool avx512 = avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                  __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
                  __builtin_cpu_supports("avx512bf16") && __builtin_cpu_supports("avx512vnni") &&
                  __builtin_cpu_supports("avx512vbmi2") && __builtin_cpu_supports("avx512vbmi");
    if (avx512 && amx_usable()) return SimdLevel::Amx;
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
        case SimdLevel::Scalar:
            return "scalar";
        case SimdLevel::Avx2:
            return "avx2";
        case SimdLevel::Avx512:
            return "avx512";
        case SimdLevel::Amx:
            return "amx";
    }
    return "?";
}

std::optional<SimdLevel> parse_simd_level(std::string_view name) {
    if (name == "scalar") return SimdLevel::Scalar;
    if (name == "avx2") return SimdLevel::Avx2;
    if (name == "avx512") return SimdLevel::Avx512;
    if (name == "amx") return SimdLevel::Amx;
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

ScopedSimdLevel::ScopedSimdLevel(SimdLevel cap) : previous_(t_cap) {
    t_cap = cap;
}
ScopedSimdLevel::~ScopedSimdLevel() {
    t_cap = previous_;
}

}  // namespace mempipe
