#include "mempipe/core/rng.h"

#include <cmath>

#include "mempipe/core/dtype.h"

namespace mempipe {

namespace {
uint64_t rotl(uint64_t x, int k) {
    return (x << k) | (x >> (64 - k));
}
}  // namespace

Rng::Rng(uint64_t seed) {
    for (auto& s : s_) s = splitmix64(seed);
}

uint64_t Rng::next_u64() {
    uint64_t result = rotl(s_[1] * 5, 7) * 9;
    uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
}

double Rng::uniform() {
    return double(next_u64() >> 11) * 0x1.0p-53;
}

float Rng::uniform(float lo, float hi) {
    return lo + float(uniform()) * (hi - lo);
}

int64_t Rng::uniform_int(int64_t lo, int64_t hi) {
    uint64_t span = uint64_t(hi - lo) + 1;
    return lo + int64_t(span == 0 ? next_u64() : next_u64() % span);
}

float Rng::normal() {
    double u1 = uniform(), u2 = uniform();
    if (u1 < 1e-300) u1 = 1e-300;
    return float(std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2));
}

void Rng::fill_uniform(std::span<float> out, float lo, float hi) {
    for (auto& v : out) v = uniform(lo, hi);
}

void Rng::fill_normal(std::span<float> out, float stddev) {
    for (auto& v : out) v = normal() * stddev;
}

void Rng::fill_bf16_normal(std::span<uint16_t> out, float stddev) {
    for (auto& v : out) v = f32_to_bf16(normal() * stddev);
}

}  // namespace mempipe
