// BM25 peer: Xapian through its C++ API (contract: bench/peers/rag_common.py).
//
// Index: a glass database in a temporary directory, one Xapian document per passage, terms from
// Xapian::TermGenerator::index_text_without_positions (lowercased words, no stemming, no stop
// words), committed once. Query: Xapian::Query(OP_OR, terms) over the query's lowercased
// alphanumeric words, weighted by BM25Weight(k1, 0, 1, b, 0.5) with the comparison row's k1/b;
// Enquire::get_mset(0, k). Xapian's BM25 has its own idf and (k1+1) factor and clamps short docs'
// lengths (min_normlen 0.5) and its tokenizer differs from bm25s's ⇒ only speed is compared.
// Threads: T std::threads, each with its own Database and Enquire, over a contiguous slice of the
// queries. Building the queries is not timed.
//
//   rag_xapian --corpus DIR --queries F1 [F2 …] --k 3,10 --threads 1,2 --repeats R --out RES.json
//              [--k1 X] [--b Y] [--hits-dir D] [--max-queries N] [--budget-s S]
#include <sys/resource.h>
#include <unistd.h>
#include <xapian.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

namespace {

using Json = nlohmann::json;
namespace fs = std::filesystem;

struct Args {
    std::string corpus, out, hits_dir;
    std::vector<std::string> queries;
    std::vector<int> ks, threads;
    int repeats = 5;
    int max_queries = 0;
    double k1 = 1.5, b = 0.75, budget_s = 60;
};

[[noreturn]] void die(const std::string& msg) {
    std::cerr << "rag_xapian: " << msg << "\n";
    std::exit(2);
}

std::vector<int> int_list(const std::string& s, const char* opt) {
    std::vector<int> out;
    size_t pos = 0;
    while (pos <= s.size()) {
        size_t comma = s.find(',', pos);
        std::string item =
            s.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
        if (!item.empty()) {
            int v = std::atoi(item.c_str());
            if (v < 1) die(std::string(opt) + " needs positive integers, got '" + item + "'");
            out.push_back(v);
        }
        if (comma == std::string::npos) break;
        pos = comma + 1;
    }
    if (out.empty()) die(std::string(opt) + " is empty");
    return out;
}

Args parse_args(int argc, char** argv) {
    Args a;
    for (int i = 1; i < argc; ++i) {
        std::string opt = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) die(opt + " needs a value");
            return argv[++i];
        };
        if (opt == "--corpus")
            a.corpus = value();
        else if (opt == "--out")
            a.out = value();
        else if (opt == "--hits-dir")
            a.hits_dir = value();
        else if (opt == "--k")
            a.ks = int_list(value(), "--k");
        else if (opt == "--threads")
            a.threads = int_list(value(), "--threads");
        else if (opt == "--repeats")
            a.repeats = std::max(1, std::atoi(value().c_str()));
        else if (opt == "--max-queries")
            a.max_queries = std::max(0, std::atoi(value().c_str()));
        else if (opt == "--k1")
            a.k1 = std::atof(value().c_str());
        else if (opt == "--b")
            a.b = std::atof(value().c_str());
        else if (opt == "--budget-s")
            a.budget_s = std::atof(value().c_str());
        else if (opt == "--queries") {
            while (i + 1 < argc && std::string(argv[i + 1]).rfind("--", 0) != 0)
                a.queries.push_back(argv[++i]);
        } else
            die("unknown option " + opt);
    }
    if (a.corpus.empty() || a.out.empty() || a.queries.empty())
        die("--corpus, --queries and --out are required");
    if (a.ks.empty()) a.ks = {10};
    if (a.threads.empty()) a.threads = {1};
    return a;
}

