// cpu::embedding_lookup: entry point (checks every id first, one SIMD pick, threads over rows) and
// the portable variant. Widening bf16 is exact, so every variant equals the reference bit for bit.
#include <algorithm>

#include "devices/cpu/activation/activation_kernels.h"
#include "mempipe/core/dtype.h"
#include "mempipe/core/parallel.h"
#include "mempipe/core/simd.h"
#include "ops/activation/activation_internal.h"

namespace mempipe {

namespace cpu_activation {
void embedding_scalar(const uint16_t* table, int64_t dim, const int32_t* ids, int64_t m,
                      float* out) {
    for (int64_t r = 0; r < m; ++r) {
        const uint16_t* row = table + int64_t(ids[r]) * dim;
        for (int64_t i = 0; i < dim; ++i) out[r * dim + i] = bf16_to_f32(row[i]);
    }
}
}  // namespace cpu_activation

namespace cpu {
void embedding_lookup(const uint16_t* table, int64_t vocab, int64_t dim, const int32_t* ids,
                      int64_t m, float* out) {
    activation_detail::check_embedding(table, vocab, dim, ids, m, out);
    if (m == 0 || dim == 0) return;
    auto fn = simd_pick<cpu_activation::EmbeddingFn>(cpu_activation::embedding_scalar, nullptr,
                                                     cpu_activation::embedding_avx512);
    int64_t grain = std::max<int64_t>(1, cpu_activation::kElementwiseGrain / dim);
    parallel_for(m, grain,
                 [&](int64_t b, int64_t e) { fn(table, dim, ids + b, e - b, out + b * dim); });
}
}  // namespace cpu

}  // namespace mempipe
