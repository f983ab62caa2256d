// SeerAttention-R on one Qwen3-8B attention layer (decode): the AttnGate selects 64-token blocks
// per KV head, block-sparse attention reads only those.
//
// Step graph for the new token at position N (the memory holds positions 0..N−1; L = N + 1 tokens
// after the append, n_blocks = ceil(L / 64)):
//   Prepare    seer.kv_append: RoPE'd k and v of the new token into the KV cache, its k_nope
//              (pre-RoPE) into the remainder buffer of the current block.
//              seer.compress (period 64): when L % 64 == 0 the completed block's remainder is
//              pooled and projected into k_comp row L/64 − 1, rotated at position N (decode:
//              block end). On other steps it compresses the partial remainder into a scratch row,
//              so the executor, which runs period-p nodes every step to time them, measures the
//              real work without changing the state.
//   Relevancy  seer.gate_scores: softmax over the n_blocks rows of k_comp per KV head (the
//              current partial block's row is zero).
//   Retrieval  seer.select: top-64 blocks (token budget 4096) or s > τ, plus first and last.
//   Apply      attn.q_rope, attn.block_sparse: NeoX RoPE (θ 1e6) of the query, block-sparse decode
//              over the selected blocks (per KV head, block 64, scale 128^-0.5).
// Synthetic memory: the K and V caches of positions 0..N−1 are random bf16 in [−1, 1)
// (synth_fill_bf16); the same K rows stand in for the pre-RoPE k_nope the gate pools (a real
// engine keeps k_nope only for the partial block, in the remainder, and pools it when the block
// completes). k_comp is built for every complete block at setup with the decode convention (each
// block rotated at its last position). Gate weights are random, seeded, scaled so qg and k_comp
// components are O(1). Threshold variant: τ = 1e-3, the largest value of the released threshold
// sweep (1e-4, 5e-4, 1e-3).
// Results: selections are block indices per (batch, KV head) (width seer_select_width, −1
// padded); tokens_selected counts distinct attended tokens per selection list (each serves the
// KV head's 4 query heads), summed over batch and KV heads.
#include <algorithm>
#include <cmath>

#include "mempipe/core/buffer.h"
#include "mempipe/core/dtype.h"
#include "mempipe/core/error.h"
#include "mempipe/ops/attention.h"
#include "mempipe/ops/nn.h"
#include "mempipe/ops/seer.h"
#include "model_rest.h"
#include "recipes.h"

namespace mempipe {

namespace {

constexpr int64_t kHq = 32, kHkv = 8, kD = 128, kBlock = 64, kGateHidden = 128;
constexpr double kRopeTheta = 1e6;
constexpr int64_t kTokenBudget = 4096;
constexpr float kThreshold = 1e-3f;

struct Sequence {
    Buffer<uint16_t> k, v;               // [(N+1) × hkv × d] bf16, token-major
    Buffer<uint16_t> k_comp;             // [n_blocks × hkv × d_gate] bf16
    Buffer<uint16_t> remainder;          // [block × hkv × d] bf16: k_nope of the current block
    Buffer<uint16_t> k_nope_new, v_new;  // [hkv × d] bf16
    Buffer<float> q_nope;                // [hq × d] f32 (bf16-valued)
    Buffer<float> q, scores, out;        // [hq × d], [hkv × n_blocks], [hq × d]
    Buffer<int32_t> sel, counts;         // [hkv × width], [hkv]
};

class SeerMethod final : public Method {
  public:
    explicit SeerMethod(SeerSelection mode) : mode_(mode) {}

    std::string_view name() const override {
        return mode_ == SeerSelection::TokenBudget ? "seer-attention-r"
                                                   : "seer-attention-r-threshold";
    }
    std::string_view description() const override {
        return mode_ == SeerSelection::TokenBudget
                   ? "Qwen3-8B layer (32 q / 8 KV heads, d 128): SeerAttention-R AttnGate (Qproj, "
                     "K max/min/avg, "
                     "block 64, d_gate 128, NeoX RoPE θ 1e6, qk-norm off), token budget 4096 = "
                     "top-64 blocks per "
                     "KV head + first + last, block-sparse attention; selections are block indices "
                     "per (batch, KV head)"
                   : "Qwen3-8B layer (32 q / 8 KV heads, d 128): SeerAttention-R AttnGate as "
                     "seer-attention-r, "
                     "threshold selection (softmax score > 1e-3) + first + last block; selections "
                     "are block "
                     "indices per (batch, KV head)";
    }

