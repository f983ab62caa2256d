// LaCT on one layer (memory_fpga.md §A3; lact_llm/lact_model/ttt_operation.py): one chunk of the
// shifted block-causal loop — apply the fast weights to the chunk's queries, then train them on
// the chunk's keys and values — for every (batch element, fast-weight head).
//
// Step graph (one execution = one chunk of `chunk` tokens at position `tokens` of one layer; the
// chunk is not the sequence's last, so it updates). Tags follow the paper's Table 1 for TTT:
//   Apply      lact.apply    out = f_W(q) with the weights left by the earlier chunks (ttt_apply)
//   Relevancy  lact.loss     the loss forward with the keys, G = k·W1ᵀ, U = k·W3ᵀ (compute loss)
//   Prepare    lact.grad     the backward pass: descent steps of −Σ lr·⟨f_W(k), v⟩ (ttt_grad)
//   Prepare    lact.update   momentum, Muon (Newton–Schulz 5), W + step, row renormalisation
//   Retrieval  —             none: TTT retrieves nothing (Table 1: N/A)
// With MethodOptions::whole_model the graph adds the rest of the layer for the chunk and the LM
// head (model_rest.h, LaCT's 760M model: config lact-760m), and every node repeats × 24 layers.
// Idempotent: the update reads the previous weights and momentum and writes fresh copies, so
// running the graph again recomputes the same chunk.
//
// Synthetic memory (`setup`): the fast weights after `tokens` earlier tokens are drawn from LaCT's
// initial distribution N(0, 1/fan_in) (the row renormalisation keeps every row at its initial
// norm, so these are the norms passed to the update); the momentum state is zero when no earlier
// chunk updated (tokens < chunk), else N(0, 10⁻⁴). The chunk's inputs follow the layer: q, k =
// silu(x) L2-normalised per head (RoPE is norm-preserving and skipped), v = silu(x), x ~ N(0, 1);
// per-token rates softplus(0.5·N(0, 1) + softplus⁻¹(10⁻³)) (lr_parameterization mamba, base
// lr 10⁻³), momentum gates σ(N(0, 1)).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>

#include "lact.h"
#include "mempipe/core/buffer.h"
#include "mempipe/core/error.h"
#include "mempipe/core/parallel.h"
#include "mempipe/core/rng.h"
#include "mempipe/core/simd.h"
#include "mempipe/ops/ttt.h"
#include "model_rest.h"

namespace mempipe {

namespace {

// Runs fn(sq) for every (batch, head) sequence. The Cpu backend spreads whole sequences over the
// threads when there are at least as many as threads (LaCT's bmm over b·heads; the ops inside
// then run single-threaded, one parallel region per node instead of one per GEMM); otherwise the
// ops thread themselves. The Reference backend runs in order on one thread.
template <class Fn>
void for_each_sequence(int64_t S, bool ref, const Fn& fn) {
    if (ref || S < num_threads()) {
        for (int64_t sq = 0; sq < S; ++sq) fn(sq);
        return;
    }
    const SimdLevel level = active_simd_level();  // a ScopedSimdLevel cap is per thread
#pragma omp parallel for schedule(dynamic, 1)
    for (int64_t sq = 0; sq < S; ++sq) {
        ScopedSimdLevel cap(level);
        fn(sq);
    }
}

class LactMethod final : public Method {
  public:
    explicit LactMethod(const LactConfig& c) : c_(c), s_{c.d, c.dh} {
        MEMPIPE_CHECK_ARG(c.heads >= 1 && c.d >= 1 && c.dh >= 1 && c.chunk >= 1,
                          "{}: heads, d, dh and chunk must be ≥ 1, got {}, {}, {}, {}", c.name,
                          c.heads, c.d, c.dh, c.chunk);
        description_ = fmt::format(
            "LaCT layer ({} fast-weight heads, SwiGLU {}→{}→{} f32 fast weights, {} matmuls, chunk "
            "{}{}{}): one chunk of apply-then-update per step; profiled only",
            c.heads, c.d, c.dh, c.d, c.matmul == TttMatmul::Bf16 ? "bf16" : "f32", c.chunk,
            c.use_momentum ? ", momentum" : "", c.use_muon ? ", Muon" : "");
    }

    std::string_view name() const override { return c_.name; }
    std::string_view description() const override { return description_; }

