// ref::neural_memory_update: S ← η·S − g, W ← (1 − α)·W + S element by element over W1 then W2,
// each stage in f64 and rounded to f32 (S and W are both f32 state).
#include "ops/ttt/neural_memory_internal.h"

namespace mempipe::ref {

namespace {
void update_one(int64_t count, float* w, float* st, const float* g, double eta, double keep) {
    for (int64_t i = 0; i < count; ++i) {
        st[i] = float(eta * double(st[i]) - double(g[i]));
        w[i] = float(keep * double(w[i]) + double(st[i]));
    }
}
}  // namespace

void neural_memory_update(NeuralMemoryShape s, float* w1, float* w2, float* s1, float* s2,
                          const float* g1, const float* g2, float eta, float alpha) {
    neural_memory_detail::check_update_args(s, w1, w2, s1, s2, g1, g2, eta, alpha);
    const int64_t count = s.d * s.dh;
    const double keep = 1.0 - double(alpha);
    update_one(count, w1, s1, g1, double(eta), keep);
    update_one(count, w2, s2, g2, double(eta), keep);
}

}  // namespace mempipe::ref
