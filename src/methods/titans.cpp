// Titans "memory as context" (MAC) as a method recipe (memory_fpga.md §A1 "Titans MAC"; arXiv
// 2501.00663 §4.1): the long-term memory is a neural memory, an MLP M(x) = gelu(x·W1)·W2 trained
// while the model reads (ops/neural_memory.h), instead of HMT's FIFO of cached embeddings. One
// step graph = one request of MethodOptions::tokens input tokens, read as S = ⌈tokens / C⌉
// segments, then `generated` decoded tokens (App. D). Per segment S⁽ᵗ⁾ (C rows of width d):
//   Relevancy  titans.query    q = S⁽ᵗ⁾·W_Qᵀ (linear, bf16 W_Q [d × d]).
//   Retrieval  titans.read     h = M*(q), the memory left by the earlier segments read without an
//                              update (neural_memory_forward): C retrieved rows.
//   Apply      titans.assemble S̃ = [p_1 … p_Np] ‖ h ‖ S⁽ᵗ⁾ (N_p persistent rows).
//   Model      model.segment.* (whole_model) the backbone forward over S̃, N_p + 2·C rows
//                              (causal attention over them): y = Attn(S̃).
//   Prepare    titans.kv       k = y·W_Kᵀ, v = y·W_Vᵀ over the segment's C output rows.
//              titans.grad     ∇ℓ of ℓ = Σ_i θ_i·(1/d)·‖M(k_i) − v_i‖² (neural_memory_grad).
//              titans.update   the surprise S ← η·S − ∇ℓ and W ← (1 − α)·W + S
//                              (neural_memory_update): the memory the next segment reads.
//   Apply      titans.gate     o = y ⊗ M*(y) with the updated memory (the output's gate).
//   Model      model.decode.*  (whole_model) `generated` decode steps over the last segment's
//                              context (N_p + 2·C + generated / 2 tokens), then the LM head.
// Our mapping to the paper's four steps: the memory's training builds it (Prepare, as LaCT's
// update); the query projection scores nothing against stored entries but is the memory's
// addressing (Relevancy, as HMT's q = S·Wq); reading M is the retrieval; both the context
// assembly and the output gate apply what was read. Every per-segment node repeats S times; the
// backbone passes hold one layer (model_rest.h). Without whole_model the graph holds the memory
// steps only, and y is a synthetic stand-in for the backbone's output.
// One neural memory per sequence (Titans' MAC figure: one long-term memory module), at the model
// width d with dh = expansion·d hidden units. Each execution of the step graph applies one more
// update to the memory (it keeps learning, as over successive segments): times do not depend on
// the values, and the updates stay bounded (η < 1, α > 0).
// Synthetic memory: W1, W2 Xavier-uniform (titans-pytorch's init), the surprise zero when the
// request has one segment, else N(0, 10⁻⁴)-scaled uniform (earlier segments' momentum);
// segment rows, persistent rows and y uniform with variance 1; W_Q, W_K, W_V bf16 uniform
// (1/d variance); per-token rates θ_i uniform in [0.005, 0.015]; η = 0.9, α = 0.01 (Titans'
// data-dependent gates, here constants of the synthetic request).
// Results: output = the gated output's last row of every sequence [batch × d]; tokens_selected =
// the C retrieved rows per sequence; memory_bytes_read = memory_steps_bytes (memory_methods.h).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>

#include "memory_methods.h"
#include "mempipe/core/buffer.h"
#include "mempipe/core/error.h"
#include "mempipe/ops/linear.h"
#include "mempipe/ops/neural_memory.h"
#include "model_rest.h"
#include "recipes.h"

