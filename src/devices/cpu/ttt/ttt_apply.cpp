// cpu::ttt_apply: out = W2·(silu(W1·q) ⊙ (W3·q)) as three f32 GEMMs and a pointwise pass, over
// blocks of kRowBlock tokens.
#include <algorithm>

#include "devices/cpu/ttt/ttt_kernels.h"
#include "mempipe/core/buffer.h"
#include "mempipe/core/parallel.h"
#include "ops/ttt/ttt_internal.h"

namespace mempipe::cpu {

void ttt_apply(const float* q, int64_t n, TttShape s, TttConstWeights w, float* out, TttMatmul mm) {
    using namespace ttt_detail;
    check_apply_args(q, n, s, w, out);
    if (n == 0 || s.d == 0) return;
    const int64_t d = s.d, dh = s.dh;
    const cpu_ttt::Kernels kern = cpu_ttt::pick_kernels(mm);
    const int64_t rows = std::min(n, cpu_ttt::kRowBlock);
    float* g = cpu_ttt::thread_scratch(cpu_ttt::kSlotG, size_t(rows * dh));
    float* u = cpu_ttt::thread_scratch(cpu_ttt::kSlotU, size_t(rows * dh));
    for (int64_t i0 = 0; i0 < n; i0 += rows) {
        const int64_t m = std::min(rows, n - i0);
        const float* qb = q + i0 * d;
        kern.gemm({m, dh, d, qb, d, false, w.w1, d, true, g, dh, false});
        kern.gemm({m, dh, d, qb, d, false, w.w3, d, true, u, dh, false});
        parallel_for(m, 64, [&](int64_t r0, int64_t r1) {
            kern.swiglu(g + r0 * dh, u + r0 * dh, (r1 - r0) * dh);
        });
        kern.gemm({m, d, dh, g, dh, false, w.w2, dh, true, out + i0 * d, d, false});
    }
}

}  // namespace mempipe::cpu
