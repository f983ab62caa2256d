// Internal to the ttt family: argument checks shared by the ref and cpu entry points, and the f64
// helpers of the reference.
#pragma once

#include <cstdint>
#include <vector>

#include "mempipe/ops/ttt.h"

namespace mempipe::ttt_detail {

void check_shape(TttShape s, int64_t n, const char* op);
void check_weights(TttShape s, TttConstWeights w, const char* what, const char* op);
void check_rows(const float* p, int64_t n, int64_t cols, const char* what, const char* op);
// Every argument check of ttt_apply / ttt_loss_forward / ttt_grad / ttt_update (both
// implementations).
void check_apply_args(const float* q, int64_t n, TttShape s, TttConstWeights w, const float* out);
void check_loss_forward_args(const float* k, int64_t n, TttShape s, TttConstWeights w,
                             const float* gate_pre, const float* up);
void check_grad_args(const float* k, const float* v, TttRates lr, int64_t n, TttShape s,
                     TttConstWeights w, const float* gate_pre, const float* up, TttWeights grads);
// Returns whether a momentum buffer was given.
bool check_update_args(TttShape s, TttWeights w, TttWeights grads, TttWeights momentum,
                       const float* norms, float beta);

// f64 row-major matrices for the reference.
std::vector<double> widen(const float* x, int64_t count);
// c[m × n] = a[m × k] · b[k × n] (all row-major f64).
std::vector<double> matmul(const std::vector<double>& a, const std::vector<double>& b, int64_t m,
                           int64_t k, int64_t n);
std::vector<double> transpose(const std::vector<double>& a, int64_t rows, int64_t cols);
double sigmoid(double z);
// The value an operand takes in a matmul under `mm`: x itself (F32) or x rounded to f32, then to
// bf16 (Bf16).
double operand(double x, TttMatmul mm);
// operand() of every element: [count] f64.
std::vector<double> operands(const float* x, int64_t count, TttMatmul mm);

}  // namespace mempipe::ttt_detail