namespace mempipe {

namespace {

constexpr float kEta = 0.9f, kAlpha = 0.01f;            // the synthetic request's gates
constexpr float kRateLow = 0.005f, kRateHigh = 0.015f;  // θ_i range
constexpr float kSurpriseScale = 0.01f * 1.7320508f;    // uniform, standard deviation 10⁻²

class TitansMethod final : public Method {
  public:
    explicit TitansMethod(const TitansRecipe& r) : r_(r) {
        const auto& c = model::model_config(r.model);
        MEMPIPE_CHECK_ARG(
            r.segment >= 1 && r.persistent >= 0 && r.expansion > 0 && r.generated >= 0,
            "{}: segment ({}) must be ≥ 1, persistent ({}) and generated ({}) ≥ 0, "
            "expansion ({}) > 0",
            r.name, r.segment, r.persistent, r.generated, r.expansion);
        shape_ = {c.hidden, std::max<int64_t>(1, int64_t(std::llround(r.expansion * c.hidden)))};
        description_ = fmt::format(
            "Titans memory as context on {} (d {}): segments of {} tokens, a neural memory MLP "
            "{}→{}→{} (gelu) read with q = S·W_Q and trained per segment (MSE, momentum, forget "
            "gate), {} persistent + {} retrieved rows before the segment, output gated by the "
            "updated memory, {} generated tokens; one step = one request",
            c.name, c.hidden, r.segment, shape_.d, shape_.dh, shape_.d, r.persistent, r.segment,
            r.generated);
    }

    std::string_view name() const override { return r_.name; }
    std::string_view description() const override { return description_; }

    double state_bytes(const MethodOptions& o) const override {
        const double d = double(shape_.d), dh = double(shape_.dh), C = double(r_.segment);
        const double B = double(o.batch), Np = double(r_.persistent);
        // Per sequence: W1, W2, their surprise and gradients; the segment, q, h, y, k, v, M(y)
        // and o rows; the assembled context; the rates. Shared: W_Q, W_K, W_V, the persistent
        // rows.
        const double per_seq =
            6.0 * d * dh * 4.0 + 8.0 * C * d * 4.0 + (Np + 2.0 * C) * d * 4.0 + C * 4.0;
        return B * per_seq + 3.0 * d * d * 2.0 + Np * d * 4.0 +
               ModelRest::state_bytes(rest_shape(), o.batch, context_rows(), max_context());
    }

    void setup(const MethodOptions& o) override {
        MEMPIPE_CHECK_ARG(o.tokens >= 1, "{}: --tokens (the input length) must be ≥ 1, got {}",
                          name(), o.tokens);
        MEMPIPE_CHECK_ARG(o.batch >= 1, "{}: batch must be ≥ 1, got {}", name(), o.batch);
        o_ = o;
        const int64_t d = shape_.d, dh = shape_.dh, C = r_.segment, B = o.batch;
        segments_ = (o.tokens + C - 1) / C;
        rest_.setup(rest_shape(), o.batch, o.seed, context_rows(), max_context());
        const uint64_t seed = o.seed * 1013 + 17;
        auto uniform = [&](int64_t n, uint64_t k, float scale) {
            Buffer<float> b{size_t(n)};
            synth_fill_f32(b.data(), n, seed + k, scale);
            return b;
        };
        const float xavier = float(std::sqrt(6.0 / double(d + dh)));
        w1_ = uniform(B * d * dh, 1, xavier);
        w2_ = uniform(B * dh * d, 2, xavier);
        if (segments_ > 1) {
            s1_ = uniform(B * d * dh, 3, kSurpriseScale);
            s2_ = uniform(B * dh * d, 4, kSurpriseScale);
        } else {
            s1_ = Buffer<float>(size_t(B * d * dh), 0.0f);
            s2_ = Buffer<float>(size_t(B * dh * d), 0.0f);
        }
        g1_ = Buffer<float>(size_t(B * d * dh), 0.0f);
        g2_ = Buffer<float>(size_t(B * dh * d), 0.0f);
        const float unit = std::sqrt(3.0f);  // uniform with variance 1
        segment_ = uniform(B * C * d, 5, unit);
        persistent_ = uniform(r_.persistent * d, 6, unit);
        y_ = uniform(B * C * d, 7, unit);
        rates_ = uniform(B * C, 8, 0.5f * (kRateHigh - kRateLow));
        for (float& x : rates_) x += 0.5f * (kRateHigh + kRateLow);
        const float w_scale = float(std::sqrt(3.0 / double(d)));
        for (int i = 0; i < 3; ++i) {
            proj_[i] = Buffer<uint16_t>(size_t(d * d));
            synth_fill_bf16(proj_[i].data(), d * d, seed + 10 + uint64_t(i), w_scale);
            proj_view_[i] = LinearWeights::bf16(proj_[i].data(), d, d);
        }
        q_ = Buffer<float>(size_t(B * C * d), 0.0f);
        h_ = Buffer<float>(size_t(B * C * d), 0.0f);
        k_ = Buffer<float>(size_t(B * C * d), 0.0f);
        v_ = Buffer<float>(size_t(B * C * d), 0.0f);
        my_ = Buffer<float>(size_t(B * C * d), 0.0f);
        out_ = Buffer<float>(size_t(B * C * d), 0.0f);
        context_ = Buffer<float>(size_t(B * context_rows() * d), 0.0f);
    }

