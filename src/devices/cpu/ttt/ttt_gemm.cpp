// cpu_ttt: the portable f32 GEMM and pointwise kernels, and the per-call kernel pick.
#include <algorithm>
#include <cmath>
#include <vector>

#include "devices/cpu/ttt/ttt_kernels.h"
#include "mempipe/core/dtype.h"
#include "mempipe/core/parallel.h"
#include "mempipe/core/simd.h"
#include "mempipe/ops/linear.h"
#include "mempipe/ops/ttt.h"

namespace mempipe::cpu_ttt {

Kernels pick_kernels(TttMatmul mm) {
    return Kernels{mm == TttMatmul::Bf16
                       ? simd_pick<GemmFn>(gemm_bf16_scalar, nullptr, gemm_bf16_avx512)
                       : simd_pick<GemmFn>(gemm_scalar, nullptr, gemm_avx512),
                   simd_pick<SwigluFn>(swiglu_scalar, nullptr, swiglu_avx512),
                   simd_pick<GradRowFn>(grad_row_scalar, nullptr, grad_row_avx512)};
}

void gemm_scalar(const Gemm& g) {
    if (g.m == 0 || g.n == 0) return;
    const int64_t grain = std::max<int64_t>(1, 65536 / std::max<int64_t>(1, g.n * g.k));
    parallel_for(g.m, grain, [&](int64_t i0, int64_t i1) {
        std::vector<float> row(size_t(g.n));
        for (int64_t i = i0; i < i1; ++i) {
            std::fill(row.begin(), row.end(), 0.0f);
            for (int64_t p = 0; p < g.k; ++p) {
                const float a = g.trans_a ? g.a[p * g.lda + i] : g.a[i * g.lda + p];
                if (g.trans_b)
                    for (int64_t j = 0; j < g.n; ++j) row[size_t(j)] += a * g.b[j * g.ldb + p];
                else
                    for (int64_t j = 0; j < g.n; ++j) row[size_t(j)] += a * g.b[p * g.ldb + j];
            }
            float* c = g.c + i * g.ldc;
            for (int64_t j = 0; j < g.n; ++j)
                c[j] = g.accumulate ? c[j] + row[size_t(j)] : row[size_t(j)];
        }
    });
}

namespace {

// dst[c·rows + r] = src[r·ld + c] for r < rows, c < cols, in 32 × 32 tiles (both sides stay in
// cache lines).
void transpose_tiled(const float* src, int64_t ld, int64_t rows, int64_t cols, float* dst) {
    constexpr int64_t kT = 32;
    for (int64_t r0 = 0; r0 < rows; r0 += kT)
        for (int64_t c0 = 0; c0 < cols; c0 += kT) {
            const int64_t r1 = std::min(rows, r0 + kT), c1 = std::min(cols, c0 + kT);
            for (int64_t c = c0; c < c1; ++c)
                for (int64_t r = r0; r < r1; ++r) dst[c * rows + r] = src[r * ld + c];
        }
}

// Scratch kept per thread across calls (no page faults or zero-fill per GEMM).
template <class T>
T* scratch(std::vector<T>& v, size_t n) {
    if (v.size() < n) v.resize(n);
    return v.data();
}

}  // namespace

float* thread_scratch(ScratchSlot slot, size_t n) {
    thread_local std::vector<float> slots[kSlots];
    return scratch(slots[slot], n);
}

void bf16_row_scalar(const float* x, int64_t n, uint16_t* out) {
    for (int64_t i = 0; i < n; ++i) out[i] = f32_to_bf16(x[i]);
}

void gemm_bf16_with(const Gemm& g, Bf16RowFn to_bf16) {
    if (g.m == 0 || g.n == 0) return;
    const int64_t m = g.m, n = g.n, k = g.k;
    thread_local std::vector<float> a_buf, b_buf, y_buf;
    thread_local std::vector<uint16_t> w_buf;
    const float* a = g.a;  // op(A) as contiguous [m × k] f32 (linear rounds it to bf16)
    if (g.trans_a) {       // A is [k × m] with leading dimension lda
        float* t = scratch(a_buf, size_t(m * k));
        transpose_tiled(g.a, g.lda, k, m, t);
        a = t;
    } else if (g.lda != k) {
        float* t = scratch(a_buf, size_t(m * k));
        for (int64_t i = 0; i < m; ++i) std::copy_n(g.a + i * g.lda, k, t + i * k);
        a = t;
    }
    uint16_t* w = scratch(w_buf, size_t(n * k));  // op(B)ᵀ: [n × k] bf16, linear's weights
    if (g.trans_b) {
        for (int64_t j = 0; j < n; ++j) to_bf16(g.b + j * g.ldb, k, w + j * k);
    } else {  // B is [k × n]: transpose first
        float* t = scratch(b_buf, size_t(n * k));
        transpose_tiled(g.b, g.ldb, k, n, t);
        to_bf16(t, n * k, w);
    }
    const bool direct = !g.accumulate && g.ldc == n;
    float* out = direct ? g.c : scratch(y_buf, size_t(m * n));
    cpu::linear(a, LinearWeights::bf16(w, n, k), nullptr, out, m);
    if (direct) return;
    for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j) {
            float& c = g.c[i * g.ldc + j];
            c = g.accumulate ? c + out[i * n + j] : out[i * n + j];
        }
}

