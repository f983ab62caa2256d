// LServe on one Llama-3.1-8B attention layer (decode): half of the KV heads are streaming heads
// (sink + local tokens), the other half retrieval heads that attend 64 pages (budget 4096 tokens)
// chosen per query head by min/max page statistics (OMNI; reference/sparse_attention.md §3, §8.3).
//
// Step graph for the new token at position N (the memory holds positions 0..N−1; L = N + 1 tokens
// after the append; n_pages = N / 64 + 1 physical pages, the newest holding the new token):
//   Prepare    lserve.kv_append: the new token's K and V rows (projected, RoPE'd) into row N;
//              lserve.page_stats: page_minmax_update merges the new key into logical page N / 16
//              of the retrieval heads (initialising it when N % 16 == 0).
//   Relevancy  lserve.page_scores (period 4): Quest bound per (retrieval query head, logical page),
//              max over each physical page's 4 logical pages.
//   Retrieval  lserve.page_select (period 4): all pages while N / 64 + 1 ≤ 64, else the top 63
//              complete pages (ties → lower index) + the newest page, per query head.
//   Apply      attn.block_sparse: retrieval heads over their pages (PerQueryHead, block 64);
//              attn.streaming: streaming heads over the first 128 + last 256 tokens.
// Period-4 nodes model OMNI's selector_update_interval: reports amortise them; the executor runs
// them on every step (to time them), and a step graph always decodes the same position, so this is
// exact.
//
// Streaming heads: OMNI makes the KV heads with the lowest DuoAttention scores streaming (a global
// quantile at static_sparsity 0.5); a random-weight layer has no such scores, so we draw 4 of the 8
// KV heads with a seeded shuffle (streaming_heads below; deterministic in the seed). Synthetic
// memory: K and V rows of positions 0..N−1 are uniform in [−1, 1) rounded to bf16 (synth_fill_bf16,
// seeded per batch element, independent of the thread count); the page statistics of the retrieval
// heads are computed from those keys at setup with page_minmax (threaded on the CPU backend). The
// query and the new K/V rows are bf16-valued f32 from the same distribution (query scaled by √3 to
// unit variance). Statistics are kept only for retrieval heads, in the head-major layout of
// ops/lserve.h (the streaming heads' slots are allocated but never touched).
// Result: selections are page lists per (batch, query head), width 64: retrieval heads their
// selected pages; streaming heads the pages holding their sink + local tokens. tokens_selected
// counts the distinct attended tokens per query head, summed over batch and heads.
#include <algorithm>
#include <cmath>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "mempipe/core/buffer.h"
#include "mempipe/core/dtype.h"
#include "mempipe/core/error.h"
#include "mempipe/core/rng.h"
#include "mempipe/ops/attention.h"
#include "mempipe/ops/lserve.h"
#include "model_rest.h"
#include "recipes.h"

namespace mempipe {

namespace {

constexpr int64_t kHq = 32, kHkv = 8, kD = 128;
constexpr int64_t kLogicalPage = 16, kPage = 64, kBudget = 4096;
constexpr int kSelectorInterval = 4;
constexpr int64_t kSink = 128, kLocal = 256;
constexpr int64_t kStreamingHeads = kHkv / 2;  // static_sparsity 0.5

struct Sequence {
    Buffer<uint16_t> k, v;        // [(N+1) × hkv × d] bf16, token-major
    Buffer<uint16_t> stats;       // [hkv × capacity × 2 × d] bf16 (retrieval heads only)
    Buffer<float> q;              // [hq × d] f32, RoPE'd
    Buffer<float> k_new, v_new;   // [hkv × d] f32 (bf16-valued)
    Buffer<uint16_t> k_new_bf16;  // [hkv × d] the new key as stored
    Buffer<float> scores, out;    // [hq × n_phys], [hq × d]
    Buffer<int32_t> sel;          // [hq × width]
};

// Streaming KV heads: a seeded Fisher–Yates shuffle of 0..hkv−1, the first half.
std::vector<uint8_t> streaming_mask(uint64_t seed) {
    std::vector<int> order(kHkv);
    std::iota(order.begin(), order.end(), 0);
    Rng rng(seed ^ 0x4c5365727665ull);
    for (int64_t i = kHkv - 1; i > 0; --i)
        std::swap(order[size_t(i)], order[size_t(rng.uniform_int(0, i))]);
    std::vector<uint8_t> m(kHkv, 0);
    for (int64_t i = 0; i < kStreamingHeads; ++i) m[size_t(order[size_t(i)])] = 1;
    return m;
}

class LserveMethod final : public Method {
  public:
    std::string_view name() const override { return "lserve"; }
    std::string_view description() const override {
        return "Llama-3.1-8B layer (32 q / 8 KV heads, d 128, bf16 KV cache): LServe with 4 "
               "streaming KV "
               "heads (sink 128 + local 256) and 4 retrieval KV heads; bf16 min/max statistics per "
               "16-token logical page, Quest page scores per query head, max over 64-token pages, "
               "top-63 "
               "+ newest page (budget 4096), re-selected every 4 steps; block-sparse attention. "
               "Selections "
               "are page lists per (batch, query head)";
    }

