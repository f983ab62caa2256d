#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <iostream>
#include <sstream>

#include "commands.h"
#include "mempipe/core/error.h"
#include "mempipe/core/io.h"
#include "mempipe/core/parallel.h"

namespace mempipe::cli {

namespace {
constexpr int64_t kMaxTokens = int64_t(1) << 24;  // 16M tokens
constexpr int kMaxBatch = 256;
constexpr int kMaxThreads = 1024;
}  // namespace

int64_t parse_size(const std::string& text, const std::string& option) {
    std::string t;
    for (char c : text)
        if (!std::isspace(static_cast<unsigned char>(c))) t += c;
    if (t.empty()) usage_error("{}: empty size; expected e.g. 4096, 4k or 1M", option);
    int64_t mult = 1;
    char last = char(std::tolower(static_cast<unsigned char>(t.back())));
    if (last == 'k' || last == 'm' || last == 'g') {
        mult = last == 'k' ? 1024 : last == 'm' ? 1024 * 1024 : int64_t(1) << 30;
        t.pop_back();
    }
    if (t.empty() || t.find_first_not_of("0123456789") != std::string::npos)
        usage_error(
            "{}: '{}' is not a size; expected a positive integer with an optional k/M/G suffix "
            "(e.g. 4k, 1M)",
            option, text);
    if (t.size() > 12) usage_error("{}: '{}' is absurdly large", option, text);
    int64_t v = std::stoll(t) * mult;
    if (v <= 0) usage_error("{}: size must be positive, got '{}'", option, text);
    return v;
}

std::vector<int64_t> parse_size_list(const std::string& text, const std::string& option) {
    std::vector<int64_t> out;
    std::stringstream ss(text);
    std::string item;
    while (std::getline(ss, item, ',')) out.push_back(parse_size(item, option));
    if (out.empty())
        usage_error("{}: expected a comma-separated list of sizes, e.g. 4k,32k,128k,1M", option);
    return out;
}

std::vector<std::string> split_list(const std::string& text) {
    std::vector<std::string> out;
    std::stringstream ss(text);
    std::string item;
    while (std::getline(ss, item, ','))
        if (!item.empty()) out.push_back(item);
    return out;
}

void check_method_options(const Method& method, const MethodOptions& o) {
    MEMPIPE_CHECK_ARG(o.tokens > 0 && o.tokens <= kMaxTokens,
                      "--tokens must be in [1, {}] (16M), got {}", kMaxTokens, o.tokens);
    MEMPIPE_CHECK_ARG(o.batch > 0 && o.batch <= kMaxBatch, "--batch must be in [1, {}], got {}",
                      kMaxBatch, o.batch);
    double need = method.state_bytes(o);
    double avail = double(sysconf(_SC_AVPHYS_PAGES)) * double(sysconf(_SC_PAGESIZE));
    if (need > 0 && need > 0.85 * avail)
        usage_error(
            "{} with --tokens {} --batch {} needs {:.1f} GB of memory but only {:.1f} GB is "
            "available; "
            "use fewer --tokens or a smaller --batch",
            method.name(), o.tokens, o.batch, need / 1e9, avail / 1e9);
}

void apply_threads(int threads) {
    MEMPIPE_CHECK_ARG(threads >= 0 && threads <= kMaxThreads,
                      "--threads must be in [1, {}] (0 = all cores), got {}", kMaxThreads, threads);
    if (threads > 0) set_num_threads(threads);
}

void emit(const std::string& path, const std::string& text) {
    if (path.empty() || path == "-") {
        std::cout << text << std::flush;
        return;
    }
    write_text_atomic(path, text);
    std::cerr << "wrote " << path << "\n";
}

}  // namespace mempipe::cli
