// Weight preparation for the linear family: f32 → Int8 / Int4 formats, and back to f32.
#include <algorithm>
#include <cmath>

#include "mempipe/core/dtype.h"
#include "mempipe/core/error.h"
#include "mempipe/ops/linear.h"
#include "ops/linear/linear_internal.h"

namespace mempipe {

namespace {

void check_quantize(const float* w, int64_t n, int64_t k, int64_t group, bool allow_row,
                    const void* out, const float* scales, const char* op) {
    MEMPIPE_CHECK_ARG(n >= 0 && k >= 0, "{}: sizes must be ≥ 0, got n {} k {}", op, n, k);
    MEMPIPE_CHECK_ARG((allow_row && group == 0) || group == 32 || group == 64 || group == 128,
                      "{}: group must be {}32, 64 or 128, got {}", op, allow_row ? "0, " : "",
                      group);
    MEMPIPE_CHECK_ARG(n * k == 0 || (w && out && scales), "{}: w, output or scales is null", op);
    for (int64_t i = 0; i < n * k; ++i)
        MEMPIPE_CHECK_ARG(std::isfinite(w[i]), "{}: w[{}, {}] = {} is not finite", op, i / k, i % k,
                          w[i]);
}

float clamp_round(float v, float lo, float hi) {
    return std::fmin(hi, std::fmax(lo, std::nearbyint(v)));
}

}  // namespace

void linear_quantize_int8(const float* w, int64_t n, int64_t k, int64_t group, int8_t* q,
                          float* scales) {
    check_quantize(w, n, k, group, true, q, scales, "linear_quantize_int8");
    const int64_t g = group > 0 ? group : k;
    const int64_t groups = group > 0 ? (k + group - 1) / group : 1;
    for (int64_t j = 0; j < n; ++j)
        for (int64_t gi = 0; gi < groups; ++gi) {
            const int64_t t0 = gi * g, t1 = std::min(k, t0 + g);
            float amax = 0;
            for (int64_t t = t0; t < t1; ++t) amax = std::fmax(amax, std::fabs(w[j * k + t]));
            const float s = amax / 127.0f;
            scales[j * groups + gi] = s;
            for (int64_t t = t0; t < t1; ++t)
                q[j * k + t] = int8_t(s > 0 ? clamp_round(w[j * k + t] / s, -127, 127) : 0);
        }
}

void linear_quantize_int4(const float* w, int64_t n, int64_t k, int64_t group, bool symmetric,
                          uint8_t* packed, float* scales, uint8_t* zeros) {
    check_quantize(w, n, k, group, false, packed, scales, "linear_quantize_int4");
    MEMPIPE_CHECK_ARG(symmetric || n * k == 0 || zeros,
                      "linear_quantize_int4: asymmetric quantisation needs zeros [n × groups]");
    const int64_t groups = (k + group - 1) / group, rb = (k + 1) / 2;
    for (int64_t j = 0; j < n; ++j) {
        uint8_t* row = packed + j * rb;
        std::fill(row, row + rb, uint8_t(0));
        for (int64_t gi = 0; gi < groups; ++gi) {
            const int64_t t0 = gi * group, t1 = std::min(k, t0 + group);
            float lo = 0, hi = 0;
            for (int64_t t = t0; t < t1; ++t) {
                lo = std::fmin(lo, w[j * k + t]);
                hi = std::fmax(hi, w[j * k + t]);
            }
            float s = 0;
            int z = 8;
            if (symmetric) {
                s = std::fmax(-lo, hi) / 7.0f;
            } else {
                s = (hi - lo) / 15.0f;
                z = s > 0 ? int(clamp_round(-lo / s, 0, 15)) : 0;
                zeros[j * groups + gi] = uint8_t(z);
            }
            scales[j * groups + gi] = s;
            for (int64_t t = t0; t < t1; ++t) {
                const float lo_q = symmetric ? 1.0f : 0.0f;
                const float r = std::nearbyint(w[j * k + t] / s) + float(z);
                const int qv = s > 0 ? int(std::fmin(15.0f, std::fmax(lo_q, r))) : z;
                row[t >> 1] = uint8_t(row[t >> 1] | (qv << ((t & 1) * 4)));
            }
        }
    }
}

void linear_dequantize(const LinearWeights& w, float* out) {
    linear_detail::check_weights(w, "linear_dequantize");
    MEMPIPE_CHECK_ARG(w.n * w.k == 0 || out, "linear_dequantize: out is null");
    for (int64_t j = 0; j < w.n; ++j)
        for (int64_t t = 0; t < w.k; ++t) {
            float v;
            if (w.format == LinearFormat::Bf16) {
                v = bf16_to_f32(static_cast<const uint16_t*>(w.data)[j * w.k + t]);
            } else {
                v = linear_detail::weight_scale(w, j, t) *
                    float(linear_detail::weight_int(w, j, t));
            }
            out[j * w.k + t] = v;
        }
}

}  // namespace mempipe
