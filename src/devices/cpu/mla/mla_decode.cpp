// The MLA decode engine: token split, threads, log-sum-exp merge and the portable scalar variant
// (see mla_decode_kernels.h).
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "devices/cpu/mla/mla_decode_kernels.h"
#include "mempipe/core/dtype.h"
#include "mempipe/core/parallel.h"
#include "mempipe/core/simd.h"

namespace mempipe::mla_detail {

namespace {
constexpr int64_t kSliceAlign = 32;            // slices start at multiples of the kernels' tile
constexpr double kMinWorkPerThread = 1 << 19;  // (token, head, dim) triples
}  // namespace

void mla_attend_scalar(const MlaWork& w, int64_t begin, int64_t end, MlaState& st) {
    const MlaShape& s = w.s;
    const int64_t width = s.latent + s.rope;
    std::vector<float> row(static_cast<size_t>(width));
    for (int64_t j = begin; j < end; ++j) {
        int64_t t = w.tokens ? w.tokens[j] : j;
        const uint16_t* r = w.kv + t * width;
        for (int64_t i = 0; i < width; ++i) row[size_t(i)] = bf16_to_f32(r[i]);
        for (int64_t h = 0; h < s.heads; ++h) {
            const float* q = w.q_abs + h * width;
            float dot = 0;
            for (int64_t i = 0; i < width; ++i) dot += q[i] * row[size_t(i)];
            float sc = dot * s.scale;
            float* o = st.o + h * s.latent;
            if (sc > st.m[h]) {
                float alpha = std::exp(st.m[h] - sc);
                st.l[h] *= alpha;
                for (int64_t i = 0; i < s.latent; ++i) o[i] *= alpha;
                st.m[h] = sc;
            }
            float p = std::exp(sc - st.m[h]);
            st.l[h] += p;
            for (int64_t i = 0; i < s.latent; ++i) o[i] += p * row[size_t(i)];
        }
    }
}

void run_mla_decode(const MlaWork& w, float* out) {
    const MlaShape& s = w.s;
    const int64_t H = s.heads, L = s.latent;
    const bool avx_ok = H % 16 == 0 && L % 16 == 0 && s.rope % 16 == 0;  // avx2 and avx512
    const bool amx_ok = H % 16 == 0 && L % 16 == 0 && (L + s.rope) % 32 == 0;
    MlaAttendFn fn = simd_pick<MlaAttendFn>(mla_attend_scalar, avx_ok ? mla_attend_avx2 : nullptr,
                                            avx_ok ? mla_attend_avx512 : nullptr,
                                            amx_ok ? mla_attend_amx : nullptr);

    double work = double(w.count) * double(H) * double(L + s.rope);
    int parts =
        int(std::clamp<double>(std::floor(work / kMinWorkPerThread), 1.0, double(num_threads())));
    parts = int(
        std::min<int64_t>(parts, std::max<int64_t>(1, (w.count + kSliceAlign - 1) / kSliceAlign)));
    int64_t per = (w.count + parts - 1) / parts;
    per = (per + kSliceAlign - 1) / kSliceAlign * kSliceAlign;

    const size_t stride = size_t(H) * size_t(L + 2);
    std::vector<float> state(stride * size_t(parts));
    auto state_of = [&](int p) {
        float* base = state.data() + stride * size_t(p);
        return MlaState{base, base + H, base + 2 * H};
    };
#pragma omp parallel for num_threads(parts) schedule(static, 1) if (parts > 1)
    for (int p = 0; p < parts; ++p) {
        MlaState st = state_of(p);
        std::fill(st.m, st.m + H, -std::numeric_limits<float>::infinity());
        std::fill(st.l, st.l + H, 0.0f);
        std::fill(st.o, st.o + H * L, 0.0f);
        int64_t b = std::min(w.count, p * per), e = std::min(w.count, b + per);
        if (e > b) fn(w, b, e, st);
    }

    std::vector<float> wts(static_cast<size_t>(parts));
    for (int64_t h = 0; h < H; ++h) {
        float* o = out + h * L;
        float m = -std::numeric_limits<float>::infinity();
        bool any = false;
        for (int p = 0; p < parts; ++p) {
            MlaState st = state_of(p);
            if (st.l[h] != 0) {  // true for NaN too
                any = true;
                m = std::max(m, st.m[h]);
            }
        }
        if (!any) {
            std::fill(o, o + L, 0.0f);
            continue;
        }
        double l = 0;
        for (int p = 0; p < parts; ++p) {
            MlaState st = state_of(p);
            wts[size_t(p)] = st.l[h] != 0 ? std::exp(st.m[h] - m) : 0.0f;
            l += double(wts[size_t(p)]) * st.l[h];
        }
        float inv = float(1.0 / l);
        for (int64_t i = 0; i < L; ++i) {
            float acc = 0;
            for (int p = 0; p < parts; ++p)
                if (wts[size_t(p)] != 0) acc += wts[size_t(p)] * state_of(p).o[h * L + i];
            o[i] = acc * inv;
        }
    }
}

}  // namespace mempipe::mla_detail
