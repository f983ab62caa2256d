// Two-stage hybrid retrieval (reference/rag.md §4, RAG-EDA): BM25 top-N and dense top-N → fusion
// (RRF or min-max weighted, include/mempipe/ops/fusion.h) → the best `candidates` (64) unique docs
// → a stage-2 scorer (a cross-encoder reranker, or scores computed elsewhere) → the top k (10).
//
// Documents are joined across retrievers by the user's doc id string (a BM25 index's doc ids, a
// dense index's ids file), never by internal row numbers.
// Fusion tie rule: before fusing, each distinct doc gets a fusion id in order of first appearance
// when the lists are walked rank by rank (rank 1 of the BM25 list, rank 1 of the dense list, rank
// 2 of BM25, …); fusion ties go to the lower fusion id, i.e. to the doc seen at the better rank
// (BM25 first at equal rank). Weighted fusion: α weighs the dense part, 1 − α the BM25 part.
// Stage 2: candidates are re-ranked by stage-2 score descending, ties by stage-1 (fused) rank;
// −inf scores rank last; NaN is an error. Without a stage-2 scorer the top k of the fused list
// are returned with their fused scores.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "mempipe/ops/fusion.h"
#include "mempipe/rag/dense.h"
#include "mempipe/rag/search.h"

namespace mempipe::rag {

struct ScoredDoc {
    std::string id;  // the user's doc id
    float score = 0;
};

// A query as both retrievers see it: text for BM25, a vector for dense retrieval.
struct HybridQuery {
    std::string id;
    std::string text;
    const float* vector = nullptr;  // [dim] f32, or nullptr for a text-only retriever
    int64_t dim = 0;
};

// A first-stage retriever: the top n docs of a query, best first.
class FirstStageRetriever {
  public:
    virtual ~FirstStageRetriever() = default;
    virtual std::vector<ScoredDoc> retrieve(const HybridQuery& q, int64_t n) = 0;
    // Every query at once (result[i] belongs to queries[i]); the default calls retrieve in a loop.
    virtual std::vector<std::vector<ScoredDoc>> retrieve_batch(
        const std::vector<HybridQuery>& queries, int64_t n);
};

// BM25 over an InvertedIndex (rag::search; docs with no matching term are not returned).
class Bm25Retriever : public FirstStageRetriever {
  public:
    explicit Bm25Retriever(const InvertedIndex& index,
                           SearchAlgorithm algorithm = SearchAlgorithm::Pruned)
        : index_(index), algorithm_(algorithm) {}
    std::vector<ScoredDoc> retrieve(const HybridQuery& q, int64_t n) override;
    std::vector<std::vector<ScoredDoc>> retrieve_batch(const std::vector<HybridQuery>& queries,
                                                       int64_t n) override;

  private:
    const InvertedIndex& index_;
    SearchAlgorithm algorithm_;
};

// Inner-product search over a DenseIndex (cpu::dense_top_k); queries need a vector of its dim.
class DenseRetriever : public FirstStageRetriever {
  public:
    explicit DenseRetriever(const DenseIndex& index) : index_(index) {}
    std::vector<ScoredDoc> retrieve(const HybridQuery& q, int64_t n) override;
    // One batched scan: every key block is read once for all queries.
    std::vector<std::vector<ScoredDoc>> retrieve_batch(const std::vector<HybridQuery>& queries,
                                                       int64_t n) override;

  private:
    const DenseIndex& index_;
};

// Stage 2: one score per candidate doc (same order), higher = more relevant.
class Stage2Scorer {
  public:
    virtual ~Stage2Scorer() = default;
    virtual std::vector<float> score(std::string_view query_id, std::string_view query_text,
                                     const std::vector<std::string>& doc_ids) = 0;
};

enum class MissingScore {
    Error,   // a candidate without a score is an Error(Runtime) naming the query, doc and file
    NegInf,  // it scores −inf: ranked after every scored candidate, by stage-1 rank
};
MissingScore parse_missing_score(std::string_view name);  // error | neg-inf

// Stage-2 scores computed elsewhere (e.g. a cross-encoder run in Python), read from a file:
//   * TSV: "query_id<TAB>doc_id<TAB>score" per line; a first line whose score is not a number is a
//     header;
//   * JSONL (*.jsonl, or a first line starting with '{'): {"query_id": …, "doc_id": …, "score": …}
//     (ids may be strings or integers);
//   * TREC run (6 whitespace-separated fields "qid Q0 docid rank score tag").
// A duplicate (query, doc) pair, a malformed line or a non-finite score is an Error(Runtime) with
// the file and line.
class ExternalScores : public Stage2Scorer {
  public:
    static ExternalScores load(const std::string& path, MissingScore missing = MissingScore::Error);
    std::vector<float> score(std::string_view query_id, std::string_view query_text,
                             const std::vector<std::string>& doc_ids) override;
    size_t size() const { return pairs_; }

  private:
    std::string path_;
    MissingScore missing_ = MissingScore::Error;
    std::unordered_map<std::string, std::unordered_map<std::string, float>> scores_;
    size_t pairs_ = 0;
};

enum class FusionMethod { Rrf, Weighted };
FusionMethod parse_fusion_method(std::string_view name);  // rrf | weighted

struct HybridOptions {
    FusionMethod fusion = FusionMethod::Rrf;
    double k_rrf = kRrfK;
    double alpha = 0.5;         // weighted fusion: weight of the dense part
    int64_t first_stage = 100;  // N: docs taken from each retriever
    int64_t candidates = 64;    // fused docs passed to stage 2
    int64_t k = 10;             // final results
};
void check_hybrid_options(const HybridOptions& o);  // usage errors

struct HybridHit {
    std::string id;
    float score = 0;          // the final ranking score: stage 2's, or the fused score
    float fused = 0;          // stage-1 fused score
    int32_t stage1_rank = 0;  // 1-based rank in the fused list
};

struct HybridResult {
    std::vector<HybridHit> candidates;  // the fused top `candidates`, in stage-1 order
    std::vector<HybridHit> final;       // the top k after stage 2
};

// Fuses one query's two ranked lists (the tie rule above) and keeps the best `candidates`.
std::vector<HybridHit> fuse_lists(const std::vector<ScoredDoc>& bm25,
                                  const std::vector<ScoredDoc>& dense, const HybridOptions& o);

// The whole pipeline for one query / for a batch (first stages batched). stage2 may be null.
HybridResult two_stage(FirstStageRetriever& bm25, FirstStageRetriever& dense, Stage2Scorer* stage2,
                       const HybridQuery& q, const HybridOptions& o);
std::vector<HybridResult> two_stage_batch(FirstStageRetriever& bm25, FirstStageRetriever& dense,
                                          Stage2Scorer* stage2,
                                          const std::vector<HybridQuery>& queries,
                                          const HybridOptions& o);

}  // namespace mempipe::rag
