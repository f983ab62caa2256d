// Benchmark suites behind `mempipe bench roofline` and `mempipe bench sparse-attention`.
//
// Each entry point prints a markdown table on stdout (progress goes to stderr) and returns the same
// results as JSON for `--json`. Timings are medians; peers run in the same process run on the same
// inputs, so compare ours vs peer within one run.
#pragma once

#include <string>
#include <vector>

#include "harness.h"

namespace mempipe::bench {

// Measures DRAM read GB/s, fp32 FMA GFLOP/s, bf16 dot GFLOP/s and int8 dot GOP/s with 1 thread and
// with `max_threads` threads (≥ 1), next to the reference figures of machine.md. Returns
//   {"build": {...}, "simd": str, "threads": [1, T], "kernels": [{"kernel", "unit", "instruction",
//    "measured": {"1": x, "T": y}, "reference_machine_md": {"1": a, "2": b}}], "notes": [...]}
Json run_roofline(int max_threads, bool markdown_to_stdout);

// Suite names accepted in `only` ('-' and '_' are interchangeable); empty `only` runs them all.
std::vector<std::string> sparse_attention_suite_names();  // top_k, dsa_indexer, seer, lserve

// 4k, 32k, 128k, 1M: used when ctx.sizes is empty.
std::vector<int64_t> default_bench_sizes();

// Runs bench_top_k, bench_dsa_indexer, bench_seer, bench_lserve (or the subset named in `only`)
// with ctx. An empty ctx.work_dir gets a temporary directory (removed afterwards); missing peers
// (no .venv) print "n/a" instead of failing. A suite that throws is reported in "errors" and the
// others still run. Unknown names in `only` or threads/repeats < 1 are usage errors. Returns
//   {"machine": build_info, "threads": T, "repeats": R, "sizes": [...], "peers": bool,
//    "peers_note": str, "rows": [bench_row_json...], "limits": {...}, "errors": [{"suite",
//    "error"}]}
Json run_sparse_attention(const BenchContext& ctx, const std::vector<std::string>& only,
                          bool markdown_to_stdout = true);

// `mempipe rag bench`: our BM25 engine (include/mempipe/rag) against bm25s (numba), tantivy, Xapian
// and SQLite FTS5 run side by side as separate processes (bench/peers/rag_*) on the same corpus,
// queries, k and threads. See bench/README.md "RAG (BM25) benchmark".
struct RagBenchOptions {
    std::string corpus;                // BEIR dir (corpus.jsonl) or any open_corpus path
    int64_t synthetic = 0;             // > 0: a synthetic corpus of N docs (our engine only)
    uint64_t seed = 42;                // synthetic corpus and queries
    std::vector<std::string> queries;  // query files; empty: the corpus dir's queries_*.jsonl
    int64_t synthetic_queries = 1000;  // per length, for --synthetic or a corpus without queries
    std::vector<int> query_words = {8, 32};  // synthetic query lengths
    std::vector<int64_t> ks = {3, 10, 64, 1000};
    std::vector<int> threads = {1, 2};
    int repeats = 5;
    std::vector<std::string> peers = {"bm25s", "tantivy", "xapian", "fts5"};
    double k1 = 1.5, b = 0.75;       // lucene variant, ours and bm25s (and Xapian)
    int64_t max_queries = 0;         // first N queries of each file (0 = all)
    int64_t fts5_max_queries = 100;  // FTS5 is ~100× slower: its first N queries only
    double peer_budget_s = 60;       // per peer run: fewer timed passes beyond this
    std::string work_dir;            // scratch (peer results, hits); empty: a temp dir
    bool progress = false;           // progress bar while indexing
};

// Runs the benchmark; prints the markdown report when markdown_to_stdout (progress on stderr).
// Usage errors: no corpus and no synthetic size, ks/threads empty or < 1, repeats ∉ [1, 1000],
// unknown peer. Returns
//   {"machine", "corpus": {path, format, docs}, "params", "ks", "threads", "repeats",
//    "ours": {"build": {...BuildStats, docs_per_s, index_bytes}, "runs": [...]},
//    "peers": {name: {"status", "note", "build", "runs", ...}},
//    "rows": [{"queries", "k", "threads", "ours_qps", "ours_text_qps", "ours_exhaustive_qps",
//              "<peer>_qps"..., "vs_bm25s", "vs_tantivy", "equal_scores_bm25s",
//              "equal_sets_bm25s", "pruned_equals_exhaustive"}],
//    "scaling": [...], "build_table": [...], "notes": [...]}
Json run_rag_bench(const RagBenchOptions& options, bool markdown_to_stdout = true);
std::string rag_bench_markdown(const Json& report);

}  // namespace mempipe::bench
