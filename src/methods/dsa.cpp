// DeepSeek Sparse Attention on one DeepSeek-V3.2 MLA layer (decode), and the dense-MLA baseline.
//
// Step graph for the new token at position N (the memory holds positions 0..N−1):
//   Prepare    indexer.key (wk → LayerNorm → RoPE-NeoX → Hadamard → fp8), indexer.cache_append,
//              mla.kv_append (latent + interleaved-RoPE'd k_pe into the bf16 latent cache)
//   Relevancy  indexer.query (wq_b → RoPE → Hadamard → fp8, head weights), indexer.logits
//   Retrieval  indexer.top_k (top-2048 of N+1 scores; ties → lower index; −1 padding)
//   Apply      mla.absorb_q (q_nope·W_UK, RoPE'd q_pe), mla.sparse_attention, mla.v_up
// The dense-MLA baseline keeps mla.kv_append and Apply with dense attention over all N+1 tokens.
// Synthetic memory: index keys are random bf16-valued vectors with a per-token magnitude, quantised
// with the real act_quant; latent cache entries are random bf16. Weights are random, seeded, scaled
// so activations stay O(1).
#include <algorithm>
#include <cmath>

#include "mempipe/core/buffer.h"
#include "mempipe/core/dtype.h"
#include "mempipe/core/error.h"
#include "mempipe/core/rng.h"
#include "mempipe/ops/dsa.h"
#include "mempipe/ops/mla.h"
#include "mempipe/ops/nn.h"
#include "mempipe/ops/top_k.h"
#include "model_rest.h"
#include "recipes.h"

namespace mempipe {

namespace {

constexpr int64_t kDim = 7168, kQLora = 1536, kMlaHeads = 128, kLatent = 512, kRope = 64,
                  kKvWidth = 576;
constexpr double kRopeTheta = 10000, kRopeFactor = 40, kBetaFast = 32, kBetaSlow = 1;
constexpr int64_t kOriginalSeqLen = 4096;

struct Sequence {
    IndexKeyCache keys;
    Buffer<uint16_t> kv;  // [(N+1) × 576] bf16 latent cache
    explicit Sequence(int64_t capacity) : keys(capacity), kv(size_t(capacity * kKvWidth)) {}
};

class DsaMethod final : public Method {
  public:
    explicit DsaMethod(bool sparse) : sparse_(sparse) {}

    std::string_view name() const override { return sparse_ ? "dsa" : "dense-mla"; }
    std::string_view description() const override {
        return sparse_ ? "DeepSeek-V3.2 layer (dim 7168, q_lora 1536, MLA 128 heads, latent 512 + "
                         "rope 64): "
                         "indexer 64 heads × 128 fp8 (ue8m0), NeoX RoPE, Hadamard 128, top-2048, "
                         "sparse MLA"
                       : "DeepSeek-V3.2 layer, dense MLA decode over every cached token (baseline)";
    }

    double state_bytes(const MethodOptions& o) const override {
        double per_token = kKvWidth * 2.0 + (sparse_ ? 132.0 + 4.0 : 0.0);
        double weights = 2.0 * (kDsaHeads * kDsaHeadDim * kQLora + kDsaHeadDim * kDim +
                                kDsaHeads * kDim + 2.0 * kMlaHeads * 128 * kLatent);
        return double(o.batch) * double(o.tokens + 64) * per_token + weights +
               (o.whole_model ? ModelRest::state_bytes(rest_shape_of(), o.batch) : 0.0);
    }

