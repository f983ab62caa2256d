// MemAgent (memory_fpga.md §A2; BytedTsinghua-SIA/MemAgent recurrent/impls/async_memory.py) over a
// decoder: token ids in, token ids out. The long context is read in chunks; after each chunk the
// model rewrites a bounded textual memory; a final pass answers from the memory alone.
//
//   memory = "No previous memory"
//   for each chunk of `chunk` ids (ceil(len / chunk) steps):
//       prompt = prefix + problem + before_memory + memory + before_chunk + chunk + suffix
//       memory = greedy generation from prompt, at most memory_tokens ids, stopping at EOS
//                (overwritten, not appended; the EOS id itself is not kept)
//   answer = greedy generation from final_prefix + problem + final_before_memory + memory +
//            final_suffix, at most answer_tokens ids
// There is no tokenizer: the caller supplies the template pieces as token ids (MemAgentTemplate).
// Contexts longer than max_context keep their first and last halves (utils/recurrent.py).
// Generation is greedy (argmax, ties → lower id; the released eval samples at temperature 0.7,
// which changes the ids but not the work). Each generation starts a fresh sequence on the model.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "mempipe/model/decoder.h"

namespace mempipe::model {

// Token ids of the template pieces (recurrent/impls/memory.py: TEMPLATE and TEMPLATE_FINAL_BOXED).
struct MemAgentTemplate {
    std::vector<int32_t> prefix;               // the instructions up to and including "<problem>"
    std::vector<int32_t> problem;              // the question
    std::vector<int32_t> before_memory;        // "</problem> <memory>"
    std::vector<int32_t> no_memory;            // "No previous memory" (before the first rewrite)
    std::vector<int32_t> before_chunk;         // "</memory> <section>"
    std::vector<int32_t> suffix;               // "</section> Updated memory:"
    std::vector<int32_t> final_prefix;         // the final instructions up to "<problem>"
    std::vector<int32_t> final_before_memory;  // "</problem> <memory>"
    std::vector<int32_t> final_suffix;         // "</memory> Your answer:"
};

struct MemAgentConfig {
    int64_t chunk = 5000;          // RECURRENT_CHUNK_SIZE / chunk_size
    int64_t memory_tokens = 1024;  // RECURRENT_MAX_NEW / max_memorization_length
    int64_t answer_tokens = 1024;  // max_final_response_length (paper App. D: 32)
    int64_t max_context = 120000;  // RECURRENT_MAX_CONTEXT_LEN
    int32_t eos = -1;              // the end-of-sequence id; −1 = none (always reach the cap)
};

struct MemAgentStep {
    int64_t chunk_start = 0, chunk_tokens = 0;  // the chunk read in this step
    int64_t prompt_tokens = 0;                  // prefilled ids
    int64_t memory_tokens = 0;                  // ids of the new memory
    bool stopped_at_eos = false;
};

struct MemAgentResult {
    std::vector<int32_t> answer;
    std::vector<int32_t> memory;  // the memory the answer was generated from
    std::vector<MemAgentStep> steps;
    int64_t answer_prompt_tokens = 0;
    bool answer_stopped_at_eos = false;
    int64_t generations = 0;     // model generations run: steps + 1 (the final pass)
    int64_t context_tokens = 0;  // ids read after the max_context truncation
};

class MemAgentRunner {
  public:
    // Usage errors: chunk, memory_tokens, answer_tokens or max_context < 1; a template id
    // outside the vocabulary.
    MemAgentRunner(DecoderModel& model, MemAgentTemplate tmpl, const MemAgentConfig& config = {});
    // Every id of context must lie in [0, vocab); the longest prompt plus its generation must fit
    // the model's max_tokens (usage error before anything runs otherwise).
    MemAgentResult run(std::span<const int32_t> context);
    const MemAgentConfig& config() const { return cfg_; }

  private:
    std::vector<int32_t> generate(const std::vector<int32_t>& prompt, int64_t cap, bool& eos);

    DecoderModel& model_;
    MemAgentTemplate t_;
    MemAgentConfig cfg_;
};

}  // namespace mempipe::model