    double state_bytes(const MethodOptions& o) const override {
        const double L = double(o.tokens + 1), nb = std::ceil(L / double(kBlock));
        // K and V caches, k_comp (bf16) + scores (f32) + block lists (int32), the remainder buffer.
        double per_seq = L * kHkv * kD * 2.0 * 2 + nb * kHkv * (kGateHidden * 2.0 + 4.0 + 4.0) +
                         double(kBlock * kHkv * kD) * 2.0;
        double weights = double(kHq * kD * kGateHidden + kHkv * 3 * kD * kGateHidden) * 2.0;
        return double(o.batch) * per_seq + weights +
               (o.whole_model ? ModelRest::state_bytes(rest_shape_of(), o.batch) : 0.0);
    }

    void setup(const MethodOptions& o) override {
        MEMPIPE_CHECK_ARG(o.tokens >= 1, "{}: tokens must be ≥ 1, got {}", name(), o.tokens);
        MEMPIPE_CHECK_ARG(o.batch >= 1, "{}: batch must be ≥ 1, got {}", name(), o.batch);
        o_ = o;
        if (o.whole_model) rest_.setup(rest_shape_of(), o.batch, o.seed);
        make_weights(o.seed);
        const int64_t N = o.tokens, L = N + 1, nb = n_blocks(),
                      width = seer_select_width(nb, params_);
        const int64_t row = kHkv * kD;
        seqs_.clear();
        for (int b = 0; b < o.batch; ++b) {
            auto s = std::make_unique<Sequence>();
            uint64_t seed = o.seed * 1000003 + uint64_t(b + 1) * 7919;
            s->k = Buffer<uint16_t>(size_t(L * row));
            s->v = Buffer<uint16_t>(size_t(L * row));
            synth_fill_bf16(s->k.data(), N * row, seed + 1, 1.0f);
            synth_fill_bf16(s->v.data(), N * row, seed + 2, 1.0f);
            std::fill(s->k.data() + N * row, s->k.end(), uint16_t(0));
            std::fill(s->v.data() + N * row, s->v.end(), uint16_t(0));
            // k_comp of every complete block; the current (partial) block's row stays zero.
            s->k_comp = Buffer<uint16_t>(size_t(nb * kHkv * kGateHidden), uint16_t(0));
            if (ref_backend())
                ref::seer_compress_blocks(s->k.data(), N, 0, shape_, weights_, inv_freq_.data(),
                                          SeerKPosition::BlockEnd, s->k_comp.data());
            else
                cpu::seer_compress_blocks(s->k.data(), N, 0, shape_, weights_, inv_freq_.data(),
                                          SeerKPosition::BlockEnd, s->k_comp.data());
            s->remainder = Buffer<uint16_t>(size_t(kBlock * row), uint16_t(0));
            const int64_t start = N / kBlock * kBlock;
            std::copy(s->k.data() + start * row, s->k.data() + N * row, s->remainder.data());
            // The new token: k_nope, v, and the query's q_nope (post q_norm/k_norm values of unit
            // scale).
            s->k_nope_new = Buffer<uint16_t>(size_t(row));
            s->v_new = Buffer<uint16_t>(size_t(row));
            synth_fill_bf16(s->k_nope_new.data(), row, seed + 3, 1.0f);
            synth_fill_bf16(s->v_new.data(), row, seed + 4, 1.0f);
            Buffer<uint16_t> qb(size_t(kHq * kD));
            synth_fill_bf16(qb.data(), kHq * kD, seed + 5, std::sqrt(3.0f));
            s->q_nope = Buffer<float>(size_t(kHq * kD));
            for (int64_t i = 0; i < kHq * kD; ++i)
                s->q_nope[size_t(i)] = bf16_to_f32(qb[size_t(i)]);
            s->q = Buffer<float>(size_t(kHq * kD), 0.0f);
            s->scores = Buffer<float>(size_t(kHkv * nb), 0.0f);
            s->out = Buffer<float>(size_t(kHq * kD), 0.0f);
            s->sel = Buffer<int32_t>(size_t(kHkv * width), -1);
            s->counts = Buffer<int32_t>(size_t(kHkv), 0);
            seqs_.push_back(std::move(s));
        }
        scratch_row_ = Buffer<uint16_t>(size_t(kHkv * kGateHidden));
    }