    double state_bytes(const MethodOptions& o) const override {
        const double L = double(o.tokens + 1), row = double(kHkv * kD);
        const double cap = std::ceil(L / double(kLogicalPage)),
                     n_phys = std::ceil(double(o.tokens) / kPage);
        double per_seq = L * row * 2.0 * 2.0 + double(kHkv) * cap * 2.0 * kD * 2.0 +
                         double(kHq) * n_phys * 4.0 + double(kHq * kD) * 8.0 + row * 10.0 +
                         double(kHq * shape_.width()) * 4.0;
        return double(o.batch) * per_seq +
               (o.whole_model ? ModelRest::state_bytes(rest_shape_of(), o.batch) : 0.0);
    }

    void setup(const MethodOptions& o) override {
        MEMPIPE_CHECK_ARG(o.tokens >= 1, "{}: tokens must be ≥ 1, got {}", name(), o.tokens);
        MEMPIPE_CHECK_ARG(o.batch >= 1, "{}: batch must be ≥ 1, got {}", name(), o.batch);
        MEMPIPE_CHECK_ARG(o.tokens < (int64_t(1) << 31) - kPage,
                          "{}: tokens={} exceeds the int32 index range", name(), o.tokens);
        o_ = o;
        if (o.whole_model) rest_.setup(rest_shape_of(), o.batch, o.seed);
        streaming_ = streaming_mask(o.seed);
        retrieval_.assign(kHkv, 0);
        for (int64_t j = 0; j < kHkv; ++j) retrieval_[size_t(j)] = !streaming_[size_t(j)];
        const int64_t N = o.tokens, L = N + 1, row = kHkv * kD, cap = capacity();
        seqs_.clear();
        for (int b = 0; b < o.batch; ++b) {
            auto s = std::make_unique<Sequence>();
            const uint64_t seed = o.seed * 1000003 + uint64_t(b + 1) * 7919;
            s->k = Buffer<uint16_t>(size_t(L * row));
            s->v = Buffer<uint16_t>(size_t(L * row));
            synth_fill_bf16(s->k.data(), N * row, seed + 1, 1.0f);
            synth_fill_bf16(s->v.data(), N * row, seed + 2, 1.0f);
            std::fill(s->k.data() + N * row, s->k.end(), uint16_t(0));
            std::fill(s->v.data() + N * row, s->v.end(), uint16_t(0));
            s->stats = Buffer<uint16_t>(size_t(kHkv * cap * 2 * kD), uint16_t(0));
            if (ref_backend())
                ref::page_minmax(s->k.data(), N, shape_, retrieval_.data(), s->stats.data(), cap);
            else
                cpu::page_minmax(s->k.data(), N, shape_, retrieval_.data(), s->stats.data(), cap);
            Buffer<uint16_t> bits(size_t(kHq * kD + 2 * row));
            synth_fill_bf16(bits.data(), int64_t(bits.size()), seed + 3, 1.0f);
            s->q = Buffer<float>(size_t(kHq * kD));
            for (int64_t i = 0; i < kHq * kD; ++i)
                s->q[size_t(i)] = bf16_to_f32(bits[size_t(i)]) * std::sqrt(3.0f);
            s->k_new = Buffer<float>(size_t(row));
            s->v_new = Buffer<float>(size_t(row));
            for (int64_t i = 0; i < row; ++i) {
                s->k_new[size_t(i)] = bf16_to_f32(bits[size_t(kHq * kD + i)]);
                s->v_new[size_t(i)] = bf16_to_f32(bits[size_t(kHq * kD + row + i)]);
            }
            s->k_new_bf16 = Buffer<uint16_t>(size_t(row));
            s->scores = Buffer<float>(size_t(std::max<int64_t>(1, kHq * n_phys())), 0.0f);
            s->out = Buffer<float>(size_t(kHq * kD), 0.0f);
            s->sel = Buffer<int32_t>(size_t(kHq * shape_.width()), -1);
            seqs_.push_back(std::move(s));
        }
    }

