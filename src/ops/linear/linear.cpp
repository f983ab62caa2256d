// Reference linear layer (the oracle): bf16 weights with x rounded to bf16 and an f64 sum of the
// exact products; int8 / int4 weights with x quantised per row and exact int64 group sums combined
// in f64. Also the weight descriptor, argument checks and the cost signature.
#include <cmath>
#include <vector>

#include "mempipe/core/dtype.h"
#include "mempipe/core/error.h"
#include "mempipe/ops/linear.h"
#include "ops/linear/linear_internal.h"

namespace mempipe {

LinearWeights LinearWeights::bf16(const uint16_t* w, int64_t n, int64_t k) {
    LinearWeights lw;
    lw.format = LinearFormat::Bf16;
    lw.n = n;
    lw.k = k;
    lw.data = w;
    return lw;
}

LinearWeights LinearWeights::int8(const int8_t* q, const float* scales, int64_t n, int64_t k,
                                  int64_t group) {
    LinearWeights lw;
    lw.format = LinearFormat::Int8;
    lw.n = n;
    lw.k = k;
    lw.group = group;
    lw.data = q;
    lw.scales = scales;
    return lw;
}

LinearWeights LinearWeights::int4(const uint8_t* packed, const float* scales, const uint8_t* zeros,
                                  int64_t n, int64_t k, int64_t group) {
    LinearWeights lw;
    lw.format = LinearFormat::Int4;
    lw.n = n;
    lw.k = k;
    lw.group = group;
    lw.data = packed;
    lw.scales = scales;
    lw.zeros = zeros;
    return lw;
}

int64_t LinearWeights::groups() const {
    if (format == LinearFormat::Bf16) return 0;
    if (group <= 0) return 1;
    return (k + group - 1) / group;
}

int64_t LinearWeights::row_bytes() const {
    switch (format) {
        case LinearFormat::Bf16:
            return 2 * k;
        case LinearFormat::Int8:
            return k;
        case LinearFormat::Int4:
            return (k + 1) / 2;
    }
    return 0;
}

double LinearWeights::bytes() const {
    double b = double(n) * double(row_bytes());
    if (format != LinearFormat::Bf16) {
        b += 4.0 * double(n) * double(groups());
        if (zeros) b += double(n) * double(groups());
    }
    return b;
}

std::string_view linear_format_name(LinearFormat f) {
    switch (f) {
        case LinearFormat::Bf16:
            return "bf16";
        case LinearFormat::Int8:
            return "int8";
        case LinearFormat::Int4:
            return "int4";
    }
    return "?";
}

OpCost linear_cost(int64_t m, const LinearWeights& w, DType x_dtype) {
    OpCost c;
    c.flops = 2.0 * double(m) * double(w.n) * double(w.k);
    const double weights = w.bytes();
    c.bytes_read = weights + 4.0 * double(w.n) + double(dtype_size(x_dtype)) * double(m * w.k);
    c.bytes_shared = weights + 4.0 * double(w.n);
    c.bytes_written = 4.0 * double(m) * double(w.n);
    c.pattern = AccessPattern::Regular;
    c.compute_dtype = w.format == LinearFormat::Bf16 ? DType::BF16 : DType::I8;
    return c;
}

namespace linear_detail {

void check_weights(const LinearWeights& w, const char* op) {
    MEMPIPE_CHECK_ARG(w.n >= 0 && w.k >= 0, "{}: weight sizes must be ≥ 0, got n {} k {}", op, w.n,
                      w.k);
    const bool empty = w.n == 0 || w.k == 0;
    MEMPIPE_CHECK_ARG(empty || w.data, "{}: weight data is null for n {} k {}", op, w.n, w.k);
    switch (w.format) {
        case LinearFormat::Bf16:
            MEMPIPE_CHECK_ARG(w.group == 0, "{}: bf16 weights take no group (got {}); set 0", op,
                              w.group);
            MEMPIPE_CHECK_ARG(!w.scales && !w.zeros,
                              "{}: bf16 weights take no scales or zero points; pass nullptr", op);
            if (w.packed) {
                const LinearPacked& p = *w.packed;
                MEMPIPE_CHECK_ARG(p.source == w.data && p.n == w.n && p.k == w.k,
                                  "{}: the packed weights were made from another matrix ({} × {}"
                                  " at {}) than these ({} × {} at {}); pack this one with "
                                  "cpu::linear_pack",
                                  op, p.n, p.k, p.source, w.n, w.k, w.data);
                const uint64_t tiles = uint64_t((w.n + 15) / 16) * uint64_t((w.k + 31) / 32);
                MEMPIPE_CHECK_ARG(p.tiles.size() == tiles * 512,
                                  "{}: the packed weights hold {} bf16, expected {} for {} × {}",
                                  op, p.tiles.size(), tiles * 512, w.n, w.k);
            }
            return;
        case LinearFormat::Int8:
            MEMPIPE_CHECK_ARG(w.group == 0 || w.group == 32 || w.group == 64 || w.group == 128,
                              "{}: int8 group must be 0 (per row), 32, 64 or 128, got {}", op,
                              w.group);
            MEMPIPE_CHECK_ARG(!w.zeros, "{}: int8 weights are symmetric: zeros must be nullptr",
                              op);
            break;
        case LinearFormat::Int4:
            MEMPIPE_CHECK_ARG(w.group == 32 || w.group == 64 || w.group == 128,
                              "{}: int4 group must be 32, 64 or 128, got {}", op, w.group);
            break;
        default:
            usage_error("{}: unknown weight format {}", op, int(w.format));
    }
    MEMPIPE_CHECK_ARG(!w.packed, "{}: only bf16 weights can be packed (cpu::linear_pack), got {}",
                      op, linear_format_name(w.format));
    MEMPIPE_CHECK_ARG(w.k <= kLinearMaxIntK,
                      "{}: k = {} exceeds {} for integer weights (int32 partial sums); split the "
                      "layer along k",
                      op, w.k, kLinearMaxIntK);
    MEMPIPE_CHECK_ARG(empty || w.scales, "{}: {} weights need scales [n × {}]", op,
                      linear_format_name(w.format), w.groups());
}

void check_call(const void* x, const LinearWeights& w, const float* y, int64_t m, const char* op) {
    check_weights(w, op);
    MEMPIPE_CHECK_ARG(m >= 0, "{}: m must be ≥ 0, got {}", op, m);
    MEMPIPE_CHECK_ARG(m == 0 || w.n == 0 || y, "{}: y is null with m {} n {}", op, m, w.n);
    MEMPIPE_CHECK_ARG(m == 0 || w.k == 0 || x, "{}: x is null with m {} k {}", op, m, w.k);
}

}  // namespace linear_detail

namespace ref {

namespace {

void linear_bf16_ref(const float* x, const LinearWeights& w, const float* bias, float* y,
                     int64_t m) {
    const uint16_t* wd = static_cast<const uint16_t*>(w.data);
    std::vector<double> xr(static_cast<size_t>(w.k));
    for (int64_t i = 0; i < m; ++i) {
        for (int64_t t = 0; t < w.k; ++t) xr[size_t(t)] = bf16_to_f32(f32_to_bf16(x[i * w.k + t]));
        for (int64_t j = 0; j < w.n; ++j) {
            double acc = 0;
            for (int64_t t = 0; t < w.k; ++t)
                acc += xr[size_t(t)] * double(bf16_to_f32(wd[j * w.k + t]));
            if (bias) acc += double(bias[j]);
            y[i * w.n + j] = float(acc);
        }
    }
}

void linear_int_ref(const float* x, const LinearWeights& w, const float* bias, float* y,
                    int64_t m) {
    std::vector<int8_t> xq(static_cast<size_t>(w.k));
    const int64_t group = w.group > 0 ? w.group : w.k;
    for (int64_t i = 0; i < m; ++i) {
        const float sx = linear_detail::quantize_x_row(x + i * w.k, w.k, xq.data());
        for (int64_t j = 0; j < w.n; ++j) {
            double acc = 0;
            for (int64_t g0 = 0; g0 < w.k; g0 += group) {
                const int64_t g1 = std::min(w.k, g0 + group);
                int64_t s = 0;
                for (int64_t t = g0; t < g1; ++t)
                    s += int64_t(xq[size_t(t)]) * linear_detail::weight_int(w, j, t);
                acc += double(linear_detail::weight_scale(w, j, g0)) * double(s);
            }
            acc *= double(sx);
            if (bias) acc += double(bias[j]);
            y[i * w.n + j] = float(acc);
        }
    }
}

}  // namespace

void linear(const float* x, const LinearWeights& w, const float* bias, float* y, int64_t m) {
    linear_detail::check_call(x, w, y, m, "linear");
    if (w.format == LinearFormat::Bf16) {
        linear_bf16_ref(x, w, bias, y, m);
    } else {
        linear_int_ref(x, w, bias, y, m);
    }
}

void linear_x_bf16(const uint16_t* x, const LinearWeights& w, const float* bias, float* y,
                   int64_t m) {
    linear_detail::check_call(x, w, y, m, "linear_x_bf16");
    std::vector<float> xf(static_cast<size_t>(m * w.k));
    for (size_t i = 0; i < xf.size(); ++i) xf[i] = bf16_to_f32(x[i]);
    linear(xf.data(), w, bias, y, m);
}

}  // namespace ref
}  // namespace mempipe
