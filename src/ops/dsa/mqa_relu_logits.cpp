// Reference DSA relevancy (fp8_index): exact int64 dot products, f64 head sum in head order.
#include <cmath>
#include <vector>

#include "mempipe/core/dtype.h"
#include "ops/dsa/dsa_internal.h"

namespace mempipe {

OpCost mqa_relu_logits_cost(int64_t batch, int64_t heads, int64_t n_keys) {
    OpCost c;
    c.flops =
        double(batch) * double(n_keys) * (2.0 * double(heads) * kDsaHeadDim + 3.0 * double(heads));
    c.bytes_read =
        double(n_keys) * (kDsaHeadDim + 4) + double(batch) * double(heads) * (kDsaHeadDim + 4);
    c.bytes_written = 4.0 * double(batch) * double(n_keys);
    return c;
}

namespace ref {
void mqa_relu_logits(const uint8_t* q8, const float* weights, const IndexKeysView& keys,
                     int64_t batch, int64_t heads, float* logits, IndexerPath path) {
    dsa_detail::check_logits("mqa_relu_logits", q8, weights, keys, batch, heads);
    MEMPIPE_CHECK_ARG(batch * keys.len == 0 || logits, "mqa_relu_logits: logits is null");
    const int64_t L = keys.len;
    if (path == IndexerPath::Faithful) {
        std::vector<int32_t> qv(size_t(batch * heads * kDsaHeadDim));
        for (size_t i = 0; i < qv.size(); ++i) qv[i] = e4m3_to_int9(q8[i]);
        int32_t kv[kDsaHeadDim];
        for (int64_t s = 0; s < L; ++s) {
            const uint8_t* k = dsa_detail::key_ptr(keys, s);
            for (int64_t d = 0; d < kDsaHeadDim; ++d) kv[d] = e4m3_to_int9(k[d]);
            const double ks = dsa_detail::key_scale(keys, s);
            for (int64_t b = 0; b < batch; ++b) {
                double acc = 0;
                for (int64_t h = 0; h < heads; ++h) {
                    const int32_t* q = qv.data() + (b * heads + h) * kDsaHeadDim;
                    int64_t dot = 0;
                    for (int64_t d = 0; d < kDsaHeadDim; ++d) dot += int64_t(q[d]) * kv[d];
                    if (dot > 0)
                        acc += double(weights[b * heads + h]) * std::ldexp(double(dot), -18);
                }
                logits[b * L + s] = float(acc * ks);
            }
        }
        return;
    }
    // Int8 path: requantise every head of every query and every key, integer dots, f64 head sum.
    std::vector<int8_t> qi(size_t(batch * heads * kDsaHeadDim));
    std::vector<float> ws(size_t(batch * heads));
    for (int64_t r = 0; r < batch * heads; ++r) {
        int32_t e = dsa_detail::query_int8(q8 + r * kDsaHeadDim, qi.data() + r * kDsaHeadDim);
        ws[size_t(r)] = dsa_detail::int8_head_weight(weights[r], e);
    }
    int32_t ki[kDsaHeadDim];
    for (int64_t s = 0; s < L; ++s) {
        const uint8_t* k = dsa_detail::key_ptr(keys, s);
        int e = dsa_detail::key_exponent(k);
        for (int d = 0; d < kDsaHeadDim; ++d) ki[d] = dsa_detail::key_int8(k[d], e);
        double kf = std::ldexp(double(dsa_detail::key_scale(keys, s)), e - 13);
        for (int64_t b = 0; b < batch; ++b) {
            double acc = 0;
            for (int64_t h = 0; h < heads; ++h) {
                const int8_t* q = qi.data() + (b * heads + h) * kDsaHeadDim;
                int64_t dot = 0;
                for (int d = 0; d < kDsaHeadDim; ++d) dot += int64_t(q[d]) * ki[d];
                if (dot > 0) acc += double(ws[size_t(b * heads + h)]) * double(dot);
            }
            logits[b * L + s] = float(acc * kf);
        }
    }
}
}  // namespace ref

}  // namespace mempipe
