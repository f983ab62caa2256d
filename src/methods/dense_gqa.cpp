// Dense GQA decode attention on one layer of Qwen3-8B or Llama-3.1-8B: the baseline every sparse
// GQA method (SeerAttention-R, LServe) is compared with.
//
// Step graph for the new token at position N (the memory holds positions 0..N−1):
//   Prepare  kv.append         the new token's K and V rows (f32, already projected and RoPE'd)
//                              rounded to bf16 into row N of the cache
//   Apply    attention.dense   dense_attention_decode of the 32 query heads over all N+1 tokens
// Synthetic memory: K and V rows are uniform in [−1, 1) rounded to bf16 (synth_fill_bf16, seeded
// per batch element and independent of the thread count); the query and the new K/V rows are
// bf16-valued f32 from the same distribution. `tokens_selected` counts attended tokens per KV head
// (the unit of memory read; as for DSA's single latent head), summed over batch and KV heads.
#include <cmath>
#include <memory>
#include <string>

#include "mempipe/core/buffer.h"
#include "mempipe/core/dtype.h"
#include "mempipe/core/error.h"
#include "mempipe/ops/attention.h"
#include "model_rest.h"
#include "recipes.h"

namespace mempipe {

namespace {

struct GqaConfig {
    const char* name;
    const char* description;
    int64_t hq, hkv, d;
    const char* model;  // configuration (model/config.h) of the rest of the model
};

GqaConfig config_of(GqaModel m) {
    switch (m) {
        case GqaModel::Qwen3_8B:
            return {"dense-qwen3-8b",
                    "Qwen3-8B layer (32 query heads, 8 KV heads, head dim 128, bf16 KV cache): "
                    "dense decode "
                    "attention over every cached token (baseline)",
                    32,
                    8,
                    128,
                    "qwen3-8b"};
        case GqaModel::Llama31_8B:
            return {"dense-llama-3.1-8b",
                    "Llama-3.1-8B layer (32 query heads, 8 KV heads, head dim 128, bf16 KV cache): "
                    "dense "
                    "decode attention over every cached token (baseline)",
                    32,
                    8,
                    128,
                    "llama-3.1-8b"};
    }
    usage_error("unknown GQA model");
}

class DenseGqaMethod final : public Method {
  public:
    explicit DenseGqaMethod(GqaModel model) : cfg_(config_of(model)) {}

    std::string_view name() const override { return cfg_.name; }
    std::string_view description() const override { return cfg_.description; }

    double state_bytes(const MethodOptions& o) const override {
        double row = double(cfg_.hkv * cfg_.d);
        double per_batch = double(o.tokens + 1) * row * 2.0 * 2.0 + row * 4.0 * 2.0 +
                           double(cfg_.hq * cfg_.d) * 4.0 * 2.0;
        return double(o.batch) * per_batch +
               (o.whole_model ? ModelRest::state_bytes(rest_shape_of(), o.batch) : 0.0);
    }

    void setup(const MethodOptions& o) override {
        MEMPIPE_CHECK_ARG(o.tokens >= 1, "{}: tokens must be ≥ 1, got {}", cfg_.name, o.tokens);
        MEMPIPE_CHECK_ARG(o.batch >= 1, "{}: batch must be ≥ 1, got {}", cfg_.name, o.batch);
        o_ = o;
        if (o.whole_model) rest_.setup(rest_shape_of(), o.batch, o.seed);
        const int64_t B = o.batch, L = o.tokens + 1, row = cfg_.hkv * cfg_.d, qn = cfg_.hq * cfg_.d;
        k_.clear();
        v_.clear();
        for (int64_t b = 0; b < B; ++b) {
            uint64_t seed = o.seed * 0x9e3779b97f4a7c15ull + uint64_t(b) * 4 + 1;
            k_.emplace_back(size_t(L * row));
            v_.emplace_back(size_t(L * row));
            synth_fill_bf16(k_.back().data(), o.tokens * row, seed, 1.0f);
            synth_fill_bf16(v_.back().data(), o.tokens * row, seed + 1, 1.0f);
        }
        auto bf16_values = [&](Buffer<float>& buf, int64_t n, uint64_t seed) {
            buf = Buffer<float>(size_t(n));
            synth_fill_f32(buf.data(), n, seed, 1.0f);
            round_values(buf.data(), n);
        };
        bf16_values(q_, B * qn, o.seed * 31 + 2);
        bf16_values(k_new_, B * row, o.seed * 31 + 3);
        bf16_values(v_new_, B * row, o.seed * 31 + 4);
        out_ = Buffer<float>(size_t(B * qn), 0.0f);
    }