    void setup(const MethodOptions& o) override {
        MEMPIPE_CHECK_ARG(o.tokens >= 1, "dsa: tokens must be ≥ 1, got {}", o.tokens);
        MEMPIPE_CHECK_ARG(o.batch >= 1, "dsa: batch must be ≥ 1, got {}", o.batch);
        o_ = o;
        if (o.whole_model) rest_.setup(rest_shape_of(), o.batch, o.seed);
        const int64_t B = o.batch, L = o.tokens + 1;
        make_weights(o.seed);
        seqs_.clear();
        for (int64_t b = 0; b < B; ++b) {
            seqs_.push_back(std::make_unique<Sequence>(L));
            synth_memory(*seqs_.back(), o.seed + 1000 * uint64_t(b + 1));
        }
        // Per-step inputs: the layer input x, the q latent qr, the new token's latent and the
        // query's nope/rope parts (bf16-valued f32).
        Rng rng(o.seed ^ 0x5eedull);
        auto fill = [&](Buffer<float>& buf, int64_t n, float scale) {
            buf = Buffer<float>(size_t(n));
            for (auto& v : buf) v = bf16_to_f32(f32_to_bf16(rng.uniform(-scale, scale)));
        };
        fill(x_, B * kDim, 1.7f);
        fill(qr_, B * kQLora, 1.7f);
        fill(kv_new_, B * kKvWidth, 1.0f);
        fill(q_nope_, B * kMlaHeads * 128, 1.0f);
        fill(q_pe_, B * kMlaHeads * kRope, 1.0f);
        pos_.assign(size_t(B), o.tokens);
        k8_ = Buffer<uint8_t>(size_t(B * kDsaHeadDim));
        k_scale_ = Buffer<float>(size_t(B));
        q8_ = Buffer<uint8_t>(size_t(B * kDsaHeads * kDsaHeadDim));
        head_w_ = Buffer<float>(size_t(B * kDsaHeads));
        if (sparse_) {
            logits_ = Buffer<float>(size_t(B * L));
            top_values_ = Buffer<float>(size_t(B * kDsaTopK));
            top_idx_ = Buffer<int32_t>(size_t(B * kDsaTopK), -1);
        }
        q_abs_ = Buffer<float>(size_t(B * kMlaHeads * kKvWidth));
        o_lat_ = Buffer<float>(size_t(B * kMlaHeads * kLatent));
        out_ = Buffer<float>(size_t(B * kMlaHeads * 128), 0.0f);
    }

