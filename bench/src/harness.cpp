// Benchmark harness: median timing, Python peers run as child processes, cached machine limits.
#include "harness.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>

#include "mempipe/core/error.h"
#include "mempipe/core/timer.h"
#include "roofline.h"

extern char** environ;

namespace mempipe::bench {

namespace fs = std::filesystem;

namespace {

constexpr size_t kStderrTail = 1200;     // characters of a failed peer's stderr kept for the error
constexpr size_t kStdoutKeep = 1 << 20;  // the result line is the last one: keep the last 1 MiB

// A checkout has the peer scripts (a build tree has a bench/peers directory too, without them).
bool has_peers_dir(const fs::path& dir) {
    std::error_code ec;
    return fs::is_regular_file(dir / "bench" / "peers" / "top_k.py", ec);
}

std::string walk_up(fs::path dir) {
    while (!dir.empty()) {
        if (has_peers_dir(dir)) return dir.string();
        fs::path parent = dir.parent_path();
        if (parent == dir) break;
        dir = parent;
    }
    return "";
}

void keep_tail(std::string& s, size_t limit) {
    if (s.size() > limit) s.erase(0, s.size() - limit);
}

std::string trim(const std::string& s) {
    auto b = s.find_first_not_of(" \t\r\n");
    if (b == std::string::npos) return "";
    auto e = s.find_last_not_of(" \t\r\n");
    return s.substr(b, e - b + 1);
}

// The last stdout line that is a JSON object with a numeric "median_s".
bool parse_result_line(const std::string& out, double* median_s) {
    size_t end = out.size();
    while (end > 0) {
        size_t start = out.rfind('\n', end - 1);
        start = start == std::string::npos ? 0 : start + 1;
        std::string line = trim(out.substr(start, end - start));
        if (!line.empty() && line.front() == '{') {
            Json j = Json::parse(line, nullptr, false);
            if (j.is_object() && j.contains("median_s") && j["median_s"].is_number()) {
                *median_s = j["median_s"].get<double>();
                return true;
            }
        }
        if (start == 0) break;
        end = start - 1;
    }
    return false;
}

std::vector<std::string> child_environment(int threads) {
    static const char* kThreadVars[] = {"OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                        "MKL_NUM_THREADS"};
    std::vector<std::string> env;
    for (char** e = environ; e && *e; ++e) {
        std::string var = *e;
        bool replaced = false;
        for (const char* name : kThreadVars) {
            replaced = replaced || var.rfind(std::string(name) + "=", 0) == 0;
        }
        if (!replaced) env.push_back(var);
    }
    for (const char* name : kThreadVars)
        env.push_back(std::string(name) + "=" + std::to_string(threads));
    return env;
}

std::vector<char*> c_strings(std::vector<std::string>& v) {
    std::vector<char*> out;
    for (auto& s : v) out.push_back(s.data());
    out.push_back(nullptr);
    return out;
}

// Reads both pipes until the child closes them (poll, so neither pipe can fill up and block it).
void drain(int out_fd, int err_fd, std::string* out, std::string* err) {
    pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
    std::string* sinks[2] = {out, err};
    size_t limits[2] = {kStdoutKeep, 64 * 1024};
    int open_fds = 2;
    char buf[8192];
    while (open_fds > 0) {
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            ssize_t n = read(fds[i].fd, buf, sizeof buf);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                fds[i].fd = -1;
                --open_fds;
                continue;
            }
            sinks[i]->append(buf, size_t(n));
            keep_tail(*sinks[i], limits[i]);
        }
    }
}

std::string describe_status(int status) {
    if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status)) return "was killed by signal " + std::to_string(WTERMSIG(status));
    return "ended abnormally";
}

}  // namespace

double time_median(const std::function<void()>& fn, int repeats, int warmup) {
    MEMPIPE_CHECK_ARG(repeats >= 1, "time_median: repeats must be >= 1, got {}", repeats);
    MEMPIPE_CHECK_ARG(warmup >= 0, "time_median: warmup must be >= 0, got {}", warmup);
    for (int i = 0; i < warmup; ++i) fn();
    std::vector<double> times;
    times.reserve(size_t(repeats));
    for (int i = 0; i < repeats; ++i) {
        Timer t;
        fn();
        times.push_back(t.seconds());
    }
    return median(std::move(times));
}