// VmHWM of /proc/self/status (per address space); getrusage's ru_maxrss would include the spawning
// parent's peak, which Linux carries across exec.
uint64_t peak_rss_bytes() {
    std::ifstream status("/proc/self/status");
    for (std::string line; std::getline(status, line);) {
        if (line.rfind("VmHWM:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
    }
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return uint64_t(ru.ru_maxrss) * 1024;
}

double now_s() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

std::string stem_of(const std::string& path) {
    std::string base = fs::path(path).filename().string();
    const std::string ext = ".jsonl";
    if (base.size() > ext.size() && base.compare(base.size() - ext.size(), ext.size(), ext) == 0)
        return base.substr(0, base.size() - ext.size());
    return fs::path(path).stem().string();
}

// Lowercased runs of ASCII alphanumerics and non-ASCII bytes (Xapian's TermGenerator also keeps
// Unicode letters; our query files are lowercase ASCII words).
std::vector<std::string> query_words(const std::string& text) {
    std::vector<std::string> out;
    std::string cur;
    for (unsigned char c : text) {
        if (std::isalnum(c) || c >= 0x80) {
            cur.push_back(char(std::tolower(c)));
        } else if (!cur.empty()) {
            out.push_back(cur);
            cur.clear();
        }
    }
    if (!cur.empty()) out.push_back(cur);
    return out;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    size_t n = v.size();
    return n == 0 ? 0 : (n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]));
}

}  // namespace

