// CPU SeerAttention-R gate scores: entry point (checks, dispatch, threads) and the scalar variants.
//
// Plan of one call: the query projection (KV heads split over threads, bit-exact with the reference),
// then blocks split over threads in contiguous ranges: pass 1 streams k_comp once and writes raw dots into
// `scores` (each thread one sequential stream), pass 2 turns them into exp((dot − max)·scale) in cache,
// pass 3 divides by the row sum. Passes 2 and 3 touch only [hkv × n_blocks] f32 (512 KB at 1M tokens).
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "mempipe/core/error.h"
#include "mempipe/core/parallel.h"
#include "mempipe/core/simd.h"
#include "ops/seer/seer_internal.h"
#include "seer_gate_scores_kernels.h"
#include "seer_linear_kernels.h"

namespace mempipe::cpu {

namespace seer_kernels {
namespace {

void query_scalar(const float* q_nope, const uint16_t* wq, const SeerGateShape& s, int64_t k0, int64_t k1,
                  float* qg) {
    const int64_t n_in = s.group() * s.d;
    for (int64_t k = k0; k < k1; ++k)
        linear_chain_scalar(q_nope + k * n_in, n_in, wq + k * n_in * s.d_gate, s.d_gate, qg + k * s.d_gate);
}

void pack_scalar(const float* qg, const SeerGateShape& s, float* qp) {
    std::copy(qg, qg + s.hkv * s.d_gate, qp);
}

void dots_scalar(const float* qg, const uint16_t* k_comp, int64_t n, const SeerGateShape& s, int64_t b0, int64_t b1,
                 float* dots, float* mx, uint8_t* nan) {
    const int64_t hkv = s.hkv, dg = s.d_gate;
    for (int64_t b = b0; b < b1; ++b) {
        for (int64_t k = 0; k < hkv; ++k) {
            const uint16_t* kc = k_comp + (b * hkv + k) * dg;
            const float* q = qg + k * dg;
            float acc = 0.0f;
            for (int64_t o = 0; o < dg; ++o) {
                float p = q[o] * bf16_to_f32(kc[o]);
                acc = acc + p;
            }
            dots[k * n + b] = acc;
            if (acc > mx[k]) mx[k] = acc;
            if (std::isnan(acc)) nan[k] = 1;
        }
    }
}

float exp_scalar(float* x, int64_t b0, int64_t b1, float m, float scale) {
    float sum = 0.0f;
    for (int64_t b = b0; b < b1; ++b) {
        float e = std::exp((x[b] - m) * scale);
        x[b] = e;
        sum += e;
    }
    return sum;
}

void norm_scalar(float* x, int64_t b0, int64_t b1, float sum) {
    for (int64_t b = b0; b < b1; ++b) x[b] = x[b] / sum;
}

}  // namespace

const GateKernels kGateScalar{query_scalar, pack_scalar, dots_scalar, exp_scalar, norm_scalar};

}  // namespace seer_kernels

namespace {
constexpr int64_t kParallelMinBlocks = 512;  // below this one thread is faster than waking a second
constexpr int64_t kRangeAlign = 16;          // thread ranges start on 16-block boundaries (one zmm of scores)

// [begin, end) of part t of n items split in `parts` contiguous, kRangeAlign-aligned ranges.
std::pair<int64_t, int64_t> part_range(int64_t n, int parts, int t) {
    int64_t chunk = (n + parts - 1) / parts;
    chunk = (chunk + kRangeAlign - 1) / kRangeAlign * kRangeAlign;
    return {std::min(n, chunk * t), std::min(n, chunk * (t + 1))};
}
}  // namespace

void seer_gate_scores(const float* q_nope, const uint16_t* k_comp, int64_t n_blocks, const SeerGateShape& s,
                      const SeerGateWeights& w, const float* inv_freq, int64_t position, float* scores) {
    seer_detail::check_shape(s, "seer_gate_scores");
    MEMPIPE_CHECK_ARG(n_blocks >= 0, "seer_gate_scores: n_blocks must be ≥ 0, got {}", n_blocks);
    MEMPIPE_CHECK_ARG(position >= 0, "seer_gate_scores: position must be ≥ 0, got {}", position);
    if (n_blocks == 0) return;
    seer_detail::check_weights(s, w, inv_freq, true, false, "seer_gate_scores");
    MEMPIPE_CHECK_ARG(q_nope && k_comp && scores,
                      "seer_gate_scores: q_nope ([hq × d] f32), k_comp ([n_blocks × hkv × d_gate] bf16) and "
                      "scores ([hkv × n_blocks] f32) must not be null");
    using seer_kernels::GateKernels;
    const GateKernels* kern =
        simd_pick<const GateKernels*>(&seer_kernels::kGateScalar, nullptr, &seer_kernels::kGateAvx512);
    if (s.d_gate % 32 != 0) kern = &seer_kernels::kGateScalar;

    const int64_t hkv = s.hkv, dg = s.d_gate, n = n_blocks;
    const float scale = float(1.0 / std::sqrt(double(dg)));
    const int nt = n >= kParallelMinBlocks ? std::max(1, num_threads()) : 1;
    std::vector<float> qg(size_t(hkv * dg)), qp(size_t(hkv * dg)), c(size_t(dg / 2)), sn(size_t(dg / 2));
    std::vector<float> mx(size_t(nt * hkv), -INFINITY), sums(size_t(nt * hkv), 0.0f);
    std::vector<uint8_t> nan(size_t(nt * hkv), 0);
    if (inv_freq) seer_detail::rope_cos_sin(inv_freq, dg / 2, position, c.data(), sn.data());

#pragma omp parallel num_threads(nt)
    {
        const int t = omp_get_thread_num(), parts = omp_get_num_threads();
        // Query projection + norm + RoPE, KV heads split over threads.
        int64_t k0 = hkv * t / parts, k1 = hkv * (t + 1) / parts;
        kern->query(q_nope, w.wq, s, k0, k1, qg.data());
        for (int64_t k = k0; k < k1; ++k)
            seer_detail::finish_row(qg.data() + k * dg, s, w.q_norm, inv_freq ? c.data() : nullptr, sn.data());
#pragma omp barrier
#pragma omp single
        kern->pack(qg.data(), s, qp.data());

        auto [b0, b1] = part_range(n, parts, t);
        float* my_mx = mx.data() + t * hkv;
        uint8_t* my_nan = nan.data() + t * hkv;
        kern->dots(qp.data(), k_comp, n, s, b0, b1, scores, my_mx, my_nan);
#pragma omp barrier
        for (int64_t k = 0; k < hkv; ++k) {
            float m = -INFINITY;
            for (int u = 0; u < parts; ++u) m = std::max(m, mx[size_t(u * hkv + k)]);
            sums[size_t(t * hkv + k)] = kern->exp(scores + k * n, b0, b1, m, scale);
        }
#pragma omp barrier
        for (int64_t k = 0; k < hkv; ++k) {
            float sum = 0.0f;
            bool any_nan = false;
            for (int u = 0; u < parts; ++u) {
                sum += sums[size_t(u * hkv + k)];
                any_nan |= nan[size_t(u * hkv + k)] != 0;
            }
            if (any_nan)
                std::fill(scores + k * n + b0, scores + k * n + b1, NAN);
            else
                kern->norm(scores + k * n, b0, b1, sum);
        }
    }
}

}  // namespace mempipe::cpu
