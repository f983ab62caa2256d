// `mempipe rag bench` markdown: throughput per (queries, k, threads), agreement with bm25s, thread
// scaling, build speed and memory, our build breakdown, peer notes.
#include <fmt/format.h>

#include <algorithm>
#include <sstream>
#include <utility>

#include "rag_bench_internal.h"
#include "report.h"

namespace mempipe::bench {

namespace {

double num(const Json& j, const char* key) {
    return j.is_object() && j.contains(key) && j[key].is_number() ? j[key].get<double>() : 0;
}

std::string rate(const Json& v) {
    return v.is_number() ? format_rate(v.get<double>()) : "n/a";
}

std::string times(const Json& v) {
    return v.is_number() ? format_speedup(v.get<double>()) : "n/a";
}

std::string fraction(const Json& v) {
    if (!v.is_number()) return "n/a";
    return fmt::format("{:.1f}%", 100.0 * v.get<double>());
}

std::string mib(double bytes) {
    return bytes > 0 ? fmt::format("{:.0f} MiB", bytes / (1024.0 * 1024.0)) : "n/a";
}

}  // namespace

std::string rag_bench_markdown(const Json& r) {
    std::ostringstream out;
    const Json& corpus = r["corpus"];
    out << "## mempipe rag bench\n\n";
    out << fmt::format(
        "corpus `{}` ({}): {} docs, {} terms, {} postings, avgdl {:.1f}; lucene k1={} "
        "b={}, stopwords en, no stemmer; repeats {}\n\n",
        corpus.value("path", ""), corpus.value("format", ""), corpus.value("docs", int64_t(0)),
        corpus.value("terms", int64_t(0)), corpus.value("postings", int64_t(0)),
        corpus.value("avgdl", 0.0), r["params"].value("k1", 0.0), r["params"].value("b", 0.0),
        r.value("repeats", 0));
    if (r.contains("load_average") && r["load_average"]["start"].is_number() &&
        r["load_average"]["end"].is_number())
        out << fmt::format(
            "1-min load average {:.1f} at start, {:.1f} at end ({} logical CPUs; above the thread "
            "count the machine is shared and timings are contended)\n\n",
            r["load_average"]["start"].get<double>(), r["load_average"]["end"].get<double>(),
            r["machine"].value("logical_cpus", 0));
    for (const Json& q : r["queries"])
        out << fmt::format(
            "- `{}`: {} queries, {:.1f} terms/query after tokenization (tokenized in "
            "{:.3f} s, not in the timings)\n",
            q.value("queries", ""), q.value("n_queries", int64_t(0)), q.value("mean_terms", 0.0),
            q.value("tokenize_s", 0.0));

    std::vector<std::string> peers;
    for (const auto& [name, pj] : r["peers"].items()) peers.push_back(name);

    out << "\n### Queries/s\n\n";
    std::vector<std::string> cols = {"queries", "k", "T", "ours", "ours text", "ours exhaustive"};
    for (const auto& p : peers) cols.push_back(p);
    cols.insert(cols.end(), {"ours/bm25s", "ours/tantivy", "= bm25s scores", "= bm25s sets",
                             "pruned = exhaustive"});
    out << markdown_header(cols);
    for (const Json& row : r["rows"]) {
        std::vector<std::string> c = {row.value("queries", ""),
                                      std::to_string(row.value("k", int64_t(0))),
                                      std::to_string(row.value("threads", 0)),
                                      rate(row["ours_qps"]),
                                      rate(row["ours_text_qps"]),
                                      rate(row["ours_exhaustive_qps"])};
        for (const auto& p : peers) c.push_back(rate(row.value(p + "_qps", Json())));
        c.insert(c.end(), {times(row["vs_bm25s"]), times(row["vs_tantivy"]),
                           fraction(row["equal_scores_bm25s"]), fraction(row["equal_sets_bm25s"]),
                           fraction(row["pruned_equals_exhaustive"])});
        out << markdown_row(c);
    }

    if (!r["scaling"].empty()) {
        const Json& s0 = r["scaling"][0]["threads"];
        out << fmt::format("\n### Thread scaling: queries/s at {} threads / at {}\n\n",
                           s0[1].get<int>(), s0[0].get<int>());
        std::vector<std::string> engines;
        std::vector<std::pair<std::string, int64_t>> keys;
        for (const Json& s : r["scaling"]) {
            const std::string e = s.value("engine", "");
            if (std::find(engines.begin(), engines.end(), e) == engines.end()) engines.push_back(e);
            std::pair<std::string, int64_t> key{s.value("queries", ""), s.value("k", int64_t(0))};
            if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
        }
        std::vector<std::string> head = {"queries", "k"};
        head.insert(head.end(), engines.begin(), engines.end());
        out << markdown_header(head);
        for (const auto& [q, k] : keys) {
            std::vector<std::string> c = {q, std::to_string(k)};
            for (const std::string& e : engines) {
                Json v;
                for (const Json& s : r["scaling"])
                    if (s["engine"] == e && s["queries"] == q && s["k"] == k) v = s["speedup"];
                c.push_back(times(v));
            }
            out << markdown_row(c);
        }
    }

    out << "\n### Index build\n\n";
    out << markdown_header(
        {"engine", "docs", "build", "docs/s", "ours/engine", "peak RSS", "RSS growth"});
    for (const Json& b : r["build_table"]) {
        const Json& bj = b["build"];
        const double peak = num(bj, "peak_rss_bytes"), before = num(bj, "rss_before_build_bytes");
        out << markdown_row({b.value("engine", ""), fmt::format("{}", bj.value("docs", int64_t(0))),
                             format_seconds(num(bj, "seconds")), format_rate(num(bj, "docs_per_s")),
                             times(b["ours_over_engine"]), mib(peak),
                             mib(peak > before ? peak - before : 0)});
    }
    const Json& ob = r["ours"]["build"];
    out << fmt::format(
        "\nours, where build time goes ({} threads): read {} · tokenize {} · invert {} · score {} "
        "(total {}); {} tokens, {} terms, {} postings; index arrays {}\n",
        ob.value("threads", 0), format_seconds(num(ob, "read_s")),
        format_seconds(num(ob, "tokenize_s")), format_seconds(num(ob, "invert_s")),
        format_seconds(num(ob, "score_s")), format_seconds(num(ob, "total_s")),
        ob.value("tokens", int64_t(0)), ob.value("terms", int64_t(0)),
        ob.value("postings", int64_t(0)), mib(num(ob, "index_bytes")));

    out << "\n### Peers\n\n";
    for (const auto& [name, pj] : r["peers"].items()) {
        std::string status = pj.value("status", "");
        out << fmt::format("- **{}** {}: {}", name, pj.value("version", ""), status);
        if (!pj.value("note", std::string()).empty()) out << " (" << pj.value("note", "") << ")";
        out << "\n";
        if (pj.contains("notes"))
            for (const Json& n : pj["notes"]) out << "  - " << n.get<std::string>() << "\n";
    }
    out << "\nNotes:\n";
    for (const Json& n : r["notes"]) out << "- " << n.get<std::string>() << "\n";
    return out.str();
}

}  // namespace mempipe::bench
