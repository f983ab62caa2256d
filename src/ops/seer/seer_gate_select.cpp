// Reference: SeerAttention-R Relevancy + Retrieval fused, by definition the two reference ops in
// turn.
#include "mempipe/ops/seer.h"
#include "seer_internal.h"

namespace mempipe::ref {

void seer_gate_select(const float* q_nope, const uint16_t* k_comp, int64_t n_blocks,
                      const SeerGateShape& s, const SeerGateWeights& w, const float* inv_freq,
                      int64_t position, const SeerSelectParams& p, int64_t width, float* scores,
                      int32_t* out, int32_t* counts) {
    seer_detail::check_select(scores, s.hkv, n_blocks, p, width, out, "seer_gate_select");
    seer_gate_scores(q_nope, k_comp, n_blocks, s, w, inv_freq, position, scores);
    seer_select_blocks(scores, s.hkv, n_blocks, p, width, out, counts);
}

}  // namespace mempipe::ref
