// SIMD levels and run-time dispatch.
//
// Every CPU kernel family is built at up to four levels: Scalar (portable C++, always built and
// always available), Avx2 (AVX2+FMA+F16C), Avx512 (F/BW/DQ/VL + BF16 + VNNI + VBMI2: Zen 4,
// Sapphire Rapids and later) and Amx (Avx512 plus AMX-TILE/BF16/INT8 tile matrix units,
// Sapphire/Granite Rapids; detected only when the kernel grants this process the AMX tile state
// through arch_prctl). A kernel entry point picks its level once per call: the best level it
// implements that is not above `active_simd_level()`. The active level is the detected one, lowered
// by the environment variable `MEMPIPE_SIMD=scalar|avx2|avx512|amx` or, in tests, by a
// `ScopedSimdLevel` (which lets the conformance driver force every level in turn). Dispatch never
// happens inside inner loops.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

namespace mempipe {

enum class SimdLevel : int { Scalar = 0, Avx2 = 1, Avx512 = 2, Amx = 3 };

std::string_view simd_level_name(SimdLevel level);
std::optional<SimdLevel> parse_simd_level(std::string_view name);

SimdLevel detected_simd_level();  // what this CPU supports
SimdLevel active_simd_level();    // detected, capped by MEMPIPE_SIMD and by any ScopedSimdLevel
std::vector<SimdLevel> available_simd_levels();  // Scalar .. detected, ascending

// Caps the active level on the calling thread while in scope (the level is read on the thread that
// calls a kernel entry point, before any parallel region starts).
class ScopedSimdLevel {
  public:
    explicit ScopedSimdLevel(SimdLevel cap);
    ~ScopedSimdLevel();
    ScopedSimdLevel(const ScopedSimdLevel&) = delete;
    ScopedSimdLevel& operator=(const ScopedSimdLevel&) = delete;

  private:
    std::optional<SimdLevel> previous_;
};

// Picks the implementation for the active level from those a kernel provides (nullptr = not built
// at that level). Scalar must be provided.
template <class Fn>
Fn simd_pick(Fn scalar, Fn avx2, Fn avx512) {
    SimdLevel level = active_simd_level();
    if (level >= SimdLevel::Avx512 && avx512) return avx512;
    if (level >= SimdLevel::Avx2 && avx2) return avx2;
    return scalar;
}

// As above, with an AMX implementation (files named *_amx.cpp are built with the AMX flags).
template <class Fn>
Fn simd_pick(Fn scalar, Fn avx2, Fn avx512, Fn amx) {
    if (active_simd_level() >= SimdLevel::Amx && amx) return amx;
    return simd_pick(scalar, avx2, avx512);
}

}  // namespace mempipe
