// HMT (memory as context, memory_fpga.md §A1) as a method recipe: one step graph = one request of
// MethodOptions::tokens input tokens, read as S = ⌈tokens / block⌉ segments (block = L − 2 − k =
// 990 ids at L = 1024, k = 32), then `generated` decoded tokens (App. D).
//
// Step graph (per-segment nodes repeat S times; ModelRest passes hold one layer, repeated
// layers × S, model_rest.h):
//   Prepare    hmt.summary.*   the summary pass over [T ; E(X[0:j]) ; T], j = round(block/2):
//                              j + 2 = 497 rows, hidden states only (no LM head).
//              hmt.memory_key  K_n = M_n·Wkᵀ (memory_recall_key), once per pushed entry (S).
//   Relevancy  hmt.query       q = S_n·Wqᵀ (linear, h = d = 4096, bf16 Wq).
//              hmt.scores      s = q·Kᵀ / h (memory_recall_scores; HMT's /h rule at d, h ≥ 4096).
//   Retrieval  hmt.read        softmax(s) and P = a·M (memory_recall_read).
//   Apply      hmt.augment     P into the first and last rows and the k sensory embeddings into
//                              the segment's input (the paper's Table 1: "append to segment").
//   Model      model.segment.* (whole_model) the backbone forward over the augmented segment, all
//                              L = 1024 rows (causal attention over them), S times.
//              model.decode.*  (whole_model) `generated` decode steps over the last segment's
//                              context (L + generated/2 cached tokens), then the LM head.
// How Apply is counted: the rows HMT adds to a segment (P twice + k sensory = 34 of 1024) run in
// the same backbone GEMMs as the 990 input rows, so their forward is in the Model pass (as RAG's
// appended passages are in its prompt prefill, rag_methods.cpp); a separate 34-row pass would
// stream every weight matrix again and overstate them ~7× (measured here per Llama-2-7B layer: 142
// ms for a 34-row pass against ~20 ms, 34/990 of the 990-row pass's linears). Their share of the
// segment's linear work is (2 + k) / L = 3.3%.
// Segment 1 finds an empty cache (P = the initial memory): query/scores/read repeat S − 1 times
// over N̄ entries, N̄ = the mean of min(s, N) over segments s = 1 … S − 1 (the cache grows by one
// entry per segment up to N = 100; no node when S = 1). Without whole_model the graph holds the
// memory steps only (Prepare … Apply), the summary pass included.
// Synthetic memory: M rows are final hidden states after RMSNorm, O(1) values (uniform, variance
// 1); their keys are computed at setup with the backend's memory_recall_key; S_n likewise O(1).
// Wq, Wk: bf16 N(0, 1/d)-scaled uniform, seeded. The mapping follows the FlexLLM HMT plug-in's
// reading in memory_fpga.md §A1 (Prepare = capture M_n + K_n, Relevancy = S·Wq and q·Kᵀ, Retrieval
// = softmax and a·M, Apply = prepend P), with the summary pass in Prepare (it produces the query
// side of the memory).
// Results: output = P of every sequence [batch × d]; tokens_selected = N̄ entries attended per
// sequence, summed; memory_bytes_read = memory_steps_bytes (memory_methods.h): what the memory
// steps read per request besides weights (the cached M and K, activations, the summary's KV).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>

#include "memory_methods.h"
#include "mempipe/core/buffer.h"
#include "mempipe/core/error.h"
#include "mempipe/ops/linear.h"
#include "mempipe/ops/memory_recall.h"
#include "model_rest.h"
#include "recipes.h"