int main(int argc, char** argv) {
    Args a = parse_args(argc, argv);
    std::string corpus_file =
        fs::is_directory(a.corpus) ? (fs::path(a.corpus) / "corpus.jsonl").string() : a.corpus;
    std::ifstream in(corpus_file);
    if (!in) die("cannot open corpus " + corpus_file);
    std::vector<std::string> ids, texts;
    for (std::string line; std::getline(in, line);) {
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        Json d = Json::parse(line);
        const Json& id = d.at("_id");
        ids.push_back(id.is_string() ? id.get<std::string>() : id.dump());
        std::string title = d.value("title", std::string()), text = d.value("text", std::string());
        texts.push_back(title.empty() ? text : title + " " + text);
    }

    char tmpl[] = "/tmp/mempipe_xapian_XXXXXX";
    if (!mkdtemp(tmpl)) die("mkdtemp failed");
    const std::string db_path = std::string(tmpl) + "/db";
    Json result;
    try {
        uint64_t rss_before = peak_rss_bytes();
        double t0 = now_s();
        {
            Xapian::WritableDatabase db(db_path,
                                        Xapian::DB_CREATE_OR_OVERWRITE | Xapian::DB_BACKEND_GLASS);
            Xapian::TermGenerator gen;
            for (size_t i = 0; i < texts.size(); ++i) {
                Xapian::Document doc;
                gen.set_document(doc);
                gen.index_text_without_positions(texts[i]);
                db.add_document(doc);  // docid = i + 1
            }
            db.commit();
        }
        double t1 = now_s();
        const int64_t n_docs = int64_t(texts.size());
        std::vector<std::string>().swap(texts);
        result["build"] = {{"docs", n_docs},
                           {"seconds", t1 - t0},
                           {"tokenize_s", nullptr},
                           {"index_s", t1 - t0},
                           {"docs_per_s", t1 > t0 ? double(n_docs) / (t1 - t0) : 0.0},
                           {"peak_rss_bytes", peak_rss_bytes()},
                           {"rss_before_build_bytes", rss_before}};

        Json runs = Json::array();
        for (const std::string& qfile : a.queries) {
            std::ifstream qin(qfile);
            if (!qin) die("cannot open queries " + qfile);
            std::vector<std::vector<std::string>> queries;
            for (std::string line; std::getline(qin, line);) {
                if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
                queries.push_back(query_words(Json::parse(line).at("text").get<std::string>()));
                if (a.max_queries && int(queries.size()) >= a.max_queries) break;
            }
            const size_t nq = queries.size();
            for (int k : a.ks) {
                std::string hits_path;
                for (size_t ti = 0; ti < a.threads.size(); ++ti) {
                    const int T = a.threads[ti];
                    // Per thread: its own Database, Enquire and Query objects (not thread-safe).
                    struct Worker {
                        std::unique_ptr<Xapian::Database> db;
                        std::unique_ptr<Xapian::Enquire> enquire;
                        std::vector<Xapian::Query> queries;
                        size_t begin = 0;
                        std::vector<std::vector<std::pair<Xapian::docid, double>>> hits;
                    };
                    std::vector<Worker> workers(static_cast<size_t>(T));
                    size_t chunk = (nq + size_t(T) - 1) / size_t(T);
                    for (int w = 0; w < T; ++w) {
                        Worker& wk = workers[size_t(w)];
                        wk.db = std::make_unique<Xapian::Database>(db_path);
                        wk.enquire = std::make_unique<Xapian::Enquire>(*wk.db);
                        wk.enquire->set_weighting_scheme(Xapian::BM25Weight(a.k1, 0, 1, a.b, 0.5));
                        wk.begin = std::min(nq, size_t(w) * chunk);
                        size_t end = std::min(nq, wk.begin + chunk);
                        for (size_t q = wk.begin; q < end; ++q)
                            wk.queries.emplace_back(Xapian::Query::OP_OR, queries[q].begin(),
                                                    queries[q].end());
                    }
                    auto run_all = [&] {
                        std::vector<std::thread> pool;
                        for (Worker& wk : workers) {
                            pool.emplace_back([&wk, k] {
                                wk.hits.assign(wk.queries.size(), {});
                                for (size_t q = 0; q < wk.queries.size(); ++q) {
                                    wk.enquire->set_query(wk.queries[q]);
                                    Xapian::MSet m = wk.enquire->get_mset(0, Xapian::doccount(k));
                                    auto& h = wk.hits[q];
                                    for (auto it = m.begin(); it != m.end(); ++it)
                                        h.emplace_back(*it, it.get_weight());
                                }
                            });
                        }
                        for (auto& t : pool) t.join();
                    };
                    double w0 = now_s();
                    run_all();
                    double warm = now_s() - w0;
                    int reps = a.repeats;
                    if (a.budget_s > 0 && warm > 0)
                        reps = std::max(1, std::min(reps, int(a.budget_s / warm)));
                    std::vector<double> times;
                    for (int r = 0; r < reps; ++r) {
                        double s = now_s();
                        run_all();
                        times.push_back(now_s() - s);
                    }
                    double med = median(times);
                    if (ti == 0 && !a.hits_dir.empty()) {
                        fs::create_directories(a.hits_dir);
                        hits_path = (fs::path(a.hits_dir) /
                                     (stem_of(qfile) + "_k" + std::to_string(k) + ".tsv"))
                                        .string();
                        std::FILE* f = std::fopen(hits_path.c_str(), "w");
                        if (!f) die("cannot write " + hits_path);
                        for (const Worker& wk : workers)
                            for (size_t q = 0; q < wk.hits.size(); ++q)
                                for (auto& [doc, score] : wk.hits[q])
                                    std::fprintf(f, "%zu\t%s\t%.9g\n", wk.begin + q,
                                                 ids[doc - 1].c_str(), score);
                        std::fclose(f);
                    }
                    runs.push_back({{"queries", qfile},
                                    {"k", k},
                                    {"threads", T},
                                    {"n_queries", nq},
                                    {"median_s", med},
                                    {"times_s", times},
                                    {"qps", med > 0 ? double(nq) / med : 0.0},
                                    {"hits", hits_path.empty() ? Json() : Json(hits_path)}});
                    std::fprintf(stderr, "xapian %s k=%d t=%d: %.1f q/s\n", stem_of(qfile).c_str(),
                                 k, T, med > 0 ? double(nq) / med : 0.0);
                }
            }
        }
        result["engine"] = "xapian";
        result["version"] = Xapian::version_string();
        result["params"] = {{"k1", a.k1}, {"k2", 0}, {"k3", 1}, {"b", a.b}, {"min_normlen", 0.5}};
        result["notes"] = {
            "speed only: Xapian BM25 has its own idf, (k1+1) factor, min_normlen and tokenizer",
            "glass database in a temp dir; TermGenerator without positions; query objects built "
            "untimed",
            "T>1: queries split over T std::threads, each with its own Database/Enquire"};
        result["runs"] = runs;
    } catch (const Xapian::Error& e) {
        fs::remove_all(tmpl);
        die("Xapian error: " + e.get_description());
    }
    fs::remove_all(tmpl);
    std::string tmp_out = a.out + ".tmp";
    {
        std::ofstream o(tmp_out);
        o << result.dump();
    }
    fs::rename(tmp_out, a.out);
    std::vector<double> meds;
    for (const Json& r : result["runs"]) meds.push_back(r["median_s"].get<double>());
    std::printf("{\"median_s\": %.9g}\n", median(meds));
    return 0;
}
