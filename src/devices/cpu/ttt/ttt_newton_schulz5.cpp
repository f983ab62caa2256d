// cpu::ttt_newton_schulz5: five Newton–Schulz iterations with f32 GEMMs (cpu_ttt::newton_schulz5).
#include "devices/cpu/ttt/ttt_kernels.h"
#include "ops/ttt/ttt_internal.h"

namespace mempipe::cpu {

void ttt_newton_schulz5(float* x, int64_t rows, int64_t cols, TttMatmul mm) {
    ttt_detail::check_shape(TttShape{rows, cols}, 0, "ttt_newton_schulz5");
    ttt_detail::check_rows(x, rows, cols, "x", "ttt_newton_schulz5");
    cpu_ttt::newton_schulz5(cpu_ttt::pick_kernels(mm), x, rows, cols);
}

}  // namespace mempipe::cpu
