// Runs the mempipe CLI (MEMPIPE_CLI_PATH, defined by tests/CMakeLists.txt) and captures its output
// and exit code, for tests of the command-line contract.
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

namespace mempipe::testing {

struct CliResult {
    int code = -1;
    std::string output;  // stdout + stderr
};

// `args` is appended to the CLI path as a shell command line (quote paths with spaces).
inline CliResult run_cli(const std::string& args) {
    const std::string cmd = std::string(MEMPIPE_CLI_PATH) + " " + args + " 2>&1";
    CliResult r;
    FILE* p = popen(cmd.c_str(), "r");
    if (!p) return r;
    std::array<char, 4096> buf;
    size_t n;
    while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.output.append(buf.data(), n);
    const int status = pclose(p);
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}

}  // namespace mempipe::testing
