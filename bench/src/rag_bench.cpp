// `mempipe rag bench`: our BM25 engine against bm25s / tantivy / Xapian / SQLite FTS5 on the same
// corpus, queries, k and threads (peers: bench/peers/rag_*, one process each, run after ours).
//
// Ours: InvertedIndex::build in memory (BuildStats breakdown, docs/s, peak RSS), then per query
// set, k and thread count three timings (median of `repeats` passes over all queries after one
// warm-up):
//   ours        cpu::bm25_top_k_batch over pre-tokenized term ids (block-max pruning) — the
//               protocol bm25-benchmarks uses for bm25s (query tokenization excluded);
//   exhaustive  cpu::bm25_top_k_exhaustive per query, parallel over queries (no pruning);
//   text        rag::search_batch on the query strings (tokenization included).
// The pruned results must equal the exhaustive ones bit for bit (counted per query) and are
// compared with bm25s's top-k (scores within 1e-5 relative at every rank; doc sets).
#include <omp.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>

#include "mempipe/core/error.h"
#include "mempipe/core/parallel.h"
#include "mempipe/core/timer.h"
#include "mempipe/ops/bm25.h"
#include "mempipe/rag/corpus.h"
#include "mempipe/rag/index.h"
#include "mempipe/rag/search.h"
#include "mempipe/rag/synthetic.h"
#include "rag_bench_internal.h"
#include "report.h"

namespace mempipe::bench {

namespace fs = std::filesystem;
using namespace rag_detail;

namespace {

constexpr double kScoreRelTol = 1e-5;  // bm25s computes in float32 numpy, we in double → float

struct QuerySet {
    std::string name;  // file stem or "synthetic_8w"
    std::string file;  // "" for generated queries
    std::vector<std::string> texts;
};

// Our results of one query set at one k: pruned output, kept for the bm25s comparison.
struct OurHits {
    int64_t k = 0;
    std::vector<float> scores;
    std::vector<int32_t> docs;
    std::vector<int64_t> counts;
};

std::string stem_of(const std::string& path) {
    std::string base = fs::path(path).filename().string();
    if (base.size() > 6 && base.substr(base.size() - 6) == ".jsonl")
        return base.substr(0, base.size() - 6);
    return fs::path(path).stem().string();
}

bool is_beir_corpus(const std::string& path) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) return fs::exists(fs::path(path) / "corpus.jsonl", ec);
    return path.size() > 6 && path.substr(path.size() - 6) == ".jsonl";
}

// --queries, else the corpus dir's queries_*.jsonl (shortest name first: 8w before 32w), else
// queries.jsonl.
std::vector<std::string> query_files(const RagBenchOptions& o) {
    if (!o.queries.empty()) return o.queries;
    std::vector<std::string> out;
    std::error_code ec;
    if (o.synthetic > 0 || !fs::is_directory(o.corpus, ec)) return out;
    for (const auto& e : fs::directory_iterator(o.corpus, ec)) {
        std::string n = e.path().filename().string();
        if (n.rfind("queries_", 0) == 0 && n.size() > 6 && n.substr(n.size() - 6) == ".jsonl")
            out.push_back(e.path().string());
    }
    std::sort(out.begin(), out.end(), [](const std::string& a, const std::string& b) {
        return a.size() != b.size() ? a.size() < b.size() : a < b;
    });
    if (out.empty() && fs::exists(fs::path(o.corpus) / "queries.jsonl"))
        out.push_back((fs::path(o.corpus) / "queries.jsonl").string());
    return out;
}

std::vector<QuerySet> load_queries(const RagBenchOptions& o,
                                   const std::vector<std::string>& files) {
    std::vector<QuerySet> sets;
    for (const std::string& f : files) {
        QuerySet s{stem_of(f), f, {}};
        for (auto& q : rag::read_queries(f)) {
            if (o.max_queries > 0 && int64_t(s.texts.size()) >= o.max_queries) break;
            s.texts.push_back(std::move(q.text));
        }
        sets.push_back(std::move(s));
    }
    if (sets.empty() && o.synthetic > 0) {
        for (int w : o.query_words) {
            int64_t n = o.max_queries > 0 ? std::min(o.max_queries, o.synthetic_queries)
                                          : o.synthetic_queries;
            sets.push_back({fmt::format("synthetic_{}w", w), "",
                            rag::synthetic_queries(n, w, o.seed, {}, uint64_t(w))});
        }
    }
    return sets;
}