    Graph step_graph() override {
        MEMPIPE_CHECK_ARG(!seqs_.empty(), "{}: call setup() before step_graph()", name());
        const bool ref = ref_backend();
        const int64_t B = o_.batch, N = o_.tokens, L = N + 1, row = kHkv * kD, cap = capacity();
        const int64_t nl = n_logical(), n_ph = n_phys(), w = shape_.width();
        const int64_t active = kHkv - kStreamingHeads;
        Graph g;
        auto add = [&](const char* node_name, const char* op, PipelineStep step, int period,
                       OpCost cost, std::vector<int> in, std::function<void()> fn) {
            OpNode n;
            n.name = node_name;
            n.op = op;
            n.step = step;
            n.period = period;
            n.cost = batched(cost, B);
            n.repeat = layer_repeat();
            n.inputs = std::move(in);
            n.run = std::move(fn);
            return g.add(std::move(n));
        };

        OpCost append_cost;
        append_cost.bytes_read = double(2 * row) * 4.0;
        append_cost.bytes_written = double(2 * row) * 2.0;
        int append = add("lserve.kv_append", "cache_append", PipelineStep::Prepare, 1, append_cost,
                         {}, [this, N, row] {
                             for (auto& s : seqs_)
                                 for (int64_t i = 0; i < row; ++i) {
                                     s->k_new_bf16[size_t(i)] = f32_to_bf16(s->k_new[size_t(i)]);
                                     s->k[size_t(N * row + i)] = s->k_new_bf16[size_t(i)];
                                     s->v[size_t(N * row + i)] = f32_to_bf16(s->v_new[size_t(i)]);
                                 }
                         });
        int stats =
            add("lserve.page_stats", "page_minmax", PipelineStep::Prepare, 1,
                page_minmax_update_cost(shape_, active), {append}, [this, ref, N, cap] {
                    for (auto& s : seqs_) {
                        if (ref)
                            ref::page_minmax_update(s->k_new_bf16.data(), N, shape_,
                                                    retrieval_.data(), s->stats.data(), cap);
                        else
                            cpu::page_minmax_update(s->k_new_bf16.data(), N, shape_,
                                                    retrieval_.data(), s->stats.data(), cap);
                    }
                });
        int scores =
            add("lserve.page_scores", "page_scores", PipelineStep::Relevancy, kSelectorInterval,
                page_scores_cost(nl, shape_, active), {stats}, [this, ref, nl, cap] {
                    for (auto& s : seqs_) {
                        if (ref)
                            ref::page_scores(s->q.data(), s->stats.data(), cap, nl, shape_,
                                             retrieval_.data(), s->scores.data());
                        else
                            cpu::page_scores(s->q.data(), s->stats.data(), cap, nl, shape_,
                                             retrieval_.data(), s->scores.data());
                    }
                });
        int select =
            add("lserve.page_select", "page_select", PipelineStep::Retrieval, kSelectorInterval,
                page_select_cost(N, shape_, active), {scores}, [this, ref, N, n_ph] {
                    for (auto& s : seqs_) {
                        if (ref)
                            ref::page_select(s->scores.data(), n_ph, N, shape_, retrieval_.data(),
                                             s->sel.data());
                        else
                            cpu::page_select(s->scores.data(), n_ph, N, shape_, retrieval_.data(),
                                             s->sel.data());
                    }
                });

        // The Apply cost depends on the selection: run the (idempotent) Prepare → Retrieval nodes
        // once to size it with the tokens this step really attends.
        for (int i : {append, stats, scores, select}) g.node(i).run();
        const int64_t retrieval_q_heads = active * (kHq / kHkv);
        const double per_list = double(retrieval_tokens()) / double(B * retrieval_q_heads);
        const AttentionShape as{L, kHq, kHkv, kD, float(1.0 / std::sqrt(double(kD)))};
        const AttentionShape active_shape{L, retrieval_q_heads, active, kD, as.scale};
        int sparse =
            add("attn.block_sparse", "block_sparse_attention", PipelineStep::Apply, 1,
                block_sparse_attention_cost(active_shape, int64_t(std::llround(per_list)),
                                            SelectionGroups::PerQueryHead),
                {select, append}, [this, ref, as, w] {
                    for (auto& s : seqs_) {
                        if (ref)
                            ref::block_sparse_attention_decode(
                                s->q.data(), s->k.data(), s->v.data(), as, s->sel.data(), w, kPage,
                                SelectionGroups::PerQueryHead, retrieval_.data(), s->out.data());
                        else
                            cpu::block_sparse_attention_decode(
                                s->q.data(), s->k.data(), s->v.data(), as, s->sel.data(), w, kPage,
                                SelectionGroups::PerQueryHead, retrieval_.data(), s->out.data());
                    }
                });
        add("attn.streaming", "streaming_attention", PipelineStep::Apply, 1,
            streaming_attention_cost(as, kSink, kLocal, kStreamingHeads), {append, sparse},
            [this, ref, as] {
                for (auto& s : seqs_) {
                    if (ref)
                        ref::streaming_attention_decode(s->q.data(), s->k.data(), s->v.data(), as,
                                                        kSink, kLocal, streaming_.data(),
                                                        s->out.data());
                    else
                        cpu::streaming_attention_decode(s->q.data(), s->k.data(), s->v.data(), as,
                                                        kSink, kLocal, streaming_.data(),
                                                        s->out.data());
                }
            });
        memory_bytes_ = g.amortised_cost(Phase::Step).bytes_read / layer_repeat();
        if (o_.whole_model) rest_.add_nodes(g, o_.backend, int(g.size()) - 1);
        return g;
    }

