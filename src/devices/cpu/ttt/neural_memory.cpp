// cpu::neural_memory_{forward,grad,update}: the Titans memory MLP as f32 GEMMs (the ttt module's
// cpu_ttt::Gemm, AVX-512 at level avx512 and above) over blocks of kRowBlock tokens, with gelu and
// its derivative by std::erf / std::exp in threaded pointwise passes, and the update as one
// threaded elementwise loop.
#include <algorithm>
#include <cmath>

#include "devices/cpu/ttt/ttt_kernels.h"
#include "mempipe/core/parallel.h"
#include "ops/ttt/neural_memory_internal.h"

namespace mempipe::cpu {

namespace {

constexpr float kInvSqrt2 = 0.70710678118654752440f;
constexpr float kInvSqrt2Pi = 0.39894228040143267794f;
constexpr int64_t kPointwiseGrain = 16384;  // elements per thread chunk of the gelu passes
constexpr int64_t kUpdateGrain = 65536;     // weights per thread chunk of the update

float gelu(float z) {
    return 0.5f * z * (1.0f + std::erf(z * kInvSqrt2));
}
float gelu_grad(float z) {
    return 0.5f * (1.0f + std::erf(z * kInvSqrt2)) + z * kInvSqrt2Pi * std::exp(-0.5f * z * z);
}

// z, a: [rows × dh] scratch of the calling thread (the ttt module's slots kSlotG and kSlotU).
struct Hidden {
    float* z;
    float* a;
};
Hidden hidden_scratch(int64_t rows, int64_t dh) {
    const size_t size = size_t(rows * dh);
    return {cpu_ttt::thread_scratch(cpu_ttt::kSlotG, size),
            cpu_ttt::thread_scratch(cpu_ttt::kSlotU, size)};
}

// z = x·W1 for m rows of x ([m × d]), then a = gelu(z) (a == z allowed: gelu in place).
void hidden(const cpu_ttt::Kernels& kern, const float* x, int64_t m, NeuralMemoryShape s,
            const float* w1, float* z, float* a) {
    const int64_t d = s.d, dh = s.dh;
    kern.gemm({m, dh, d, x, d, false, w1, dh, false, z, dh, false});
    parallel_for(m * dh, kPointwiseGrain, [&](int64_t e0, int64_t e1) {
        for (int64_t e = e0; e < e1; ++e) a[e] = gelu(z[e]);
    });
}

void update_one(int64_t count, float* w, float* st, const float* g, float eta, float keep) {
    parallel_for(count, kUpdateGrain, [&](int64_t e0, int64_t e1) {
        for (int64_t e = e0; e < e1; ++e) {
            const float sn = eta * st[e] - g[e];
            st[e] = sn;
            w[e] = keep * w[e] + sn;
        }
    });
}

}  // namespace

void neural_memory_forward(const float* x, int64_t n, NeuralMemoryShape s, const float* w1,
                           const float* w2, float* out) {
    neural_memory_detail::check_forward_args(x, n, s, w1, w2, out);
    if (n == 0) return;
    const int64_t d = s.d, dh = s.dh;
    const cpu_ttt::Kernels kern = cpu_ttt::pick_kernels(TttMatmul::F32);
    const int64_t rows = std::min(n, cpu_ttt::kRowBlock);
    float* a = hidden_scratch(rows, dh).a;
    for (int64_t i0 = 0; i0 < n; i0 += rows) {
        const int64_t m = std::min(rows, n - i0);
        hidden(kern, x + i0 * d, m, s, w1, a, a);
        kern.gemm({m, d, dh, a, dh, false, w2, d, false, out + i0 * d, d, false});
    }
}

void neural_memory_grad(const float* k, const float* v, const float* lr, int64_t n,
                        NeuralMemoryShape s, const float* w1, const float* w2, float* g1,
                        float* g2) {
    neural_memory_detail::check_grad_args(k, v, lr, n, s, w1, w2, g1, g2);
    const int64_t d = s.d, dh = s.dh;
    if (n == 0) {
        std::fill(g1, g1 + d * dh, 0.0f);
        std::fill(g2, g2 + dh * d, 0.0f);
        return;
    }
    const cpu_ttt::Kernels kern = cpu_ttt::pick_kernels(TttMatmul::F32);
    const int64_t rows = std::min(n, cpu_ttt::kRowBlock);
    const Hidden h = hidden_scratch(rows, dh);
    float* e = cpu_ttt::thread_scratch(cpu_ttt::kSlotHid, size_t(rows * d));
    float* da = cpu_ttt::thread_scratch(cpu_ttt::kSlotDh, size_t(rows * dh));
    const float inv_d = float(2.0 / double(d));
    for (int64_t i0 = 0; i0 < n; i0 += rows) {
        const int64_t m = std::min(rows, n - i0);
        const float* kb = k + i0 * d;
        const float* vb = v + i0 * d;
        hidden(kern, kb, m, s, w1, h.z, h.a);
        kern.gemm({m, d, dh, h.a, dh, false, w2, d, false, e, d, false});  // p = a·W2
        parallel_for(m, std::max<int64_t>(1, kPointwiseGrain / d), [&](int64_t r0, int64_t r1) {
            for (int64_t r = r0; r < r1; ++r) {
                const float scale = inv_d * lr[i0 + r];
                for (int64_t c = 0; c < d; ++c)
                    e[r * d + c] = scale * (e[r * d + c] - vb[r * d + c]);
            }
        });
        const bool acc = i0 > 0;
        kern.gemm({dh, d, m, h.a, dh, true, e, d, false, g2, d, acc});   // g2 (+)= aᵀ·e
        kern.gemm({m, dh, d, e, d, false, w2, d, true, da, dh, false});  // da = e·W2ᵀ
        parallel_for(m * dh, kPointwiseGrain, [&](int64_t e0, int64_t e1) {
            for (int64_t x = e0; x < e1; ++x) da[x] *= gelu_grad(h.z[x]);  // dz
        });
        kern.gemm({d, dh, m, kb, d, true, da, dh, false, g1, dh, acc});  // g1 (+)= kᵀ·dz
    }
}

void neural_memory_update(NeuralMemoryShape s, float* w1, float* w2, float* s1, float* s2,
                          const float* g1, const float* g2, float eta, float alpha) {
    neural_memory_detail::check_update_args(s, w1, w2, s1, s2, g1, g2, eta, alpha);
    const int64_t count = s.d * s.dh;
    const float keep = 1.0f - alpha;
    update_one(count, w1, s1, g1, eta, keep);
    update_one(count, w2, s2, g2, eta, keep);
}

}  // namespace mempipe::cpu