    Graph step_graph() override {
        MEMPIPE_CHECK_ARG(!k_.empty(), "{}: call setup() before step_graph()", cfg_.name);
        const bool ref = o_.backend == Backend::Reference;
        const int64_t B = o_.batch, N = o_.tokens, row = cfg_.hkv * cfg_.d, qn = cfg_.hq * cfg_.d;
        const AttentionShape shape{N + 1, cfg_.hq, cfg_.hkv, cfg_.d,
                                   1.0f / std::sqrt(float(cfg_.d))};
        Graph g;

        OpNode append;
        append.name = "kv.append";
        append.op = "cache_append";
        append.step = PipelineStep::Prepare;
        append.cost = OpCost{0.0, double(B * row) * 4.0 * 2.0, double(B * row) * 2.0 * 2.0,
                             AccessPattern::Regular};
        append.run = [this, B, N, row] {
            for (int64_t b = 0; b < B; ++b) {
                uint16_t* kd = k_[size_t(b)].data() + N * row;
                uint16_t* vd = v_[size_t(b)].data() + N * row;
                for (int64_t i = 0; i < row; ++i) {
                    kd[i] = f32_to_bf16(k_new_[size_t(b * row + i)]);
                    vd[i] = f32_to_bf16(v_new_[size_t(b * row + i)]);
                }
            }
        };
        append.repeat = layer_repeat();
        int a = g.add(std::move(append));

        OpNode attn;
        attn.name = "attention.dense";
        attn.op = "dense_attention";
        attn.step = PipelineStep::Apply;
        attn.cost = batched(dense_attention_cost(shape), B);
        attn.inputs = {a};
        attn.run = [this, ref, B, qn, shape] {
            for (int64_t b = 0; b < B; ++b) {
                const float* q = q_.data() + b * qn;
                const uint16_t* k = k_[size_t(b)].data();
                const uint16_t* v = v_[size_t(b)].data();
                float* o = out_.data() + b * qn;
                if (ref)
                    ref::dense_attention_decode(q, k, v, shape, nullptr, o);
                else
                    cpu::dense_attention_decode(q, k, v, shape, nullptr, o);
            }
        };
        attn.repeat = layer_repeat();
        g.add(std::move(attn));
        memory_bytes_ = g.amortised_cost(Phase::Step).bytes_read / layer_repeat();
        if (o_.whole_model) rest_.add_nodes(g, o_.backend, int(g.size()) - 1);
        return g;
    }

    StepResult result() const override {
        StepResult r;
        r.output.assign(out_.begin(), out_.end());
        r.tokens_selected = int64_t(o_.batch) * cfg_.hkv * (o_.tokens + 1);
        r.memory_bytes_read = memory_bytes_;
        return r;
    }

  private:
    static void round_values(float* x, int64_t n) {
        for (int64_t i = 0; i < n; ++i) x[i] = bf16_to_f32(f32_to_bf16(x[i]));
    }

    GqaConfig cfg_;
    // The rest of the model (MethodOptions::whole_model) and the layer count its nodes stand for.
    ModelRestShape rest_shape_of() const { return gqa_model_rest(model::model_config(cfg_.model)); }
    double layer_repeat() const { return o_.whole_model ? double(rest_.shape().layers) : 1.0; }
    MethodOptions o_;
    ModelRest rest_;
    std::vector<Buffer<uint16_t>> k_, v_;  // per batch element: [(N+1) × hkv × d] bf16
    Buffer<float> q_, k_new_, v_new_, out_;
    double memory_bytes_ = 0;
};

}  // namespace

std::unique_ptr<Method> make_dense_gqa_method(GqaModel model) {
    return std::make_unique<DenseGqaMethod>(model);
}

}  // namespace mempipe
