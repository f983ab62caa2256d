// `mempipe rag bench` peers: locating and running the peer processes, reading their hits, and
// comparing ranked lists.
#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "harness.h"
#include "mempipe/core/error.h"
#include "rag_bench_internal.h"

extern char** environ;

namespace mempipe::bench::rag_detail {

namespace fs = std::filesystem;

namespace {

constexpr size_t kErrTail = 1500;

bool executable(const fs::path& p) {
    std::error_code ec;
    return fs::is_regular_file(p, ec) && access(p.c_str(), X_OK) == 0;
}

// rag_xapian: $MEMPIPE_RAG_XAPIAN, the path CMake compiled in, then bench/peers/rag_xapian in the
// build tree above the executable.
std::string find_xapian_binary() {
    if (const char* env = std::getenv("MEMPIPE_RAG_XAPIAN"); env && *env)
        return executable(env) ? env : "";
#ifdef MEMPIPE_RAG_XAPIAN_PATH
    if (executable(MEMPIPE_RAG_XAPIAN_PATH)) return MEMPIPE_RAG_XAPIAN_PATH;
#endif
    std::error_code ec;
    fs::path dir = fs::read_symlink("/proc/self/exe", ec).parent_path();
    for (int up = 0; !ec && !dir.empty() && up < 6; ++up) {
        if (executable(dir / "bench" / "peers" / "rag_xapian"))
            return (dir / "bench" / "peers" / "rag_xapian").string();
        if (dir.parent_path() == dir) break;
        dir = dir.parent_path();
    }
    return "";
}

std::string read_all(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string tail_of(const std::string& path) {
    std::string s = read_all(path);
    if (s.size() > kErrTail) s = "…" + s.substr(s.size() - kErrTail);
    return s;
}

std::string join(const std::vector<int64_t>& v) {
    std::string s;
    for (int64_t x : v) {
        if (!s.empty()) s += ',';
        s += std::to_string(x);
    }
    return s;
}

}  // namespace

uint64_t peak_rss_bytes() {
    std::ifstream status("/proc/self/status");
    for (std::string line; std::getline(status, line);)
        if (line.rfind("VmHWM:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return uint64_t(ru.ru_maxrss) * 1024;
}

std::vector<PeerSpec> resolve_peers(const std::vector<std::string>& names,
                                    const RagBenchOptions& options) {
    static const char* kOrder[] = {"bm25s", "tantivy", "xapian", "fts5"};
    std::set<std::string> wanted;
    for (const std::string& n : names) {
        if (n.empty() || n == "none") continue;
        MEMPIPE_CHECK_ARG(std::find(std::begin(kOrder), std::end(kOrder), n) != std::end(kOrder),
                          "unknown peer '{}': choose from bm25s,tantivy,xapian,fts5 (or none)", n);
        wanted.insert(n);
    }
    std::vector<PeerSpec> out;
    for (const char* n : kOrder) {
        if (!wanted.count(n)) continue;
        PeerSpec p{n, std::string(n) == "bm25s", options.max_queries};
        if (p.name == "fts5" && options.fts5_max_queries > 0)
            p.max_queries = p.max_queries > 0 ? std::min(p.max_queries, options.fts5_max_queries)
                                              : options.fts5_max_queries;
        out.push_back(p);
    }
    return out;
}

std::vector<std::string> peer_command(const PeerSpec& peer, std::string* why) {
    if (peer.name == "xapian") {
        std::string bin = find_xapian_binary();
        if (bin.empty()) {
            *why =
                "rag_xapian not built (needs libxapian-dev and add_subdirectory(bench/peers); "
                "or set MEMPIPE_RAG_XAPIAN)";
            return {};
        }
        return {bin};
    }
    std::string root = find_repo_root();
    if (root.empty()) {
        *why = "mempipe checkout not found (set MEMPIPE_ROOT)";
        return {};
    }
    std::string python = root + "/.venv/bin/python";
    if (access(python.c_str(), X_OK) != 0) {
        *why = "no .venv: run scripts/bootstrap --bench";
        return {};
    }
    std::string script = root + "/bench/peers/rag_" + peer.name + ".py";
    if (access(script.c_str(), R_OK) != 0) {
        *why = "peer script not found: " + script;
        return {};
    }
    return {python, script};
}

int run_process(const std::vector<std::string>& argv, const std::string& work_dir,
                const std::string& tag, std::string* err_tail) {
    const std::string out_path = (fs::path(work_dir) / (tag + ".stdout")).string();
    const std::string err_path = (fs::path(work_dir) / (tag + ".stderr")).string();
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&fa, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    std::vector<std::string> args = argv;
    std::vector<char*> cargv;
    for (auto& a : args) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    pid_t pid = 0;
    int rc = posix_spawn(&pid, cargv[0], &fa, nullptr, cargv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        *err_tail = "could not start " + argv[0] + ": " + std::strerror(rc);
        return -1;
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            *err_tail = "waitpid failed";
            return -1;
        }
    }
    *err_tail = tail_of(err_path);
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    *err_tail = "killed by signal " + std::to_string(WTERMSIG(status)) + "\n" + *err_tail;
    return -1;
}

Json run_rag_peer(const PeerSpec& peer, const RagBenchOptions& options,
                  const std::vector<std::string>& query_files, const std::string& work_dir) {
    Json skipped = {{"status", "skipped"}, {"note", ""}};
    std::string why;
    std::vector<std::string> argv = peer_command(peer, &why);
    if (argv.empty()) {
        skipped["note"] = why;
        return skipped;
    }
    const std::string out = (fs::path(work_dir) / ("peer_" + peer.name + ".json")).string();
    std::vector<int64_t> threads(options.threads.begin(), options.threads.end());
    argv.insert(argv.end(), {"--corpus", options.corpus, "--queries"});
    argv.insert(argv.end(), query_files.begin(), query_files.end());
    argv.insert(argv.end(), {"--k", join(options.ks), "--threads", join(threads), "--repeats",
                             std::to_string(options.repeats), "--out", out, "--k1",
                             fmt::format("{}", options.k1), "--b", fmt::format("{}", options.b),
                             "--budget-s", fmt::format("{}", options.peer_budget_s)});
    if (peer.max_queries > 0)
        argv.insert(argv.end(), {"--max-queries", std::to_string(peer.max_queries)});
    if (peer.compare_hits)
        argv.insert(argv.end(),
                    {"--hits-dir", (fs::path(work_dir) / ("hits_" + peer.name)).string()});
    std::string err;
    int rc = run_process(argv, work_dir, "peer_" + peer.name, &err);
    if (rc != 0 || !fs::exists(out)) {
        return {{"status", "failed"},
                {"note", fmt::format("{} exited with status {}: {}", peer.name, rc, err)}};
    }
    Json j = Json::parse(read_all(out), nullptr, false);
    if (!j.is_object() || !j.contains("runs")) {
        return {{"status", "failed"}, {"note", peer.name + " wrote an unreadable " + out}};
    }
    j["status"] = "ok";
    j["note"] = peer.max_queries > 0
                    ? fmt::format("first {} queries of each file", peer.max_queries)
                    : std::string();
    return j;
}

HitLists read_hits_tsv(const std::string& path, size_t n_queries) {
    std::ifstream in(path);
    if (!in.good()) runtime_error("cannot read peer hits {}", path);
    HitLists out(n_queries);
    std::string line;
    size_t lineno = 0;
    while (std::getline(in, line)) {
        ++lineno;
        if (line.empty()) continue;
        size_t t1 = line.find('\t'), t2 = line.rfind('\t');
        if (t1 == std::string::npos || t2 == t1)
            runtime_error("{}:{}: expected query<TAB>doc<TAB>score", path, lineno);
        size_t q = std::stoull(line.substr(0, t1));
        if (q >= n_queries) runtime_error("{}:{}: query index {} ≥ {}", path, lineno, q, n_queries);
        out[q].push_back({line.substr(t1 + 1, t2 - t1 - 1), std::stof(line.substr(t2 + 1))});
    }
    return out;
}

HitsAgreement compare_hits(const std::vector<RankedHit>& ours, std::vector<RankedHit> peer,
                           double rel_tol) {
    peer.erase(
        std::remove_if(peer.begin(), peer.end(), [](const RankedHit& h) { return !(h.score > 0); }),
        peer.end());
    HitsAgreement a;
    if (ours.size() != peer.size()) return a;
    a.scores_equal = true;
    for (size_t i = 0; i < ours.size() && a.scores_equal; ++i) {
        double x = ours[i].score, y = peer[i].score;
        a.scores_equal = std::fabs(x - y) <= rel_tol * std::max(std::fabs(x), std::fabs(y));
    }
    std::set<std::string> so, sp;
    for (const auto& h : ours) so.insert(h.doc);
    for (const auto& h : peer) sp.insert(h.doc);
    a.sets_equal = so == sp;
    return a;
}

}  // namespace mempipe::bench::rag_detail