    // Everything setup allocates: per (batch, head) the fast weights before and after the update,
    // the steps, the momentum before and after, the row norms, q/k/v/out of the chunk, the three
    // rates and the gates, and G, U. Not counted: the cpu kernels' scratch, independent of the
    // batch: ≤ 3·1024·dh floats per call, freed after it, plus under bf16 matmuls ≤ ~4·1024·d
    // floats per thread kept for reuse (≈ 6 MB per thread at d = 384).
    double state_bytes(const MethodOptions& o) const override {
        const double w = 3.0 * double(c_.d) * double(c_.dh) * 4.0, L = double(c_.chunk);
        double per = 3.0 * w + double(2 * c_.dh + c_.d) * 4.0;
        if (c_.use_momentum) per += 2.0 * w;
        per += 4.0 * L * double(c_.d) * 4.0 + 4.0 * L * 4.0 + 2.0 * L * double(c_.dh) * 4.0;
        double rest = 0;
        if (o.whole_model)
            rest = ModelRest::state_bytes(rest_shape(), std::max(o.batch, 1), c_.chunk, c_.chunk);
        return double(std::max(o.batch, 1)) * double(c_.heads) * per + rest;
    }

    void setup(const MethodOptions& o) override {
        MEMPIPE_CHECK_ARG(o.tokens >= 0, "{}: tokens must be ≥ 0, got {}", c_.name, o.tokens);
        MEMPIPE_CHECK_ARG(o.batch >= 1, "{}: batch must be ≥ 1, got {}", c_.name, o.batch);
        o_ = o;
        if (o.whole_model) rest_.setup(rest_shape(), o.batch, o.seed, c_.chunk, c_.chunk);
        seqs_ = int64_t(o.batch) * c_.heads;
        const int64_t wsz = c_.d * c_.dh, L = c_.chunk, d = c_.d;
        for (Buffer<float>* b : {&w_prev_, &w_next_, &steps_})
            *b = Buffer<float>(size_t(seqs_ * 3 * wsz));
        const bool mom = c_.use_momentum;
        m_prev_ = Buffer<float>(size_t(mom ? seqs_ * 3 * wsz : 0));
        m_next_ = Buffer<float>(m_prev_.size());
        norms_ = Buffer<float>(size_t(seqs_ * (2 * c_.dh + d)));
        for (Buffer<float>* b : {&q_, &k_, &v_, &out_}) *b = Buffer<float>(size_t(seqs_ * L * d));
        for (Buffer<float>* b : {&lr1_, &lr3_, &lr2_, &gate_})
            *b = Buffer<float>(size_t(seqs_ * L));
        g_ = Buffer<float>(size_t(seqs_ * L * c_.dh));
        u_ = Buffer<float>(g_.size());

        const double base = 1e-3 + std::log(-std::expm1(-1e-3));  // softplus⁻¹(10⁻³)
        auto silu = [](float x) { return x / (1.0f + std::exp(-x)); };
        for (int64_t sq = 0; sq < seqs_; ++sq) {
            Rng rng(o.seed * 0x9e3779b97f4a7c15ull + uint64_t(sq) * 7 + 1);
            const TttWeights w = weights(w_prev_, sq);
            const float a = 1.0f / std::sqrt(float(d)), b = 1.0f / std::sqrt(float(c_.dh));
            for (int64_t e = 0; e < wsz; ++e) w.w1[e] = rng.normal() * a;
            for (int64_t e = 0; e < wsz; ++e) w.w3[e] = rng.normal() * a;
            for (int64_t e = 0; e < wsz; ++e) w.w2[e] = rng.normal() * b;
            ttt_row_norms(s_, w, norms_.data() + sq * (2 * c_.dh + d));
            if (mom) {
                float* m = m_prev_.data() + sq * 3 * wsz;
                const bool earlier = o.tokens >= c_.chunk;
                const float scale = earlier ? 1e-2f : 0.0f;  // draws either way: same q, k, v
                for (int64_t e = 0; e < 3 * wsz; ++e) m[e] = rng.normal() * scale;
            }
            for (Buffer<float>* x : {&q_, &k_, &v_}) {
                float* p = x->data() + sq * L * d;
                for (int64_t e = 0; e < L * d; ++e) p[e] = silu(rng.normal());
                if (x == &v_) continue;
                for (int64_t i = 0; i < L; ++i) {  // per-head L2 norm (ttt_operation.py l2_norm)
                    double sum = 0;
                    for (int64_t t = 0; t < d; ++t) sum += double(p[i * d + t]) * p[i * d + t];
                    const float inv = float(1.0 / (std::sqrt(sum) + 1e-5));
                    for (int64_t t = 0; t < d; ++t) p[i * d + t] *= inv;
                }
            }
            for (Buffer<float>* x : {&lr1_, &lr3_, &lr2_}) {
                float* p = x->data() + sq * L;
                for (int64_t i = 0; i < L; ++i)
                    p[i] = float(std::log1p(std::exp(base + 0.5 * double(rng.normal()))));
            }
            float* gt = gate_.data() + sq * L;
            for (int64_t i = 0; i < L; ++i) gt[i] = 1.0f / (1.0f + std::exp(-rng.normal()));
        }
        std::fill(out_.begin(), out_.end(), 0.0f);
    }

