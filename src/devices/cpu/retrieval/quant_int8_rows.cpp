// cpu::quant_int8_rows: the reference's per-row rule (dense_retrieval.h), parallel over rows;
// bit-identical to ref::quant_int8_rows.
#include <cmath>

#include "mempipe/core/error.h"
#include "mempipe/core/parallel.h"
#include "ops/retrieval/dense_internal.h"

namespace mempipe::cpu {

void quant_int8_rows(const float* x, int64_t rows, int64_t d, int8_t* out, float* scales) {
    MEMPIPE_CHECK_ARG(rows >= 0 && d >= 0, "quant_int8_rows: rows and d must be ≥ 0, got {} and {}",
                      rows, d);
    MEMPIPE_CHECK_ARG(rows * d == 0 || (x && out), "quant_int8_rows: x or out is null");
    MEMPIPE_CHECK_ARG(rows == 0 || scales, "quant_int8_rows: scales is null");
    for (int64_t i = 0; i < rows * d; ++i)
        MEMPIPE_CHECK_ARG(std::isfinite(x[i]), "quant_int8_rows: x[{}, {}] = {} is not finite",
                          i / d, i % d, x[i]);
    parallel_for(
        rows, std::max<int64_t>(1, 16384 / std::max<int64_t>(d, 1)), [&](int64_t r0, int64_t r1) {
            for (int64_t r = r0; r < r1; ++r)
                scales[r] = mempipe::dense_detail::quantize_row_i8(x + r * d, d, out + r * d);
        });
}

}  // namespace mempipe::cpu
