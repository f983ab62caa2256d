// A progress bar on stderr for long reads and builds.
//
// `ProgressBar bar("indexing", total_bytes, isatty(2) && !quiet, ProgressUnit::Bytes);` then
// `bar.update(done)` from any thread (absolute progress; lock-free; a call that is not due to print
// costs two atomic operations) and `bar.finish()` at the end (also done by the destructor). It
// redraws one line at most 5 times a second: label, percentage, done/total, rate and ETA. A total
// of 0 means unknown: only done and rate are shown. A disabled bar prints nothing.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace mempipe {

enum class ProgressUnit { Items, Bytes };

class ProgressBar {
  public:
    ProgressBar(std::string label, uint64_t total, bool enabled,
                ProgressUnit unit = ProgressUnit::Items);
    ~ProgressBar();
    ProgressBar(const ProgressBar&) = delete;
    ProgressBar& operator=(const ProgressBar&) = delete;

    void update(uint64_t done);  // done ≤ total is not required (the percentage is capped at 100)
    void finish();               // prints the final line and a newline, once
    bool enabled() const { return enabled_; }

    // The line the bar prints for `done` after `seconds` (tests, and the text printed to stderr).
    std::string render(uint64_t done, double seconds) const;

  private:
    void print(uint64_t done, bool final);

    std::string label_;
    uint64_t total_;
    bool enabled_;
    ProgressUnit unit_;
    int64_t start_ns_;
    std::atomic<int64_t> next_print_ns_;
    std::atomic<uint64_t> done_{0};
    std::atomic<bool> finished_{false};
};

}  // namespace mempipe
