// The neural_memory ops' costs and the argument checks shared by the ref and cpu entry points.
#include <cmath>

#include "mempipe/core/error.h"
#include "ops/ttt/neural_memory_internal.h"

namespace mempipe {

namespace neural_memory_detail {

namespace {
void check_shape(NeuralMemoryShape s, int64_t n, const char* op) {
    MEMPIPE_CHECK_ARG(s.d >= 1 && s.dh >= 1,
                      "{}: memory dims must be ≥ 1, got d = {}, dh = {} (W1 is [d × dh])", op, s.d,
                      s.dh);
    MEMPIPE_CHECK_ARG(n >= 0, "{}: token count n must be ≥ 0, got {}", op, n);
}
void check_ptr(const void* p, bool needed, const char* what, const char* op) {
    MEMPIPE_CHECK_ARG(p || !needed, "{}: {} is null (pass an array of the documented shape)", op,
                      what);
}
}  // namespace

void check_forward_args(const float* x, int64_t n, NeuralMemoryShape s, const float* w1,
                        const float* w2, const float* out) {
    const char* op = "neural_memory_forward";
    check_shape(s, n, op);
    check_ptr(x, n > 0, "x [n × d]", op);
    check_ptr(out, n > 0, "out [n × d]", op);
    check_ptr(w1, true, "w1 [d × dh]", op);
    check_ptr(w2, true, "w2 [dh × d]", op);
}

void check_grad_args(const float* k, const float* v, const float* lr, int64_t n,
                     NeuralMemoryShape s, const float* w1, const float* w2, const float* g1,
                     const float* g2) {
    const char* op = "neural_memory_grad";
    check_shape(s, n, op);
    check_ptr(k, n > 0, "k [n × d]", op);
    check_ptr(v, n > 0, "v [n × d]", op);
    check_ptr(lr, n > 0, "lr [n]", op);
    check_ptr(w1, true, "w1 [d × dh]", op);
    check_ptr(w2, true, "w2 [dh × d]", op);
    check_ptr(g1, true, "g1 [d × dh]", op);
    check_ptr(g2, true, "g2 [dh × d]", op);
}

void check_update_args(NeuralMemoryShape s, const float* w1, const float* w2, const float* s1,
                       const float* s2, const float* g1, const float* g2, float eta, float alpha) {
    const char* op = "neural_memory_update";
    check_shape(s, 0, op);
    check_ptr(w1, true, "w1 [d × dh]", op);
    check_ptr(w2, true, "w2 [dh × d]", op);
    check_ptr(s1, true, "s1 [d × dh]", op);
    check_ptr(s2, true, "s2 [dh × d]", op);
    check_ptr(g1, true, "g1 [d × dh]", op);
    check_ptr(g2, true, "g2 [dh × d]", op);
    MEMPIPE_CHECK_ARG(std::isfinite(eta), "{}: eta (momentum gate) must be finite, got {}", op,
                      eta);
    MEMPIPE_CHECK_ARG(std::isfinite(alpha), "{}: alpha (forget gate) must be finite, got {}", op,
                      alpha);
}

}  // namespace neural_memory_detail

namespace {
constexpr double kF32 = 4.0;
double weight_bytes(NeuralMemoryShape s) {
    return 2.0 * double(s.d) * double(s.dh) * kF32;
}
}  // namespace

OpCost neural_memory_forward_cost(int64_t n, NeuralMemoryShape s) {
    const double nd = double(n) * double(s.d), ndh = double(n) * double(s.dh);
    return OpCost{4.0 * nd * double(s.dh) + 20.0 * ndh, nd * kF32 + weight_bytes(s), nd * kF32,
                  AccessPattern::Regular, DType::F32};
}

OpCost neural_memory_grad_cost(int64_t n, NeuralMemoryShape s) {
    const double nd = double(n) * double(s.d), ndh = double(n) * double(s.dh);
    const double read = 2.0 * nd * kF32 + double(n) * kF32 + weight_bytes(s);  // k, v, lr, W
    return OpCost{10.0 * nd * double(s.dh) + 30.0 * ndh, read, weight_bytes(s),
                  AccessPattern::Regular, DType::F32};
}

OpCost neural_memory_update_cost(NeuralMemoryShape s) {
    const double count = 2.0 * double(s.d) * double(s.dh);
    return OpCost{5.0 * count, 3.0 * count * kF32, 2.0 * count * kF32, AccessPattern::Regular,
                  DType::F32};
}

}  // namespace mempipe