void gemm_bf16_scalar(const Gemm& g) {
    gemm_bf16_with(g, bf16_row_scalar);
}

namespace {
inline float sigmoid(float z) {
    return 1.0f / (1.0f + std::exp(-z));
}
}  // namespace

void swiglu_scalar(float* g, const float* u, int64_t count) {
    for (int64_t i = 0; i < count; ++i) g[i] = g[i] * sigmoid(g[i]) * u[i];
}

void grad_row_scalar(const float* g, const float* u, float* dh, float* hid, float* dup,
                     int64_t cols, float lr1, float lr3, float lr2) {
    for (int64_t j = 0; j < cols; ++j) {
        const float z = g[j], s = sigmoid(z), silu = z * s, d = dh[j];
        hid[j] = lr2 * (silu * u[j]);
        dup[j] = lr3 * (d * silu);
        dh[j] = lr1 * (d * u[j] * (s * (1.0f + z * (1.0f - s))));
    }
}

void newton_schulz5(const Kernels& kern, float* x, int64_t rows, int64_t cols) {
    if (rows == 0 || cols == 0) return;
    const bool tall = rows > cols;
    const int64_t r = tall ? cols : rows, c = tall ? rows : cols, xs = r * c, as = r * r;
    float* X = thread_scratch(kSlotX, size_t(xs));
    float* Y = thread_scratch(kSlotY, size_t(xs));
    float* A = thread_scratch(kSlotA, size_t(as));
    float* AA = thread_scratch(kSlotAA, size_t(as));
    if (tall) {
        for (int64_t i = 0; i < rows; ++i)
            for (int64_t j = 0; j < cols; ++j) X[j * rows + i] = x[i * cols + j];
    } else {
        std::copy(x, x + xs, X);
    }
    double sq = 0;
    for (int64_t e = 0; e < xs; ++e) sq += double(X[e]) * double(X[e]);
    const float inv = float(1.0 / (std::sqrt(sq) + kTttNewtonSchulzEps));
    for (int64_t e = 0; e < xs; ++e) X[e] *= inv;
    for (const auto& abc : kTttNewtonSchulz) {
        const float a = float(abc[0]), b = float(abc[1]), cc = float(abc[2]);
        kern.gemm(Gemm{r, r, c, X, c, false, X, c, true, A, r, false});
        kern.gemm(Gemm{r, r, r, A, r, false, A, r, false, AA, r, false});
        for (int64_t e = 0; e < as; ++e) A[e] = b * A[e] + cc * AA[e];
        for (int64_t e = 0; e < xs; ++e) Y[e] = a * X[e];
        kern.gemm(Gemm{r, c, r, A, r, false, X, c, false, Y, c, true});
        std::swap(X, Y);
    }
    if (tall) {
        for (int64_t i = 0; i < rows; ++i)
            for (int64_t j = 0; j < cols; ++j) x[i * cols + j] = X[j * rows + i];
    } else {
        std::copy(X, X + xs, x);
    }
}

}  // namespace mempipe::cpu_ttt