namespace mempipe {

namespace {

class HmtMethod final : public Method {
  public:
    explicit HmtMethod(const HmtRecipe& r) : r_(r) {
        const auto& c = model::model_config(r.model);
        MEMPIPE_CHECK_ARG(
            r.segment - 2 - r.sensory >= 1 && r.sensory >= 0 && r.entries >= 1 && r.generated >= 0,
            "{}: segment {} with {} sensory tokens leaves no input rows, or entries "
            "{} < 1",
            r.name, r.segment, r.sensory, r.entries);
        description_ = fmt::format(
            "HMT memory as context on {} (d {}): segments of {} rows = {} input tokens + {} "
            "sensory + 2 memory rows, {} over {} tokens, cross-attention recall over ≤ {} "
            "cached memories (h = d, scale 1/h), {} generated tokens; one step = one request",
            c.name, c.hidden, r.segment, block(), r.sensory,
            r.summary_pass ? "summary pass" : "linear query (no summary pass)", summary_tokens(),
            r.entries, r.generated);
    }

    std::string_view name() const override { return r_.name; }
    std::string_view description() const override { return description_; }

    double state_bytes(const MethodOptions& o) const override {
        const double d = double(dim()), N = double(r_.entries), B = double(o.batch);
        const double qrows = double(query_rows()), qbuf = qrows > 1 ? qrows : 0.0;
        // Per sequence: M and K, scores and weights, S (or the query rows), the projected rows,
        // M_new, q, K_new, P, the sensory rows and the assembled rows; shared: Wq, Wk, the
        // initial memory.
        const double recall = B * (2.0 * N * d * 4.0 + N * 8.0 + (qrows + qbuf + 4.0) * d * 4.0 +
                                   double(2 * r_.sensory + 2) * d * 4.0) +
                              2.0 * d * d * 2.0 + d * 4.0;
        return recall + ModelRest::state_bytes(rest_shape(), o.batch, max_rows(), max_context());
    }

    void setup(const MethodOptions& o) override {
        MEMPIPE_CHECK_ARG(o.tokens >= 1, "{}: --tokens (the input length) must be ≥ 1, got {}",
                          name(), o.tokens);
        MEMPIPE_CHECK_ARG(o.batch >= 1, "{}: batch must be ≥ 1, got {}", name(), o.batch);
        o_ = o;
        const int64_t d = dim(), B = o.batch, N = r_.entries;
        segments_ = (o.tokens + block() - 1) / block();
        double sum = 0;
        for (int64_t s = 1; s < segments_; ++s) sum += double(std::min(s, N));
        n_mem_ = segments_ > 1 ? int64_t(std::llround(sum / double(segments_ - 1))) : 0;
        rest_.setup(rest_shape(), o.batch, o.seed, max_rows(), max_context());
        const float w_scale = float(std::sqrt(3.0 / double(d)));
        wq_ = Buffer<uint16_t>(size_t(d * d));
        wk_ = Buffer<uint16_t>(size_t(d * d));
        synth_fill_bf16(wq_.data(), d * d, o.seed * 977 + 1, w_scale);
        synth_fill_bf16(wk_.data(), d * d, o.seed * 977 + 2, w_scale);
        wq_view_ = LinearWeights::bf16(wq_.data(), d, d);
        wk_view_ = LinearWeights::bf16(wk_.data(), d, d);
        auto random = [&](int64_t n, uint64_t k) {
            Buffer<float> b{size_t(n)};
            synth_fill_f32(b.data(), n, o.seed * 977 + k, std::sqrt(3.0f));
            return b;
        };
        mem_ = random(B * N * d, 3);
        keys_ = Buffer<float>(size_t(B * N * d), 0.0f);
        for (int64_t b = 0; b < B; ++b) {  // the cached keys of the synthetic memory
            if (ref())
                ref::memory_recall_key(mem_.data() + b * N * d, n_mem_, wk_view_,
                                       keys_.data() + b * N * d);
            else
                cpu::memory_recall_key(mem_.data() + b * N * d, n_mem_, wk_view_,
                                       keys_.data() + b * N * d);
        }
        summary_ = random(B * query_rows() * d, 4);
        q_rows_ = Buffer<float>(query_rows() > 1 ? size_t(B * query_rows() * d) : 0, 0.0f);
        m_new_ = random(B * d, 5);
        initial_ = random(d, 6);
        sensory_ = random(B * r_.sensory * d, 7);
        q_ = Buffer<float>(size_t(B * d), 0.0f);
        k_new_ = Buffer<float>(size_t(B * d), 0.0f);
        scores_ = Buffer<float>(size_t(B * N), 0.0f);
        weights_ = Buffer<float>(size_t(B * N), 0.0f);
        p_ = Buffer<float>(size_t(B * d), 0.0f);
        segment_in_ = Buffer<float>(size_t(B * (r_.sensory + 2) * d), 0.0f);
    }