std::string find_repo_root() {
    if (const char* env = std::getenv("MEMPIPE_ROOT"); env && *env) return env;
    std::error_code ec;
    fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        if (std::string root = walk_up(exe.parent_path()); !root.empty()) return root;
    }
    fs::path cwd = fs::current_path(ec);
    if (!ec) return walk_up(cwd);
    return "";
}

PeerResult run_peer(const BenchContext& ctx, const std::string& script,
                    const std::vector<std::string>& args) {
    PeerResult r;
    if (!ctx.run_peers) {
        r.error = "peers disabled (--no-peers or no .venv)";
        return r;
    }
    if (ctx.work_dir.empty()) {
        r.error = "no work_dir in the bench context for the peer's .npy files";
        return r;
    }
    std::string root = find_repo_root();
    if (root.empty()) {
        r.error =
            "mempipe checkout not found (no bench/peers above the executable or the working "
            "directory): set MEMPIPE_ROOT";
        return r;
    }
    std::string python = root + "/.venv/bin/python";
    if (access(python.c_str(), X_OK) != 0) {
        r.error = "no .venv: run scripts/bootstrap --bench";
        return r;
    }
    std::string script_path = root + "/bench/peers/" + script;
    if (access(script_path.c_str(), R_OK) != 0) {
        r.error = "peer script not found: " + script_path;
        return r;
    }

    std::vector<std::string> argv_s = {python,      script_path,
                                       "--dir",     ctx.work_dir,
                                       "--repeats", std::to_string(ctx.repeats),
                                       "--threads", std::to_string(ctx.threads)};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<std::string> env_s = child_environment(ctx.threads);
    std::vector<char*> argv = c_strings(argv_s), envp = c_strings(env_s);

    int out_pipe[2], err_pipe[2];
    if (pipe2(out_pipe, O_CLOEXEC) != 0) {
        r.error = std::string("pipe: ") + std::strerror(errno);
        return r;
    }
    if (pipe2(err_pipe, O_CLOEXEC) != 0) {
        r.error = std::string("pipe: ") + std::strerror(errno);
        close(out_pipe[0]);
        close(out_pipe[1]);
        return r;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
    pid_t pid = 0;
    int rc = posix_spawn(&pid, python.c_str(), &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    close(out_pipe[1]);
    close(err_pipe[1]);
    if (rc != 0) {
        close(out_pipe[0]);
        close(err_pipe[0]);
        r.error = "could not start " + python + ": " + std::strerror(rc);
        return r;
    }
    std::string out, err;
    drain(out_pipe[0], err_pipe[0], &out, &err);
    close(out_pipe[0]);
    close(err_pipe[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    keep_tail(err, kStderrTail);
    err = trim(err);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        r.error =
            "peer " + script + " " + describe_status(status) + (err.empty() ? "" : ": " + err);
        return r;
    }
    if (!parse_result_line(out, &r.median_s)) {
        r.error = "peer " + script + " printed no JSON result line {\"median_s\": ...}" +
                  (err.empty() ? "" : "; stderr: " + err);
        return r;
    }
    r.ok = true;
    return r;
}

const MachineLimits& machine_limits(int threads) {
    static std::mutex mu;
    static std::map<int, MachineLimits> cache;
    if (threads <= 0) threads = 2;
    std::lock_guard<std::mutex> lock(mu);
    auto it = cache.find(threads);
    if (it != cache.end()) return it->second;
    RooflineOptions quick;
    quick.dram_bytes = size_t(512) << 20;
    quick.dram_reps = 3;
    quick.compute_seconds = 0.1;
    quick.compute_reps = 3;
    return cache.emplace(threads, measure_roofline(threads, quick).limits).first->second;
}

}  // namespace mempipe::bench
