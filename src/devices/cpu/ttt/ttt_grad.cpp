// cpu::ttt_grad: per block of kRowBlock tokens, the loss forward (unless G, U are given),
// dH = v·W2, the pointwise backward (rates folded into the rows), and the three weight steps
// as transposed GEMMs accumulated over the blocks: S2 += vᵀ·Hid, S3 += dUᵀ·k, S1 += dGᵀ·k.
#include <algorithm>

#include "devices/cpu/ttt/ttt_kernels.h"
#include "mempipe/core/buffer.h"
#include "mempipe/core/error.h"
#include "mempipe/core/parallel.h"
#include "ops/ttt/ttt_internal.h"

namespace mempipe::cpu {

void ttt_grad(const float* k, const float* v, TttRates lr, int64_t n, TttShape s, TttConstWeights w,
              const float* gate_pre, const float* up, TttWeights grads, TttMatmul mm) {
    using namespace ttt_detail;
    check_grad_args(k, v, lr, n, s, w, gate_pre, up, grads);
    const int64_t d = s.d, dh = s.dh;
    if (d == 0 || dh == 0) return;
    if (n == 0) {
        std::fill(grads.w1, grads.w1 + dh * d, 0.0f);
        std::fill(grads.w3, grads.w3 + dh * d, 0.0f);
        std::fill(grads.w2, grads.w2 + d * dh, 0.0f);
        return;
    }
    const cpu_ttt::Kernels kern = cpu_ttt::pick_kernels(mm);
    const int64_t rows = std::min(n, cpu_ttt::kRowBlock);
    const size_t block = size_t(rows * dh);
    using cpu_ttt::thread_scratch;
    float* dhid = thread_scratch(cpu_ttt::kSlotDh, block);
    float* hid = thread_scratch(cpu_ttt::kSlotHid, block);
    float* dup = thread_scratch(cpu_ttt::kSlotDup, block);
    float* gbuf = gate_pre ? nullptr : thread_scratch(cpu_ttt::kSlotG, block);
    float* ubuf = up ? nullptr : thread_scratch(cpu_ttt::kSlotU, block);
    for (int64_t i0 = 0; i0 < n; i0 += rows) {
        const int64_t m = std::min(rows, n - i0);
        const float* kb = k + i0 * d;
        const float* vb = v + i0 * d;
        const float* gb = gate_pre ? gate_pre + i0 * dh : gbuf;
        const float* ub = up ? up + i0 * dh : ubuf;
        if (!gate_pre) {
            kern.gemm({m, dh, d, kb, d, false, w.w1, d, true, gbuf, dh, false});
            kern.gemm({m, dh, d, kb, d, false, w.w3, d, true, ubuf, dh, false});
        }
        kern.gemm({m, dh, d, vb, d, false, w.w2, dh, false, dhid, dh, false});
        parallel_for(m, 32, [&](int64_t r0, int64_t r1) {
            for (int64_t r = r0; r < r1; ++r) {
                const int64_t t = i0 + r;
                kern.grad_row(gb + r * dh, ub + r * dh, dhid + r * dh, hid + r * dh, dup + r * dh,
                              dh, lr.lr1[t], lr.lr3[t], lr.lr2[t]);
            }
        });
        const bool acc = i0 > 0;
        kern.gemm({d, dh, m, vb, d, true, hid, dh, false, grads.w2, dh, acc});
        kern.gemm({dh, d, m, dup, dh, true, kb, d, false, grads.w3, d, acc});
        kern.gemm({dh, d, m, dhid, dh, true, kb, d, false, grads.w1, d, acc});
    }
}

}  // namespace mempipe::cpu
