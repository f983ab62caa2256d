// Reference quant_int8_rows: symmetric per-row int8 quantisation (dense_retrieval.h).
#include <cmath>

#include "mempipe/core/error.h"
#include "ops/retrieval/dense_internal.h"

namespace mempipe {

namespace dense_detail {

float quantize_row_i8(const float* x, int64_t d, int8_t* out) {
    float amax = 0;
    for (int64_t j = 0; j < d; ++j) amax = std::fmax(amax, std::fabs(x[j]));
    const float scale = amax / 127.0f;
    for (int64_t j = 0; j < d; ++j) {
        float r = scale > 0 ? std::nearbyint(x[j] / scale) : 0.0f;
        r = std::fmin(127.0f, std::fmax(-127.0f, r));
        out[j] = int8_t(r);
    }
    return scale;
}

}  // namespace dense_detail

OpCost quant_int8_rows_cost(int64_t rows, int64_t d) {
    OpCost c;
    const double e = double(rows) * double(d);
    c.flops = 3 * e;  // |x| max, divide, round
    c.bytes_read = 4 * e;
    c.bytes_written = e + 4.0 * double(rows);
    return c;
}

namespace ref {

void quant_int8_rows(const float* x, int64_t rows, int64_t d, int8_t* out, float* scales) {
    MEMPIPE_CHECK_ARG(rows >= 0 && d >= 0, "quant_int8_rows: rows and d must be ≥ 0, got {} and {}",
                      rows, d);
    MEMPIPE_CHECK_ARG(rows * d == 0 || (x && out), "quant_int8_rows: x or out is null");
    MEMPIPE_CHECK_ARG(rows == 0 || scales, "quant_int8_rows: scales is null");
    for (int64_t r = 0; r < rows; ++r) {
        for (int64_t j = 0; j < d; ++j)
            MEMPIPE_CHECK_ARG(std::isfinite(x[r * d + j]),
                              "quant_int8_rows: x[{}, {}] = {} is not finite", r, j, x[r * d + j]);
        scales[r] = dense_detail::quantize_row_i8(x + r * d, d, out + r * d);
    }
}

}  // namespace ref
}  // namespace mempipe
