// cpu::linear: entry points (checks, dispatch once per call) and the portable scalar variant.
#include <algorithm>
#include <vector>

#include "devices/cpu/linear/linear_kernels.h"
#include "mempipe/core/dtype.h"
#include "mempipe/core/parallel.h"
#include "mempipe/core/simd.h"
#include "mempipe/ops/linear.h"
#include "ops/linear/linear_internal.h"

namespace mempipe {

namespace cpu_linear {

int linear_threads(double bytes) {
    // Below ~256 KiB of weights a second thread costs more (wake-up) than it saves.
    return bytes < 256.0 * 1024 ? 1 : std::max(1, num_threads());
}

Scratch::Scratch(ScratchSlot slot, size_t bytes) {
    thread_local Buffer<uint8_t> kept[kSlots];
    if (bytes > kScratchKeep) {
        own_ = Buffer<uint8_t>(bytes);
        p_ = own_.data();
        return;
    }
    Buffer<uint8_t>& b = kept[slot];
    if (b.size() < bytes) b = Buffer<uint8_t>(std::max<size_t>(bytes, 4096));
    p_ = b.data();
}

namespace {

// Bf16: x rounded to bf16, products summed in 8 f32 lanes (then pairwise).
void scalar_bf16(const Call& c, const std::vector<float>& xr, int64_t j0, int64_t j1) {
    const LinearWeights& w = *c.w;
    const uint16_t* wd = static_cast<const uint16_t*>(w.data);
    const int64_t k = w.k;
    for (int64_t i = 0; i < c.m; ++i) {
        const float* xi = xr.data() + i * k;
        for (int64_t j = j0; j < j1; ++j) {
            const uint16_t* wr = wd + j * k;
            float acc[8] = {};
            int64_t t = 0;
            for (; t + 8 <= k; t += 8)
                for (int l = 0; l < 8; ++l) acc[l] += xi[t + l] * bf16_to_f32(wr[t + l]);
            for (; t < k; ++t) acc[0] += xi[t] * bf16_to_f32(wr[t]);
            float s =
                ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
            c.y[i * w.n + j] = c.bias ? s + c.bias[j] : s;
        }
    }
}

// Int8 / Int4: exact integer group sums, combined in f32.
void scalar_int(const Call& c, const std::vector<int8_t>& xq, const std::vector<float>& sx,
                int64_t j0, int64_t j1) {
    const LinearWeights& w = *c.w;
    const int64_t k = w.k, group = w.group > 0 ? w.group : k;
    std::vector<int32_t> row(static_cast<size_t>(k));
    for (int64_t j = j0; j < j1; ++j) {
        for (int64_t t = 0; t < k; ++t) row[size_t(t)] = linear_detail::weight_int(w, j, t);
        for (int64_t i = 0; i < c.m; ++i) {
            const int8_t* xi = xq.data() + i * k;
            float acc = 0;
            for (int64_t g0 = 0; g0 < k; g0 += group) {
                const int64_t g1 = std::min(k, g0 + group);
                int64_t s = 0;  // per-row groups can exceed int32 (k·127·127)
                for (int64_t t = g0; t < g1; ++t) s += int32_t(xi[t]) * row[size_t(t)];
                acc += linear_detail::weight_scale(w, j, g0) * float(s);
            }
            const float v = sx[size_t(i)] * acc;
            c.y[i * w.n + j] = c.bias ? v + c.bias[j] : v;
        }
    }
}

}  // namespace

void linear_scalar(const Call& c) {
    const LinearWeights& w = *c.w;
    const int64_t k = w.k;
    const int threads = linear_threads(w.bytes() * double(std::max<int64_t>(1, c.m)));
    const int64_t grain = std::max<int64_t>(1, (w.n + threads - 1) / threads);
    if (w.format == LinearFormat::Bf16) {
        std::vector<float> xr(static_cast<size_t>(c.m * k));
        for (size_t i = 0; i < xr.size(); ++i) xr[i] = bf16_to_f32(f32_to_bf16(c.x[i]));
        parallel_for(w.n, grain, [&](int64_t j0, int64_t j1) { scalar_bf16(c, xr, j0, j1); });
        return;
    }
    std::vector<int8_t> xq(static_cast<size_t>(c.m * k));
    std::vector<float> sx(static_cast<size_t>(c.m));
    for (int64_t i = 0; i < c.m; ++i)
        sx[size_t(i)] = linear_detail::quantize_x_row(c.x + i * k, k, xq.data() + i * k);
    parallel_for(w.n, grain, [&](int64_t j0, int64_t j1) { scalar_int(c, xq, sx, j0, j1); });
}

}  // namespace cpu_linear

namespace cpu {

void linear(const float* x, const LinearWeights& w, const float* bias, float* y, int64_t m) {
    linear_detail::check_call(x, w, y, m, "linear");
    if (m == 0 || w.n == 0) return;
    if (w.k == 0) {  // empty sum: y = bias (or 0); int formats: NaN rows of x have no elements
        for (int64_t i = 0; i < m; ++i)
            for (int64_t j = 0; j < w.n; ++j) y[i * w.n + j] = bias ? bias[j] : 0.0f;
        return;
    }
    auto fn = simd_pick<cpu_linear::LinearFn>(cpu_linear::linear_scalar, cpu_linear::linear_avx2,
                                              cpu_linear::linear_avx512, cpu_linear::linear_amx);
    fn(cpu_linear::Call{x, &w, bias, y, m});
}

void linear_x_bf16(const uint16_t* x, const LinearWeights& w, const float* bias, float* y,
                   int64_t m) {
    linear_detail::check_call(x, w, y, m, "linear_x_bf16");
    std::vector<float> xf(static_cast<size_t>(m * w.k));
    for (size_t i = 0; i < xf.size(); ++i) xf[i] = bf16_to_f32(x[i]);
    linear(xf.data(), w, bias, y, m);
}

LinearPacked linear_pack(const LinearWeights& w) {
    linear_detail::check_weights(w, "linear_pack");
    MEMPIPE_CHECK_ARG(w.format == LinearFormat::Bf16,
                      "linear_pack: only bf16 weights can be packed, got {}",
                      linear_format_name(w.format));
    MEMPIPE_CHECK_ARG(!w.packed, "linear_pack: the weights are already packed");
    const int64_t blocks = (w.n + 15) / 16, steps = (w.k + 31) / 32;
    LinearPacked p;
    p.source = w.data;
    p.n = w.n;
    p.k = w.k;
    p.tiles = Buffer<uint16_t>(size_t(blocks * steps * 512));
    const uint16_t* wd = static_cast<const uint16_t*>(w.data);
    uint16_t* out = p.tiles.data();
    parallel_for(blocks, 1, [&](int64_t b0, int64_t b1) {
        for (int64_t b = b0; b < b1; ++b)
            for (int64_t s = 0; s < steps; ++s)
                cpu_linear::pack_weight_tile(wd, w.n, w.k, 16 * b, 32 * s,
                                             out + (b * steps + s) * 512);
    });
    return p;
}

}  // namespace cpu

}  // namespace mempipe