void check_options(const RagBenchOptions& o) {
    MEMPIPE_CHECK_ARG(!o.corpus.empty() || o.synthetic > 0,
                      "rag bench: give --corpus DIR (e.g. from scripts/build_rag_corpus.py) or "
                      "--synthetic N");
    MEMPIPE_CHECK_ARG(o.corpus.empty() || o.synthetic == 0,
                      "rag bench: --corpus and --synthetic are exclusive");
    MEMPIPE_CHECK_ARG(!o.ks.empty(), "rag bench: --k needs at least one value");
    for (int64_t k : o.ks) MEMPIPE_CHECK_ARG(k >= 1, "rag bench: k must be ≥ 1, got {}", k);
    MEMPIPE_CHECK_ARG(!o.threads.empty(), "rag bench: --threads needs at least one value");
    for (int t : o.threads)
        MEMPIPE_CHECK_ARG(t >= 1 && t <= 1024, "rag bench: threads must be in [1, 1024], got {}",
                          t);
    MEMPIPE_CHECK_ARG(o.repeats >= 1 && o.repeats <= 1000,
                      "rag bench: --repeats must be in [1, 1000], got {}", o.repeats);
    MEMPIPE_CHECK_ARG(o.synthetic_queries >= 1, "rag bench: synthetic query count must be ≥ 1");
    for (int w : o.query_words)
        MEMPIPE_CHECK_ARG(w >= 1, "rag bench: query words must be ≥ 1, got {}", w);
    MEMPIPE_CHECK_ARG(o.k1 >= 0 && o.b >= 0 && o.b <= 1,
                      "rag bench: need k1 ≥ 0 and b in [0, 1], got k1={} b={}", o.k1, o.b);
}

Json build_json(const rag::BuildStats& st, const rag::InvertedIndex& index, double seconds,
                uint64_t rss_before, int threads) {
    return {{"docs", st.docs},
            {"seconds", seconds},
            {"docs_per_s", seconds > 0 ? double(st.docs) / seconds : 0.0},
            {"read_s", st.read_s},
            {"tokenize_s", st.tokenize_s},
            {"invert_s", st.invert_s},
            {"score_s", st.score_s},
            {"total_s", st.total_s},
            {"terms", st.terms},
            {"postings", st.postings},
            {"tokens", st.tokens},
            {"skipped", st.skipped},
            {"index_bytes", index.memory_bytes()},
            {"peak_rss_bytes", std::max(st.peak_rss_bytes, peak_rss_bytes())},
            {"rss_before_build_bytes", rss_before},
            {"threads", threads}};
}

// Runs our three timings for one query set and k at every thread count; fills `hits` (pruned
// output at the first thread count) and returns the run entries.
Json run_ours(const rag::InvertedIndex& index, const QuerySet& qs,
              const std::vector<uint32_t>& terms, const std::vector<uint64_t>& offsets, int64_t k,
              const RagBenchOptions& o, OurHits* hits) {
    const PostingsView pv = index.postings();
    const int64_t nq = int64_t(qs.texts.size());
    const int64_t kk =
        std::max<int64_t>(1, std::min<int64_t>(k, std::max<int64_t>(1, pv.num_docs)));
    const size_t n_out = static_cast<size_t>(nq * kk);
    std::vector<float> sc(n_out), esc(n_out);
    std::vector<int32_t> dc(n_out), edc(n_out);
    std::vector<int64_t> cnt(static_cast<size_t>(nq)), ecnt(static_cast<size_t>(nq));
    Json runs = Json::array();
    for (size_t ti = 0; ti < o.threads.size(); ++ti) {
        const int T = o.threads[ti];
        set_num_threads(T);
        auto pruned = [&] {
            cpu::bm25_top_k_batch(pv, terms.data(), offsets.data(), nq, kk, sc.data(), dc.data(),
                                  cnt.data());
        };
        auto exhaustive = [&] {
#pragma omp parallel for schedule(dynamic, 1) num_threads(T)
            for (int64_t q = 0; q < nq; ++q) {
                const uint64_t b = offsets[size_t(q)];
                ecnt[size_t(q)] = cpu::bm25_top_k_exhaustive(
                    pv, terms.data() + b, int64_t(offsets[size_t(q) + 1] - b), kk,
                    esc.data() + q * kk, edc.data() + q * kk);
            }
        };
        auto text = [&] { (void)rag::search_batch(index, qs.texts, kk); };
        const double pruned_s = nq ? time_median(pruned, o.repeats, 1) : 0;
        const double exh_s = nq ? time_median(exhaustive, o.repeats, 1) : 0;
        const double text_s = nq ? time_median(text, o.repeats, 1) : 0;
        int64_t same = 0;
        for (int64_t q = 0; q < nq; ++q) {
            bool eq = cnt[size_t(q)] == ecnt[size_t(q)];
            for (int64_t i = 0; eq && i < cnt[size_t(q)]; ++i) {
                const size_t j = size_t(q * kk + i);
                eq = dc[j] == edc[j] && sc[j] == esc[j];
            }
            same += eq;
        }
        if (ti == 0) *hits = {kk, sc, dc, cnt};
        auto qps = [&](double s) { return s > 0 ? Json(double(nq) / s) : Json(); };
        runs.push_back({{"queries", qs.name},
                        {"k", k},
                        {"threads", T},
                        {"n_queries", nq},
                        {"pruned_s", pruned_s},
                        {"exhaustive_s", exh_s},
                        {"text_s", text_s},
                        {"qps", qps(pruned_s)},
                        {"exhaustive_qps", qps(exh_s)},
                        {"text_qps", qps(text_s)},
                        {"pruned_equals_exhaustive", nq ? double(same) / double(nq) : 1.0}});
        std::fprintf(stderr, "ours %s k=%lld t=%d: %.1f q/s (exhaustive %.1f, text %.1f)\n",
                     qs.name.c_str(), (long long)k, T, pruned_s > 0 ? nq / pruned_s : 0.0,
                     exh_s > 0 ? nq / exh_s : 0.0, text_s > 0 ? nq / text_s : 0.0);
    }
    return runs;
}

