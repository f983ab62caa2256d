// mempipe rag dense / rag hybrid: flat dense retrieval over a vectors file, and the two-stage
// hybrid pipeline (BM25 + dense → fusion → stage-2 scores → top k).
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <memory>

#include "commands/commands.h"
#include "commands/rag_common.h"
#include "mempipe/core/error.h"
#include "mempipe/core/timer.h"
#include "mempipe/rag/corpus.h"
#include "mempipe/rag/dense.h"
#include "mempipe/rag/hybrid.h"

namespace mempipe::cli {

namespace {

struct DenseArgs {
    std::string vectors, query_vectors, queries, ids, scales, dtype, format = "text", output;
    int64_t k = 10;
    int repeat = 1;
    bool normalize = false, quiet = false;
    int threads = 0;
};

struct HybridArgs {
    std::string index, dense, ids, scales, dtype, queries, query_vectors,
        fusion = "rrf", stage2_scores, stage2_missing = "error", algorithm = "pruned",
        format = "text", output;
    double alpha = 0.5, rrf_k = kRrfK;
    int64_t first_stage = 100, candidates = 64, k = 10;
    bool normalize = false, quiet = false;
    int threads = 0;
};

void check_k(int64_t k) {
    MEMPIPE_CHECK_ARG(k >= 1 && k <= (int64_t(1) << 24), "-k must be in [1, 16M], got {}", k);
}

rag::DenseLoadOptions load_options(const std::string& dtype, bool normalize, const std::string& ids,
                                   const std::string& scales) {
    rag::DenseLoadOptions o;
    if (!dtype.empty()) o.dtype = rag::parse_dense_dtype(dtype);
    o.normalize = normalize;
    o.ids_path = ids;
    o.scales_path = scales;
    return o;
}

// Query ids/texts for the rows of the query-vectors file: from --queries (same count, same order)
// or the 1-based row numbers.
std::vector<rag::Query> query_list(const std::string& queries, int64_t rows,
                                   const std::string& vectors_path) {
    if (queries.empty()) {
        std::vector<rag::Query> q;
        for (int64_t i = 0; i < rows; ++i) q.push_back({std::to_string(i + 1), ""});
        return q;
    }
    std::vector<rag::Query> q = rag::read_queries(queries);
    if (int64_t(q.size()) != rows)
        usage_error(
            "'{}' has {} queries but '{}' has {} query vectors; row i of the vectors must "
            "embed query i",
            queries, q.size(), vectors_path, rows);
    return q;
}

void add_dense(CLI::App& rag) {
    auto a = std::make_shared<DenseArgs>();
    auto* cmd = rag.add_subcommand(
        "dense",
        "Exhaustive inner-product search over document vectors (.npy or .fvecs)\n"
        "  example: mempipe rag dense docs.npy --query-vectors q.npy -k 10 --dtype bf16 "
        "--ids doc_ids.txt");
    cmd->add_option("vectors", a->vectors,
                    "Document vectors: .npy [n × d] (f32, f16, bf16 as <u2, "
                    "int8 with --scales) or .fvecs")
        ->required();
    cmd->add_option("--query-vectors", a->query_vectors, "Query vectors: .npy [nq × d] or .fvecs")
        ->required();
    cmd->add_option("--queries", a->queries,
                    "Optional queries file giving ids (and texts) for the query-vector rows");
    cmd->add_option("-k", a->k, "Results per query")->capture_default_str();
    cmd->add_option("--dtype", a->dtype, "Store the vectors as f32|bf16|int8 (default: as read)");
    cmd->add_option("--ids", a->ids, "Doc ids, one per line (default: row numbers)");
    cmd->add_option("--scales", a->scales, "Per-row f32 scales (.npy [n]) for int8 vectors");
    cmd->add_flag("--normalize", a->normalize,
                  "L2-normalise document vectors (ranks by cosine similarity; a query's norm does "
                  "not change its ranking)");
    cmd->add_option("--format", a->format, "text|json|trec")->capture_default_str();
    cmd->add_option("--output,-o", a->output, "Write results to this file (atomically)");
    cmd->add_option("--threads,-t", a->threads, "Threads (0 = all cores)")->capture_default_str();
    cmd->add_option("--repeat", a->repeat,
                    "Time the search this many times (summary: best and median, key bandwidth)")
        ->capture_default_str();
    cmd->add_flag("--quiet,-q", a->quiet, "No timing summary on stderr");
    cmd->callback([a] {
        apply_threads(a->threads);
        check_k(a->k);
        MEMPIPE_CHECK_ARG(a->repeat >= 1 && a->repeat <= 1000,
                          "--repeat must be in [1, 1000], got {}", a->repeat);
        const RankFormat format = parse_rank_format(a->format);
        const rag::DenseIndex index = rag::DenseIndex::load(
            a->vectors, load_options(a->dtype, a->normalize, a->ids, a->scales));
        const rag::VectorMatrix qv = rag::read_query_vectors(a->query_vectors);
        if (qv.cols != index.dim())
            usage_error("'{}' has query vectors of dimension {} but '{}' has dimension {}",
                        a->query_vectors, qv.cols, a->vectors, index.dim());
        const auto queries = query_list(a->queries, qv.rows, a->query_vectors);
        std::vector<std::vector<rag::DenseHit>> hits;
        std::vector<double> times;
        for (int r = 0; r < a->repeat; ++r) {
            Timer t;
            hits = index.search(qv.data.data(), qv.rows, a->k);
            times.push_back(t.seconds());
        }
        const double best = *std::min_element(times.begin(), times.end());
        std::vector<RankedList> lists;
        for (size_t i = 0; i < queries.size(); ++i) {
            RankedList l{queries[i].id, queries[i].text, {}};
            for (const rag::DenseHit& h : hits[i])
                l.docs.push_back({index.doc_id(h.row), h.score, ""});
            lists.push_back(std::move(l));
        }
        emit(a->output, format_ranked(lists, format, "mempipe-dense"));
        if (!a->quiet)
            std::cerr << fmt::format(
                "{} queries × {} docs (d = {}, {}) in {:.3f} ms (best of {}; median {:.3f} ms; "
                "{:.1f} GB/s of keys)\n",
                queries.size(), index.size(), index.dim(), dtype_name(index.dtype()), best * 1e3,
                a->repeat, median(times) * 1e3, best > 0 ? index.memory_bytes() / best / 1e9 : 0.0);
    });
}

void add_hybrid(CLI::App& rag) {
    auto a = std::make_shared<HybridArgs>();
    auto* cmd = rag.add_subcommand(
        "hybrid",
        "Two-stage hybrid retrieval: BM25 top-N + dense top-N → fusion (RRF or min-max weighted) "
        "→ top candidates → stage-2 scores → top k. Docs are joined by the user's doc id.\n"
        "  example: mempipe rag hybrid idx/ --dense docs.npy --ids doc_ids.txt --queries q.tsv "
        "--query-vectors q.npy --candidates 64 --stage2-scores rerank.tsv -k 10");
    cmd->add_option("index", a->index, "BM25 index directory (from mempipe rag index)")->required();
    cmd->add_option("--dense", a->dense, "Document vectors (.npy or .fvecs)")->required();
    cmd->add_option("--ids", a->ids,
                    "Doc ids of the vector rows, one per line (the BM25 index's ids)")
        ->required();
    cmd->add_option("--queries", a->queries, "Queries file (ids and texts)")->required();
    cmd->add_option("--query-vectors", a->query_vectors,
                    "Query vectors, row i = query i of --queries")
        ->required();
    cmd->add_option("--fusion", a->fusion, "rrf|weighted")->capture_default_str();
    cmd->add_option("--alpha", a->alpha, "Weighted fusion: weight of the dense part")
        ->capture_default_str();
    cmd->add_option("--rrf-k", a->rrf_k, "RRF constant k")->capture_default_str();
    cmd->add_option("--first-stage", a->first_stage, "Docs taken from each retriever (N)")
        ->capture_default_str();
    cmd->add_option("--candidates", a->candidates, "Fused docs passed to stage 2")
        ->capture_default_str();
    cmd->add_option(
        "--stage2-scores", a->stage2_scores,
        "Stage-2 (reranker) scores: TSV query_id<TAB>doc_id<TAB>score, JSONL or TREC run; "
        "without it the fused ranking is returned");
    cmd->add_option("--stage2-missing", a->stage2_missing,
                    "A candidate without a stage-2 score: error|neg-inf (ranked last)")
        ->capture_default_str();
    cmd->add_option("-k", a->k, "Final results per query")->capture_default_str();
    cmd->add_option("--dtype", a->dtype, "Store the vectors as f32|bf16|int8 (default: as read)");
    cmd->add_option("--scales", a->scales, "Per-row f32 scales (.npy [n]) for int8 vectors");
    cmd->add_flag("--normalize", a->normalize,
                  "L2-normalise document vectors (ranks by cosine similarity; a query's norm does "
                  "not change its ranking)");
    cmd->add_option("--algorithm", a->algorithm, "BM25: pruned|exhaustive|reference")
        ->capture_default_str();
    cmd->add_option("--format", a->format, "text|json|trec")->capture_default_str();
    cmd->add_option("--output,-o", a->output, "Write results to this file (atomically)");
    cmd->add_option("--threads,-t", a->threads, "Threads (0 = all cores)")->capture_default_str();
    cmd->add_flag("--quiet,-q", a->quiet, "No timing summary on stderr");
    cmd->callback([a] {
        apply_threads(a->threads);
        check_k(a->k);
        const RankFormat format = parse_rank_format(a->format);
        rag::HybridOptions o;
        o.fusion = rag::parse_fusion_method(a->fusion);
        o.alpha = a->alpha;
        o.k_rrf = a->rrf_k;
        o.first_stage = a->first_stage;
        o.candidates = a->candidates;
        o.k = a->k;
        rag::check_hybrid_options(o);
        const auto missing = rag::parse_missing_score(a->stage2_missing);
        const auto algorithm = rag::parse_search_algorithm(a->algorithm);
        std::unique_ptr<rag::ExternalScores> stage2;
        if (!a->stage2_scores.empty())
            stage2 = std::make_unique<rag::ExternalScores>(
                rag::ExternalScores::load(a->stage2_scores, missing));
        const rag::InvertedIndex bm25 = rag::InvertedIndex::load(a->index);
        const rag::DenseIndex dense = rag::DenseIndex::load(
            a->dense, load_options(a->dtype, a->normalize, a->ids, a->scales));
        if (dense.size() != bm25.num_docs() && !a->quiet)
            std::cerr << fmt::format(
                "warning: the BM25 index has {} docs, the dense vectors {} "
                "rows; docs are joined by id, missing ones come from one "
                "retriever only\n",
                bm25.num_docs(), dense.size());
        const rag::VectorMatrix qv = rag::read_query_vectors(a->query_vectors);
        if (qv.cols != dense.dim())
            usage_error("'{}' has query vectors of dimension {} but '{}' has dimension {}",
                        a->query_vectors, qv.cols, a->dense, dense.dim());
        const auto queries = query_list(a->queries, qv.rows, a->query_vectors);
        std::vector<rag::HybridQuery> hq;
        for (size_t i = 0; i < queries.size(); ++i)
            hq.push_back(
                {queries[i].id, queries[i].text, qv.data.data() + i * size_t(qv.cols), qv.cols});
        rag::Bm25Retriever lex(bm25, algorithm);
        rag::DenseRetriever den(dense);
        Timer t;
        const auto results = rag::two_stage_batch(lex, den, stage2.get(), hq, o);
        const double seconds = t.seconds();
        std::vector<RankedList> lists;
        for (size_t i = 0; i < queries.size(); ++i) {
            RankedList l{queries[i].id, queries[i].text, {}};
            for (const rag::HybridHit& h : results[i].final) l.docs.push_back({h.id, h.score, ""});
            lists.push_back(std::move(l));
        }
        emit(a->output, format_ranked(lists, format, "mempipe-hybrid"));
        if (!a->quiet)
            std::cerr << fmt::format(
                "{} queries in {:.3f} ms (BM25 + dense top-{}, {} fusion, {} "
                "candidates, {})\n",
                queries.size(), seconds * 1e3, o.first_stage, a->fusion, o.candidates,
                stage2 ? "stage-2 scores" : "no stage 2");
    });
}

}  // namespace

void add_rag_hybrid_commands(CLI::App& rag) {
    add_dense(rag);
    add_hybrid(rag);
}

}  // namespace mempipe::cli
