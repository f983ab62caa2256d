// cpu::ttt_forward: LaCT's shifted block-causal loop over one head's sequence with the cpu ops.
#include "ops/ttt/ttt_forward_driver.h"

namespace mempipe::cpu {

void ttt_forward(const TttSequence& seq, TttShape s, TttWeights w, float* out) {
    ttt_detail::forward_loop(seq, s, w, out, "ttt_forward", ttt_apply, ttt_grad, ttt_update);
}

}  // namespace mempipe::cpu
