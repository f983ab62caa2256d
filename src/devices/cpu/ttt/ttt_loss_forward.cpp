// cpu::ttt_loss_forward: G = k·W1ᵀ, U = k·W3ᵀ as two f32 GEMMs.
#include "devices/cpu/ttt/ttt_kernels.h"
#include "ops/ttt/ttt_internal.h"

namespace mempipe::cpu {

void ttt_loss_forward(const float* k, int64_t n, TttShape s, TttConstWeights w, float* gate_pre,
                      float* up, TttMatmul mm) {
    using namespace ttt_detail;
    check_loss_forward_args(k, n, s, w, gate_pre, up);
    if (n == 0 || s.dh == 0) return;
    const cpu_ttt::Kernels kern = cpu_ttt::pick_kernels(mm);
    kern.gemm({n, s.dh, s.d, k, s.d, false, w.w1, s.d, true, gate_pre, s.dh, false});
    kern.gemm({n, s.dh, s.d, k, s.d, false, w.w3, s.d, true, up, s.dh, false});
}

}  // namespace mempipe::cpu
