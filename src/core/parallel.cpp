#include "mempipe/core/parallel.h"

#include <omp.h>

#include <algorithm>

namespace mempipe {

int num_threads() {
    return omp_get_max_threads();
}

void set_num_threads(int n) {
    omp_set_num_threads(std::max(1, n));
}

void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
    if (n <= 0) return;
    grain = std::max<int64_t>(1, grain);
    int64_t chunks = std::min<int64_t>(num_threads(), n / grain);
    if (chunks <= 1) {
        fn(0, n);
        return;
    }
#pragma omp parallel for num_threads(int(chunks)) schedule(static, 1)
    for (int64_t c = 0; c < chunks; ++c) {
        int64_t b = n * c / chunks, e = n * (c + 1) / chunks;
        fn(b, e);
    }
}

}  // namespace mempipe
