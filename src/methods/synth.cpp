#include "mempipe/core/dtype.h"
#include "mempipe/core/parallel.h"
#include "mempipe/core/rng.h"
#include "recipes.h"

namespace mempipe {

namespace {
constexpr int64_t kChunk = 1 << 16;  // one RNG stream per chunk: results independent of threads

template <class Store>
void fill_chunks(int64_t n, uint64_t seed, float scale, Store store) {
    int64_t chunks = (n + kChunk - 1) / kChunk;
    parallel_for(chunks, 1, [&](int64_t cb, int64_t ce) {
        for (int64_t c = cb; c < ce; ++c) {
            Rng rng(seed * 0x9e3779b97f4a7c15ull + uint64_t(c));
            int64_t e = std::min(n, (c + 1) * kChunk);
            for (int64_t i = c * kChunk; i < e; ++i) store(i, rng.uniform(-scale, scale));
        }
    });
}
}  // namespace

void synth_fill_bf16(uint16_t* out, int64_t n, uint64_t seed, float scale) {
    fill_chunks(n, seed, scale, [out](int64_t i, float v) { out[i] = f32_to_bf16(v); });
}

void synth_fill_f32(float* out, int64_t n, uint64_t seed, float scale) {
    fill_chunks(n, seed, scale, [out](int64_t i, float v) { out[i] = v; });
}

}  // namespace mempipe
