// mempipe rag bench: our BM25 engine against bm25s, tantivy, Xapian and SQLite FTS5 side by side
// (bench/src/rag_bench.cpp; bench/README.md "RAG (BM25) benchmark").
#include <iostream>
#include <memory>
#include <sstream>

#include "../../bench/src/suite.h"
#include "commands/commands.h"
#include "mempipe/core/error.h"

namespace mempipe::cli {

namespace {

struct RagBenchArgs {
    std::string corpus;
    std::string synthetic;
    std::vector<std::string> queries;
    std::string ks = "3,10,64,1000";
    std::string threads = "1,2";
    std::string peers = "bm25s,tantivy,xapian,fts5";
    int repeats = 5;
    double k1 = 1.5, b = 0.75;
    int64_t max_queries = 0;
    int64_t fts5_queries = 100;
    int64_t synthetic_queries = 1000;
    double peer_budget = 60;
    uint64_t seed = 42;
    std::string work_dir;
    std::string json_out, markdown_out;
    bool progress = false;
};

std::vector<int> parse_threads(const std::string& s) {
    std::vector<int> out;
    for (const std::string& item : split_list(s)) {
        size_t used = 0;
        int v = 0;
        try {
            v = std::stoi(item, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        MEMPIPE_CHECK_ARG(used == item.size() && v >= 1,
                          "--threads: expected positive integers like 1,2, got '{}'", item);
        out.push_back(v);
    }
    MEMPIPE_CHECK_ARG(!out.empty(), "--threads: expected a list like 1,2");
    return out;
}

}  // namespace

void add_rag_bench_command(CLI::App& rag) {
    auto a = std::make_shared<RagBenchArgs>();
    auto* cmd = rag.add_subcommand(
        "bench",
        "BM25 throughput: our engine vs bm25s (numba), tantivy, Xapian, SQLite FTS5 on the same "
        "corpus, queries, k and threads; build speed, memory, top-k agreement with bm25s");
    cmd->add_option("--corpus", a->corpus,
                    "BEIR corpus dir (corpus.jsonl + queries_*.jsonl; scripts/build_rag_corpus.py)"
                    " or any corpus path `rag index` reads");
    cmd->add_option(
        "--synthetic", a->synthetic,
        "Instead of --corpus: a synthetic Zipfian corpus of N docs (e.g. 5M), ours only");
    cmd->add_option("--queries", a->queries,
                    "Query files (default: the corpus dir's queries_*.jsonl or queries.jsonl)");
    cmd->add_option("--k", a->ks, "Comma-separated k values")->capture_default_str();
    cmd->add_option("--threads,-t", a->threads, "Comma-separated thread counts")
        ->capture_default_str();
    cmd->add_option("--repeats,-r", a->repeats, "Timed passes per row (median)")
        ->capture_default_str();
    cmd->add_option("--peers", a->peers, "Comma-separated peers (or none)")->capture_default_str();
    cmd->add_option("--k1", a->k1, "BM25 k1 (lucene) for ours, bm25s and Xapian")
        ->capture_default_str();
    cmd->add_option("--b", a->b, "BM25 b")->capture_default_str();
    cmd->add_option("--max-queries", a->max_queries,
                    "Use the first N queries of each file (0 = all)")
        ->capture_default_str();
    cmd->add_option("--fts5-queries", a->fts5_queries,
                    "FTS5 runs only its first N queries per file (it is slow; 0 = all)")
        ->capture_default_str();
    cmd->add_option("--synthetic-queries", a->synthetic_queries,
                    "Queries per length (8 and 32 words) for --synthetic")
        ->capture_default_str();
    cmd->add_option("--peer-budget", a->peer_budget,
                    "Seconds per peer row before it runs fewer timed passes (≥ 1)")
        ->capture_default_str();
    cmd->add_option("--seed", a->seed, "Synthetic corpus/query seed")->capture_default_str();
    cmd->add_option("--work-dir", a->work_dir, "Keep peer results and hits here (default: temp)");
    cmd->add_option("--json", a->json_out, "Write the JSON report to this file");
    cmd->add_option("--markdown", a->markdown_out, "Write the markdown report to this file");
    cmd->add_flag("--progress", a->progress, "Progress bar while indexing");
    cmd->callback([a] {
        bench::RagBenchOptions o;
        o.corpus = a->corpus;
        if (!a->synthetic.empty()) o.synthetic = parse_size(a->synthetic, "--synthetic");
        o.queries = a->queries;
        o.ks = parse_size_list(a->ks, "--k");
        o.threads = parse_threads(a->threads);
        o.repeats = a->repeats;
        o.peers = split_list(a->peers);
        o.k1 = a->k1;
        o.b = a->b;
        MEMPIPE_CHECK_ARG(a->max_queries >= 0 && a->fts5_queries >= 0,
                          "--max-queries and --fts5-queries must be ≥ 0");
        o.max_queries = a->max_queries;
        o.fts5_max_queries = a->fts5_queries;
        o.synthetic_queries = a->synthetic_queries;
        o.peer_budget_s = a->peer_budget;
        o.seed = a->seed;
        o.work_dir = a->work_dir;
        o.progress = a->progress;
        Json report = bench::run_rag_bench(o, true);
        if (!a->json_out.empty()) emit(a->json_out, report.dump(2) + "\n");
        if (!a->markdown_out.empty()) emit(a->markdown_out, bench::rag_bench_markdown(report));
    });
}

}  // namespace mempipe::cli
