#include <algorithm>
#include <bit>

#include "mempipe/core/dtype.h"
#include "mempipe/core/parallel.h"
#include "recipes.h"

namespace mempipe {

namespace {
constexpr int64_t kChunk =
    1 << 16;  // one generator stream per chunk: results independent of threads

uint64_t mix(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

// Two uniform values in [-scale, scale) per 64-bit draw (splitmix64 stream; 24 bits each).
template <class Store>
void fill_chunks(int64_t n, uint64_t seed, float scale, Store store) {
    int64_t chunks = (n + kChunk - 1) / kChunk;
    const float k = 2.0f * scale / float(1 << 24);
    parallel_for(chunks, 1, [&](int64_t cb, int64_t ce) {
        for (int64_t c = cb; c < ce; ++c) {
            uint64_t state = mix(seed * 0x9e3779b97f4a7c15ull + uint64_t(c));
            int64_t b = c * kChunk, e = std::min(n, b + kChunk);
            for (int64_t i = b; i < e; i += 2) {
                state += 0x9e3779b97f4a7c15ull;
                uint64_t r = mix(state);
                store(i, float(uint32_t(r) >> 8) * k - scale);
                if (i + 1 < e) store(i + 1, float(uint32_t(r >> 32) >> 8) * k - scale);
            }
        }
    });
}

uint16_t to_bf16(float x) {  // round to nearest even; inputs are finite
    uint32_t u = std::bit_cast<uint32_t>(x);
    return uint16_t((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}
}  // namespace

void synth_fill_bf16(uint16_t* out, int64_t n, uint64_t seed, float scale) {
    fill_chunks(n, seed, scale, [out](int64_t i, float v) { out[i] = to_bf16(v); });
}

void synth_fill_f32(float* out, int64_t n, uint64_t seed, float scale) {
    fill_chunks(n, seed, scale, [out](int64_t i, float v) { out[i] = v; });
}

}  // namespace mempipe