    Graph step_graph() override {
        MEMPIPE_CHECK_ARG(segments_ >= 1, "{}: call setup() before step_graph()", name());
        const bool is_ref = ref();
        const int64_t d = dim(), B = o_.batch, N = r_.entries, n = n_mem_, k = r_.sensory;
        const double S = double(segments_);
        const float scale = memory_recall_scale(d, d);
        Graph g;
        int last = -1;
        auto add = [&](const char* node_name, const char* op, PipelineStep step, double repeat,
                       OpCost cost, std::function<void()> fn) {
            OpNode nd;
            nd.name = node_name;
            nd.op = op;
            nd.step = step;
            nd.repeat = repeat;
            nd.cost = cost;
            if (last >= 0) nd.inputs = {last};
            nd.run = std::move(fn);
            return last = g.add(std::move(nd));
        };
        // Prepare: the summary pass, then the key of the entry pushed after the segment.
        if (r_.summary_pass)
            last = rest_.add_nodes(g, o_.backend, last,
                                   {"hmt.summary", summary_tokens() + 2, S, summary_tokens() + 2,
                                    PipelineStep::Prepare, false});
        add("hmt.memory_key", "memory_recall_key", PipelineStep::Prepare, S,
            memory_recall_key_cost(B, wk_view_), [this, is_ref, B] {
                if (is_ref)
                    ref::memory_recall_key(m_new_.data(), B, wk_view_, k_new_.data());
                else
                    cpu::memory_recall_key(m_new_.data(), B, wk_view_, k_new_.data());
            });
        if (segments_ > 1) {
            const double R = S - 1;
            // The query from the summary S_n, or (no summary pass) from the first j token
            // embeddings of the segment, projected and mean-pooled.
            const int64_t qrows = query_rows();
            OpCost qcost = linear_cost(B * qrows, wq_view_);
            if (qrows > 1) qcost.flops += double(B * qrows * d);
            add("hmt.query", "linear", PipelineStep::Relevancy, R, qcost,
                [this, is_ref, B, qrows, d] {
                    float* out = qrows > 1 ? q_rows_.data() : q_.data();
                    if (is_ref)
                        ref::linear(summary_.data(), wq_view_, nullptr, out, B * qrows);
                    else
                        cpu::linear(summary_.data(), wq_view_, nullptr, out, B * qrows);
                    if (qrows == 1) return;
                    for (int64_t b = 0; b < B; ++b)
                        for (int64_t t = 0; t < d; ++t) {
                            float acc = 0;
                            for (int64_t r = 0; r < qrows; ++r)
                                acc += q_rows_[size_t((b * qrows + r) * d + t)];
                            q_[size_t(b * d + t)] = acc / float(qrows);
                        }
                });
            add("hmt.scores", "memory_recall_scores", PipelineStep::Relevancy, R,
                repeated(memory_recall_scores_cost(n, d), double(B)),
                [this, is_ref, B, N, n, d, scale] {
                    for (int64_t b = 0; b < B; ++b) {
                        const float* q = q_.data() + b * d;
                        const float* keys = keys_.data() + b * N * d;
                        float* s = scores_.data() + b * N;
                        if (is_ref)
                            ref::memory_recall_scores(q, keys, n, d, scale, s);
                        else
                            cpu::memory_recall_scores(q, keys, n, d, scale, s);
                    }
                });
            add("hmt.read", "memory_recall_read", PipelineStep::Retrieval, R,
                repeated(memory_recall_read_cost(n, d), double(B)), [this, is_ref, B, N, n, d] {
                    for (int64_t b = 0; b < B; ++b) {
                        const float* s = scores_.data() + b * N;
                        const float* m = mem_.data() + b * N * d;
                        float* w = weights_.data() + b * N;
                        float* p = p_.data() + b * d;
                        if (is_ref)
                            ref::memory_recall_read(s, m, n, d, initial_.data(), w, p);
                        else
                            cpu::memory_recall_read(s, m, n, d, initial_.data(), w, p);
                    }
                });
        } else {
            for (int64_t b = 0; b < B; ++b)  // nothing cached: P = the initial memory
                std::copy(initial_.begin(), initial_.end(), p_.data() + b * d);
        }
        // Apply: assemble [P ; sensory ; … ; P] and run the rows HMT adds.
        OpCost augment;
        augment.bytes_read = double(B) * double(2 + k) * double(d) * 4.0;
        augment.bytes_written = augment.bytes_read;
        add("hmt.augment", "append_context", PipelineStep::Apply, S, augment, [this, B, k, d] {
            const int64_t rows = k + 2;
            for (int64_t b = 0; b < B; ++b) {
                float* seg = segment_in_.data() + b * rows * d;
                const float* p = p_.data() + b * d;
                std::copy(p, p + d, seg);
                std::copy(sensory_.data() + b * k * d, sensory_.data() + (b + 1) * k * d, seg + d);
                std::copy(p, p + d, seg + (rows - 1) * d);
            }
        });
        memory_bytes_ = memory_steps_bytes(g);
        if (o_.whole_model) {
            last =
                rest_.add_nodes(g, o_.backend, last,
                                {"model.segment", r_.segment, S, r_.segment, PipelineStep::Model});
            if (r_.generated > 0)
                rest_.add_nodes(g, o_.backend, last,
                                {"model.decode", 1, double(r_.generated),
                                 r_.segment + r_.generated / 2, PipelineStep::Model});
        }
        return g;
    }

