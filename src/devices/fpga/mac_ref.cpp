// Reference mac_recall (memory-as-context recall): plain loops, f64 folds in index order.
#include <cmath>
#include <vector>

#include "mac_internal.h"
#include "mempipe/core/dtype.h"
#include "mempipe/devices/fpga/memory_context.h"

namespace mempipe::fpga::mac {

OpCost recall_cost(const Shape& s) {
    const double b = double(s.batch), d = double(s.d), h = double(s.h), n = double(s.n_mem);
    OpCost c;
    c.flops = 2.0 * b * (h * d + n * h + n * d) + 4.0 * b * n;
    c.bytes_shared = h * d * 2.0;
    c.bytes_read = c.bytes_shared + n * (h + d) * 4.0 + b * d * 4.0;
    c.bytes_written = b * (d + n) * 4.0;
    c.pattern = AccessPattern::Regular;
    return c;
}

void check_recall(const char* op, const float* x, const uint16_t* wq, const float* k_mem,
                  const float* m_mem, int64_t batch, int64_t d, int64_t h, int64_t n_mem,
                  float scale, const float* out) {
    MEMPIPE_CHECK_ARG(batch >= 0 && d >= 0 && h >= 0 && n_mem >= 0,
                      "{}: batch, d, h and n_mem must be ≥ 0, got {}, {}, {}, {}", op, batch, d, h,
                      n_mem);
    MEMPIPE_CHECK_ARG(std::isfinite(scale), "{}: scale must be finite, got {}", op, scale);
    MEMPIPE_CHECK_ARG(batch * d == 0 || out, "{}: out ([batch × d] f32) is null", op);
    MEMPIPE_CHECK_ARG(batch == 0 || n_mem == 0 || (x && wq && k_mem && m_mem),
                      "{}: x ([batch × d] f32), wq ([h × d] bf16), k_mem ([n_mem × h] f32) and "
                      "m_mem ([n_mem × d] f32) must be non-null",
                      op);
}

namespace ref {

void mac_recall(const float* x, const uint16_t* wq, const float* k_mem, const float* m_mem,
                int64_t batch, int64_t d, int64_t h, int64_t n_mem, float scale, float* out,
                float* probs) {
    check_recall("mac_recall", x, wq, k_mem, m_mem, batch, d, h, n_mem, scale, out);
    std::vector<float> q(size_t(h) * 1);
    std::vector<double> s(size_t(n_mem) * 1);
    std::vector<float> a(size_t(n_mem) * 1);
    for (int64_t b = 0; b < batch; ++b) {
        float* o = out + b * d;
        if (n_mem == 0) {
            for (int64_t j = 0; j < d; ++j) o[j] = 0.0f;
            continue;
        }
        const float* xb = x + b * d;
        for (int64_t r = 0; r < h; ++r) {
            double acc = 0;
            for (int64_t i = 0; i < d; ++i)
                acc += double(xb[i]) * double(bf16_to_f32(wq[r * d + i]));
            q[size_t(r)] = float(acc);
        }
        double mx = -INFINITY;
        for (int64_t n = 0; n < n_mem; ++n) {
            double acc = 0;
            for (int64_t j = 0; j < h; ++j) acc += double(q[size_t(j)]) * double(k_mem[n * h + j]);
            s[size_t(n)] = acc * double(scale);
            if (s[size_t(n)] > mx) mx = s[size_t(n)];
        }
        double sum = 0;
        for (int64_t n = 0; n < n_mem; ++n) sum += std::exp(s[size_t(n)] - mx);
        for (int64_t n = 0; n < n_mem; ++n) a[size_t(n)] = float(std::exp(s[size_t(n)] - mx) / sum);
        for (int64_t j = 0; j < d; ++j) {
            double acc = 0;
            for (int64_t n = 0; n < n_mem; ++n)
                acc += double(a[size_t(n)]) * double(m_mem[n * d + j]);
            o[j] = float(acc);
        }
        if (probs)
            for (int64_t n = 0; n < n_mem; ++n) probs[b * n_mem + n] = a[size_t(n)];
    }
}

}  // namespace ref
}  // namespace mempipe::fpga::mac