    Graph step_graph() override {
        MEMPIPE_CHECK_ARG(!seqs_.empty(), "{}: call setup() before step_graph()", name());
        const bool ref = ref_backend();
        const int64_t B = o_.batch, N = o_.tokens, L = N + 1, nb = n_blocks();
        const int64_t width = seer_select_width(nb, params_), row = kHkv * kD;
        Graph g;
        auto add = [&](const char* node_name, const char* op, PipelineStep step, int period,
                       OpCost cost, std::vector<int> in, std::function<void()> fn) {
            OpNode n;
            n.name = node_name;
            n.op = op;
            n.step = step;
            n.period = period;
            n.cost = cost;
            n.repeat = layer_repeat();
            n.inputs = std::move(in);
            n.run = std::move(fn);
            return g.add(std::move(n));
        };

        OpCost append_cost = rope_cost(kHkv, kD);
        append_cost.bytes_read = double(2 * row) * 2;
        append_cost.bytes_written = double(3 * row) * 2;
        int append =
            add("seer.kv_append", "cache_append", PipelineStep::Prepare, 1, batched(append_cost, B),
                {}, [this, ref, N, row] {
                    for (auto& s : seqs_) {
                        float k[kHkv * kD];
                        for (int64_t i = 0; i < row; ++i)
                            k[i] = bf16_to_f32(s->k_nope_new[size_t(i)]);
                        if (ref)
                            ref::rope(k, kHkv, kD, kD, N, inv_freq_.data(), RopeStyle::NeoX);
                        else
                            cpu::rope(k, kHkv, kD, kD, N, inv_freq_.data(), RopeStyle::NeoX);
                        for (int64_t i = 0; i < row; ++i)
                            s->k[size_t(N * row + i)] = f32_to_bf16(k[i]);
                        std::copy(s->v_new.begin(), s->v_new.end(), s->v.data() + N * row);
                        std::copy(s->k_nope_new.begin(), s->k_nope_new.end(),
                                  s->remainder.data() + (N % kBlock) * row);
                    }
                });
        int compress =
            add("seer.compress", "seer_compress_block", PipelineStep::Prepare, int(kBlock),
                batched(seer_compress_cost(shape_, 1), B), {append}, [this, ref, L, nb] {
                    const bool completes = L % kBlock == 0;
                    for (auto& s : seqs_) {
                        uint16_t* dst = completes ? s->k_comp.data() + (nb - 1) * kHkv * kGateHidden
                                                  : scratch_row_.data();
                        if (ref)
                            ref::seer_compress_block(s->remainder.data(), shape_, weights_,
                                                     inv_freq_.data(), L - 1, dst);
                        else
                            cpu::seer_compress_block(s->remainder.data(), shape_, weights_,
                                                     inv_freq_.data(), L - 1, dst);
                    }
                });
        int gate =
            add("seer.gate_scores", "seer_gate_scores", PipelineStep::Relevancy, 1,
                batched(seer_gate_scores_cost(shape_, nb), B), {compress}, [this, ref, N, nb] {
                    for (auto& s : seqs_) {
                        if (ref)
                            ref::seer_gate_scores(s->q_nope.data(), s->k_comp.data(), nb, shape_,
                                                  weights_, inv_freq_.data(), N, s->scores.data());
                        else
                            cpu::seer_gate_scores(s->q_nope.data(), s->k_comp.data(), nb, shape_,
                                                  weights_, inv_freq_.data(), N, s->scores.data());
                    }
                });
        int select = add(
            "seer.select", "seer_select_blocks", PipelineStep::Retrieval, 1,
            batched(seer_select_blocks_cost(kHkv, nb, params_), B), {gate}, [this, ref, nb, width] {
                for (auto& s : seqs_) {
                    if (ref)
                        ref::seer_select_blocks(s->scores.data(), kHkv, nb, params_, width,
                                                s->sel.data(), s->counts.data());
                    else
                        cpu::seer_select_blocks(s->scores.data(), kHkv, nb, params_, width,
                                                s->sel.data(), s->counts.data());
                }
            });
        int q_rope = add(
            "attn.q_rope", "rope", PipelineStep::Apply, 1, batched(rope_cost(kHq, kD), B), {},
            [this, ref, N] {
                for (auto& s : seqs_) {
                    std::copy(s->q_nope.begin(), s->q_nope.end(), s->q.data());
                    if (ref)
                        ref::rope(s->q.data(), kHq, kD, kD, N, inv_freq_.data(), RopeStyle::NeoX);
                    else
                        cpu::rope(s->q.data(), kHq, kD, kD, N, inv_freq_.data(), RopeStyle::NeoX);
                }
            });

        // The Apply cost depends on the selection: run the (idempotent) Prepare → Retrieval nodes
        // once to size it with the tokens this step will really attend.
        for (int i : {append, compress, gate, select}) g.node(i).run();
        const double per_group = double(attended_tokens()) / double(B * kHkv);
        AttentionShape as{L, kHq, kHkv, kD, attn_scale()};
        add("attn.block_sparse", "block_sparse_attention", PipelineStep::Apply, 1,
            batched(block_sparse_attention_cost(as, int64_t(std::llround(per_group)),
                                                SelectionGroups::PerKvHead),
                    B),
            {select, q_rope, append}, [this, ref, as, width] {
                for (auto& s : seqs_) {
                    if (ref)
                        ref::block_sparse_attention_decode(
                            s->q.data(), s->k.data(), s->v.data(), as, s->sel.data(), width, kBlock,
                            SelectionGroups::PerKvHead, nullptr, s->out.data());
                    else
                        cpu::block_sparse_attention_decode(
                            s->q.data(), s->k.data(), s->v.data(), as, s->sel.data(), width, kBlock,
                            SelectionGroups::PerKvHead, nullptr, s->out.data());
                }
            });
        memory_bytes_ = g.amortised_cost(Phase::Step).bytes_read / layer_repeat();
        if (o_.whole_model) rest_.add_nodes(g, o_.backend, int(g.size()) - 1);
        return g;
    }

