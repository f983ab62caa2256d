// Seeded, reproducible random numbers (xoshiro256** seeded by splitmix64).
//
// Same seed → same stream on every machine and build. Tests print their seed so a failure replays.
#pragma once

#include <cstdint>
#include <span>

namespace mempipe {

// splitmix64 (Steele, Lea, Flood 2014): advances `state` and returns the next value. Seeds Rng and
// serves where a stateless hash of (seed, index) is wanted.
inline uint64_t splitmix64(uint64_t& x) {
    uint64_t z = (x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

class Rng {
  public:
    explicit Rng(uint64_t seed = 0x6d656d70697065ull);
    uint64_t next_u64();
    uint32_t next_u32() { return uint32_t(next_u64() >> 32); }
    double uniform();                             // [0, 1)
    float uniform(float lo, float hi);            // [lo, hi)
    int64_t uniform_int(int64_t lo, int64_t hi);  // [lo, hi]
    float normal();                               // N(0, 1), Box–Muller
    void fill_uniform(std::span<float> out, float lo, float hi);
    void fill_normal(std::span<float> out, float stddev = 1.0f);
    void fill_bf16_normal(std::span<uint16_t> out, float stddev = 1.0f);

  private:
    uint64_t s_[4];
};

}  // namespace mempipe
