// MemAgentRunner (model/memagent.h): chunked reading with a rewritten, bounded memory and a final
// answer pass, on DecoderModel's prefill/decode.
#include <algorithm>

#include "mempipe/core/error.h"
#include "mempipe/model/memagent.h"

namespace mempipe::model {

namespace {
void append(std::vector<int32_t>& out, std::span<const int32_t> ids) {
    out.insert(out.end(), ids.begin(), ids.end());
}
}  // namespace

MemAgentRunner::MemAgentRunner(DecoderModel& model, MemAgentTemplate tmpl,
                               const MemAgentConfig& config)
    : model_(model), t_(std::move(tmpl)), cfg_(config) {
    MEMPIPE_CHECK_ARG(config.chunk >= 1 && config.memory_tokens >= 1 && config.answer_tokens >= 1 &&
                          config.max_context >= 1,
                      "MemAgentRunner: chunk, memory_tokens, answer_tokens and max_context must "
                      "be ≥ 1, got {}, {}, {}, {}",
                      config.chunk, config.memory_tokens, config.answer_tokens, config.max_context);
    const int64_t vocab = model.config().vocab;
    for (const auto* piece :
         {&t_.prefix, &t_.problem, &t_.before_memory, &t_.no_memory, &t_.before_chunk, &t_.suffix,
          &t_.final_prefix, &t_.final_before_memory, &t_.final_suffix})
        for (int32_t id : *piece)
            MEMPIPE_CHECK_ARG(id >= 0 && id < vocab,
                              "MemAgentRunner: template token id {} is outside the vocabulary "
                              "[0, {})",
                              id, vocab);
}

std::vector<int32_t> MemAgentRunner::generate(const std::vector<int32_t>& prompt, int64_t cap,
                                              bool& eos) {
    eos = false;
    std::vector<int32_t> out;
    model_.reset();
    std::vector<float> logits = model_.prefill(prompt);
    const int64_t vocab = model_.config().vocab;
    while (int64_t(out.size()) < cap) {
        const int32_t next = int32_t(argmax(logits.data(), vocab));
        MEMPIPE_CHECK_ARG(next >= 0, "MemAgentRunner: every logit is NaN");
        if (next == cfg_.eos) {
            eos = true;
            break;
        }
        out.push_back(next);
        if (int64_t(out.size()) < cap) logits = model_.decode(next);
    }
    return out;
}

MemAgentResult MemAgentRunner::run(std::span<const int32_t> context) {
    const int64_t vocab = model_.config().vocab;
    for (size_t i = 0; i < context.size(); ++i)
        MEMPIPE_CHECK_ARG(context[i] >= 0 && context[i] < vocab,
                          "MemAgentRunner::run: token id {} at position {} is outside the "
                          "vocabulary [0, {})",
                          context[i], i, vocab);
    // Inputs over max_context keep the first and the last halves.
    std::vector<int32_t> ctx(context.begin(), context.end());
    if (int64_t(ctx.size()) > cfg_.max_context) {
        const int64_t head = cfg_.max_context / 2, tail = cfg_.max_context - head;
        ctx.erase(ctx.begin() + head, ctx.end() - tail);
    }
    const int64_t n = int64_t(ctx.size());
    // The longest prompts: memory at its cap, a full chunk; the final pass.
    const int64_t fixed = int64_t(t_.prefix.size() + t_.problem.size() + t_.before_memory.size() +
                                  t_.before_chunk.size() + t_.suffix.size());
    const int64_t mem_max = std::max<int64_t>(cfg_.memory_tokens, int64_t(t_.no_memory.size()));
    const int64_t step_max = fixed + mem_max + std::min(cfg_.chunk, n) + cfg_.memory_tokens;
    const int64_t final_max = int64_t(t_.final_prefix.size() + t_.problem.size() +
                                      t_.final_before_memory.size() + t_.final_suffix.size()) +
                              mem_max + cfg_.answer_tokens;
    MEMPIPE_CHECK_ARG(std::max(step_max, final_max) <= model_.options().max_tokens,
                      "MemAgentRunner: a step needs up to {} positions (prompt + generation) but "
                      "the model holds max_tokens = {}; raise DecoderOptions::max_tokens or lower "
                      "chunk / memory_tokens / answer_tokens",
                      std::max(step_max, final_max), model_.options().max_tokens);

    MemAgentResult r;
    r.context_tokens = n;
    std::vector<int32_t> memory = t_.no_memory, prompt;
    for (int64_t start = 0; start < n; start += cfg_.chunk) {
        MemAgentStep st;
        st.chunk_start = start;
        st.chunk_tokens = std::min(cfg_.chunk, n - start);
        prompt.clear();
        append(prompt, t_.prefix);
        append(prompt, t_.problem);
        append(prompt, t_.before_memory);
        append(prompt, memory);
        append(prompt, t_.before_chunk);
        append(prompt,
               std::span<const int32_t>(ctx).subspan(size_t(start), size_t(st.chunk_tokens)));
        append(prompt, t_.suffix);
        st.prompt_tokens = int64_t(prompt.size());
        memory = generate(prompt, cfg_.memory_tokens, st.stopped_at_eos);  // overwrite
        ++r.generations;
        st.memory_tokens = int64_t(memory.size());
        r.steps.push_back(st);
    }
    prompt.clear();
    append(prompt, t_.final_prefix);
    append(prompt, t_.problem);
    append(prompt, t_.final_before_memory);
    append(prompt, memory);
    append(prompt, t_.final_suffix);
    r.answer_prompt_tokens = int64_t(prompt.size());
    r.answer = generate(prompt, cfg_.answer_tokens, r.answer_stopped_at_eos);
    ++r.generations;
    r.memory = std::move(memory);
    return r;
}

}  // namespace mempipe::model
