// SeerAttention-R method recipes (token budget and threshold) end to end on small memories: the
// fast CPU pipeline selects the same blocks as the reference pipeline, attention outputs agree,
// first and last blocks are always selected, and the step graph has the shape the recipe documents.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "mempipe/core/error.h"
#include "mempipe/graph/executor.h"
#include "mempipe/methods/method.h"
#include "method_runner.h"

using namespace mempipe;

namespace {

constexpr int64_t kBlock = 64, kHkv = 8, kBudgetBlocks = 64;

using test::StepRun;

StepRun run_step(const std::string& name, Backend backend, int64_t tokens, int batch, uint64_t seed,
                 int steps = 1) {
    return test::run_method_steps(name, backend, tokens, batch, seed, steps);
}

struct Param {
    std::string method;
    int64_t tokens;
    int batch;
};

class SeerMethod : public ::testing::TestWithParam<Param> {};

TEST_P(SeerMethod, CpuMatchesReferenceAndForcesFirstAndLast) {
    const Param& p = GetParam();
    const bool budget = p.method == "seer-attention-r";
    StepRun ref = run_step(p.method, Backend::Reference, p.tokens, p.batch, 11);
    StepRun cpu = run_step(p.method, Backend::Cpu, p.tokens, p.batch, 11);
    const StepResult &a = ref.r, &b = cpu.r;

    const int64_t L = p.tokens + 1, nb = (L + kBlock - 1) / kBlock;
    ASSERT_EQ(a.selection_groups, p.batch * kHkv);
    ASSERT_EQ(b.selection_groups, a.selection_groups);
    ASSERT_EQ(a.selection_width, budget ? std::min(nb, kBudgetBlocks + 2) : nb);
    EXPECT_EQ(a.selection, b.selection)
        << "selected blocks differ between reference and CPU kernels";
    EXPECT_EQ(a.tokens_selected, b.tokens_selected);

    int64_t tokens = 0;
    for (int64_t grp = 0; grp < a.selection_groups; ++grp) {
        const int32_t* row = a.selection.data() + grp * a.selection_width;
        int64_t c = 0;
        while (c < a.selection_width && row[c] >= 0) ++c;
        for (int64_t e = c; e < a.selection_width; ++e)
            ASSERT_EQ(row[e], -1) << "padding of group " << grp;
        ASSERT_GE(c, 1);
        EXPECT_EQ(row[0], 0) << "first block not selected in group " << grp;
        EXPECT_EQ(row[c - 1], nb - 1) << "last (current) block not selected in group " << grp;
        for (int64_t e = 1; e < c; ++e) ASSERT_LT(row[e - 1], row[e]);
        if (budget) {
            if (nb <= kBudgetBlocks)
                EXPECT_EQ(c, nb);
            else
                EXPECT_TRUE(c >= kBudgetBlocks && c <= kBudgetBlocks + 2) << c;
        }
        for (int64_t e = 0; e < c; ++e) tokens += std::min<int64_t>(kBlock, L - row[e] * kBlock);
    }
    EXPECT_EQ(a.tokens_selected, tokens);

    // Tolerance: outputs are convex combinations of bf16 values in [−1, 1); the reference
    // accumulates in f64, the kernels in f32 over ≤ 20K attended tokens with a polynomial exp. The
    // new token's RoPE'd key may differ by one bf16 ulp between backends (f32 rope vs the
    // reference's), which moves a softmax weight by ~4e-3 relative: 2e-3 absolute covers both.
    ASSERT_EQ(a.output.size(), size_t(p.batch * 32 * 128));
    ASSERT_EQ(b.output.size(), a.output.size());
    double max_err = 0;
    for (size_t i = 0; i < a.output.size(); ++i) {
        ASSERT_TRUE(std::isfinite(b.output[i])) << i;
        max_err = std::max(max_err, double(std::fabs(a.output[i] - b.output[i])));
    }
    EXPECT_LE(max_err, 2e-3);
    EXPECT_GT(b.memory_bytes_read, 0);
}

INSTANTIATE_TEST_SUITE_P(
    Sizes, SeerMethod,
    ::testing::Values(Param{"seer-attention-r", 3000, 1}, Param{"seer-attention-r", 3000, 2},
                      Param{"seer-attention-r", 20000, 1}, Param{"seer-attention-r", 20000, 2},
                      Param{"seer-attention-r", 4095, 1},  // the step completes a block
                      Param{"seer-attention-r-threshold", 3000, 1},
                      Param{"seer-attention-r-threshold", 20000, 2},
                      Param{"seer-attention-r-threshold", 8191, 1}),
    [](const auto& info) {
        std::string s = info.param.method + "_" + std::to_string(info.param.tokens) + "_b" +
                        std::to_string(info.param.batch);
        for (char& c : s)
            if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
        return s;
    });

TEST(SeerMethodGraph, StepsPeriodsAndIdempotence) {
    StepRun once = run_step("seer-attention-r", Backend::Cpu, 5000, 1, 3, 1);
    StepRun twice = run_step("seer-attention-r", Backend::Cpu, 5000, 1, 3, 2);
    EXPECT_EQ(once.r.selection, twice.r.selection)
        << "re-running the step must decode the same position";
    EXPECT_EQ(once.r.output, twice.r.output);
    bool compress = false, relevancy = false, retrieval = false, apply = false;
    for (const auto& n : once.g.nodes()) {
        if (n.op == "seer_compress_block") {
            compress = true;
            EXPECT_EQ(n.period, 64);
            EXPECT_EQ(n.step, PipelineStep::Prepare);
        }
        relevancy |= n.step == PipelineStep::Relevancy && n.op == "seer_gate_scores";
        retrieval |= n.step == PipelineStep::Retrieval && n.op == "seer_select_blocks";
        apply |= n.step == PipelineStep::Apply && n.op == "block_sparse_attention";
        EXPECT_GT(n.cost.bytes(), 0) << n.name;
    }
    EXPECT_TRUE(compress && relevancy && retrieval && apply);
}

// The selection adapts to the memory: a budget run at 20K tokens attends ≤ 66 blocks per KV head,
// the threshold run keeps only blocks above 1e-3 (plus first/last), and neither attends more than L
// tokens.
TEST(SeerMethodGraph, SelectionIsSparseAtLongContext) {
    const int64_t tokens = 20000, L = tokens + 1;
    StepRun budget = run_step("seer-attention-r", Backend::Cpu, tokens, 1, 5);
    EXPECT_LE(budget.r.tokens_selected, kHkv * (kBudgetBlocks + 2) * kBlock);
    EXPECT_GE(budget.r.tokens_selected, kHkv * kBudgetBlocks * kBlock - kHkv * kBlock);
    StepRun thr = run_step("seer-attention-r-threshold", Backend::Cpu, tokens, 1, 5);
    EXPECT_LE(thr.r.tokens_selected, kHkv * L);
    EXPECT_GT(thr.r.tokens_selected, 0);
}

TEST(SeerMethodGraph, BadOptionsAreUsageErrors) {
    auto m = make_method("seer-attention-r");
    MethodOptions o;
    o.tokens = 0;
    EXPECT_THROW(m->setup(o), Error);
    o.tokens = 100;
    o.batch = 0;
    EXPECT_THROW(m->setup(o), Error);
    EXPECT_THROW(make_method("seer-attention-r")->step_graph(), Error);
    EXPECT_GT(m->state_bytes(MethodOptions{}), 0);
}

}  // namespace
