// Reference: SeerAttention-R gate scores of one decode query (Compute Relevancy step).
#include <cmath>
#include <vector>

#include "mempipe/core/error.h"
#include "seer_internal.h"

namespace mempipe::ref {

void seer_gate_scores(const float* q_nope, const uint16_t* k_comp, int64_t n_blocks,
                      const SeerGateShape& s, const SeerGateWeights& w, const float* inv_freq,
                      int64_t position, float* scores) {
    seer_detail::check_shape(s, "seer_gate_scores");
    MEMPIPE_CHECK_ARG(n_blocks >= 0, "seer_gate_scores: n_blocks must be ≥ 0, got {}", n_blocks);
    MEMPIPE_CHECK_ARG(position >= 0, "seer_gate_scores: position must be ≥ 0, got {}", position);
    if (n_blocks == 0) return;
    seer_detail::check_weights(s, w, inv_freq, true, false, "seer_gate_scores");
    MEMPIPE_CHECK_ARG(
        q_nope && k_comp && scores,
        "seer_gate_scores: q_nope ([hq × d] f32), k_comp ([n_blocks × hkv × d_gate] bf16) and "
        "scores ([hkv × n_blocks] f32) must not be null");
    const int64_t d = s.d, dg = s.d_gate, hkv = s.hkv, g = s.group();
    const double scale = 1.0 / std::sqrt(double(dg));
    std::vector<float> qg(size_t(dg) * 1), c(size_t(dg / 2)), sn(size_t(dg / 2));
    std::vector<double> logit(size_t(n_blocks) * 1);
    if (inv_freq) seer_detail::rope_cos_sin(inv_freq, dg / 2, position, c.data(), sn.data());
    for (int64_t k = 0; k < hkv; ++k) {
        // qg[o] = Σ_j Σ_i q_nope[k·g + j, i] · Wq[k, j, i, o]: f32 FMA chain over (j, i) in order.
        for (int64_t o = 0; o < dg; ++o) {
            float acc = 0.0f;
            for (int64_t j = 0; j < g; ++j) {
                const float* q = q_nope + (k * g + j) * d;
                const uint16_t* wkj = w.wq + (k * g + j) * d * dg;
                for (int64_t i = 0; i < d; ++i)
                    acc = std::fma(q[i], bf16_to_f32(wkj[i * dg + o]), acc);
            }
            qg[size_t(o)] = acc;
        }
        seer_detail::finish_row(qg.data(), s, w.q_norm, inv_freq ? c.data() : nullptr, sn.data());

        // logits in f64 (each f32 × bf16 product is exact in f64), softmax over the blocks in f64.
        double mx = -INFINITY;
        bool nan = false;
        for (int64_t b = 0; b < n_blocks; ++b) {
            const uint16_t* kc = k_comp + (b * hkv + k) * dg;
            double dot = 0;
            for (int64_t o = 0; o < dg; ++o)
                dot += double(qg[size_t(o)]) * double(bf16_to_f32(kc[o]));
            logit[size_t(b)] = dot * scale;
            nan |= std::isnan(dot);
            if (logit[size_t(b)] > mx) mx = logit[size_t(b)];
        }
        double sum = 0;
        for (int64_t b = 0; b < n_blocks; ++b) sum += std::exp(logit[size_t(b)] - mx);
        for (int64_t b = 0; b < n_blocks; ++b)
            scores[k * n_blocks + b] = nan ? NAN : float(std::exp(logit[size_t(b)] - mx) / sum);
    }
}

}  // namespace mempipe::ref
