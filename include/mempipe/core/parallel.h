// Threading helpers over OpenMP.
//
// Kernels parallelise with `parallel_for` (static chunks over an index range) or their own
// `#pragma omp parallel`. The thread count defaults to OpenMP's (OMP_NUM_THREADS, else all cores)
// and can be set process-wide with `set_num_threads` (the CLI's --threads).
#pragma once

#include <cstdint>
#include <functional>

namespace mempipe {

int num_threads();
void set_num_threads(int n);

// Calls fn(begin, end) on disjoint chunks covering [0, n), one chunk per thread (at most), each of
// at least `grain` items. Runs inline when n < 2·grain or only one thread is available.
void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);

}  // namespace mempipe
