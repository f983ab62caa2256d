// cpu::indexer_key / cpu::indexer_query: the Prepare steps composed from the cpu nn kernels and
// act_quant, with the bf16 roundings of the model in the same places as the reference (dsa.h).
#include <cmath>
#include <vector>

#include "mempipe/ops/nn.h"
#include "ops/dsa/dsa_internal.h"

namespace mempipe::cpu {

void indexer_key(const IndexerWeights& w, const float* x, const int64_t* pos, int64_t batch,
                 uint8_t* k8, float* k_scale) {
    dsa_detail::check_prepare("indexer_key", w, batch);
    if (batch == 0) return;
    MEMPIPE_CHECK_ARG(x && pos && k8 && k_scale && w.wk && w.k_norm_gamma,
                      "indexer_key: a required pointer is null");
    std::vector<float> k(size_t(batch * kDsaHeadDim));
    const int64_t n = int64_t(k.size());
    cpu::linear_bf16(x, w.wk, nullptr, k.data(), batch, w.dim, kDsaHeadDim);
    round_bf16(k.data(), n);
    cpu::layer_norm(k.data(), w.k_norm_gamma, w.k_norm_beta, k.data(), batch, kDsaHeadDim,
                    w.k_norm_eps);
    round_bf16(k.data(), n);
    for (int64_t b = 0; b < batch; ++b)
        cpu::rope(k.data() + b * kDsaHeadDim, 1, kDsaHeadDim, kDsaRopeDim, pos[b], w.inv_freq,
                  RopeStyle::NeoX);
    round_bf16(k.data(), n);
    cpu::hadamard128(k.data(), batch);
    round_bf16(k.data(), n);
    cpu::quant_fp8_block(k.data(), batch, kDsaHeadDim, k8, k_scale);
}

void indexer_query(const IndexerWeights& w, const float* qr, const float* x, const int64_t* pos,
                   int64_t batch, uint8_t* q8, float* weights) {
    dsa_detail::check_prepare("indexer_query", w, batch);
    if (batch == 0) return;
    MEMPIPE_CHECK_ARG(qr && x && pos && q8 && weights && w.wq_b && w.weights_proj,
                      "indexer_query: a required pointer is null");
    const int64_t H = w.heads;
    std::vector<float> q(size_t(batch * H * kDsaHeadDim)), wp(size_t(batch * H)),
        qs(size_t(batch * H));
    const int64_t n = int64_t(q.size());
    cpu::linear_bf16(qr, w.wq_b, nullptr, q.data(), batch, w.q_lora, H * kDsaHeadDim);
    round_bf16(q.data(), n);
    for (int64_t b = 0; b < batch; ++b)
        cpu::rope(q.data() + b * H * kDsaHeadDim, H, kDsaHeadDim, kDsaRopeDim, pos[b], w.inv_freq,
                  RopeStyle::NeoX);
    round_bf16(q.data(), n);
    cpu::hadamard128(q.data(), batch * H);
    round_bf16(q.data(), n);
    cpu::quant_fp8_block(q.data(), batch * H, kDsaHeadDim, q8, qs.data());
    cpu::linear_bf16(x, w.weights_proj, nullptr, wp.data(), batch, w.dim, H);
    const float head_scale = float(std::pow(double(H), -0.5)),
                softmax_scale = float(1.0 / std::sqrt(128.0));
    for (int64_t i = 0; i < batch * H; ++i)
        weights[i] = ((wp[size_t(i)] * head_scale) * qs[size_t(i)]) * softmax_scale;
}

}  // namespace mempipe::cpu
