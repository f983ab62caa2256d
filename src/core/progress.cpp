#include "mempipe/core/progress.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <cstdio>

namespace mempipe {

namespace {

constexpr int64_t kIntervalNs = 200'000'000;  // at most 5 redraws a second

int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

std::string amount(double v, ProgressUnit unit) {
    if (unit == ProgressUnit::Bytes) {
        if (v >= 1e9) return fmt::format("{:.2f} GB", v / 1e9);
        if (v >= 1e6) return fmt::format("{:.1f} MB", v / 1e6);
        if (v >= 1e3) return fmt::format("{:.1f} kB", v / 1e3);
        return fmt::format("{:.0f} B", v);
    }
    if (v >= 1e9) return fmt::format("{:.2f}G", v / 1e9);
    if (v >= 1e6) return fmt::format("{:.2f}M", v / 1e6);
    if (v >= 1e4) return fmt::format("{:.1f}k", v / 1e3);
    return fmt::format("{:.0f}", v);
}

std::string duration(double s) {
    if (!std::isfinite(s) || s < 0) return "?";
    const auto t = static_cast<int64_t>(s + 0.5);
    if (t >= 3600) return fmt::format("{}:{:02}:{:02}", t / 3600, t / 60 % 60, t % 60);
    return fmt::format("{}:{:02}", t / 60, t % 60);
}

}  // namespace

ProgressBar::ProgressBar(std::string label, uint64_t total, bool enabled, ProgressUnit unit)
    : label_(std::move(label)),
      total_(total),
      enabled_(enabled),
      unit_(unit),
      start_ns_(now_ns()),
      next_print_ns_(start_ns_ + kIntervalNs) {}

ProgressBar::~ProgressBar() {
    finish();
}

std::string ProgressBar::render(uint64_t done, double seconds) const {
    const double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0.0;
    const std::string rate_text =
        rate > 0 ? amount(rate, unit_) + (unit_ == ProgressUnit::Bytes ? "/s" : " /s") : "- /s";
    if (total_ == 0)
        return fmt::format("{}: {} ({}, {})", label_, amount(static_cast<double>(done), unit_),
                           rate_text, duration(seconds));
    const double fraction = std::min(1.0, static_cast<double>(done) / static_cast<double>(total_));
    const double eta = rate > 0 && done < total_ ? static_cast<double>(total_ - done) / rate
                                                 : (done >= total_ ? 0 : NAN);
    return fmt::format("{}: {:5.1f}% {}/{} ({}, ETA {})", label_, 100.0 * fraction,
                       amount(static_cast<double>(done), unit_),
                       amount(static_cast<double>(total_), unit_), rate_text, duration(eta));
}

void ProgressBar::print(uint64_t done, bool final) {
    const double seconds = static_cast<double>(now_ns() - start_ns_) * 1e-9;
    const std::string line = render(done, seconds);
    // \r and clear-to-end-of-line: redraw in place.
    std::fprintf(stderr, "\r%s\x1b[K%s", line.c_str(), final ? "\n" : "");
    std::fflush(stderr);
}

void ProgressBar::update(uint64_t done) {
    if (!enabled_) return;
    done_.store(done, std::memory_order_relaxed);
    const int64_t t = now_ns();
    int64_t due = next_print_ns_.load(std::memory_order_relaxed);
    if (t < due || finished_.load(std::memory_order_relaxed)) return;
    // One thread wins the right to print this interval.
    if (!next_print_ns_.compare_exchange_strong(due, t + kIntervalNs, std::memory_order_relaxed))
        return;
    print(done, false);
}

void ProgressBar::finish() {
    if (!enabled_ || finished_.exchange(true)) return;
    print(done_.load(std::memory_order_relaxed), true);
}

}  // namespace mempipe
