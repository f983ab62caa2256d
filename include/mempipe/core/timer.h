// Wall-clock timing and robust summaries for benchmarks and the executor.
#pragma once

#include <chrono>
#include <vector>

namespace mempipe {

class Timer {
  public:
    Timer() : start_(std::chrono::steady_clock::now()) {}
    void reset() { start_ = std::chrono::steady_clock::now(); }
    double seconds() const {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    }

  private:
    std::chrono::steady_clock::time_point start_;
};

double median(std::vector<double> xs);  // 0 for empty input

}  // namespace mempipe
