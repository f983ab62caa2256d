// The ttt family's costs, argument checks, row norms and the reference's f64 helpers.
#include <algorithm>
#include <cmath>

#include "mempipe/core/dtype.h"
#include "mempipe/core/error.h"
#include "ops/ttt/ttt_internal.h"

namespace mempipe {

namespace ttt_detail {

void check_shape(TttShape s, int64_t n, const char* op) {
    MEMPIPE_CHECK_ARG(s.d >= 0 && s.dh >= 0,
                      "{}: fast-weight dims must be ≥ 0, got d = {}, dh = {}", op, s.d, s.dh);
    MEMPIPE_CHECK_ARG(n >= 0, "{}: token count n must be ≥ 0, got {}", op, n);
}

void check_weights(TttShape s, TttConstWeights w, const char* what, const char* op) {
    if (s.d == 0 || s.dh == 0) return;
    MEMPIPE_CHECK_ARG(w.w1 && w.w3 && w.w2,
                      "{}: {} needs all of w1 [dh × d], w3 [dh × d] and w2 [d × dh] (got a null "
                      "pointer)",
                      op, what);
}

void check_rows(const float* p, int64_t n, int64_t cols, const char* what, const char* op) {
    MEMPIPE_CHECK_ARG(p || n == 0 || cols == 0, "{}: {} is null but holds {} × {} values", op, what,
                      n, cols);
}

void check_apply_args(const float* q, int64_t n, TttShape s, TttConstWeights w, const float* out) {
    check_shape(s, n, "ttt_apply");
    check_weights(s, w, "w", "ttt_apply");
    check_rows(q, n, s.d, "q", "ttt_apply");
    check_rows(out, n, s.d, "out", "ttt_apply");
}

void check_loss_forward_args(const float* k, int64_t n, TttShape s, TttConstWeights w,
                             const float* gate_pre, const float* up) {
    check_shape(s, n, "ttt_loss_forward");
    check_weights(s, w, "w", "ttt_loss_forward");
    check_rows(k, n, s.d, "k", "ttt_loss_forward");
    check_rows(gate_pre, n, s.dh, "gate_pre", "ttt_loss_forward");
    check_rows(up, n, s.dh, "up", "ttt_loss_forward");
}

void check_grad_args(const float* k, const float* v, TttRates lr, int64_t n, TttShape s,
                     TttConstWeights w, const float* gate_pre, const float* up, TttWeights grads) {
    check_shape(s, n, "ttt_grad");
    check_weights(s, w, "w", "ttt_grad");
    check_weights(s, grads, "grads", "ttt_grad");
    check_rows(k, n, s.d, "k", "ttt_grad");
    check_rows(v, n, s.d, "v", "ttt_grad");
    MEMPIPE_CHECK_ARG(n == 0 || (lr.lr1 && lr.lr3 && lr.lr2),
                      "ttt_grad: lr needs the three per-token rate arrays lr1, lr3, lr2 [n]");
    MEMPIPE_CHECK_ARG((gate_pre == nullptr) == (up == nullptr),
                      "ttt_grad: pass both gate_pre and up (from ttt_loss_forward) or neither");
}

bool check_update_args(TttShape s, TttWeights w, TttWeights grads, TttWeights momentum,
                       const float* norms, float beta) {
    check_shape(s, 0, "ttt_update");
    check_weights(s, w, "w", "ttt_update");
    check_weights(s, grads, "grads", "ttt_update");
    const bool has_mom = momentum.w1 || momentum.w3 || momentum.w2;
    if (has_mom) check_weights(s, momentum, "momentum", "ttt_update");
    check_rows(norms, 2 * s.dh + s.d, 1, "norms", "ttt_update");
    MEMPIPE_CHECK_ARG(std::isfinite(beta), "ttt_update: beta must be finite, got {}", beta);
    return has_mom;
}

std::vector<double> widen(const float* x, int64_t count) {
    std::vector<double> out(size_t(std::max<int64_t>(count, 0)));
    for (int64_t i = 0; i < count; ++i) out[size_t(i)] = double(x[i]);
    return out;
}

std::vector<double> matmul(const std::vector<double>& a, const std::vector<double>& b, int64_t m,
                           int64_t k, int64_t n) {
    std::vector<double> c(size_t(m * n), 0.0);
    for (int64_t i = 0; i < m; ++i)
        for (int64_t p = 0; p < k; ++p) {
            const double av = a[size_t(i * k + p)];
            for (int64_t j = 0; j < n; ++j) c[size_t(i * n + j)] += av * b[size_t(p * n + j)];
        }
    return c;
}

std::vector<double> transpose(const std::vector<double>& a, int64_t rows, int64_t cols) {
    std::vector<double> t(a.size());
    for (int64_t i = 0; i < rows; ++i)
        for (int64_t j = 0; j < cols; ++j) t[size_t(j * rows + i)] = a[size_t(i * cols + j)];
    return t;
}

double operand(double x, TttMatmul mm) {
    return mm == TttMatmul::Bf16 ? double(bf16_to_f32(f32_to_bf16(float(x)))) : x;
}

std::vector<double> operands(const float* x, int64_t count, TttMatmul mm) {
    std::vector<double> out(size_t(std::max<int64_t>(count, 0)));
    for (int64_t i = 0; i < count; ++i) out[size_t(i)] = operand(double(x[i]), mm);
    return out;
}

double sigmoid(double z) {
    return 1.0 / (1.0 + std::exp(-z));
}

}  // namespace ttt_detail

namespace {
OpCost make_cost(double flops, double read, double written, TttMatmul mm) {
    return OpCost{flops, read, written, AccessPattern::Regular,
                  mm == TttMatmul::Bf16 ? DType::BF16 : DType::F32};
}
double weight_bytes(TttShape s) {
    return 3.0 * double(s.d) * double(s.dh) * 4.0;
}
double muon_flops(int64_t rows, int64_t cols) {
    const double r = double(std::min(rows, cols)), c = double(std::max(rows, cols));
    return 5.0 * (4.0 * r * r * c + 2.0 * r * r * r);
}
}  // namespace

OpCost ttt_apply_cost(int64_t n, TttShape s, TttMatmul mm) {
    const double nd = double(n) * double(s.d), ndh = double(n) * double(s.dh);
    return make_cost(6.0 * nd * double(s.dh) + 5.0 * ndh, nd * 4.0 + weight_bytes(s), nd * 4.0, mm);
}

OpCost ttt_loss_forward_cost(int64_t n, TttShape s, TttMatmul mm) {
    const double nd = double(n) * double(s.d), ndh = double(n) * double(s.dh);
    return make_cost(4.0 * nd * double(s.dh), nd * 4.0 + weight_bytes(s) * 2.0 / 3.0,
                     2.0 * ndh * 4.0, mm);
}

OpCost ttt_grad_cost(int64_t n, TttShape s, bool with_forward, TttMatmul mm) {
    const double nd = double(n) * double(s.d), ndh = double(n) * double(s.dh);
    double flops = 8.0 * nd * double(s.dh) + 12.0 * ndh;
    double read = 2.0 * nd * 4.0 + 3.0 * double(n) * 4.0 + weight_bytes(s);
    if (with_forward)
        flops += 4.0 * nd * double(s.dh);
    else
        read += 2.0 * ndh * 4.0;
    return make_cost(flops, read, weight_bytes(s), mm);
}

OpCost ttt_update_cost(TttShape s, bool use_momentum, bool use_muon, TttMatmul mm) {
    const double elems = 3.0 * double(s.d) * double(s.dh);
    double flops = 8.0 * elems;
    if (use_muon) flops += 2.0 * muon_flops(s.dh, s.d) + muon_flops(s.d, s.dh);
    double read = 2.0 * elems * 4.0 + double(2 * s.dh + s.d) * 4.0;  // W, steps, norms
    double written = 2.0 * elems * 4.0;                              // W, applied steps
    if (use_momentum) {
        read += elems * 4.0;
        written += elems * 4.0;
    }
    return make_cost(flops, read, written, use_muon ? mm : TttMatmul::F32);
}

void ttt_row_norms(TttShape s, TttConstWeights w, float* norms) {
    ttt_detail::check_shape(s, 0, "ttt_row_norms");
    ttt_detail::check_weights(s, w, "w", "ttt_row_norms");
    ttt_detail::check_rows(norms, 2 * s.dh + s.d, 1, "norms", "ttt_row_norms");
    auto rows = [](const float* m, int64_t r, int64_t c, float* out) {
        for (int64_t i = 0; i < r; ++i) {
            double acc = 0;
            for (int64_t j = 0; j < c; ++j) acc += double(m[i * c + j]) * double(m[i * c + j]);
            out[i] = float(std::sqrt(acc));
        }
    };
    if (s.d == 0 || s.dh == 0) {
        for (int64_t i = 0; i < 2 * s.dh + s.d; ++i) norms[i] = 0.0f;
        return;
    }
    rows(w.w1, s.dh, s.d, norms);
    rows(w.w3, s.dh, s.d, norms + s.dh);
    rows(w.w2, s.d, s.dh, norms + 2 * s.dh);
}

int64_t ttt_update_chunks(int64_t n, int64_t chunk) {
    MEMPIPE_CHECK_ARG(chunk >= 1, "ttt_update_chunks: chunk must be ≥ 1, got {}", chunk);
    MEMPIPE_CHECK_ARG(n >= 0, "ttt_update_chunks: n must be ≥ 0, got {}", n);
    return n <= chunk ? 0 : (n + chunk - 1) / chunk - 1;
}

}  // namespace mempipe
