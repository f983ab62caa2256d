// Shared by the linear family's reference and CPU kernels: argument checks, weight element access
// and the int8 row quantiser of x (the rule of ref::quant_int8_rows, in plain scalar code).
#pragma once

#include <cmath>
#include <cstdint>

#include "mempipe/core/error.h"
#include "mempipe/ops/linear.h"

namespace mempipe::linear_detail {

// Validates the weight descriptor (format, sizes, group, required pointers).
void check_weights(const LinearWeights& w, const char* op);
// Validates a whole call: the weights, m ≥ 0 and the x / y pointers.
void check_call(const void* x, const LinearWeights& w, const float* y, int64_t m, const char* op);

// The integer weight c = q − z of element t of row j (Int8: q; Int4: nibble − zero point).
inline int32_t weight_int(const LinearWeights& w, int64_t j, int64_t t) {
    if (w.format == LinearFormat::Int8) {
        return static_cast<const int8_t*>(w.data)[j * w.k + t];
    }
    const uint8_t* row = static_cast<const uint8_t*>(w.data) + j * w.row_bytes();
    const int32_t q = (t & 1) ? row[t >> 1] >> 4 : row[t >> 1] & 15;
    const int64_t g = t / w.group;
    const int32_t z = w.zeros ? w.zeros[j * w.groups() + g] : 8;
    return q - z;
}

// The scale of element t of row j.
inline float weight_scale(const LinearWeights& w, int64_t j, int64_t t) {
    return w.group == 0 ? w.scales[j] : w.scales[j * w.groups() + t / w.group];
}

// Quantises one row x: [k] to out: [k] int8 with scale a / 127 (ref::quant_int8_rows' rule).
// Returns the scale, or NaN when the row holds NaN or ±Inf (out is then all zero).
inline float quantize_x_row(const float* x, int64_t k, int8_t* out) {
    float amax = 0;
    bool finite = true;
    for (int64_t t = 0; t < k; ++t) {
        finite = finite && std::isfinite(x[t]);
        amax = std::fmax(amax, std::fabs(x[t]));
    }
    if (!finite) {
        for (int64_t t = 0; t < k; ++t) out[t] = 0;
        return std::nanf("");
    }
    const float scale = amax / 127.0f;
    for (int64_t t = 0; t < k; ++t) {
        float r = scale > 0 ? std::nearbyint(x[t] / scale) : 0.0f;
        out[t] = int8_t(std::fmin(127.0f, std::fmax(-127.0f, r)));
    }
    return scale;
}

}  // namespace mempipe::linear_detail
