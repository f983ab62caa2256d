// Reference MemAgent decode step (include/mempipe/devices/fpga/memagent.h): plain loops, f64
// folds in index order, the nn.h references for RMSNorm and RoPE.
#include <cmath>
#include <vector>

#include "memagent_internal.h"
#include "mempipe/core/dtype.h"
#include "mempipe/core/error.h"
#include "mempipe/ops/nn.h"

namespace mempipe::fpga::memagent {

namespace detail {

void check_shape(const Shape& s, const char* op) {
    MEMPIPE_CHECK_ARG(s.d > 0 && s.layers > 0 && s.hq > 0 && s.hkv > 0 && s.head_dim > 0 &&
                          s.ffn > 0 && s.vocab > 0 && s.group > 0,
                      "{}: every dimension of the shape must be > 0", op);
    MEMPIPE_CHECK_ARG(s.hq % s.hkv == 0, "{}: hq {} must be a multiple of hkv {}", op, s.hq, s.hkv);
    MEMPIPE_CHECK_ARG(s.head_dim % 2 == 0, "{}: head_dim {} must be even (RoPE)", op, s.head_dim);
    MEMPIPE_CHECK_ARG(
        s.d % s.group == 0 && s.ffn % s.group == 0 && (s.hq * s.head_dim) % s.group == 0,
        "{}: d {}, ffn {} and hq·head_dim {} must be multiples of the int4 group {}", op, s.d,
        s.ffn, s.hq * s.head_dim, s.group);
    MEMPIPE_CHECK_ARG(s.context >= 0 && s.batch >= 0, "{}: context and batch must be ≥ 0", op);
    MEMPIPE_CHECK_ARG(s.rope_theta > 0 && s.eps > 0, "{}: rope_theta and eps must be > 0", op);
}

void check_step(const Shape& s, const Weights& w, const KvCache& kv, int64_t pos, const float* x,
                const char* op) {
    check_shape(s, op);
    MEMPIPE_CHECK_ARG(pos >= 0 && pos < kv.capacity, "{}: pos {} must be in [0, kv.capacity = {})",
                      op, pos, kv.capacity);
    MEMPIPE_CHECK_ARG(
        x && kv.k && kv.v && w.layers && w.final_norm && w.lm_head.w && w.lm_head.scales,
        "{}: x, the KV cache, the layers, final_norm and lm_head must be non-null", op);
    for (int64_t l = 0; l < s.layers; ++l) {
        const LayerWeights& L = w.layers[l];
        for (const Int4Linear* m : {&L.q, &L.k, &L.v, &L.o, &L.gate, &L.up, &L.down})
            MEMPIPE_CHECK_ARG(m->w && m->scales, "{}: layer {} has a linear without weights", op,
                              l);
        MEMPIPE_CHECK_ARG(L.attn_norm && L.ffn_norm, "{}: layer {} has no norm weights", op, l);
        MEMPIPE_CHECK_ARG(!s.qkv_bias || (L.q.bias && L.k.bias && L.v.bias),
                          "{}: layer {} needs q/k/v biases (shape.qkv_bias)", op, l);
    }
}

}  // namespace detail

double weight_bytes(const Shape& s) {
    const double d = double(s.d), qd = double(s.hq * s.head_dim), kd = double(s.hkv * s.head_dim);
    const double per_layer = d * (qd + 2 * kd) + qd * d + 3 * d * double(s.ffn);
    const double total = double(s.layers) * per_layer + double(s.vocab) * d;
    return total * (0.5 + 4.0 / double(s.group));  // int4 + one f32 scale per group
}

OpCost decode_cost(const Shape& s) {
    const double B = double(s.batch), d = double(s.d), L = double(s.context + 1);
    const double qd = double(s.hq * s.head_dim), kd = double(s.hkv * s.head_dim);
    const double macs = double(s.layers) * (d * (qd + 2 * kd) + qd * d + 3 * d * double(s.ffn)) +
                        double(s.vocab) * d;
    OpCost c;
    c.flops = B * (2.0 * macs + double(s.layers) * 4.0 * L * qd);
    c.bytes_shared = weight_bytes(s);
    c.bytes_read = c.bytes_shared + B * double(s.layers) * L * 2.0 * kd * 2.0;
    c.bytes_written = B * (double(s.layers) * 2.0 * kd * 2.0 + double(s.vocab) * 4.0);
    c.compute_dtype = DType::I8;
    c.pattern = AccessPattern::Regular;
    return c;
}

namespace ref {
namespace {

void int4_linear(const Int4Linear& m, const float* x, int64_t in, int64_t out, int64_t group,
                 float* y) {
    const int64_t groups = in / group;
    for (int64_t o = 0; o < out; ++o) {
        double acc = 0;
        for (int64_t i = 0; i < in; ++i)
            acc +=
                double(m.w[o * in + i]) * double(m.scales[o * groups + i / group]) * double(x[i]);
        if (m.bias) acc += double(m.bias[o]);
        y[o] = float(acc);
    }
}

}  // namespace

int32_t decode_step(const Shape& s, const Weights& w, KvCache& kv, int64_t pos, const float* x,
                    float* logits) {
    detail::check_step(s, w, kv, pos, x, "memagent decode_step");
    const int64_t d = s.d, hd = s.head_dim, qd = detail::q_dim(s), kd = detail::kv_dim(s);
    const int64_t g = s.hq / s.hkv;
    const std::vector<float> inv_freq = rope_inv_freq(hd, s.rope_theta);
    std::vector<float> h(x, x + d), a(size_t(d) * 1), q(size_t(qd) * 1), k(size_t(kd) * 1),
        v(size_t(kd) * 1), o(size_t(qd) * 1), t(size_t(d) * 1), gt(size_t(s.ffn) * 1),
        up(size_t(s.ffn) * 1);
    std::vector<double> sc(size_t(pos + 1));
    for (int64_t l = 0; l < s.layers; ++l) {
        const LayerWeights& L = w.layers[l];
        uint16_t* kc = kv.k + l * kv.capacity * kd;
        uint16_t* vc = kv.v + l * kv.capacity * kd;
        mempipe::ref::rms_norm(h.data(), L.attn_norm, a.data(), 1, d, s.eps);
        int4_linear(L.q, a.data(), d, qd, s.group, q.data());
        int4_linear(L.k, a.data(), d, kd, s.group, k.data());
        int4_linear(L.v, a.data(), d, kd, s.group, v.data());
        mempipe::ref::rope(q.data(), s.hq, hd, hd, pos, inv_freq.data(), RopeStyle::NeoX);
        mempipe::ref::rope(k.data(), s.hkv, hd, hd, pos, inv_freq.data(), RopeStyle::NeoX);
        for (int64_t e = 0; e < kd; ++e) {
            kc[pos * kd + e] = f32_to_bf16(k[size_t(e)]);
            vc[pos * kd + e] = f32_to_bf16(v[size_t(e)]);
        }
        const double inv_sqrt = 1.0 / std::sqrt(double(hd));
        for (int64_t hh = 0; hh < s.hq; ++hh) {
            const int64_t j = hh / g;
            const float* qh = q.data() + hh * hd;
            double mx = -INFINITY;
            for (int64_t tt = 0; tt <= pos; ++tt) {
                double acc = 0;
                for (int64_t e = 0; e < hd; ++e)
                    acc += double(qh[e]) * double(bf16_to_f32(kc[tt * kd + j * hd + e]));
                sc[size_t(tt)] = acc * inv_sqrt;
                if (sc[size_t(tt)] > mx) mx = sc[size_t(tt)];
            }
            double sum = 0;
            for (int64_t tt = 0; tt <= pos; ++tt) sum += std::exp(sc[size_t(tt)] - mx);
            for (int64_t e = 0; e < hd; ++e) {
                double acc = 0;
                for (int64_t tt = 0; tt <= pos; ++tt)
                    acc += std::exp(sc[size_t(tt)] - mx) / sum *
                           double(bf16_to_f32(vc[tt * kd + j * hd + e]));
                o[size_t(hh * hd + e)] = float(acc);
            }
        }
        int4_linear(L.o, o.data(), qd, d, s.group, t.data());
        for (int64_t e = 0; e < d; ++e) h[size_t(e)] = h[size_t(e)] + t[size_t(e)];
        mempipe::ref::rms_norm(h.data(), L.ffn_norm, a.data(), 1, d, s.eps);
        int4_linear(L.gate, a.data(), d, s.ffn, s.group, gt.data());
        int4_linear(L.up, a.data(), d, s.ffn, s.group, up.data());
        for (int64_t e = 0; e < s.ffn; ++e) {
            const double gg = double(gt[size_t(e)]);
            gt[size_t(e)] = float(gg / (1.0 + std::exp(-gg)) * double(up[size_t(e)]));
        }
        int4_linear(L.down, gt.data(), s.ffn, d, s.group, t.data());
        for (int64_t e = 0; e < d; ++e) h[size_t(e)] = h[size_t(e)] + t[size_t(e)];
    }
    mempipe::ref::rms_norm(h.data(), w.final_norm, a.data(), 1, d, s.eps);
    std::vector<float> lg(size_t(s.vocab) * 1);
    int4_linear(w.lm_head, a.data(), d, s.vocab, s.group, lg.data());
    int32_t best = 0;
    for (int64_t e = 1; e < s.vocab; ++e)
        if (lg[size_t(e)] > lg[size_t(best)]) best = int32_t(e);
    if (logits)
        for (int64_t e = 0; e < s.vocab; ++e) logits[e] = lg[size_t(e)];
    return best;
}

}  // namespace ref
}  // namespace mempipe::fpga::memagent