    StepResult result() const override {
        StepResult r;
        r.output.assign(p_.begin(), p_.end());
        r.tokens_selected = n_mem_ * o_.batch;
        r.memory_bytes_read = memory_bytes_;
        return r;
    }

  private:
    bool ref() const { return o_.backend == Backend::Reference; }
    int64_t block() const { return r_.segment - 2 - r_.sensory; }
    int64_t summary_tokens() const { return int64_t(std::llround(double(block()) * 0.5)); }
    // Rows the query projection reads: S_n, or the first j token embeddings without a summary.
    int64_t query_rows() const { return r_.summary_pass ? 1 : summary_tokens(); }
    int64_t dim() const { return model::model_config(r_.model).hidden; }
    ModelRestShape rest_shape() const { return gqa_model_rest(model::model_config(r_.model)); }
    int64_t max_rows() const { return std::max(r_.segment, summary_tokens() + 2); }
    int64_t max_context() const {
        return std::max(r_.segment + r_.generated / 2, summary_tokens() + 2);
    }

    HmtRecipe r_;
    std::string description_;
    MethodOptions o_;
    ModelRest rest_;
    int64_t segments_ = 0, n_mem_ = 0;
    Buffer<uint16_t> wq_, wk_;
    LinearWeights wq_view_, wk_view_;
    Buffer<float> mem_, keys_, summary_, q_rows_, m_new_, initial_, sensory_, q_, k_new_, scores_,
        weights_, p_, segment_in_;
    double memory_bytes_ = 0;
};

}  // namespace

std::unique_ptr<Method> make_hmt_method(const HmtRecipe& recipe) {
    return std::make_unique<HmtMethod>(recipe);
}

}  // namespace mempipe