    Graph step_graph() override {
        MEMPIPE_CHECK_ARG(seqs_ > 0, "{}: call setup() before step_graph()", c_.name);
        const bool ref = o_.backend == Backend::Reference;
        const int64_t L = c_.chunk, d = c_.d, dh = c_.dh, S = seqs_;
        // Each sequence has its own fast weights: its costs repeat S times, nothing shared.
        const double Sd = double(S), fast = 3.0 * double(d * dh) * 4.0;
        Graph g;

        OpNode apply;
        apply.name = "lact.apply";
        apply.op = "ttt_apply";
        apply.step = PipelineStep::Apply;
        apply.cost = repeated(ttt_apply_cost(L, s_, c_.matmul), Sd);
        apply.output_bytes = Sd * double(L * d) * 4.0;
        apply.repeat = layer_repeat();
        apply.state_bytes = Sd * fast;
        apply.run = [this, ref, S, L, d] {
            for_each_sequence(S, ref, [&](int64_t sq) {
                const float* q = q_.data() + sq * L * d;
                float* o = out_.data() + sq * L * d;
                if (ref)
                    ref::ttt_apply(q, L, s_, weights(w_prev_, sq), o, c_.matmul);
                else
                    cpu::ttt_apply(q, L, s_, weights(w_prev_, sq), o, c_.matmul);
            });
        };
        g.add(std::move(apply));

        OpNode loss;
        loss.name = "lact.loss";
        loss.op = "ttt_loss_forward";
        loss.step = PipelineStep::Relevancy;
        loss.cost = repeated(ttt_loss_forward_cost(L, s_, c_.matmul), Sd);
        loss.output_bytes = Sd * 2.0 * double(L * dh) * 4.0;
        loss.repeat = layer_repeat();
        loss.state_bytes = Sd * fast;
        loss.run = [this, ref, S, L, d, dh] {
            for_each_sequence(S, ref, [&](int64_t sq) {
                const float* k = k_.data() + sq * L * d;
                float* gp = g_.data() + sq * L * dh;
                float* up = u_.data() + sq * L * dh;
                if (ref)
                    ref::ttt_loss_forward(k, L, s_, weights(w_prev_, sq), gp, up, c_.matmul);
                else
                    cpu::ttt_loss_forward(k, L, s_, weights(w_prev_, sq), gp, up, c_.matmul);
            });
        };
        const int l = g.add(std::move(loss));

        OpNode grad;
        grad.name = "lact.grad";
        grad.op = "ttt_grad";
        grad.step = PipelineStep::Prepare;
        grad.cost = repeated(ttt_grad_cost(L, s_, false, c_.matmul), Sd);
        grad.inputs = {l};
        grad.output_bytes = Sd * fast;
        grad.repeat = layer_repeat();
        grad.state_bytes = Sd * fast;
        grad.run = [this, ref, S, L, d, dh] {
            for_each_sequence(S, ref, [&](int64_t sq) {
                const float* k = k_.data() + sq * L * d;
                const float* v = v_.data() + sq * L * d;
                const TttRates lr{lr1_.data() + sq * L, lr3_.data() + sq * L, lr2_.data() + sq * L};
                const float* gp = g_.data() + sq * L * dh;
                const float* up = u_.data() + sq * L * dh;
                if (ref)
                    ref::ttt_grad(k, v, lr, L, s_, weights(w_prev_, sq), gp, up,
                                  weights(steps_, sq), c_.matmul);
                else
                    cpu::ttt_grad(k, v, lr, L, s_, weights(w_prev_, sq), gp, up,
                                  weights(steps_, sq), c_.matmul);
            });
        };
        const int gr = g.add(std::move(grad));

        OpNode upd;
        upd.name = "lact.update";
        upd.op = "ttt_update";
        upd.step = PipelineStep::Prepare;
        upd.cost = repeated(ttt_update_cost(s_, c_.use_momentum, c_.use_muon, c_.matmul), Sd);
        const double copies = (c_.use_momentum ? 2.0 : 1.0) * fast * Sd;  // the fresh copies
        upd.cost.bytes_read += copies;
        upd.cost.bytes_written += copies;
        upd.inputs = {gr};
        upd.output_bytes = Sd * fast;
        upd.repeat = layer_repeat();
        upd.state_bytes = Sd * fast * (c_.use_momentum ? 4.0 : 2.0);
        upd.run = [this, ref, S, L] {
            const int64_t wsz3 = 3 * c_.d * c_.dh;
            for_each_sequence(S, ref, [&](int64_t sq) {
                std::copy_n(w_prev_.data() + sq * wsz3, wsz3, w_next_.data() + sq * wsz3);
                TttWeights mom{};
                if (c_.use_momentum) {
                    std::copy_n(m_prev_.data() + sq * wsz3, wsz3, m_next_.data() + sq * wsz3);
                    mom = weights(m_next_, sq);
                }
                double beta = 0;
                for (int64_t i = 0; i < L; ++i) beta += double(gate_[size_t(sq * L + i)]);
                beta /= double(L);
                const float* norms = norms_.data() + sq * (2 * c_.dh + c_.d);
                if (ref)
                    ref::ttt_update(s_, weights(w_next_, sq), weights(steps_, sq), mom, norms,
                                    float(beta), c_.use_muon, c_.matmul);
                else
                    cpu::ttt_update(s_, weights(w_next_, sq), weights(steps_, sq), mom, norms,
                                    float(beta), c_.use_muon, c_.matmul);
            });
        };
        const int last = g.add(std::move(upd));
        memory_bytes_ = g.amortised_cost(Phase::Step).bytes_read / layer_repeat();
        // The rest of the LaCT layer for the chunk (whole model): the shared q/k/v projection,
        // the in-layer window attention (approximated by causal attention within the chunk: the
        // window equals the chunk, 2048), o_proj and the SwiGLU MLP, then the LM head.
        if (o_.whole_model) rest_.add_nodes(g, o_.backend, last, {"model", c_.chunk, 1, c_.chunk});
        return g;
    }