    Graph step_graph() override {
        MEMPIPE_CHECK_ARG(segments_ >= 1, "{}: call setup() before step_graph()", name());
        const bool is_ref = o_.backend == Backend::Reference;
        const int64_t d = shape_.d, C = r_.segment, B = o_.batch, Np = r_.persistent;
        const double S = double(segments_), Bd = double(B);
        Graph g;
        int last = -1;
        auto add = [&](const char* node_name, const char* op, PipelineStep step, OpCost cost,
                       std::function<void()> fn) {
            OpNode nd;
            nd.name = node_name;
            nd.op = op;
            nd.step = step;
            nd.repeat = S;
            nd.cost = cost;
            if (last >= 0) nd.inputs = {last};
            nd.run = std::move(fn);
            return last = g.add(std::move(nd));
        };
        auto linear = [is_ref](const float* x, const LinearWeights& w, float* y, int64_t rows) {
            if (is_ref)
                ref::linear(x, w, nullptr, y, rows);
            else
                cpu::linear(x, w, nullptr, y, rows);
        };
        auto forward = [this, is_ref](const float* x, int64_t b, float* out) {
            const int64_t n = r_.segment;
            const float* w1 = w1_.data() + b * shape_.d * shape_.dh;
            const float* w2 = w2_.data() + b * shape_.dh * shape_.d;
            if (is_ref)
                ref::neural_memory_forward(x, n, shape_, w1, w2, out);
            else
                cpu::neural_memory_forward(x, n, shape_, w1, w2, out);
        };
        add("titans.query", "linear", PipelineStep::Relevancy, linear_cost(B * C, proj_view_[0]),
            [this, linear, B, C] { linear(segment_.data(), proj_view_[0], q_.data(), B * C); });
        add("titans.read", "neural_memory_forward", PipelineStep::Retrieval,
            repeated(neural_memory_forward_cost(C, shape_), Bd), [this, forward, B, C] {
                for (int64_t b = 0; b < B; ++b)
                    forward(q_.data() + b * C * shape_.d, b, h_.data() + b * C * shape_.d);
            });
        OpCost assemble;
        assemble.bytes_read = Bd * double(Np + 2 * C) * double(d) * 4.0;
        assemble.bytes_written = assemble.bytes_read;
        add("titans.assemble", "append_context", PipelineStep::Apply, assemble,
            [this, B, C, Np, d] {
                for (int64_t b = 0; b < B; ++b) {
                    float* ctx = context_.data() + b * (Np + 2 * C) * d;
                    std::copy(persistent_.begin(), persistent_.end(), ctx);
                    std::copy(h_.data() + b * C * d, h_.data() + (b + 1) * C * d, ctx + Np * d);
                    std::copy(segment_.data() + b * C * d, segment_.data() + (b + 1) * C * d,
                              ctx + (Np + C) * d);
                }
            });
        if (o_.whole_model)
            last = rest_.add_nodes(
                g, o_.backend, last,
                {"model.segment", context_rows(), S, context_rows(), PipelineStep::Model});
        add("titans.kv", "linear", PipelineStep::Prepare,
            repeated(linear_cost(B * C, proj_view_[1]), 2.0), [this, linear, B, C] {
                linear(y_.data(), proj_view_[1], k_.data(), B * C);
                linear(y_.data(), proj_view_[2], v_.data(), B * C);
            });
        add("titans.grad", "neural_memory_grad", PipelineStep::Prepare,
            repeated(neural_memory_grad_cost(C, shape_), Bd), [this, is_ref, B, C] {
                const int64_t d = shape_.d, dh = shape_.dh;
                for (int64_t b = 0; b < B; ++b) {
                    const float *k = k_.data() + b * C * d, *v = v_.data() + b * C * d;
                    const float* lr = rates_.data() + b * C;
                    const float *w1 = w1_.data() + b * d * dh, *w2 = w2_.data() + b * dh * d;
                    float *g1 = g1_.data() + b * d * dh, *g2 = g2_.data() + b * dh * d;
                    if (is_ref)
                        ref::neural_memory_grad(k, v, lr, C, shape_, w1, w2, g1, g2);
                    else
                        cpu::neural_memory_grad(k, v, lr, C, shape_, w1, w2, g1, g2);
                }
            });
        add("titans.update", "neural_memory_update", PipelineStep::Prepare,
            repeated(neural_memory_update_cost(shape_), Bd), [this, is_ref, B] {
                const int64_t n = shape_.d * shape_.dh;
                for (int64_t b = 0; b < B; ++b) {
                    float *w1 = w1_.data() + b * n, *w2 = w2_.data() + b * n;
                    float *s1 = s1_.data() + b * n, *s2 = s2_.data() + b * n;
                    const float *g1 = g1_.data() + b * n, *g2 = g2_.data() + b * n;
                    if (is_ref)
                        ref::neural_memory_update(shape_, w1, w2, s1, s2, g1, g2, kEta, kAlpha);
                    else
                        cpu::neural_memory_update(shape_, w1, w2, s1, s2, g1, g2, kEta, kAlpha);
                }
            });
        OpCost gate = repeated(neural_memory_forward_cost(C, shape_), Bd);
        gate.flops += Bd * double(C * d);
        gate.bytes_read += Bd * double(C * d) * 4.0;  // y again for the product
        add("titans.gate", "neural_memory_forward", PipelineStep::Apply, gate,
            [this, forward, B, C, d] {
                for (int64_t b = 0; b < B; ++b) {
                    const float* y = y_.data() + b * C * d;
                    float* my = my_.data() + b * C * d;
                    forward(y, b, my);
                    float* o = out_.data() + b * C * d;
                    for (int64_t i = 0; i < C * d; ++i) o[i] = y[i] * my[i];
                }
            });
        memory_bytes_ = memory_steps_bytes(g);
        if (o_.whole_model && r_.generated > 0)
            rest_.add_nodes(
                g, o_.backend, last,
                {"model.decode", 1, double(r_.generated), max_context(), PipelineStep::Model});
        return g;
    }