    StepResult result() const override {
        StepResult r;
        const int64_t w = shape_.width(), g = kHq / kHkv;
        r.selection_groups = o_.batch * kHq;
        r.selection_width = w;
        const std::vector<int32_t> streaming_pages = streaming_page_list();
        for (const auto& s : seqs_) {
            for (int64_t h = 0; h < kHq; ++h) {
                if (streaming_[size_t(h / g)]) {
                    std::vector<int32_t> padded(size_t(w), -1);
                    std::copy(streaming_pages.begin(), streaming_pages.end(), padded.begin());
                    r.selection.insert(r.selection.end(), padded.begin(), padded.end());
                } else {
                    r.selection.insert(r.selection.end(), s->sel.data() + h * w,
                                       s->sel.data() + (h + 1) * w);
                }
            }
            r.output.insert(r.output.end(), s->out.begin(), s->out.end());
        }
        const int64_t L = o_.tokens + 1;
        // |[0, sink) ∪ [L − local, L)| within [0, L).
        const int64_t sink_end = std::min(L, kSink), local_begin = std::max<int64_t>(0, L - kLocal);
        const int64_t streaming_tokens =
            sink_end + (L - local_begin) - std::max<int64_t>(0, sink_end - local_begin);
        r.tokens_selected = retrieval_tokens() + o_.batch * kStreamingHeads * g * streaming_tokens;
        r.memory_bytes_read = memory_bytes_;
        return r;
    }

  private:
    bool ref_backend() const { return o_.backend == Backend::Reference; }
    int64_t capacity() const { return lserve_logical_pages(o_.tokens + 1, shape_); }
    int64_t n_logical() const { return lserve_logical_pages(o_.tokens, shape_); }
    int64_t n_phys() const {
        return (n_logical() + shape_.logical_per_page() - 1) / shape_.logical_per_page();
    }

    // Distinct tokens of the selected pages of every retrieval query head, summed over the batch.
    int64_t retrieval_tokens() const {
        const int64_t L = o_.tokens + 1, w = shape_.width(), g = kHq / kHkv;
        int64_t total = 0;
        for (const auto& s : seqs_)
            for (int64_t h = 0; h < kHq; ++h) {
                if (streaming_[size_t(h / g)]) continue;
                for (int64_t e = 0; e < w; ++e) {
                    int32_t p = s->sel[size_t(h * w + e)];
                    if (p >= 0) total += std::min<int64_t>(kPage, L - int64_t(p) * kPage);
                }
            }
        return total;
    }

    // Pages holding a streaming head's tokens [0, sink) ∪ [L − local, L), ascending.
    std::vector<int32_t> streaming_page_list() const {
        const int64_t L = o_.tokens + 1;
        std::vector<int32_t> pages;
        for (int64_t p = 0; p * kPage < L; ++p) {
            int64_t b = p * kPage, e = std::min(L, b + kPage);
            bool sink = b<kSink, local = e> L - kLocal;
            if (sink || local) pages.push_back(int32_t(p));
        }
        return pages;
    }

    LservePageShape shape_{kHq, kHkv, kD, kLogicalPage, kPage, kBudget};
    // The rest of the model (MethodOptions::whole_model) and the layer count its nodes stand for.
    static ModelRestShape rest_shape_of() {
        return gqa_model_rest(model::model_config("llama-3.1-8b"));
    }
    double layer_repeat() const { return o_.whole_model ? double(rest_.shape().layers) : 1.0; }
    MethodOptions o_;
    ModelRest rest_;
    std::vector<uint8_t> streaming_, retrieval_;
    std::vector<std::unique_ptr<Sequence>> seqs_;
    double memory_bytes_ = 0;
};

}  // namespace

std::unique_ptr<Method> make_lserve_method() {
    return std::make_unique<LserveMethod>();
}

}  // namespace mempipe
