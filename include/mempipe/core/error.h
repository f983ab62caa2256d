// Errors that carry a message and say whose fault they are.
//
// mempipe reports every failure as an `Error`: a message that says what went wrong, where, and how
// to fix it, plus a kind. `ErrorKind::Usage` is a caller mistake (bad argument, bad size, k > n
// where not allowed, unknown name): the CLI maps it to exit code 2. `ErrorKind::Runtime` is
// everything else (I/O failure, corrupt file, out of memory): exit code 1.
#pragma once

#include <fmt/format.h>

#include <stdexcept>
#include <string>

namespace mempipe {

enum class ErrorKind { Usage, Runtime };

class Error : public std::runtime_error {
  public:
    Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
    ErrorKind kind() const { return kind_; }

  private:
    ErrorKind kind_;
};

// Throws a usage error built with fmt: `usage_error("--tokens must be positive, got {}", n)`.
template <class... Args>
[[noreturn]] void usage_error(fmt::format_string<Args...> f, Args&&... args) {
    throw Error(ErrorKind::Usage, fmt::format(f, std::forward<Args>(args)...));
}

// Throws a runtime error built with fmt.
template <class... Args>
[[noreturn]] void runtime_error(fmt::format_string<Args...> f, Args&&... args) {
    throw Error(ErrorKind::Runtime, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace mempipe

// Argument validation at API boundaries: a false condition is a usage error with the given message.
#define MEMPIPE_CHECK_ARG(cond, ...)                      \
    do {                                                  \
        if (!(cond)) ::mempipe::usage_error(__VA_ARGS__); \
    } while (0)