    StepResult result() const override {
        StepResult r;
        const int64_t d = shape_.d, C = r_.segment;
        for (int64_t b = 0; b < o_.batch; ++b) {
            const float* row = out_.data() + (b * C + C - 1) * d;
            r.output.insert(r.output.end(), row, row + d);
        }
        r.tokens_selected = C * o_.batch;
        r.memory_bytes_read = memory_bytes_;
        return r;
    }

  private:
    ModelRestShape rest_shape() const { return gqa_model_rest(model::model_config(r_.model)); }
    int64_t context_rows() const { return r_.persistent + 2 * r_.segment; }
    int64_t max_context() const { return context_rows() + r_.generated / 2; }

    TitansRecipe r_;
    NeuralMemoryShape shape_;
    std::string description_;
    MethodOptions o_;
    ModelRest rest_;
    int64_t segments_ = 0;
    Buffer<uint16_t> proj_[3];  // W_Q, W_K, W_V
    LinearWeights proj_view_[3];
    Buffer<float> w1_, w2_, s1_, s2_, g1_, g2_, segment_, persistent_, y_, rates_, q_, h_, k_, v_,
        my_, out_, context_;
    double memory_bytes_ = 0;
};

}  // namespace

std::unique_ptr<Method> make_titans_method(const TitansRecipe& recipe) {
    return std::make_unique<TitansMethod>(recipe);
}

}  // namespace mempipe
