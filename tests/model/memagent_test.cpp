// MemAgent over a decoder (model/memagent.h): loop count = ceil(len / chunk), the memory capped and
// overwritten each step (the last memory equals a fresh generation from the last prompt rebuilt by
// hand), the EOS stop, the final pass run once, the max_context truncation and bad input.
#include <gtest/gtest.h>

#include <vector>

#include "mempipe/core/error.h"
#include "mempipe/core/rng.h"
#include "mempipe/model/memagent.h"

namespace mempipe::model {
namespace {

std::vector<int32_t> random_ids(int64_t n, int64_t vocab, uint64_t seed) {
    Rng rng(seed);
    std::vector<int32_t> ids(static_cast<size_t>(n));
    for (auto& id : ids) id = int32_t(rng.uniform_int(0, vocab - 1));
    return ids;
}

MemAgentTemplate tiny_template() {
    MemAgentTemplate t;
    t.prefix = {1, 2, 3, 4};
    t.problem = {50, 51, 52};
    t.before_memory = {5};
    t.no_memory = {6, 7, 8};
    t.before_chunk = {9};
    t.suffix = {10, 11};
    t.final_prefix = {12, 13};
    t.final_before_memory = {14};
    t.final_suffix = {15, 16};
    return t;
}

MemAgentConfig tiny_config() {
    MemAgentConfig c;
    c.chunk = 50;
    c.memory_tokens = 8;
    c.answer_tokens = 5;
    return c;
}

DecoderModel tiny_model() {
    DecoderOptions o;
    o.max_tokens = 128;
    o.seed = 5;
    return DecoderModel::random(model_config("tiny-llama"), o);
}

std::vector<int32_t> concat(std::initializer_list<std::vector<int32_t>> parts) {
    std::vector<int32_t> out;
    for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

TEST(MemAgentRunner, LoopCountAndMemoryCap) {
    auto model = tiny_model();
    MemAgentRunner agent(model, tiny_template(), tiny_config());
    const auto ctx = random_ids(173, model.config().vocab, 1);
    const MemAgentResult r = agent.run(ctx);
    ASSERT_EQ(r.steps.size(), 4u);  // ceil(173 / 50)
    const int64_t fixed = 4 + 3 + 1 + 1 + 2;
    for (size_t s = 0; s < 4; ++s) {
        const MemAgentStep& st = r.steps[s];
        EXPECT_EQ(st.chunk_start, int64_t(50 * s));
        EXPECT_EQ(st.chunk_tokens, s < 3 ? 50 : 23);
        EXPECT_EQ(st.memory_tokens, 8) << "no EOS: every memory reaches the cap";
        EXPECT_FALSE(st.stopped_at_eos);
        // The first prompt holds "No previous memory" (3 ids), later ones the 8-id memory.
        EXPECT_EQ(st.prompt_tokens, fixed + (s == 0 ? 3 : 8) + st.chunk_tokens);
    }
    EXPECT_EQ(r.generations, 5) << "4 memory rewrites + one final pass";
    EXPECT_EQ(r.memory.size(), 8u);
    EXPECT_EQ(r.answer.size(), 5u);
    EXPECT_EQ(r.answer_prompt_tokens, 2 + 3 + 1 + 8 + 2);
    EXPECT_EQ(r.context_tokens, 173);
}

TEST(MemAgentRunner, MemoryIsOverwrittenAndTheAnswerComesFromIt) {
    auto model = tiny_model();
    const MemAgentTemplate t = tiny_template();
    MemAgentRunner agent(model, t, tiny_config());
    const auto ctx = random_ids(130, model.config().vocab, 2);
    // The memory after the first two chunks, then the third step and the answer by hand.
    const MemAgentResult two = agent.run(std::span<const int32_t>(ctx).first(100));
    ASSERT_EQ(two.steps.size(), 2u);
    const std::vector<int32_t> chunk3(ctx.begin() + 100, ctx.end());
    const auto prompt3 = concat(
        {t.prefix, t.problem, t.before_memory, two.memory, t.before_chunk, chunk3, t.suffix});
    const std::vector<int32_t> mem3 = model.generate(prompt3, 8);
    const auto final_prompt =
        concat({t.final_prefix, t.problem, t.final_before_memory, mem3, t.final_suffix});
    const std::vector<int32_t> answer = model.generate(final_prompt, 5);
    const MemAgentResult all = agent.run(ctx);
    ASSERT_EQ(all.steps.size(), 3u);
    EXPECT_EQ(all.memory, mem3) << "replaced by the last step's generation, not appended";
    EXPECT_EQ(all.answer, answer);
}

TEST(MemAgentRunner, StopsAtEos) {
    auto model = tiny_model();
    const MemAgentTemplate t = tiny_template();
    const auto ctx = random_ids(60, model.config().vocab, 3);
    const std::vector<int32_t> chunk1(ctx.begin(), ctx.begin() + 50);
    const auto prompt1 = concat(
        {t.prefix, t.problem, t.before_memory, t.no_memory, t.before_chunk, chunk1, t.suffix});
    const std::vector<int32_t> first = model.generate(prompt1, 8);
    MemAgentConfig c = tiny_config();
    c.eos = first[3];  // the 4th generated id of the first step is EOS
    MemAgentRunner agent(model, t, c);
    const MemAgentResult r = agent.run(ctx);
    ASSERT_EQ(r.steps.size(), 2u);
    EXPECT_TRUE(r.steps[0].stopped_at_eos);
    int64_t expect = 3;
    for (int64_t i = 0; i < 3; ++i)
        if (first[size_t(i)] == c.eos) expect = std::min(expect, i);
    EXPECT_EQ(r.steps[0].memory_tokens, expect) << "the ids before EOS, EOS itself dropped";
    for (int32_t id : r.memory) EXPECT_NE(id, c.eos);
}

TEST(MemAgentRunner, LongContextsKeepTheirFirstAndLastHalves) {
    auto model = tiny_model();
    MemAgentConfig c = tiny_config();
    c.max_context = 100;
    MemAgentRunner agent(model, tiny_template(), c);
    const MemAgentResult r = agent.run(random_ids(173, model.config().vocab, 4));
    EXPECT_EQ(r.context_tokens, 100);
    EXPECT_EQ(r.steps.size(), 2u);
    const MemAgentResult empty = agent.run({});
    EXPECT_EQ(empty.steps.size(), 0u);
    EXPECT_EQ(empty.generations, 1);
    EXPECT_EQ(empty.memory, tiny_template().no_memory);
}

TEST(MemAgentRunner, BadInputIsAUsageError) {
    auto model = tiny_model();
    auto usage = [](auto fn) {
        try {
            fn();
            ADD_FAILURE() << "expected a usage error";
        } catch (const Error& e) {
            EXPECT_EQ(e.kind(), ErrorKind::Usage) << e.what();
        }
    };
    MemAgentConfig big = tiny_config();
    big.chunk = 200;  // prompt + memory exceed max_tokens 128
    usage([&] {
        MemAgentRunner a(model, tiny_template(), big);
        a.run(random_ids(150, model.config().vocab, 5));
    });
    MemAgentConfig zero = tiny_config();
    zero.memory_tokens = 0;
    usage([&] { MemAgentRunner a(model, tiny_template(), zero); });
    MemAgentTemplate t = tiny_template();
    t.problem.push_back(int32_t(model.config().vocab));
    usage([&] { MemAgentRunner a(model, t, tiny_config()); });
    MemAgentRunner a(model, tiny_template(), tiny_config());
    const std::vector<int32_t> bad = {1, -2};
    usage([&] { a.run(bad); });
}

}  // namespace
}  // namespace mempipe::model
