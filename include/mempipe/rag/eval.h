// Retrieval-quality metrics over a run (ranked doc ids per query) and relevance judgements.
//
// Definitions (trec_eval / BEIR conventions; rag.md §5.4):
//   * nDCG@n = DCG@n / IDCG@n with DCG = Σ_{rank r = 1..n} gain_r / log2(r + 1), gain = the graded
//     relevance (linear, not 2^g − 1); IDCG uses the query's judged gains sorted descending. The
//     binary variant uses gain 1 for every relevant doc.
//   * recall@n = relevant docs in the top n / relevant docs judged.
//   * AP over the top `map_depth` = Σ_{relevant ranks r} precision@r / relevant docs judged; MAP =
//   mean.
// Averages are over the queries that have at least one relevant judgement; a judged query with no
// results scores 0. Queries without judgements are ignored and counted.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "mempipe/rag/corpus.h"

namespace mempipe::rag {

struct RunEntry {
    std::string query_id;
    std::vector<std::string> ranked_docs;  // best first
};

struct Metrics {
    int64_t queries_judged = 0;    // queries averaged over
    int64_t queries_unjudged = 0;  // run queries without relevant judgements (ignored)
    int64_t judged_missing = 0;    // judged queries absent from the run (scored 0)
    double ndcg10 = 0;
    double ndcg10_binary = 0;
    double map = 0;
    std::map<int, double> recall;  // depth → recall@depth
};

double ndcg_at(const std::vector<std::string>& ranked, const std::map<std::string, int>& relevant,
               int depth, bool binary = false);
double recall_at(const std::vector<std::string>& ranked, const std::map<std::string, int>& relevant,
                 int depth);
double average_precision(const std::vector<std::string>& ranked,
                         const std::map<std::string, int>& relevant, int depth);

Metrics evaluate(const std::vector<RunEntry>& run, const Qrels& qrels,
                 const std::vector<int>& recall_depths = {100, 1000}, int map_depth = 1000);

}  // namespace mempipe::rag