// The 1-minute load average (/proc/loadavg), or null: a shared machine's load explains noise.
Json load_average() {
    std::ifstream in("/proc/loadavg");
    double one = 0;
    if (in >> one) return one;
    return nullptr;
}

const Json* find_run(const Json& runs, const std::string& queries, int64_t k, int threads) {
    for (const Json& r : runs)
        if (r.value("queries", "") == queries && r.value("k", int64_t(0)) == k &&
            r.value("threads", 0) == threads)
            return &r;
    return nullptr;
}

Json ratio(const Json& a, const Json& b) {
    if (!a.is_number() || !b.is_number() || b.get<double>() <= 0) return nullptr;
    return a.get<double>() / b.get<double>();
}

}  // namespace

Json run_rag_bench(const RagBenchOptions& o, bool markdown_to_stdout) {
    check_options(o);
    std::vector<PeerSpec> peers = resolve_peers(o.peers, o);
    const int max_threads = *std::max_element(o.threads.begin(), o.threads.end());
    const int saved_threads = num_threads();

    std::error_code ec;
    std::string work_dir = o.work_dir;
    bool temp_work = work_dir.empty();
    if (temp_work) {
        std::string tmpl = (fs::temp_directory_path() / "mempipe_rag_bench_XXXXXX").string();
        if (!mkdtemp(tmpl.data())) runtime_error("rag bench: cannot create a temp directory");
        work_dir = tmpl;
    } else {
        fs::create_directories(work_dir, ec);
    }

    Json report;
    report["machine"] = build_info(max_threads);
    report["load_average"] = {{"start", load_average()}};
    const std::string spec =
        o.synthetic > 0 ? fmt::format("synthetic:{}:{}", o.synthetic, o.seed) : o.corpus;
    const std::vector<std::string> qfiles = query_files(o);
    std::vector<QuerySet> qsets = load_queries(o, qfiles);
    MEMPIPE_CHECK_ARG(!qsets.empty(),
                      "rag bench: no queries for {}: pass --queries FILE (BEIR queries.jsonl, TSV "
                      "or lines; scripts/build_rag_corpus.py writes queries_8w/32w.jsonl)",
                      o.corpus);

    // Our engine: build.
    set_num_threads(max_threads);
    rag::IndexOptions io;
    io.bm25.variant = rag::Bm25Variant::Lucene;
    io.bm25.k1 = o.k1;
    io.bm25.b = o.b;
    io.tokenizer.stopwords = rag::Stopwords::English;
    io.tokenizer.stem = false;
    io.threads = max_threads;
    io.progress = o.progress;
    const uint64_t rss_before = peak_rss_bytes();
    Timer build_timer;
    rag::ReaderOptions ro;
    ro.progress = o.progress;
    auto reader = rag::open_corpus(spec, ro);
    const rag::CorpusFormat format = reader->format();
    rag::BuildStats st;
    rag::InvertedIndex index = rag::InvertedIndex::build(*reader, io, &st);
    const double build_s = build_timer.seconds();
    reader.reset();
    report["corpus"] = {{"path", spec},
                        {"format", std::string(rag::corpus_format_name(format))},
                        {"docs", index.num_docs()},
                        {"terms", index.num_terms()},
                        {"postings", index.num_postings()},
                        {"avgdl", index.avgdl()}};
    report["params"] = {
        {"variant", "lucene"}, {"k1", o.k1}, {"b", o.b}, {"stopwords", "en"}, {"stemmer", nullptr}};
    report["ks"] = o.ks;
    report["threads"] = o.threads;
    report["repeats"] = o.repeats;
    Json ours_build = build_json(st, index, build_s, rss_before, max_threads);
    std::fprintf(stderr, "ours: built %lld docs in %.2f s (%.0f docs/s)\n", (long long)st.docs,
                 build_s, build_s > 0 ? st.docs / build_s : 0.0);

    // Our engine: queries.
    Json ours_runs = Json::array();
    Json query_info = Json::array();
    std::map<std::pair<size_t, int64_t>, OurHits> our_hits;
    for (size_t si = 0; si < qsets.size(); ++si) {
        const QuerySet& qs = qsets[si];
        rag::Tokenizer tok(index.tokenizer_options());
        Timer tt;
        std::vector<uint32_t> terms;
        std::vector<uint64_t> offsets{0};
        for (const std::string& t : qs.texts) {
            std::vector<uint32_t> ids = rag::query_terms(index, tok, t);
            terms.insert(terms.end(), ids.begin(), ids.end());
            offsets.push_back(terms.size());
        }
        const double tok_s = tt.seconds();
        query_info.push_back(
            {{"queries", qs.name},
             {"file", qs.file},
             {"n_queries", qs.texts.size()},
             {"mean_terms",
              qs.texts.empty() ? 0.0 : double(terms.size()) / double(qs.texts.size())},
             {"tokenize_s", tok_s}});
        for (int64_t k : o.ks) {
            for (Json& r : run_ours(index, qs, terms, offsets, k, o, &our_hits[{si, k}]))
                ours_runs.push_back(std::move(r));
        }
    }
    report["queries"] = query_info;
    report["ours"] = {{"build", ours_build}, {"runs", ours_runs}};

    // Peers, one process each, after ours (never concurrently).
    Json peers_json = Json::object();
    const bool beir = o.synthetic == 0 && is_beir_corpus(o.corpus);
    bool jsonl_queries = !qfiles.empty();
    for (const auto& f : qfiles)
        jsonl_queries = jsonl_queries && fs::path(f).extension() == ".jsonl";
    for (const PeerSpec& p : peers) {
        if (!beir || !jsonl_queries) {
            peers_json[p.name] = {
                {"status", "skipped"},
                {"note", "peers need a BEIR corpus.jsonl and .jsonl query files"}};
            continue;
        }
        std::fprintf(stderr, "peer %s: running…\n", p.name.c_str());
        peers_json[p.name] = run_rag_peer(p, o, qfiles, work_dir);
        if (peers_json[p.name]["status"] != "ok")
            std::fprintf(stderr, "peer %s: %s\n", p.name.c_str(),
                         peers_json[p.name]["note"].get<std::string>().c_str());
    }

    // Rows: per query set × k × threads.
    Json rows = Json::array();
    for (size_t si = 0; si < qsets.size(); ++si) {
        const QuerySet& qs = qsets[si];
        for (int64_t k : o.ks) {
            // Agreement with bm25s (its first thread count's hits).
            Json eq_scores = nullptr, eq_sets = nullptr;
            const Json* bj = peers_json.contains("bm25s") ? &peers_json["bm25s"] : nullptr;
            if (bj && bj->value("status", "") == "ok") {
                const Json* br = find_run((*bj)["runs"], qs.file, k, o.threads.front());
                if (br && (*br)["hits"].is_string()) {
                    const OurHits& h = our_hits[{si, k}];
                    const size_t nq =
                        std::min<size_t>(qs.texts.size(), (*br)["n_queries"].get<size_t>());
                    HitLists theirs = read_hits_tsv((*br)["hits"].get<std::string>(), nq);
                    int64_t ns = 0, nset = 0;
                    for (size_t q = 0; q < nq; ++q) {
                        std::vector<RankedHit> ours;
                        for (int64_t i = 0; i < h.counts[q]; ++i) {
                            const size_t j = q * size_t(h.k) + size_t(i);
                            ours.push_back(
                                {std::string(index.doc_id(uint32_t(h.docs[j]))), h.scores[j]});
                        }
                        HitsAgreement a = compare_hits(ours, theirs[q], kScoreRelTol);
                        ns += a.scores_equal;
                        nset += a.sets_equal;
                    }
                    eq_scores = nq ? double(ns) / double(nq) : 1.0;
                    eq_sets = nq ? double(nset) / double(nq) : 1.0;
                }
            }
            for (int T : o.threads) {
                const Json* our = find_run(ours_runs, qs.name, k, T);
                Json row = {{"queries", qs.name},
                            {"k", k},
                            {"threads", T},
                            {"ours_qps", (*our)["qps"]},
                            {"ours_text_qps", (*our)["text_qps"]},
                            {"ours_exhaustive_qps", (*our)["exhaustive_qps"]},
                            {"pruned_equals_exhaustive", (*our)["pruned_equals_exhaustive"]}};
                for (const PeerSpec& p : peers) {
                    const Json& pj = peers_json[p.name];
                    const Json* pr = pj.value("status", "") == "ok"
                                         ? find_run(pj["runs"], qs.file, k, T)
                                         : nullptr;
                    row[p.name + "_qps"] = pr ? (*pr)["qps"] : Json();
                }
                row["vs_bm25s"] = ratio(row["ours_qps"], row.value("bm25s_qps", Json()));
                row["vs_tantivy"] = ratio(row["ours_qps"], row.value("tantivy_qps", Json()));
                row["equal_scores_bm25s"] = eq_scores;
                row["equal_sets_bm25s"] = eq_sets;
                rows.push_back(std::move(row));
            }
        }
    }
    report["rows"] = rows;

    // Thread scaling: qps at the largest thread count / qps at the smallest.
    Json scaling = Json::array();
    const int t_lo = *std::min_element(o.threads.begin(), o.threads.end());
    if (max_threads > t_lo) {
        std::vector<std::string> engines = {"ours", "ours_text"};
        for (const PeerSpec& p : peers) engines.push_back(p.name);
        for (const std::string& e : engines) {
            for (const Json& lo : rows) {
                if (lo["threads"] != t_lo) continue;
                for (const Json& hi : rows) {
                    if (hi["threads"] != max_threads || hi["queries"] != lo["queries"] ||
                        hi["k"] != lo["k"])
                        continue;
                    Json r = ratio(hi[e + "_qps"], lo[e + "_qps"]);
                    if (!r.is_null())
                        scaling.push_back({{"engine", e},
                                           {"queries", lo["queries"]},
                                           {"k", lo["k"]},
                                           {"threads", {t_lo, max_threads}},
                                           {"speedup", r}});
                }
            }
        }
    }
    report["scaling"] = scaling;

    // Build comparison.
    Json build_table = Json::array();
    build_table.push_back({{"engine", "ours"}, {"build", ours_build}, {"ours_over_engine", 1.0}});
    for (const PeerSpec& p : peers) {
        const Json& pj = peers_json[p.name];
        if (pj.value("status", "") != "ok") continue;
        build_table.push_back(
            {{"engine", p.name},
             {"build", pj["build"]},
             {"ours_over_engine",
              ratio(ours_build["docs_per_s"], pj["build"].value("docs_per_s", Json()))}});
    }
    report["build_table"] = build_table;
    report["peers"] = peers_json;
    report["notes"] = {
        "queries/s = n_queries / median wall time of a pass over all queries (1 warm-up pass)",
        "ours: pre-tokenized term ids through cpu::bm25_top_k_batch (block-max pruning); "
        "'text' = rag::search_batch including query tokenization; bm25s likewise gets "
        "pre-tokenized ids (bm25-benchmarks protocol)",
        "tantivy, Xapian and FTS5 use their own tokenizers and BM25 forms: speed only",
        "equal_scores_bm25s: fraction of queries whose top-k scores match bm25s's within 1e-5 "
        "relative at every rank (bm25s's zero-score padding dropped); equal_sets_bm25s: same doc "
        "sets (ties at rank k may legitimately differ)",
        "build docs/s: ours with the largest thread count; bm25s tokenizes in one Python thread; "
        "tantivy indexes with that many threads; Xapian and FTS5 are single-threaded",
        "peak RSS is each process's high-water mark (Python peers include the interpreter and the "
        "corpus text held in memory)"};

    report["load_average"]["end"] = load_average();
    set_num_threads(saved_threads);
    if (temp_work) fs::remove_all(work_dir, ec);
    if (markdown_to_stdout) std::cout << rag_bench_markdown(report) << std::flush;
    return report;
}

}  // namespace mempipe::bench
