// CPU SeerAttention-R Relevancy + Retrieval fused: the gate, with each score row selected by the
// thread that normalised it (seer_gate_scores.cpp: gate_run).
#include "mempipe/core/error.h"
#include "mempipe/ops/seer.h"
#include "ops/seer/seer_internal.h"
#include "seer_gate_scores_kernels.h"

namespace mempipe::cpu {

void seer_gate_select(const float* q_nope, const uint16_t* k_comp, int64_t n_blocks,
                      const SeerGateShape& s, const SeerGateWeights& w, const float* inv_freq,
                      int64_t position, const SeerSelectParams& p, int64_t width, float* scores,
                      int32_t* out, int32_t* counts) {
    seer_detail::check_shape(s, "seer_gate_select");
    seer_detail::check_select(scores, s.hkv, n_blocks, p, width, out, "seer_gate_select");
    MEMPIPE_CHECK_ARG(position >= 0, "seer_gate_select: position must be ≥ 0, got {}", position);
    if (n_blocks == 0) {  // nothing selected: rows of −1, counts 0
        for (int64_t k = 0; k < s.hkv; ++k) {
            for (int64_t e = 0; e < width; ++e) out[k * width + e] = -1;
            if (counts) counts[k] = 0;
        }
        return;
    }
    seer_detail::check_weights(s, w, inv_freq, true, false, "seer_gate_select");
    MEMPIPE_CHECK_ARG(q_nope && k_comp,
                      "seer_gate_select: q_nope ([hq × d] f32) and k_comp ([n_blocks × hkv × "
                      "d_gate] bf16) must not be null");
    seer_kernels::gate_run(q_nope, k_comp, n_blocks, s, w, inv_freq, position, scores, &p, width,
                           out, counts);
}

}  // namespace mempipe::cpu
