// RAG method recipes (fs-rag, flare, dragin, two-stage-rag) on small synthetic corpora: the
// Reference and Cpu backends agree exactly, the BM25 selection equals an independent search over an
// independently built index of the same corpus, the graphs have the documented nodes, and RRF
// candidates look like RRF scores.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>

#include "mempipe/core/error.h"
#include "mempipe/rag/index.h"
#include "mempipe/rag/search.h"
#include "mempipe/rag/synthetic.h"
#include "method_runner.h"

using namespace mempipe;

namespace {

constexpr int64_t kDocs = 300;
constexpr uint64_t kSeed = 5;

class RagMethods : public ::testing::TestWithParam<const char*> {};

TEST_P(RagMethods, CpuMatchesReference) {
    const auto ref = test::run_method_steps(GetParam(), Backend::Reference, kDocs, 2, kSeed);
    const auto cpu = test::run_method_steps(GetParam(), Backend::Cpu, kDocs, 2, kSeed, 2);
    EXPECT_EQ(ref.r.selection_groups, 2);
    EXPECT_EQ(ref.r.selection, cpu.r.selection);
    EXPECT_EQ(ref.r.output, cpu.r.output);  // BM25 and RRF scores are bit-exact by contract
    EXPECT_EQ(ref.r.tokens_selected, cpu.r.tokens_selected);
    EXPECT_GT(ref.r.tokens_selected, 0);
    EXPECT_GT(ref.r.memory_bytes_read, 0);
    // Output scores are in rank order (descending).
    const int64_t w = ref.r.selection_width;
    for (int64_t g = 0; g < 2; ++g)
        for (int64_t i = 1; i < w; ++i)
            EXPECT_GE(ref.r.output[size_t(g * w + i - 1)], ref.r.output[size_t(g * w + i)]);
}

INSTANTIATE_TEST_SUITE_P(All, RagMethods,
                         ::testing::Values("fs-rag", "flare", "dragin", "two-stage-rag"),
                         [](const auto& info) {
                             std::string s = info.param;
                             std::replace(s.begin(), s.end(), '-', '_');
                             return s;
                         });

// The method's top-3 = rag::search's top-3 on an index built from the same synthetic corpus, with
// the same synthetic queries (stream 1, 16 words for fs-rag).
TEST(RagMethodsSearch, FsRagSelectionMatchesIndependentSearch) {
    const int batch = 3;
    const auto run = test::run_method_steps("fs-rag", Backend::Cpu, kDocs, batch, kSeed);
    auto corpus = rag::make_synthetic_corpus(kDocs, kSeed);
    const rag::InvertedIndex index = rag::InvertedIndex::build(*corpus, rag::IndexOptions{});
    const auto queries = rag::synthetic_queries(batch, 16, kSeed, {}, 1);
    ASSERT_EQ(run.r.selection_width, 3);
    for (int b = 0; b < batch; ++b) {
        const auto hits =
            rag::search(index, queries[size_t(b)], 3, rag::SearchAlgorithm::Reference);
        ASSERT_FALSE(hits.empty()) << "query " << b << " matches nothing: pick another seed";
        std::set<int32_t> want;
        for (size_t i = 0; i < hits.size(); ++i) {
            want.insert(int32_t(hits[i].doc));
            EXPECT_EQ(run.r.output[size_t(b * 3) + i], hits[i].score) << "rank " << i;
        }
        // When fewer than 3 docs match, the rest of the top-3 are zero-score docs.
        for (size_t i = hits.size(); i < 3; ++i) EXPECT_EQ(run.r.output[size_t(b * 3) + i], 0.0f);
        const std::set<int32_t> selected(run.r.selection.begin() + b * 3,
                                         run.r.selection.begin() + b * 3 + 3);
        for (int32_t d : want) EXPECT_TRUE(selected.count(d)) << "doc " << d << " missing";
    }
}

TEST(RagMethodsGraph, NodesStepsAndPhases) {
    auto m = make_method("two-stage-rag");
    MethodOptions o;
    o.tokens = 200;
    o.seed = 3;
    m->setup(o);
    const Graph g = m->step_graph();
    std::vector<std::string> names;
    for (const auto& n : g.nodes()) names.push_back(n.name);
    EXPECT_EQ(names, (std::vector<std::string>{"rag.index", "rag.tokenize_query", "rag.bm25_scores",
                                               "rag.top_k", "rag.dense_top_k", "rag.fuse_rrf",
                                               "rag.append_context"}));
    EXPECT_EQ(g.node(0).phase, Phase::Setup);
    EXPECT_EQ(g.node(0).step, PipelineStep::Prepare);
    EXPECT_EQ(g.node(2).step, PipelineStep::Relevancy);
    EXPECT_EQ(g.node(5).step, PipelineStep::Retrieval);
    EXPECT_EQ(g.node(6).step, PipelineStep::Apply);
    for (size_t i = 1; i < g.size(); ++i) EXPECT_EQ(g.node(int(i)).phase, Phase::Step);
    EXPECT_GT(g.node(2).cost.bytes_read, 0);
    EXPECT_GT(g.node(6).cost.bytes_written, 0);

    auto fs = make_method("fs-rag");
    fs->setup(o);
    EXPECT_EQ(fs->step_graph().size(), 5u);
}

// RRF with two lists of 64 and k = 60: a doc in both lists scores ≤ 2/61, one in a single list
// ≥ 1/(60 + 64); 64 real candidates from a 200-doc corpus.
TEST(RagMethodsGraph, TwoStageCandidatesAreRrfFused) {
    const auto run = test::run_method_steps("two-stage-rag", Backend::Cpu, 200, 1, 9);
    ASSERT_EQ(run.r.selection_width, 64);
    for (int32_t d : run.r.selection) {
        EXPECT_GE(d, 0);
        EXPECT_LT(d, 200);
    }
    EXPECT_EQ(std::set<int32_t>(run.r.selection.begin(), run.r.selection.end()).size(), 64u);
    for (float s : run.r.output) {
        EXPECT_LE(s, float(2.0 / 61.0));
        EXPECT_GE(s, float(1.0 / 124.0));
    }
}

TEST(RagMethodsGraph, BadOptions) {
    auto m = make_method("dragin");
    MethodOptions o;
    o.tokens = 0;
    EXPECT_THROW(m->setup(o), Error);
    o.tokens = 10;
    o.batch = 0;
    EXPECT_THROW(m->setup(o), Error);
    EXPECT_THROW(make_method("flare")->step_graph(), Error);
}

}  // namespace