    Graph step_graph() override {
        MEMPIPE_CHECK_ARG(!seqs_.empty(), "dsa: call setup() before step_graph()");
        const bool ref = o_.backend == Backend::Reference;
        const int64_t B = o_.batch, L = o_.tokens + 1, N = o_.tokens;
        Graph g;
        auto add = [&](const char* name, const char* op, PipelineStep step, OpCost cost,
                       std::vector<int> in, std::function<void()> fn) {
            OpNode n;
            n.name = name;
            n.op = op;
            n.step = step;
            n.cost = cost;
            n.repeat = layer_repeat();
            n.inputs = std::move(in);
            n.run = std::move(fn);
            return g.add(std::move(n));
        };

        int attn;
        int kv_append = -1, absorb = -1;
        auto add_kv_append = [&] {
            kv_append = add("mla.kv_append", "cache_append", PipelineStep::Prepare,
                            OpCost{rope_cost(B, kRope).flops, double(B * kKvWidth * 4),
                                   double(B * kKvWidth * 2), AccessPattern::Regular},
                            {}, [this, ref, B, N] {
                                for (int64_t b = 0; b < B; ++b) {
                                    float row[kKvWidth];
                                    std::copy_n(kv_new_.data() + b * kKvWidth, kKvWidth, row);
                                    if (ref)
                                        ref::rope(row + kLatent, 1, kRope, kRope, N,
                                                  inv_freq_.data(), RopeStyle::Interleaved);
                                    else
                                        cpu::rope(row + kLatent, 1, kRope, kRope, N,
                                                  inv_freq_.data(), RopeStyle::Interleaved);
                                    uint16_t* dst = seqs_[size_t(b)]->kv.data() + N * kKvWidth;
                                    for (int64_t i = 0; i < kKvWidth; ++i)
                                        dst[i] = f32_to_bf16(row[i]);
                                }
                            });
        };
        auto add_absorb = [&] {
            absorb = add("mla.absorb_q", "mla_absorb_q", PipelineStep::Apply,
                         batched(mla_absorb_q_cost(mla_), B), {}, [this, ref, B, N] {
                             for (int64_t b = 0; b < B; ++b) {
                                 float* qa = q_abs_.data() + b * kMlaHeads * kKvWidth;
                                 const float* qn = q_nope_.data() + b * kMlaHeads * 128;
                                 if (ref)
                                     ref::mla_absorb_q(qn, w_uk_.data(), mla_, qa);
                                 else
                                     cpu::mla_absorb_q(qn, w_uk_.data(), mla_, qa);
                                 for (int64_t h = 0; h < kMlaHeads; ++h)
                                     std::copy_n(q_pe_.data() + (b * kMlaHeads + h) * kRope, kRope,
                                                 qa + h * kKvWidth + kLatent);
                                 if (ref)
                                     ref::rope(qa + kLatent, kMlaHeads, kKvWidth, kRope, N,
                                               inv_freq_.data(), RopeStyle::Interleaved);
                                 else
                                     cpu::rope(qa + kLatent, kMlaHeads, kKvWidth, kRope, N,
                                               inv_freq_.data(), RopeStyle::Interleaved);
                             }
                         });
        };
        if (sparse_) {
            int key = add("indexer.key", "indexer_key", PipelineStep::Prepare,
                          indexer_key_cost(iw_, B), {}, [this, ref, B] {
                              if (ref)
                                  ref::indexer_key(iw_, x_.data(), pos_.data(), B, k8_.data(),
                                                   k_scale_.data());
                              else
                                  cpu::indexer_key(iw_, x_.data(), pos_.data(), B, k8_.data(),
                                                   k_scale_.data());
                          });
            int append = add("indexer.cache_append", "cache_append", PipelineStep::Prepare,
                             index_cache_append_cost(B), {key}, [this, ref, B, N] {
                                 for (int64_t b = 0; b < B; ++b) {
                                     auto& c = seqs_[size_t(b)]->keys;
                                     if (ref)
                                         ref::index_cache_append(c, N, k8_.data() + b * kDsaHeadDim,
                                                                 k_scale_.data() + b, 1);
                                     else
                                         cpu::index_cache_append(c, N, k8_.data() + b * kDsaHeadDim,
                                                                 k_scale_.data() + b, 1);
                                 }
                             });
            add_kv_append();
            int query = add("indexer.query", "indexer_query", PipelineStep::Relevancy,
                            indexer_query_cost(iw_, B), {}, [this, ref, B] {
                                if (ref)
                                    ref::indexer_query(iw_, qr_.data(), x_.data(), pos_.data(), B,
                                                       q8_.data(), head_w_.data());
                                else
                                    cpu::indexer_query(iw_, qr_.data(), x_.data(), pos_.data(), B,
                                                       q8_.data(), head_w_.data());
                            });
            int logits = add(
                "indexer.logits", "mqa_relu_logits", PipelineStep::Relevancy,
                batched(mqa_relu_logits_cost(1, kDsaHeads, L), B), {append, query},
                [this, ref, B, L] {
                    for (int64_t b = 0; b < B; ++b) {
                        auto view = seqs_[size_t(b)]->keys.view(L);
                        const uint8_t* q = q8_.data() + b * kDsaHeads * kDsaHeadDim;
                        const float* w = head_w_.data() + b * kDsaHeads;
                        if (ref)
                            ref::mqa_relu_logits(q, w, view, 1, kDsaHeads, logits_.data() + b * L);
                        else
                            cpu::mqa_relu_logits(q, w, view, 1, kDsaHeads, logits_.data() + b * L);
                    }
                });
            int topk =
                add("indexer.top_k", "top_k", PipelineStep::Retrieval,
                    batched(top_k_cost(L, kDsaTopK), B), {logits}, [this, ref, B, L] {
                        for (int64_t b = 0; b < B; ++b) {
                            const float* row = logits_.data() + b * L;
                            if (ref)
                                ref::top_k(row, L, kDsaTopK, top_values_.data() + b * kDsaTopK,
                                           top_idx_.data() + b * kDsaTopK);
                            else
                                cpu::top_k(row, L, kDsaTopK, top_values_.data() + b * kDsaTopK,
                                           top_idx_.data() + b * kDsaTopK);
                        }
                    });
            add_absorb();
            attn = add("mla.sparse_attention", "sparse_mla", PipelineStep::Apply,
                       batched(sparse_mla_cost(mla_, std::min(L, kDsaTopK)), B),
                       {topk, absorb, kv_append}, [this, ref, B, L] {
                           for (int64_t b = 0; b < B; ++b) {
                               const float* qa = q_abs_.data() + b * kMlaHeads * kKvWidth;
                               const int32_t* idx = top_idx_.data() + b * kDsaTopK;
                               float* o = o_lat_.data() + b * kMlaHeads * kLatent;
                               if (ref)
                                   ref::sparse_mla_decode(qa, seqs_[size_t(b)]->kv.data(), L, idx,
                                                          kDsaTopK, mla_, o);
                               else
                                   cpu::sparse_mla_decode(qa, seqs_[size_t(b)]->kv.data(), L, idx,
                                                          kDsaTopK, mla_, o);
                           }
                       });
        } else {
            add_kv_append();
            add_absorb();
            attn =
                add("mla.dense_attention", "dense_mla", PipelineStep::Apply,
                    batched(dense_mla_cost(mla_, L), B), {absorb, kv_append}, [this, ref, B, L] {
                        for (int64_t b = 0; b < B; ++b) {
                            const float* qa = q_abs_.data() + b * kMlaHeads * kKvWidth;
                            float* o = o_lat_.data() + b * kMlaHeads * kLatent;
                            if (ref)
                                ref::dense_mla_decode(qa, seqs_[size_t(b)]->kv.data(), L, mla_, o);
                            else
                                cpu::dense_mla_decode(qa, seqs_[size_t(b)]->kv.data(), L, mla_, o);
                        }
                    });
        }
        add("mla.v_up", "mla_v_up", PipelineStep::Apply, batched(mla_v_up_cost(mla_), B), {attn},
            [this, ref, B] {
                for (int64_t b = 0; b < B; ++b) {
                    const float* o = o_lat_.data() + b * kMlaHeads * kLatent;
                    float* y = out_.data() + b * kMlaHeads * 128;
                    if (ref)
                        ref::mla_v_up(o, w_uv_.data(), mla_, y);
                    else
                        cpu::mla_v_up(o, w_uv_.data(), mla_, y);
                }
            });
        memory_bytes_ = g.amortised_cost(Phase::Step).bytes_read / layer_repeat();
        if (o_.whole_model) rest_.add_nodes(g, o_.backend, int(g.size()) - 1);
        return g;
    }

