// Two-stage hybrid retrieval: first-stage retrievers, fusion by doc id string, stage-2 re-ranking.
#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_map>

#include "mempipe/core/error.h"
#include "mempipe/rag/hybrid.h"

namespace mempipe::rag {

std::vector<std::vector<ScoredDoc>> FirstStageRetriever::retrieve_batch(
    const std::vector<HybridQuery>& queries, int64_t n) {
    std::vector<std::vector<ScoredDoc>> out;
    for (const HybridQuery& q : queries) out.push_back(retrieve(q, n));
    return out;
}

namespace {
std::vector<ScoredDoc> to_docs(const InvertedIndex& index, const std::vector<Hit>& hits) {
    std::vector<ScoredDoc> out;
    for (const Hit& h : hits) out.push_back({std::string(index.doc_id(h.doc)), h.score});
    return out;
}
}  // namespace

std::vector<ScoredDoc> Bm25Retriever::retrieve(const HybridQuery& q, int64_t n) {
    return to_docs(index_, search(index_, q.text, n, algorithm_));
}

std::vector<std::vector<ScoredDoc>> Bm25Retriever::retrieve_batch(
    const std::vector<HybridQuery>& queries, int64_t n) {
    std::vector<std::string> texts;
    for (const HybridQuery& q : queries) texts.push_back(q.text);
    std::vector<std::vector<ScoredDoc>> out;
    for (const auto& hits : search_batch(index_, texts, n, algorithm_))
        out.push_back(to_docs(index_, hits));
    return out;
}

std::vector<ScoredDoc> DenseRetriever::retrieve(const HybridQuery& q, int64_t n) {
    return retrieve_batch({q}, n)[0];
}

std::vector<std::vector<ScoredDoc>> DenseRetriever::retrieve_batch(
    const std::vector<HybridQuery>& queries, int64_t n) {
    const int64_t d = index_.dim();
    std::vector<float> qv;
    for (const HybridQuery& q : queries) {
        MEMPIPE_CHECK_ARG(q.vector != nullptr,
                          "dense retrieval: query '{}' has no vector (pass --query-vectors)", q.id);
        MEMPIPE_CHECK_ARG(q.dim == d,
                          "dense retrieval: query '{}' has dimension {} but the dense index has {}",
                          q.id, q.dim, d);
        qv.insert(qv.end(), q.vector, q.vector + d);
    }
    std::vector<std::vector<ScoredDoc>> out;
    for (const auto& hits : index_.search(qv.data(), int64_t(queries.size()), n)) {
        std::vector<ScoredDoc> docs;
        for (const DenseHit& h : hits) docs.push_back({index_.doc_id(h.row), h.score});
        out.push_back(std::move(docs));
    }
    return out;
}

FusionMethod parse_fusion_method(std::string_view name) {
    if (name == "rrf") return FusionMethod::Rrf;
    if (name == "weighted") return FusionMethod::Weighted;
    usage_error("unknown fusion '{}' (choose rrf or weighted)", name);
}

void check_hybrid_options(const HybridOptions& o) {
    MEMPIPE_CHECK_ARG(o.first_stage >= 1, "first-stage depth must be ≥ 1, got {}", o.first_stage);
    MEMPIPE_CHECK_ARG(o.candidates >= 1, "--candidates must be ≥ 1, got {}", o.candidates);
    MEMPIPE_CHECK_ARG(o.k >= 1, "-k must be ≥ 1, got {}", o.k);
    MEMPIPE_CHECK_ARG(o.alpha >= 0 && o.alpha <= 1, "--alpha must be in [0, 1], got {}", o.alpha);
    MEMPIPE_CHECK_ARG(std::isfinite(o.k_rrf) && o.k_rrf >= 0, "--rrf-k must be ≥ 0, got {}",
                      o.k_rrf);
}

std::vector<HybridHit> fuse_lists(const std::vector<ScoredDoc>& bm25,
                                  const std::vector<ScoredDoc>& dense, const HybridOptions& o) {
    check_hybrid_options(o);
    // Fusion ids by first appearance, walking the lists rank by rank (BM25 first at equal rank).
    std::unordered_map<std::string, int32_t> id_of;
    std::vector<const std::string*> names;
    std::vector<int32_t> lb(bm25.size()), ld(dense.size());
    for (size_t r = 0; r < std::max(bm25.size(), dense.size()); ++r)
        for (int l = 0; l < 2; ++l) {
            const std::vector<ScoredDoc>& list = l == 0 ? bm25 : dense;
            if (r >= list.size()) continue;
            auto [it, fresh] = id_of.emplace(list[r].id, int32_t(names.size()));
            if (fresh) names.push_back(&it->first);
            (l == 0 ? lb : ld)[r] = it->second;
        }
    const int64_t k = o.candidates;
    std::vector<float> scores(static_cast<size_t>(k));
    std::vector<int32_t> docs(static_cast<size_t>(k));
    int64_t m;
    if (o.fusion == FusionMethod::Rrf) {
        const int32_t* lists[2] = {lb.data(), ld.data()};
        const int64_t lengths[2] = {int64_t(lb.size()), int64_t(ld.size())};
        m = cpu::fuse_rrf(lists, lengths, 2, o.k_rrf, k, scores.data(), docs.data());
    } else {
        std::vector<float> sb, sd;
        for (const ScoredDoc& s : bm25) sb.push_back(s.score);
        for (const ScoredDoc& s : dense) sd.push_back(s.score);
        m = cpu::fuse_weighted(ld.data(), sd.data(), int64_t(ld.size()), lb.data(), sb.data(),
                               int64_t(lb.size()), o.alpha, k, scores.data(), docs.data());
    }
    std::vector<HybridHit> out;
    for (int64_t j = 0; j < m; ++j)
        out.push_back({*names[size_t(docs[size_t(j)])], scores[size_t(j)], scores[size_t(j)],
                       int32_t(j + 1)});
    return out;
}

namespace {

HybridResult rerank(std::vector<HybridHit> cands, Stage2Scorer* stage2, const HybridQuery& q,
                    const HybridOptions& o) {
    HybridResult r;
    std::vector<HybridHit> fin = cands;
    if (stage2 && !fin.empty()) {
        std::vector<std::string> ids;
        for (const HybridHit& h : fin) ids.push_back(h.id);
        const std::vector<float> s = stage2->score(q.id, q.text, ids);
        if (s.size() != ids.size())
            runtime_error("stage-2 scorer returned {} scores for {} candidates of query '{}'",
                          s.size(), ids.size(), q.id);
        for (size_t i = 0; i < fin.size(); ++i) {
            if (std::isnan(s[i]))
                runtime_error("stage-2 score of query '{}', doc '{}' is NaN", q.id, fin[i].id);
            fin[i].score = s[i];
        }
        std::stable_sort(fin.begin(), fin.end(), [](const HybridHit& a, const HybridHit& b) {
            return a.score > b.score || (a.score == b.score && a.stage1_rank < b.stage1_rank);
        });
    }
    if (int64_t(fin.size()) > o.k) fin.resize(size_t(o.k));
    r.candidates = std::move(cands);
    r.final = std::move(fin);
    return r;
}

}  // namespace

HybridResult two_stage(FirstStageRetriever& bm25, FirstStageRetriever& dense, Stage2Scorer* stage2,
                       const HybridQuery& q, const HybridOptions& o) {
    return two_stage_batch(bm25, dense, stage2, {q}, o)[0];
}

std::vector<HybridResult> two_stage_batch(FirstStageRetriever& bm25, FirstStageRetriever& dense,
                                          Stage2Scorer* stage2,
                                          const std::vector<HybridQuery>& queries,
                                          const HybridOptions& o) {
    check_hybrid_options(o);
    const auto lex = bm25.retrieve_batch(queries, o.first_stage);
    const auto den = dense.retrieve_batch(queries, o.first_stage);
    if (lex.size() != queries.size() || den.size() != queries.size())
        runtime_error("a first-stage retriever answered {} / {} of {} queries", lex.size(),
                      den.size(), queries.size());
    std::vector<HybridResult> out;
    for (size_t i = 0; i < queries.size(); ++i)
        out.push_back(rerank(fuse_lists(lex[i], den[i], o), stage2, queries[i], o));
    return out;
}

}  // namespace mempipe::rag
