// CPU SeerAttention-R gate scores: entry point (checks, dispatch, threads) and the scalar variants.
//
// Plan of one call: the query projection (bit-exact with the reference; ~1 MFLOP), then pass 1
// streams k_comp once and writes raw dots into `scores`, pass 2 takes each row's max, pass 3 turns
// the row into exp((dot − max)·scale) and its sum, pass 4 divides by the sum. Passes 2-4 touch only
// [hkv × n_blocks] f32 (512 KB at 1M tokens). Large inputs split the KV heads over threads: every
// thread runs all passes for its heads (it reads its heads' contiguous part of each k_comp row), so
// there is no barrier and each score row is normalised by one thread (equal rows give equal
// scores).
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
#include "seer_select_blocks_kernels.h"

namespace mempipe::cpu {

namespace seer_kernels {
namespace {

void query_scalar(const float* q_nope, const uint16_t* wq, const SeerGateShape& s, int64_t k0,
                  int64_t k1, float* qg) {
    const int64_t n_in = s.group() * s.d;
    for (int64_t k = k0; k < k1; ++k)
        linear_chain_scalar(q_nope + k * n_in, n_in, wq + k * n_in * s.d_gate, s.d_gate,
                            qg + k * s.d_gate);
}

void pack_scalar(const float* qg, const SeerGateShape& s, int64_t k0, int64_t k1, void* qp) {
    std::copy(qg + k0 * s.d_gate, qg + k1 * s.d_gate, static_cast<float*>(qp) + k0 * s.d_gate);
}

void dots_scalar(const void* qp, const uint16_t* k_comp, int64_t n, const SeerGateShape& s,
                 int64_t k0, int64_t k1, float* dots) {
    const auto* qg = static_cast<const float*>(qp);
    const int64_t hkv = s.hkv, dg = s.d_gate;
    for (int64_t b = 0; b < n; ++b)
        for (int64_t k = k0; k < k1; ++k) {
            const uint16_t* kc = k_comp + (b * hkv + k) * dg;
            const float* q = qg + k * dg;
            float acc = 0.0f;
            for (int64_t o = 0; o < dg; ++o) {
                float p = q[o] * bf16_to_f32(kc[o]);
                acc = acc + p;
            }
            dots[k * n + b] = acc;
        }
}

float max_scalar(const float* x, int64_t b0, int64_t b1, bool* has_nan) {
    float m = -INFINITY;
    for (int64_t b = b0; b < b1; ++b) {
        if (std::isnan(x[b]))
            *has_nan = true;
        else if (x[b] > m)
            m = x[b];
    }
    return m;
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

const GateKernels kGateScalar{query_scalar, pack_scalar, dots_scalar,
                              max_scalar,   exp_scalar,  norm_scalar};

}  // namespace seer_kernels

namespace {
// Below this many blocks (64K tokens) one thread does everything: a second thread's fork/join costs
// more than it saves.
constexpr int64_t kParallelMinBlocks = 1024;
}  // namespace

namespace seer_kernels {

void gate_run(const float* q_nope, const uint16_t* k_comp, int64_t n_blocks, const SeerGateShape& s,
              const SeerGateWeights& w, const float* inv_freq, int64_t position, float* scores,
              const SeerSelectParams* sel, int64_t width, int32_t* out, int32_t* counts) {
    if (n_blocks == 0) return;
    const GateKernels* kern = simd_pick<const GateKernels*>(&kGateScalar, &kGateAvx2, &kGateAvx512);
    if (kern == &kGateAvx512 && s.d_gate % 32 != 0) kern = &kGateAvx2;
    if (kern == &kGateAvx2 && s.d_gate % 16 != 0) kern = &kGateScalar;
    const SelectKernels* select = pick_select_kernels();

    const int64_t hkv = s.hkv, dg = s.d_gate, n = n_blocks;
    const float scale = float(1.0 / std::sqrt(double(dg)));
    std::vector<float> qg(size_t(hkv * dg)), qp(size_t(2 * hkv * dg)), c(size_t(dg / 2)),
        sn(size_t(dg / 2));
    if (inv_freq) seer_detail::rope_cos_sin(inv_freq, dg / 2, position, c.data(), sn.data());
    // Threads split the KV heads: each computes its heads' query, streams their k_comp columns,
    // normalises their score rows and (fused) selects from them while they are in cache; no
    // synchronisation, and each row is produced by one thread.
    const int nt =
        n >= kParallelMinBlocks ? int(std::min<int64_t>(std::max(1, num_threads()), hkv)) : 1;
    auto work = [&](int t, int parts) {
        const int64_t k0 = hkv * t / parts, k1 = hkv * (t + 1) / parts;
        kern->query(q_nope, w.wq, s, k0, k1, qg.data());
        for (int64_t k = k0; k < k1; ++k)
            seer_detail::finish_row(qg.data() + k * dg, s, w.q_norm, inv_freq ? c.data() : nullptr,
                                    sn.data());
        kern->pack(qg.data(), s, k0, k1, qp.data());
        kern->dots(qp.data(), k_comp, n, s, k0, k1, scores);
        SelectScratch scratch;
        for (int64_t k = k0; k < k1; ++k) {
            float* x = scores + k * n;
            bool nan = false;
            float m = kern->max(x, 0, n, &nan);
            if (nan)
                std::fill(x, x + n, NAN);
            else
                kern->norm(x, 0, n, kern->exp(x, 0, n, m, scale));
            if (sel) {
                int64_t cnt = select_row(select, x, n, *sel, width, out + k * width, scratch);
                if (counts) counts[k] = int32_t(cnt);
            }
        }
    };
    if (nt == 1) {
        work(0, 1);
        return;
    }
#pragma omp parallel num_threads(nt)
    work(omp_get_thread_num(), omp_get_num_threads());
}

}  // namespace seer_kernels

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
    seer_kernels::gate_run(q_nope, k_comp, n_blocks, s, w, inv_freq, position, scores, nullptr, 0,
                           nullptr, nullptr);
}

}  // namespace mempipe::cpu
