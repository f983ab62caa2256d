// LServe method recipe end to end on small memories: the fast CPU pipeline selects the same pages
// as the reference pipeline (scores are bit-identical by contract, ops/lserve.h), attention outputs
// agree, the newest page is always selected, every page is selected while the history fits the
// budget, streaming heads are half of the KV heads, and the step graph has the documented nodes and
// periods.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "mempipe/core/error.h"
#include "mempipe/devices/device.h"
#include "mempipe/graph/executor.h"
#include "mempipe/methods/method.h"
#include "method_runner.h"

using namespace mempipe;

namespace {

constexpr int64_t kHq = 32, kHkv = 8, kG = 4, kPage = 64, kWidth = 64, kSink = 128, kLocal = 256;

using test::StepRun;

StepRun run_step(Backend backend, int64_t tokens, int batch, uint64_t seed, int steps = 1) {
    return test::run_method_steps("lserve", backend, tokens, batch, seed, steps);
}

// The pages a streaming head reads: those holding tokens [0, 128) ∪ [L − 256, L).
std::vector<int32_t> streaming_pages(int64_t L) {
    std::vector<int32_t> p;
    for (int64_t b = 0; b < L; b += kPage)
        if (b < kSink || std::min(L, b + kPage) > L - kLocal) p.push_back(int32_t(b / kPage));
    return p;
}

struct Param {
    int64_t tokens;
    int batch;
};

class LserveMethod : public ::testing::TestWithParam<Param> {};

TEST_P(LserveMethod, CpuMatchesReferenceAndKeepsTheNewestPage) {
    const Param& p = GetParam();
    StepRun ref = run_step(Backend::Reference, p.tokens, p.batch, 11);
    StepRun cpu = run_step(Backend::Cpu, p.tokens, p.batch, 11);
    const StepResult &a = ref.r, &b = cpu.r;
    const int64_t L = p.tokens + 1, n_pages = p.tokens / kPage + 1;

    ASSERT_EQ(a.selection_groups, p.batch * kHq);
    ASSERT_EQ(a.selection_width, kWidth);
    ASSERT_EQ(b.selection_groups, a.selection_groups);
    EXPECT_EQ(a.selection, b.selection)
        << "selected pages differ between reference and CPU kernels";
    EXPECT_EQ(a.tokens_selected, b.tokens_selected);

    const std::vector<int32_t> stream = streaming_pages(L);
    int64_t tokens = 0;
    for (int bt = 0; bt < p.batch; ++bt) {
        int streaming_q_heads = 0;
        for (int64_t kvh = 0; kvh < kHkv; ++kvh) {
            // A KV head's query heads are all streaming or all retrieval.
            const int32_t* first = a.selection.data() + (bt * kHq + kvh * kG) * kWidth;
            std::vector<int32_t> head(first, first + kWidth);
            head.erase(std::remove(head.begin(), head.end(), -1), head.end());
            // Distinguishable from a retrieval list: fewer pages than a retrieval head selects.
            const bool streaming =
                head == stream && int64_t(stream.size()) < std::min(n_pages, kWidth);
            for (int64_t h = kvh * kG; h < (kvh + 1) * kG; ++h) {
                const int32_t* row = a.selection.data() + (bt * kHq + h) * kWidth;
                int64_t c = 0;
                while (c < kWidth && row[c] >= 0) ++c;
                for (int64_t e = c; e < kWidth; ++e)
                    ASSERT_EQ(row[e], -1) << "padding of head " << h;
                for (int64_t e = 1; e < c; ++e) ASSERT_LT(row[e - 1], row[e]) << "head " << h;
                ASSERT_GE(c, 1);
                EXPECT_EQ(row[c - 1], n_pages - 1)
                    << "the newest page is not selected by head " << h;
                if (streaming) {
                    ++streaming_q_heads;
                    EXPECT_EQ(std::vector<int32_t>(row, row + c), stream);
                } else if (n_pages <= kWidth) {
                    EXPECT_EQ(c, n_pages)
                        << "history within the budget selects every page (head " << h << ")";
                } else {
                    EXPECT_EQ(c, kWidth);
                }
                if (!streaming)
                    for (int64_t e = 0; e < c; ++e)
                        tokens += std::min<int64_t>(kPage, L - row[e] * kPage);
            }
        }
        EXPECT_EQ(streaming_q_heads, kHq / 2) << "half of the KV heads stream";
    }
    const int64_t streaming_tokens =
        kSink + kLocal;  // L ≥ 384 in every case: sink and local are disjoint
    EXPECT_EQ(a.tokens_selected, tokens + p.batch * (kHq / 2) * streaming_tokens);

    // Tolerance: outputs are convex combinations of bf16 values in [−1, 1); the reference
    // accumulates in f64, the kernels in f32 over ≤ 4,160 attended tokens with a polynomial exp.
    // Measured max |Δ| is ~1.1e-7; 2e-5 leaves room for other kernel variants while still catching
    // one token too many or too few (weight ~1/4096 times a value difference of O(1): ~1e-4).
    ASSERT_EQ(a.output.size(), size_t(p.batch * kHq * 128));
    ASSERT_EQ(b.output.size(), a.output.size());
    double max_err = 0;
    for (size_t i = 0; i < a.output.size(); ++i) {
        ASSERT_TRUE(std::isfinite(b.output[i])) << i;
        max_err = std::max(max_err, double(std::fabs(a.output[i] - b.output[i])));
    }
    EXPECT_LE(max_err, 2e-5);
    EXPECT_GT(b.memory_bytes_read, 0);
}

INSTANTIATE_TEST_SUITE_P(Sizes, LserveMethod,
                         ::testing::Values(Param{5000, 1}, Param{5000, 2}, Param{20000, 1},
                                           Param{20000, 2},
                                           Param{4095, 1},   // history < budget: all 64 pages
                                           Param{3000, 2},   // all pages, 47 of them
                                           Param{4096, 1},   // 65 pages: 63 + newest
                                           Param{8191, 1}),  // the new token completes a page
                         [](const auto& info) {
                             return "tokens" + std::to_string(info.param.tokens) + "_b" +
                                    std::to_string(info.param.batch);
                         });

TEST(LserveMethodGraph, StepsPeriodsAndIdempotence) {
    StepRun once = run_step(Backend::Cpu, 5000, 1, 3, 1);
    StepRun twice = run_step(Backend::Cpu, 5000, 1, 3, 2);
    EXPECT_EQ(once.r.selection, twice.r.selection)
        << "re-running the step must decode the same position";
    EXPECT_EQ(once.r.output, twice.r.output);
    std::vector<std::string> ops;
    for (const auto& n : once.g.nodes()) {
        ops.push_back(n.op);
        EXPECT_EQ(n.phase, Phase::Step) << n.name;
        EXPECT_GT(n.cost.bytes(), 0) << n.name;
        const bool periodic = n.op == "page_scores" || n.op == "page_select";
        EXPECT_EQ(n.period, periodic ? 4 : 1) << n.name;
        PipelineStep want = PipelineStep::Apply;
        if (n.op == "page_minmax" || n.op == "cache_append") want = PipelineStep::Prepare;
        if (n.op == "page_scores") want = PipelineStep::Relevancy;
        if (n.op == "page_select") want = PipelineStep::Retrieval;
        EXPECT_EQ(n.step, want) << n.name;
    }
    EXPECT_EQ(ops,
              (std::vector<std::string>{"cache_append", "page_minmax", "page_scores", "page_select",
                                        "block_sparse_attention", "streaming_attention"}));
}

// Different seeds pick different (but always half of the) streaming heads; the choice is
// deterministic.
TEST(LserveMethodGraph, StreamingHeadsFollowTheSeed) {
    auto streaming_kv_heads = [](uint64_t seed) {
        StepRun r = run_step(Backend::Cpu, 6000, 1, seed);
        const std::vector<int32_t> stream = streaming_pages(6001);
        std::vector<int> heads;
        for (int64_t kvh = 0; kvh < kHkv; ++kvh) {
            const int32_t* row = r.r.selection.data() + kvh * kG * kWidth;
            std::vector<int32_t> v(row, row + kWidth);
            v.erase(std::remove(v.begin(), v.end(), -1), v.end());
            if (v == stream) heads.push_back(int(kvh));
        }
        return heads;
    };
    std::vector<int> a = streaming_kv_heads(1), b = streaming_kv_heads(1);
    EXPECT_EQ(a, b);
    EXPECT_EQ(a.size(), size_t(kHkv / 2));
    bool differs = false;
    for (uint64_t seed = 2; seed < 6 && !differs; ++seed) differs = streaming_kv_heads(seed) != a;
    EXPECT_TRUE(differs) << "the streaming heads do not depend on the seed";
}

TEST(LserveMethodGraph, BadOptionsAreUsageErrors) {
    auto m = make_method("lserve");
    MethodOptions o;
    o.tokens = 0;
    EXPECT_THROW(m->setup(o), Error);
    o.tokens = 100;
    o.batch = 0;
    EXPECT_THROW(m->setup(o), Error);
    EXPECT_THROW(make_method("lserve")->step_graph(), Error);
    EXPECT_GT(m->state_bytes(MethodOptions{}), 0);
    EXPECT_NE(m->description().find("Llama-3.1-8B"), std::string_view::npos);
}

}  // namespace