    StepResult result() const override {
        StepResult r;
        const int64_t nb = n_blocks(), width = seer_select_width(nb, params_);
        r.selection_groups = o_.batch * kHkv;
        r.selection_width = width;
        for (const auto& s : seqs_) {
            r.selection.insert(r.selection.end(), s->sel.begin(), s->sel.end());
            r.output.insert(r.output.end(), s->out.begin(), s->out.end());
        }
        r.tokens_selected = attended_tokens();
        r.memory_bytes_read = memory_bytes_;
        return r;
    }

  private:
    bool ref_backend() const { return o_.backend == Backend::Reference; }
    int64_t n_blocks() const { return (o_.tokens + 1 + kBlock - 1) / kBlock; }
    static float attn_scale() { return float(1.0 / std::sqrt(double(kD))); }

    // Distinct tokens attended, summed over batch and KV heads (each KV head's g query heads share
    // them).
    int64_t attended_tokens() const {
        const int64_t L = o_.tokens + 1, width = seer_select_width(n_blocks(), params_);
        int64_t total = 0;
        for (const auto& s : seqs_)
            for (int64_t h = 0; h < kHkv; ++h)
                for (int64_t e = 0; e < width; ++e) {
                    int32_t b = s->sel[size_t(h * width + e)];
                    if (b >= 0) total += std::min<int64_t>(kBlock, L - int64_t(b) * kBlock);
                }
        return total;
    }

    void make_weights(uint64_t seed) {
        shape_ = SeerGateShape{};
        shape_.hq = kHq, shape_.hkv = kHkv, shape_.d = kD, shape_.d_gate = kGateHidden,
        shape_.block = kBlock;
        params_ = SeerSelectParams{};
        if (mode_ == SeerSelection::TokenBudget) {
            params_.mode = SeerSelectMode::TokenBudget;
            params_.budget_blocks = kTokenBudget / kBlock;
        } else {
            params_.mode = SeerSelectMode::Threshold;
            params_.threshold = kThreshold;
        }
        const int64_t g = kHq / kHkv;
        // Uniform weights with variance 1/fan_in: qg (fan-in g·d over unit-variance q_nope) and
        // k_comp (fan-in 3·d over pooled values of magnitude ≤ 1) come out O(1).
        wq_ = Buffer<uint16_t>(size_t(kHkv * g * kD * kGateHidden));
        wk_ = Buffer<uint16_t>(size_t(kHkv * 3 * kD * kGateHidden));
        synth_fill_bf16(wq_.data(), int64_t(wq_.size()), seed * 31 + 1,
                        std::sqrt(3.0f / float(g * kD)));
        synth_fill_bf16(wk_.data(), int64_t(wk_.size()), seed * 31 + 2,
                        std::sqrt(3.0f / float(3 * kD)));
        weights_ = SeerGateWeights{wq_.data(), wk_.data(), nullptr, nullptr};
        inv_freq_ =
            rope_inv_freq(kD, kRopeTheta);  // model RoPE and gate RoPE: rotary dim 128 = d_gate
    }

    SeerSelection mode_;
    // The rest of the model (MethodOptions::whole_model) and the layer count its nodes stand for.
    static ModelRestShape rest_shape_of() {
        return gqa_model_rest(model::model_config("qwen3-8b"));
    }
    double layer_repeat() const { return o_.whole_model ? double(rest_.shape().layers) : 1.0; }
    MethodOptions o_;
    ModelRest rest_;
    SeerGateShape shape_;
    SeerSelectParams params_;
    Buffer<uint16_t> wq_, wk_, scratch_row_;
    SeerGateWeights weights_;
    std::vector<float> inv_freq_;
    std::vector<std::unique_ptr<Sequence>> seqs_;
    double memory_bytes_ = 0;
};

}  // namespace

std::unique_ptr<Method> make_seer_method(SeerSelection mode) {
    return std::make_unique<SeerMethod>(mode);
}

}  // namespace mempipe
