// cpu::attention_prefill: argument checks, the query tiles, threads, and the portable scalar
// variant (one lane at a time, online softmax in f32). See attention_prefill_kernels.h.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "devices/cpu/attention/attention_prefill_kernels.h"
#include "mempipe/core/buffer.h"
#include "mempipe/core/dtype.h"
#include "mempipe/core/parallel.h"
#include "mempipe/core/simd.h"
#include "ops/attention/paged_common.h"

namespace mempipe {

namespace attention_detail {

namespace {
constexpr double kMinWorkPerThread = 1 << 18;  // (lane, position, dim) triples
}

int64_t prefill_scratch_floats(int64_t d) {
    // qᵀ [d × 32], K and V tiles [32 × d], the output accumulators [32 × d], scores [32 × 32],
    // running max / sum / rescale [3 × 32].
    return 4 * kPrefillLanes * d + kPrefillKeys * kPrefillLanes + 3 * kPrefillLanes;
}

void prefill_tile_scalar(const PrefillCtx& c, int64_t j, int64_t lane_begin, int64_t n_lanes,
                         float* scratch) {
    const int64_t d = c.cache.d, hq = c.s.hq;
    float* acc = scratch;
    for (int64_t L = lane_begin; L < lane_begin + n_lanes; ++L) {
        const int64_t i = L / c.g, h = j * c.g + L % c.g;
        const float* qh = c.q + (i * hq + h) * d;
        const int64_t n = c.s.causal ? c.s.past + i + 1 : c.s.past + c.s.m;
        float m = -std::numeric_limits<float>::infinity(), l = 0;
        std::fill(acc, acc + d, 0.0f);
        for (int64_t t = 0; t < n; ++t) {
            const int64_t off = paged_offset(c.cache, t, j);
            const uint16_t* kt = c.cache.k + off;
            const uint16_t* vt = c.cache.v + off;
            float dot = 0;
            for (int64_t e = 0; e < d; ++e) dot += qh[e] * bf16_to_f32(kt[e]);
            float sc = dot * c.s.scale;
            if (sc > m) {
                float alpha = std::exp(m - sc);
                l *= alpha;
                for (int64_t e = 0; e < d; ++e) acc[e] *= alpha;
                m = sc;
            }
            float p = std::exp(sc - m);
            l += p;
            for (int64_t e = 0; e < d; ++e) acc[e] += p * bf16_to_f32(vt[e]);
        }
        float* o = c.out + (i * hq + h) * d;
        for (int64_t e = 0; e < d; ++e) o[e] = acc[e] / l;
    }
}

}  // namespace attention_detail

namespace cpu {

using namespace attention_detail;

void attention_prefill(const float* q, const PagedKvCache& cache, const PrefillShape& s,
                       float* out) {
    check_prefill(q, cache, s, out);
    if (s.m == 0) return;
    const int64_t d = cache.d, g = s.hq / cache.hkv, lanes = s.m * g;
    PrefillTileFn fn =
        d % 16 == 0 ? simd_pick<PrefillTileFn>(prefill_tile_scalar, nullptr, prefill_tile_avx512)
                    : prefill_tile_scalar;
    PrefillCtx ctx{q, cache, s, g, out};

    struct Task {
        int64_t j, lane_begin, n_lanes, keys;
    };
    std::vector<Task> tasks;
    double work = 0;
    for (int64_t L0 = 0; L0 < lanes; L0 += kPrefillLanes) {
        int64_t n = std::min(kPrefillLanes, lanes - L0);
        int64_t last_row = (L0 + n - 1) / g;
        int64_t keys = s.causal ? s.past + last_row + 1 : s.past + s.m;
        for (int64_t j = 0; j < cache.hkv; ++j) tasks.push_back({j, L0, n, keys});
        work += double(cache.hkv) * double(n) * double(keys) * double(d);
    }
    std::stable_sort(tasks.begin(), tasks.end(),
                     [](const Task& a, const Task& b) { return a.keys > b.keys; });
    const int threads =
        int(std::clamp<double>(std::floor(work / kMinWorkPerThread), 1.0,
                               double(std::min<size_t>(num_threads(), tasks.size()))));
    const int64_t n_tasks = int64_t(tasks.size());
#pragma omp parallel num_threads(threads) if (threads > 1)
    {
        Buffer<float> scratch(size_t(prefill_scratch_floats(d)));
#pragma omp for schedule(dynamic, 1)
        for (int64_t t = 0; t < n_tasks; ++t) {
            const Task& task = tasks[size_t(t)];
            fn(ctx, task.j, task.lane_begin, task.n_lanes, scratch.data());
        }
    }
}

}  // namespace cpu

}  // namespace mempipe
