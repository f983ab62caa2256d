#include "mempipe/rag/eval.h"

#include <algorithm>
#include <cmath>
#include <set>

namespace mempipe::rag {

namespace {

int gain_of(const std::map<std::string, int>& relevant, const std::string& doc, bool binary) {
    const auto it = relevant.find(doc);
    if (it == relevant.end() || it->second <= 0) return 0;
    return binary ? 1 : it->second;
}

int64_t count_relevant(const std::map<std::string, int>& relevant) {
    return std::count_if(relevant.begin(), relevant.end(),
                         [](const auto& kv) { return kv.second > 0; });
}

}  // namespace

double ndcg_at(const std::vector<std::string>& ranked, const std::map<std::string, int>& relevant,
               int depth, bool binary) {
    double dcg = 0;
    const size_t n = std::min<size_t>(ranked.size(), static_cast<size_t>(std::max(depth, 0)));
    for (size_t r = 0; r < n; ++r)
        dcg += gain_of(relevant, ranked[r], binary) / std::log2(static_cast<double>(r) + 2.0);
    std::vector<int> gains;
    for (const auto& [doc, g] : relevant)
        if (g > 0) gains.push_back(binary ? 1 : g);
    std::sort(gains.begin(), gains.end(), std::greater<>());
    double idcg = 0;
    for (size_t r = 0; r < gains.size() && r < static_cast<size_t>(std::max(depth, 0)); ++r)
        idcg += gains[r] / std::log2(static_cast<double>(r) + 2.0);
    return idcg > 0 ? dcg / idcg : 0.0;
}

double recall_at(const std::vector<std::string>& ranked, const std::map<std::string, int>& relevant,
                 int depth) {
    const int64_t total = count_relevant(relevant);
    if (total == 0) return 0.0;
    int64_t hit = 0;
    std::set<std::string> seen;
    const size_t n = std::min<size_t>(ranked.size(), static_cast<size_t>(std::max(depth, 0)));
    for (size_t r = 0; r < n; ++r)
        if (gain_of(relevant, ranked[r], true) && seen.insert(ranked[r]).second) ++hit;
    return static_cast<double>(hit) / static_cast<double>(total);
}

double average_precision(const std::vector<std::string>& ranked,
                         const std::map<std::string, int>& relevant, int depth) {
    const int64_t total = count_relevant(relevant);
    if (total == 0) return 0.0;
    int64_t hit = 0;
    double sum = 0;
    std::set<std::string> seen;
    const size_t n = std::min<size_t>(ranked.size(), static_cast<size_t>(std::max(depth, 0)));
    for (size_t r = 0; r < n; ++r) {
        if (gain_of(relevant, ranked[r], true) && seen.insert(ranked[r]).second) {
            ++hit;
            sum += static_cast<double>(hit) / static_cast<double>(r + 1);
        }
    }
    return sum / static_cast<double>(total);
}

Metrics evaluate(const std::vector<RunEntry>& run, const Qrels& qrels,
                 const std::vector<int>& recall_depths, int map_depth) {
    Metrics m;
    for (int d : recall_depths) m.recall[d] = 0;
    std::set<std::string> in_run;
    for (const RunEntry& e : run) {
        in_run.insert(e.query_id);
        const auto it = qrels.find(e.query_id);
        if (it == qrels.end() || count_relevant(it->second) == 0) {
            ++m.queries_unjudged;
            continue;
        }
        ++m.queries_judged;
        m.ndcg10 += ndcg_at(e.ranked_docs, it->second, 10);
        m.ndcg10_binary += ndcg_at(e.ranked_docs, it->second, 10, true);
        m.map += average_precision(e.ranked_docs, it->second, map_depth);
        for (int d : recall_depths) m.recall[d] += recall_at(e.ranked_docs, it->second, d);
    }
    for (const auto& [qid, rel] : qrels)
        if (!in_run.count(qid) && count_relevant(rel) > 0) {
            ++m.judged_missing;
            ++m.queries_judged;  // scored 0 on every metric
        }
    if (m.queries_judged > 0) {
        const double n = static_cast<double>(m.queries_judged);
        m.ndcg10 /= n;
        m.ndcg10_binary /= n;
        m.map /= n;
        for (auto& [d, v] : m.recall) v /= n;
    }
    return m;
}

}  // namespace mempipe::rag
