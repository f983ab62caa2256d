// Retrieval metrics against hand-computed values.
#include <gtest/gtest.h>

#include "mempipe/rag/eval.h"

namespace mempipe::rag {
namespace {

const std::map<std::string, int> kRelevant{{"d1", 3}, {"d3", 1}, {"d4", 2}};
const std::vector<std::string> kRanked{"d1", "d2", "d3"};

TEST(Eval, NdcgByHand) {
    // DCG = 3/log2(2) + 1/log2(4) = 3.5; ideal gains 3,2,1: 3 + 2/log2(3) + 1/2.
    EXPECT_NEAR(ndcg_at(kRanked, kRelevant, 10), 0.7350069851388743, 1e-12);
    // Binary: DCG = 1 + 1/2; ideal 1 + 1/log2(3) + 1/2.
    EXPECT_NEAR(ndcg_at(kRanked, kRelevant, 10, true), 0.7039180890341347, 1e-12);
    // Depth 1: only d1 counts and the ideal is 3 → 1.
    EXPECT_DOUBLE_EQ(ndcg_at(kRanked, kRelevant, 1), 1.0);
    EXPECT_DOUBLE_EQ(ndcg_at({}, kRelevant, 10), 0.0);
}

TEST(Eval, RecallAndAveragePrecisionByHand) {
    EXPECT_DOUBLE_EQ(recall_at(kRanked, kRelevant, 2), 1.0 / 3);
    EXPECT_DOUBLE_EQ(recall_at(kRanked, kRelevant, 3), 2.0 / 3);
    // Relevant at ranks 1 and 3: (1/1 + 2/3) / 3 judged relevant.
    EXPECT_DOUBLE_EQ(average_precision(kRanked, kRelevant, 1000), (1.0 + 2.0 / 3) / 3);
    EXPECT_DOUBLE_EQ(average_precision(kRanked, kRelevant, 2), 1.0 / 3);
    // A duplicated doc in a run counts once.
    EXPECT_DOUBLE_EQ(recall_at({"d1", "d1", "d1"}, kRelevant, 3), 1.0 / 3);
}

TEST(Eval, AveragesOverJudgedQueriesOnly) {
    Qrels qrels{{"q1", kRelevant}, {"q2", {{"x", 1}}}, {"q3", {{"y", -1}}}};
    std::vector<RunEntry> run{{"q1", kRanked}, {"q3", {"y"}}, {"q4", {"z"}}};
    Metrics m = evaluate(run, qrels, {2}, 1000);
    // q1 scored; q3 (no relevant judgement) and q4 (no judgements) ignored; q2 judged but absent →
    // 0.
    EXPECT_EQ(m.queries_judged, 2);
    EXPECT_EQ(m.queries_unjudged, 2);
    EXPECT_EQ(m.judged_missing, 1);
    EXPECT_NEAR(m.ndcg10, 0.7350069851388743 / 2, 1e-12);
    EXPECT_DOUBLE_EQ(m.recall.at(2), (1.0 / 3) / 2);
}

}  // namespace
}  // namespace mempipe::rag
