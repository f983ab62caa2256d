// Query preparation and the portable (scalar) scoring variants of the DSA indexer kernels.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "devices/cpu/dsa/indexer_kernels.h"
#include "mempipe/core/dtype.h"
#include "mempipe/core/simd.h"
#include "ops/dsa/dsa_internal.h"

namespace mempipe::cpu_dsa {

PreparedQueries prepare_queries(const uint8_t* q8, const float* weights, int64_t batch,
                                int64_t heads, IndexerPath path) {
    PreparedQueries p;
    p.path = path;
    p.batch = batch;
    p.heads = heads;
    p.hp = (heads + kHeadChunk - 1) / kHeadChunk * kHeadChunk;
    const int64_t hp = p.hp, D = kDsaHeadDim;
    p.w = Buffer<float>(size_t(batch * hp), 0.0f);
    if (path == IndexerPath::Faithful) {
        p.qf = Buffer<float>(size_t(batch * heads * D));
        p.qt = Buffer<uint32_t>(size_t(batch * (D / 2) * hp), 0u);
        p.qft = Buffer<float>(size_t(batch * D * hp), 0.0f);
        for (int64_t b = 0; b < batch; ++b)
            for (int64_t h = 0; h < heads; ++h) {
                const uint8_t* q = q8 + (b * heads + h) * D;
                for (int64_t d = 0; d < D; ++d)
                    p.qft[size_t((b * D + d) * hp + h)] = p.qf[size_t((b * heads + h) * D + d)] =
                        e4m3_to_f32(q[d]);
                for (int pr = 0; pr < D / 2; ++pr) {
                    uint32_t lo = f32_to_bf16(e4m3_to_f32(q[faithful_dim(2 * pr)]));
                    uint32_t hi = f32_to_bf16(e4m3_to_f32(q[faithful_dim(2 * pr + 1)]));
                    p.qt[size_t((b * (D / 2) + pr) * hp + h)] = lo | (hi << 16);
                }
                p.w[size_t(b * hp + h)] = weights[b * heads + h];
            }
        return p;
    }
    p.qi = Buffer<int8_t>(size_t(batch * heads * D));
    p.qt8 = Buffer<uint32_t>(size_t(batch * (D / 4) * hp), 0u);
    p.corr = Buffer<int32_t>(size_t(batch * hp), 0);
    for (int64_t b = 0; b < batch; ++b)
        for (int64_t h = 0; h < heads; ++h) {
            int8_t* qi = p.qi.data() + (b * heads + h) * D;
            int32_t e = dsa_detail::query_int8(q8 + (b * heads + h) * D, qi);
            int32_t sum = 0;
            for (int64_t d = 0; d < D; ++d) sum += qi[d];
            for (int64_t d4 = 0; d4 < D / 4; ++d4) {
                uint32_t v;
                std::memcpy(&v, qi + 4 * d4, 4);
                p.qt8[size_t((b * (D / 4) + d4) * hp + h)] = v;
            }
            p.corr[size_t(b * hp + h)] = -128 * sum;
            p.w[size_t(b * hp + h)] = dsa_detail::int8_head_weight(weights[b * heads + h], e);
        }
    p.corr_rows = Buffer<int32_t>(size_t(batch * hp * 16));
    for (int64_t b = 0; b < batch; ++b)
        for (int64_t h = 0; h < hp; ++h)
            for (int64_t r = 0; r < 16; ++r)
                p.corr_rows[size_t((b * hp + h / 16 * 16) * 16 + r * 16 + h % 16)] =
                    p.corr[size_t(b * hp + h)];
    return p;
}

void score_faithful_scalar(const PreparedQueries& q, const IndexKeysView& keys, int64_t s0,
                           int64_t s1, float* out, int64_t out_stride) {
    const int64_t D = kDsaHeadDim;
    float kf[kDsaHeadDim];
    for (int64_t s = s0; s < s1; ++s) {
        const uint8_t* k = dsa_detail::key_ptr(keys, s);
        for (int64_t d = 0; d < D; ++d) kf[d] = e4m3_to_f32(k[d]);
        const float ks = dsa_detail::key_scale(keys, s);
        for (int64_t b = 0; b < q.batch; ++b) {
            float sum = 0;
            for (int64_t h = 0; h < q.heads; ++h) {
                const float* qv = q.qf.data() + (b * q.heads + h) * D;
                float dot = 0;  // exact products, f32 additions
                for (int64_t d = 0; d < D; ++d) dot += qv[d] * kf[d];
                sum += std::max(dot, 0.0f) * q.w[size_t(b * q.hp + h)];
            }
            out[b * out_stride + (s - s0)] = sum * ks;
        }
    }
}

void score_int8_scalar(const PreparedQueries& q, const IndexKeysView& keys, int64_t s0, int64_t s1,
                       float* out, int64_t out_stride) {
    const int64_t D = kDsaHeadDim;
    int32_t ki[kDsaHeadDim];
    for (int64_t s = s0; s < s1; ++s) {
        const uint8_t* k = dsa_detail::key_ptr(keys, s);
        int e = dsa_detail::key_exponent(k);
        for (int64_t d = 0; d < D; ++d) ki[d] = dsa_detail::key_int8(k[d], e);
        const float kf = std::ldexp(dsa_detail::key_scale(keys, s), e - 13);
        for (int64_t b = 0; b < q.batch; ++b) {
            float sum = 0;
            for (int64_t h = 0; h < q.heads; ++h) {
                const int8_t* qv = q.qi.data() + (b * q.heads + h) * D;
                int32_t dot = 0;
                for (int64_t d = 0; d < D; ++d) dot += int32_t(qv[d]) * ki[d];
                sum += float(std::max(dot, 0)) * q.w[size_t(b * q.hp + h)];
            }
            out[b * out_stride + (s - s0)] = sum * kf;
        }
    }
}

ScoreRangeFn pick_scorer(IndexerPath path) {
    if (path == IndexerPath::Faithful)
        return simd_pick<ScoreRangeFn>(score_faithful_scalar, score_faithful_avx2,
                                       score_faithful_avx512, score_faithful_amx);
    return simd_pick<ScoreRangeFn>(score_int8_scalar, score_int8_avx2, score_int8_avx512,
                                   score_int8_amx);
}

}  // namespace mempipe::cpu_dsa
