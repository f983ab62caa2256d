// MemAgent (memory_fpga.md §A2) as a method recipe: one step graph = one request of
// MethodOptions::tokens context tokens, read in C = ⌈tokens / chunk⌉ chunks of 5000; per chunk the
// model prefills template + problem + memory + chunk and decodes the new memory (1024 tokens, the
// cap: greedy generation may stop earlier at EOS; the workload and this recipe take the cap); a
// final pass prefills template + problem + memory and decodes the answer (32 tokens, App. D).
//
// Step graph (ModelRest passes hold one Qwen2.5-7B layer, repeated layers × times, model_rest.h):
//   Apply      memagent.prefill.*  the chunk prefill: prompt_overhead + memory_tokens + chunk
//                                  rows (200 + 1024 + 5000 = 6224 at full chunks; the mean chunk
//                                  length when the last one is partial), causal attention over
//                                  them, logits of the last row; C times.
//              memagent.concat     the new memory's ids copied into the next prompt; C times.
//   Prepare    memagent.decode.*   one decode step over the chunk's context (prompt + half the
//                                  memory on average), C × memory_tokens times.
//   Model      model.answer_prefill.*, model.answer_decode.* (whole_model): the final pass.
// The tags follow the paper's Table 1 and §4 for synthesized memory (Prepare = model decoding,
// Apply = model prefilling; Relevancy: none; Retrieval: "nearest retrieval" = take the preceding
// memory, no work) and src/methods/workloads/compressed_memory.cpp, which the planner places.
// Without whole_model the graph holds the memory steps only (the chunk prefill, decode, concat).
// Results: no selection; tokens_selected = memory_tokens per sequence (the memory each step reads
// back), summed; memory_bytes_read = what the memory steps read per request besides weights (the
// chunk prompt's activations and KV cache, the memory ids).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "memory_methods.h"
#include "mempipe/core/buffer.h"
#include "mempipe/core/error.h"
#include "model_rest.h"

namespace mempipe {

namespace {

class MemAgentMethod final : public Method {
  public:
    explicit MemAgentMethod(const MemAgentRecipe& r) : r_(r) {
        MEMPIPE_CHECK_ARG(
            r.chunk >= 1 && r.memory_tokens >= 1 && r.prompt_overhead >= 0 && r.answer_tokens >= 0,
            "{}: chunk and memory_tokens must be ≥ 1, prompt_overhead and "
            "answer_tokens ≥ 0",
            r.name);
        description_ = fmt::format(
            "MemAgent on {}: chunks of {} tokens, each a prefill of template ({}) + memory ({}) "
            "+ chunk and a {}-token memory rewrite (decode), then a final answer pass ({} "
            "tokens); one step = one request",
            model::model_config(r.model).name, r.chunk, r.prompt_overhead, r.memory_tokens,
            r.memory_tokens, r.answer_tokens);
    }

    std::string_view name() const override { return r_.name; }
    std::string_view description() const override { return description_; }

    double state_bytes(const MethodOptions& o) const override {
        const int64_t rows = prefill_rows(o.tokens);
        return ModelRest::state_bytes(rest_shape(), o.batch, rows, rows + r_.memory_tokens) +
               double(o.batch) * double(rows + r_.memory_tokens) * 8.0;
    }

    void setup(const MethodOptions& o) override {
        MEMPIPE_CHECK_ARG(o.tokens >= 1, "{}: --tokens (the context length) must be ≥ 1, got {}",
                          name(), o.tokens);
        MEMPIPE_CHECK_ARG(o.batch >= 1, "{}: batch must be ≥ 1, got {}", name(), o.batch);
        o_ = o;
        chunks_ = (o.tokens + r_.chunk - 1) / r_.chunk;
        rows_ = prefill_rows(o.tokens);
        rest_.setup(rest_shape(), o.batch, o.seed, rows_, rows_ + r_.memory_tokens);
        memory_ids_.assign(size_t(o.batch * r_.memory_tokens), 0);
        for (size_t i = 0; i < memory_ids_.size(); ++i)
            memory_ids_[i] =
                int32_t((i * 2654435761u + o.seed) % uint64_t(model::model_config(r_.model).vocab));
        prompt_ids_.assign(size_t(o.batch * rows_), 0);
    }

    Graph step_graph() override {
        MEMPIPE_CHECK_ARG(chunks_ >= 1, "{}: call setup() before step_graph()", name());
        const double C = double(chunks_);
        const int64_t B = o_.batch, M = r_.memory_tokens;
        Graph g;
        int last = rest_.add_nodes(g, o_.backend, -1,
                                   {"memagent.prefill", rows_, C, rows_, PipelineStep::Apply});
        last = rest_.add_nodes(
            g, o_.backend, last,
            {"memagent.decode", 1, C * double(M), rows_ + M / 2, PipelineStep::Prepare});
        OpNode concat;
        concat.name = "memagent.concat";
        concat.op = "append_context";
        concat.step = PipelineStep::Apply;
        concat.repeat = C;
        concat.cost.bytes_read = double(B * M) * 4.0;
        concat.cost.bytes_written = double(B * M) * 4.0;
        concat.cost.pattern = AccessPattern::Regular;
        concat.inputs = {last};
        concat.run = [this, B, M] {
            const int64_t at = r_.prompt_overhead;  // the memory follows the template and problem
            for (int64_t b = 0; b < B; ++b)
                std::copy(memory_ids_.begin() + b * M, memory_ids_.begin() + (b + 1) * M,
                          prompt_ids_.begin() + b * rows_ + at);
        };
        last = g.add(std::move(concat));
        memory_bytes_ = memory_steps_bytes(g);
        if (o_.whole_model) {
            const int64_t answer_rows = r_.prompt_overhead + M;
            last = rest_.add_nodes(
                g, o_.backend, last,
                {"model.answer_prefill", answer_rows, 1, answer_rows, PipelineStep::Model});
            if (r_.answer_tokens > 0)
                rest_.add_nodes(g, o_.backend, last,
                                {"model.answer_decode", 1, double(r_.answer_tokens),
                                 answer_rows + r_.answer_tokens / 2, PipelineStep::Model});
        }
        return g;
    }

    StepResult result() const override {
        StepResult r;
        r.tokens_selected = r_.memory_tokens * o_.batch;
        r.memory_bytes_read = memory_bytes_;
        return r;
    }

  private:
    ModelRestShape rest_shape() const { return gqa_model_rest(model::model_config(r_.model)); }
    // Rows of one chunk prefill: template + memory + the mean chunk length.
    int64_t prefill_rows(int64_t tokens) const {
        const int64_t chunks = std::max<int64_t>(1, (tokens + r_.chunk - 1) / r_.chunk);
        const int64_t mean_chunk = (tokens + chunks - 1) / chunks;
        return r_.prompt_overhead + r_.memory_tokens + mean_chunk;
    }

    MemAgentRecipe r_;
    std::string description_;
    MethodOptions o_;
    ModelRest rest_;
    int64_t chunks_ = 0, rows_ = 0;
    std::vector<int32_t> memory_ids_, prompt_ids_;
    double memory_bytes_ = 0;
};

}  // namespace

std::unique_ptr<Method> make_memagent_method(const MemAgentRecipe& recipe) {
    return std::make_unique<MemAgentMethod>(recipe);
}

}  // namespace mempipe