    StepResult result() const override {
        StepResult r;
        const int64_t B = o_.batch, L = o_.tokens + 1;
        r.output.assign(out_.begin(), out_.end());
        r.memory_bytes_read = memory_bytes_;
        if (!sparse_) {
            r.tokens_selected = B * L;
            return r;
        }
        r.selection_groups = B;
        r.selection_width = kDsaTopK;
        for (int64_t b = 0; b < B; ++b) {
            std::vector<int32_t> sel(top_idx_.data() + b * kDsaTopK,
                                     top_idx_.data() + (b + 1) * kDsaTopK);
            std::sort(sel.begin(), sel.end(),
                      [](int32_t a, int32_t c) { return (a < 0) != (c < 0) ? c < 0 : a < c; });
            for (int32_t s : sel) r.tokens_selected += s >= 0;
            r.selection.insert(r.selection.end(), sel.begin(), sel.end());
        }
        return r;
    }

  private:
    void make_weights(uint64_t seed) {
        auto weights = [&](Buffer<uint16_t>& w, int64_t rows, int64_t cols, uint64_t s) {
            w = Buffer<uint16_t>(size_t(rows * cols));
            synth_fill_bf16(w.data(), rows * cols, seed * 31 + s, std::sqrt(3.0f / float(cols)));
        };
        weights(wq_b_, kDsaHeads * kDsaHeadDim, kQLora, 1);
        weights(wk_, kDsaHeadDim, kDim, 2);
        weights(weights_proj_, kDsaHeads, kDim, 3);
        weights(w_uk_, kMlaHeads * 128, kLatent, 4);  // [h × 128 × 512]
        weights(w_uv_, kMlaHeads * 128, kLatent, 5);  // [h × 128 × 512]
        Rng rng(seed * 31 + 6);
        k_gamma_ = Buffer<float>(kDsaHeadDim);
        k_beta_ = Buffer<float>(kDsaHeadDim);
        for (int64_t i = 0; i < kDsaHeadDim; ++i) {
            k_gamma_[size_t(i)] = bf16_to_f32(f32_to_bf16(rng.uniform(0.8f, 1.2f)));
            k_beta_[size_t(i)] = bf16_to_f32(f32_to_bf16(rng.uniform(-0.1f, 0.1f)));
        }
        inv_freq_ = rope_inv_freq_yarn(kRope, kRopeTheta, kRopeFactor, kBetaFast, kBetaSlow,
                                       kOriginalSeqLen);
        iw_ = IndexerWeights{};
        iw_.dim = kDim;
        iw_.q_lora = kQLora;
        iw_.heads = kDsaHeads;
        iw_.wq_b = wq_b_.data();
        iw_.wk = wk_.data();
        iw_.k_norm_gamma = k_gamma_.data();
        iw_.k_norm_beta = k_beta_.data();
        iw_.weights_proj = weights_proj_.data();
        iw_.inv_freq = inv_freq_.data();
        mla_ = MlaShape{};
        mla_.heads = kMlaHeads;
        mla_.scale = mla_softmax_scale(192, kRopeFactor, true);
    }

