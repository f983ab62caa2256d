// mempipe rag: the retrieval engine's commands. This file holds the group and the BM25 commands
// (index, search, eval); dense/hybrid, replay and bench register from their own files.
#include <unistd.h>

#include <fmt/format.h>

#include <iostream>
#include <memory>

#include "commands/commands.h"
#include "commands/rag_common.h"
#include "mempipe/core/error.h"
#include "mempipe/core/io.h"
#include "mempipe/core/timer.h"
#include "mempipe/rag/eval.h"
#include "mempipe/rag/search.h"

namespace mempipe::cli {

namespace {

struct IndexArgs {
    std::string corpus, output, format = "auto", variant = "lucene", stopwords = "en";
    double k1 = 1.5, b = 0.75, delta = 0.5;
    bool stem = false, skip_bad = false, quiet = false;
    int threads = 0;
};

struct SearchArgs {
    std::string index, query, queries, format = "text", algorithm = "pruned", output;
    int64_t k = 64;
    int threads = 0;
    bool quiet = false;
};

struct EvalArgs {
    std::string index, queries, qrels, json, algorithm = "pruned";
    int64_t k = 1000;
    int threads = 0;
};

bool show_progress(bool quiet) {
    return !quiet && isatty(2);
}

void check_k(int64_t k) {
    MEMPIPE_CHECK_ARG(k >= 1 && k <= (int64_t(1) << 24), "-k must be in [1, 16M], got {}", k);
}

void add_index(CLI::App& rag) {
    auto a = std::make_shared<IndexArgs>();
    auto* cmd = rag.add_subcommand(
        "index",
        "Build a BM25 index from a corpus (BEIR jsonl, DPR tsv, plain text, a directory of files, "
        "Cranfield, or synthetic:N)\n"
        "  example: mempipe rag index corpus.jsonl -o idx/ --stem");
    cmd->add_option("corpus", a->corpus, "Corpus file or directory, or synthetic:N[:seed]")
        ->required();
    cmd->add_option("-o,--output", a->output, "Index directory (created; bm25.index inside)")
        ->required();
    cmd->add_option("--format", a->format, "auto|beir|dpr|lines|files|cranfield")
        ->capture_default_str();
    cmd->add_option("--variant", a->variant, "BM25 variant: lucene|robertson|atire|bm25l|bm25+")
        ->capture_default_str();
    cmd->add_option("--k1", a->k1, "BM25 k1")->capture_default_str();
    cmd->add_option("--b", a->b, "BM25 b")->capture_default_str();
    cmd->add_option("--delta", a->delta, "BM25 δ (bm25l, bm25+)")->capture_default_str();
    cmd->add_option("--stopwords", a->stopwords, "en|none")->capture_default_str();
    cmd->add_flag("--stem", a->stem, "Snowball English stemming");
    cmd->add_flag("--skip-bad", a->skip_bad, "Skip (and count) malformed corpus records");
    cmd->add_option("--threads,-t", a->threads, "Threads (0 = all cores)")->capture_default_str();
    cmd->add_flag("--quiet,-q", a->quiet, "No progress bar");
    cmd->callback([a] {
        apply_threads(a->threads);
        rag::IndexOptions o;
        o.bm25.variant = rag::parse_bm25_variant(a->variant);
        o.bm25.k1 = a->k1;
        o.bm25.b = a->b;
        o.bm25.delta = a->delta;
        rag::check_bm25_params(o.bm25);
        o.tokenizer.stopwords = rag::parse_stopwords(a->stopwords);
        o.tokenizer.stem = a->stem;
        o.progress = show_progress(a->quiet);
        rag::ReaderOptions ro;
        ro.format = rag::parse_corpus_format(a->format);
        ro.skip_bad = a->skip_bad;
        ro.progress = o.progress;
        auto reader = rag::open_corpus(a->corpus, ro);
        rag::BuildStats stats;
        rag::InvertedIndex index = rag::InvertedIndex::build(*reader, o, &stats);
        Timer save_timer;
        index.save(a->output);
        const double save_s = save_timer.seconds();
        std::cout << fmt::format(
            "indexed {} documents ({} format{}): {} terms, {} postings, avgdl {:.1f}\n"
            "time: {:.2f} s ({:.0f} docs/s) = read {:.2f} + tokenize {:.2f} + invert {:.2f} + "
            "score {:.2f}; save {:.2f} s; peak RSS {:.0f} MB\n"
            "index: {}/{} ({:.1f} MB), {} {} k1={} b={}{}{}\n",
            stats.docs, rag::corpus_format_name(reader->format()),
            stats.skipped ? fmt::format(", {} malformed records skipped", stats.skipped) : "",
            stats.terms, stats.postings, index.avgdl(), stats.total_s,
            stats.total_s > 0 ? stats.docs / stats.total_s : 0.0, stats.read_s, stats.tokenize_s,
            stats.invert_s, stats.score_s, save_s, stats.peak_rss_bytes / 1e6, a->output,
            rag::kIndexFileName, index.memory_bytes() / 1e6, "BM25",
            rag::bm25_variant_name(o.bm25.variant), o.bm25.k1, o.bm25.b,
            rag::bm25_shifted(o.bm25.variant) ? fmt::format(" δ={}", o.bm25.delta) : "",
            o.tokenizer.stem ? ", Snowball stemming" : "");
    });
}

std::vector<rag::Query> collect_queries(const std::string& query, const std::string& file) {
    MEMPIPE_CHECK_ARG(query.empty() != file.empty(),
                      "give exactly one of --query TEXT or --queries FILE");
    if (!query.empty()) return {rag::Query{"1", query}};
    return rag::read_queries(file);
}

RankedList to_ranked(const rag::InvertedIndex& index, const rag::Query& q,
                     const std::vector<rag::Hit>& hits) {
    RankedList list{q.id, q.text, {}};
    list.docs.reserve(hits.size());
    for (const rag::Hit& h : hits)
        list.docs.push_back(RankedDoc{std::string(index.doc_id(h.doc)), h.score, {}});
    return list;
}

std::vector<std::vector<rag::Hit>> run_queries(const rag::InvertedIndex& index,
                                               const std::vector<rag::Query>& queries, int64_t k,
                                               rag::SearchAlgorithm algorithm, double* seconds) {
    std::vector<std::string> texts;
    texts.reserve(queries.size());
    for (const rag::Query& q : queries) texts.push_back(q.text);
    Timer t;
    auto hits = rag::search_batch(index, texts, k, algorithm);
    if (seconds) *seconds = t.seconds();
    return hits;
}

void add_search(CLI::App& rag) {
    auto a = std::make_shared<SearchArgs>();
    auto* cmd = rag.add_subcommand(
        "search",
        "Top-k BM25 search over an index\n"
        "  example: mempipe rag search idx/ --query \"heat transfer in slabs\" -k 10");
    cmd->add_option("index", a->index, "Index directory (from mempipe rag index)")->required();
    cmd->add_option("--query", a->query, "One query text");
    cmd->add_option("--queries", a->queries,
                    "Queries file: BEIR queries.jsonl, id<TAB>text, "
                    "one query per line, or a Cranfield .qry file");
    cmd->add_option("-k", a->k, "Results per query")->capture_default_str();
    cmd->add_option("--threads,-t", a->threads, "Threads (0 = all cores)")->capture_default_str();
    cmd->add_option("--format", a->format, "text|json|trec")->capture_default_str();
    cmd->add_option("--algorithm", a->algorithm, "pruned|exhaustive|reference")
        ->capture_default_str();
    cmd->add_option("--output,-o", a->output, "Write results to this file (atomically)");
    cmd->add_flag("--quiet,-q", a->quiet, "No timing summary on stderr");
    cmd->callback([a] {
        apply_threads(a->threads);
        check_k(a->k);
        const RankFormat format = parse_rank_format(a->format);
        const auto algorithm = rag::parse_search_algorithm(a->algorithm);
        const auto queries = collect_queries(a->query, a->queries);
        const rag::InvertedIndex index = rag::InvertedIndex::load(a->index);
        double seconds = 0;
        const auto hits = run_queries(index, queries, a->k, algorithm, &seconds);
        std::vector<RankedList> lists;
        lists.reserve(queries.size());
        for (size_t i = 0; i < queries.size(); ++i)
            lists.push_back(to_ranked(index, queries[i], hits[i]));
        emit(a->output, format_ranked(lists, format));
        if (!a->quiet)
            std::cerr << fmt::format("{} queries in {:.3f} ms ({:.0f} queries/s)\n", queries.size(),
                                     seconds * 1e3, seconds > 0 ? queries.size() / seconds : 0.0);
    });
}

void add_eval(CLI::App& rag) {
    auto a = std::make_shared<EvalArgs>();
    auto* cmd =
        rag.add_subcommand("eval",
                           "Retrieval quality of an index: nDCG@10, recall@100/1000, MAP@1000\n"
                           "  example: mempipe rag eval idx/ --queries cran.qry --qrels cranqrel");
    cmd->add_option("index", a->index, "Index directory")->required();
    cmd->add_option("--queries", a->queries, "Queries file")->required();
    cmd->add_option("--qrels", a->qrels, "Relevance judgements (BEIR tsv, TREC, Cranfield)")
        ->required();
    cmd->add_option("-k", a->k, "Retrieval depth (MAP and recall use the top k)")
        ->capture_default_str();
    cmd->add_option("--threads,-t", a->threads, "Threads (0 = all cores)")->capture_default_str();
    cmd->add_option("--algorithm", a->algorithm, "pruned|exhaustive|reference")
        ->capture_default_str();
    cmd->add_option("--json", a->json, "Also write the metrics as JSON to this file");
    cmd->callback([a] {
        apply_threads(a->threads);
        check_k(a->k);
        const auto algorithm = rag::parse_search_algorithm(a->algorithm);
        const auto queries = rag::read_queries(a->queries);
        const rag::Qrels qrels = rag::read_qrels(a->qrels);
        const rag::InvertedIndex index = rag::InvertedIndex::load(a->index);
        double seconds = 0;
        const auto hits = run_queries(index, queries, a->k, algorithm, &seconds);
        std::vector<rag::RunEntry> run;
        run.reserve(queries.size());
        for (size_t i = 0; i < queries.size(); ++i) {
            rag::RunEntry e{queries[i].id, {}};
            for (const rag::Hit& h : hits[i]) e.ranked_docs.emplace_back(index.doc_id(h.doc));
            run.push_back(std::move(e));
        }
        std::vector<int> depths{10, 100};
        if (a->k > 100) depths.push_back(static_cast<int>(a->k));
        const rag::Metrics m = rag::evaluate(run, qrels, depths, static_cast<int>(a->k));
        std::string text = fmt::format(
            "{} queries ({} judged, {} without judgements ignored), k = {}, {:.0f} queries/s\n"
            "nDCG@10 {:.4f} (binary {:.4f})  MAP@{} {:.4f}",
            queries.size(), m.queries_judged, m.queries_unjudged, a->k,
            seconds > 0 ? queries.size() / seconds : 0.0, m.ndcg10, m.ndcg10_binary, a->k, m.map);
        for (const auto& [d, v] : m.recall) text += fmt::format("  R@{} {:.4f}", d, v);
        std::cout << text << "\n";
        if (m.judged_missing)
            std::cerr << fmt::format(
                "warning: {} judged queries are not in the queries file (scored 0)\n",
                m.judged_missing);
        if (!a->json.empty()) {
            Json j{{"queries", queries.size()},
                   {"judged", m.queries_judged},
                   {"k", a->k},
                   {"ndcg@10", m.ndcg10},
                   {"ndcg@10_binary", m.ndcg10_binary},
                   {"map", m.map},
                   {"queries_per_s", seconds > 0 ? queries.size() / seconds : 0.0}};
            for (const auto& [d, v] : m.recall) j[fmt::format("recall@{}", d)] = v;
            write_json_atomic(a->json, j);
        }
    });
}

}  // namespace

void add_rag_command(CLI::App& app) {
    CLI::App* rag = app.add_subcommand(
        "rag", "Retrieval engine: BM25 / dense / hybrid indexes, search, evaluation, triggers");
    rag->require_subcommand(1, 1);
    add_index(*rag);
    add_search(*rag);
    add_eval(*rag);
    add_rag_hybrid_commands(*rag);
    add_rag_replay_command(*rag);
    add_rag_bench_command(*rag);
}

}  // namespace mempipe::cli