    // output: the chunk's fast-weight outputs [batch × heads × chunk × d], then the updated
    // weights [batch × heads × (W1, W3, W2)]; no selection (TTT retrieves nothing).
    StepResult result() const override {
        StepResult r;
        r.output.assign(out_.begin(), out_.end());
        r.output.insert(r.output.end(), w_next_.begin(), w_next_.end());
        r.memory_bytes_read = memory_bytes_;
        return r;
    }

  private:
    // The rest of the model (MethodOptions::whole_model): LaCT's 760M language model.
    static ModelRestShape rest_shape() { return gqa_model_rest(model::model_config("lact-760m")); }
    double layer_repeat() const { return o_.whole_model ? double(rest_.shape().layers) : 1.0; }

    TttWeights weights(Buffer<float>& buf, int64_t sq) {
        float* base = buf.data() + sq * 3 * c_.d * c_.dh;
        const int64_t wsz = c_.d * c_.dh;
        return {base, base + wsz, base + 2 * wsz};
    }

    LactConfig c_;
    TttShape s_;
    std::string description_;
    MethodOptions o_;
    int64_t seqs_ = 0;
    // Per (batch, head) sq = b·heads + h: weights [3 × d·dh] (W1, W3, W2), norms [2·dh + d],
    // q/k/v/out [chunk × d], rates and gates [chunk], G/U [chunk × dh].
    Buffer<float> w_prev_, w_next_, steps_, m_prev_, m_next_, norms_;
    Buffer<float> q_, k_, v_, out_, lr1_, lr3_, lr2_, gate_, g_, u_;
    double memory_bytes_ = 0;
    ModelRest rest_;
};

}  // namespace

std::unique_ptr<Method> make_lact_method(const LactConfig& config) {
    return std::make_unique<LactMethod>(config);
}

}  // namespace mempipe
