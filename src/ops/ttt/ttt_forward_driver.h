// Internal to the ttt family: the sequence-level loop of ttt_forward (block-causal apply, then
// update), shared by ref:: and cpu:: with their own ops plugged in.
#pragma once

#include <algorithm>
#include <vector>

#include "mempipe/core/error.h"
#include "ops/ttt/ttt_internal.h"

namespace mempipe::ttt_detail {

template <class Apply, class Grad, class Update>
void forward_loop(const TttSequence& q, TttShape s, TttWeights w, float* out, const char* op,
                  Apply apply, Grad grad, Update update) {
    check_shape(s, q.n, op);
    MEMPIPE_CHECK_ARG(q.chunk >= 1, "{}: chunk must be ≥ 1 token, got {}", op, q.chunk);
    check_weights(s, w, "w", op);
    check_rows(q.q, q.n, s.d, "q", op);
    check_rows(q.k, q.n, s.d, "k", op);
    check_rows(q.v, q.n, s.d, "v", op);
    check_rows(out, q.n, s.d, "out", op);
    const int64_t updates = ttt_update_chunks(q.n, q.chunk);
    MEMPIPE_CHECK_ARG(updates == 0 || (q.lr.lr1 && q.lr.lr3 && q.lr.lr2),
                      "{}: lr needs the three per-token rate arrays lr1, lr3, lr2 [n]", op);
    const size_t wsize = size_t(s.d * s.dh);
    std::vector<float> norms(size_t(2 * s.dh + s.d)), g1(wsize), g3(wsize), g2(wsize);
    std::vector<float> m1(q.momentum_gate ? wsize : 0), m3(m1.size()), m2(m1.size());
    ttt_row_norms(s, w, norms.data());
    const TttWeights grads{g1.data(), g3.data(), g2.data()};
    const TttWeights mom =
        q.momentum_gate ? TttWeights{m1.data(), m3.data(), m2.data()} : TttWeights{};
    for (int64_t c0 = 0, c = 0; c0 < q.n; c0 += q.chunk, ++c) {
        const int64_t len = std::min(q.chunk, q.n - c0);
        apply(q.q + c0 * s.d, len, s, TttConstWeights(w), out + c0 * s.d, q.matmul);
        if (c >= updates) continue;
        const TttRates lr{q.lr.lr1 + c0, q.lr.lr3 + c0, q.lr.lr2 + c0};
        grad(q.k + c0 * s.d, q.v + c0 * s.d, lr, len, s, TttConstWeights(w), nullptr, nullptr,
             grads, q.matmul);
        double beta = 0;
        if (q.momentum_gate) {
            for (int64_t t = 0; t < len; ++t) beta += double(q.momentum_gate[c0 + t]);
            beta /= double(len);
        }
        update(s, w, grads, mom, norms.data(), float(beta), q.use_muon, q.matmul);
    }
}

}  // namespace mempipe::ttt_detail