    // Positions 0..N−1: index keys (random bf16 vectors with a per-token magnitude in [0.5, 3),
    // through the real act_quant) and latent cache rows (random bf16 in [−1, 1)).
    void synth_memory(Sequence& s, uint64_t seed) {
        const int64_t n = o_.tokens;
        constexpr int64_t kChunk = 16384;
        Buffer<float> raw(size_t(kChunk * kDsaHeadDim));
        Buffer<uint8_t> codes(size_t(kChunk * kDsaHeadDim));
        Buffer<float> scales{size_t(kChunk)};
        for (int64_t t0 = 0; t0 < n; t0 += kChunk) {
            int64_t m = std::min(kChunk, n - t0);
            synth_fill_f32(raw.data(), m * kDsaHeadDim, seed + uint64_t(t0), 1.0f);
            Rng rng(seed ^ uint64_t(t0) ^ 0xabcdefull);
            for (int64_t t = 0; t < m; ++t) {
                float mag = rng.uniform(0.5f, 3.0f);
                float* row = raw.data() + t * kDsaHeadDim;
                for (int64_t d = 0; d < kDsaHeadDim; ++d) row[d] *= mag;
            }
            round_bf16(raw.data(), m * kDsaHeadDim);
            cpu::quant_fp8_block(raw.data(), m, kDsaHeadDim, codes.data(), scales.data());
            cpu::index_cache_append(s.keys, t0, codes.data(), scales.data(), m);
        }
        synth_fill_bf16(s.kv.data(), n * kKvWidth, seed ^ 0x6b76ull, 1.0f);
    }

    bool sparse_;
    // The rest of the model (MethodOptions::whole_model) and the layer count its nodes stand for.
    static ModelRestShape rest_shape_of() {
        return mla_model_rest(model::model_config("deepseek-v3.2-layer"));
    }
    double layer_repeat() const { return o_.whole_model ? double(rest_.shape().layers) : 1.0; }
    MethodOptions o_;
    ModelRest rest_;
    Buffer<uint16_t> wq_b_, wk_, weights_proj_, w_uk_, w_uv_;
    Buffer<float> k_gamma_, k_beta_;
    std::vector<float> inv_freq_;
    IndexerWeights iw_;
    MlaShape mla_;
    std::vector<std::unique_ptr<Sequence>> seqs_;
    Buffer<float> x_, qr_, kv_new_, q_nope_, q_pe_;
    std::vector<int64_t> pos_;
    Buffer<uint8_t> k8_, q8_;
    Buffer<float> k_scale_, head_w_, logits_, top_values_, q_abs_, o_lat_, out_;
    Buffer<int32_t> top_idx_;
    double memory_bytes_ = 0;
};

}  // namespace

std::unique_ptr<Method> make_dsa_method() {
    return std::make_unique<DsaMethod>(true);
}
std::unique_ptr<Method> make_dense_mla_method() {
    return std::make_unique<DsaMethod>(false);
}

}  // namespace mempipe
