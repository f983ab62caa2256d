// CPU SeerAttention-R block selection: entry point (checks, dispatch, threads over KV heads), the
// candidate buffer and the scalar filters.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>

#include "mempipe/core/error.h"
#include "mempipe/core/parallel.h"
#include "mempipe/core/simd.h"
#include "ops/seer/seer_internal.h"
#include "seer_select_blocks_kernels.h"

namespace mempipe::cpu {

namespace seer_kernels {

void SelectBuffer::reset(int64_t k_keep, int64_t capacity) {
    if (int64_t(values.size()) < capacity) {
        values.resize(size_t(capacity));
        indices.resize(size_t(capacity));
        keys.resize(size_t(capacity));
    }
    size = 0;
    k = k_keep;
    floor = -INFINITY;
}

void SelectBuffer::shrink() {
    for (int64_t i = 0; i < size; ++i)
        keys[size_t(i)] = seer_detail::select_key(values[size_t(i)], indices[size_t(i)]);
    int64_t keep = std::min(size, k);
    if (size > k)
        std::nth_element(keys.begin(), keys.begin() + (k - 1), keys.begin() + size,
                         std::greater<>());
    uint64_t worst = keep > 0 ? keys[size_t(keep - 1)] : 0;
    for (int64_t i = 0; i < keep; ++i) {
        uint64_t key = keys[size_t(i)];
        worst = std::min(worst, key);
        uint32_t u = uint32_t(key >> 32);
        uint32_t bits = (u & 0x80000000u) ? (u & 0x7FFFFFFFu) : ~u;
        float v;
        std::memcpy(&v, &bits, sizeof(v));
        values[size_t(i)] = v;
        indices[size_t(i)] = seer_detail::select_key_index(key);
    }
    size = keep;
    if (keep == k && keep > 0) {
        uint32_t u = uint32_t(worst >> 32);
        uint32_t bits = (u & 0x80000000u) ? (u & 0x7FFFFFFFu) : ~u;
        std::memcpy(&floor, &bits, sizeof(floor));
    }
}

float group_floor_scalar(const float* x, int64_t n, int64_t k) {
    const int64_t size = n / k;
    float floor = INFINITY;
    for (int64_t g = 0; g < k; ++g) {
        const int64_t end = g == k - 1 ? n : (g + 1) * size;
        float m = -INFINITY;
        for (int64_t b = g * size; b < end; ++b)
            if (x[b] > m) m = x[b];
        floor = std::min(floor, m);
    }
    return floor;
}

void filter_top_scalar(const float* x, int64_t begin, int64_t n, SelectBuffer& buf) {
    const int64_t cap = int64_t(buf.values.size());
    for (int64_t b = begin; b < n; ++b) {
        if (!(x[b] > buf.floor)) continue;
        if (buf.size == cap) {
            buf.shrink();
            if (!(x[b] > buf.floor)) continue;
        }
        buf.values[size_t(buf.size)] = x[b];
        buf.indices[size_t(buf.size)] = int32_t(b);
        ++buf.size;
    }
}

int64_t filter_above_scalar(const float* x, int64_t n, float tau, int32_t* out) {
    int64_t c = 0;
    for (int64_t b = 0; b < n; ++b)
        if (x[b] > tau) out[c++] = int32_t(b);
    return c;
}

}  // namespace seer_kernels

namespace seer_kernels {

namespace {
constexpr SelectKernels kScalar{group_floor_scalar, filter_top_scalar, filter_above_scalar};
constexpr SelectKernels kAvx2{group_floor_avx2, filter_top_avx2, filter_above_avx2};
constexpr SelectKernels kAvx512{group_floor_avx512, filter_top_avx512, filter_above_avx512};
}  // namespace

const SelectKernels* pick_select_kernels() {
    return simd_pick<const SelectKernels*>(&kScalar, &kAvx2, &kAvx512);
}

int64_t select_row(const SelectKernels* kern, const float* x, int64_t n, const SeerSelectParams& p,
                   int64_t width, int32_t* row, SelectScratch& scratch) {
    int64_t c = 0;
    if (n == 0) {
        std::fill(row, row + width, -1);
        return 0;
    }
    SelectBuffer& buf = scratch.buf;
    std::vector<int32_t>& tmp = scratch.tmp;
    if (p.mode == SeerSelectMode::TokenBudget && n <= p.budget_blocks) {
        for (int64_t b = 0; b < n; ++b) row[c++] = int32_t(b);
    } else {
        if (tmp.size() < size_t(n) + 2) tmp.resize(size_t(n) + 2);
        int32_t* list = tmp.data() + 1;  // room to prepend block 0
        int64_t m = 0;
        if (p.mode == SeerSelectMode::Threshold) {
            m = kern->above(x, n, p.threshold, list);
        } else if (p.budget_blocks > 0) {
            const int64_t k = p.budget_blocks;
            buf.reset(k, k + std::max<int64_t>(k, 256));
            const float t0 = kern->floor(x, n, k);
            if (t0 > -INFINITY) {
                // Keep scores ≥ t0: the strict bar just below it.
                buf.floor = std::nextafter(t0, -INFINITY);
                kern->top(x, 0, n, buf);
            } else {
                // A group with no number (all NaN / −inf): NaN ranks as −inf, so seed with the
                // first k blocks and let the bar rise from their k-th best.
                for (int64_t b = 0; b < k; ++b) {
                    buf.values[size_t(b)] = x[b];
                    buf.indices[size_t(b)] = int32_t(b);
                }
                buf.size = k;
                buf.shrink();
                kern->top(x, k, n, buf);
            }
            buf.shrink();
            std::copy(buf.indices.begin(), buf.indices.begin() + buf.size, list);
            m = buf.size;
            std::sort(list, list + m);
        }
        int32_t* first = list;
        if (m == 0 || list[0] != 0) {
            --first;
            *first = 0;
            ++m;
        }
        if (first[m - 1] != int32_t(n - 1)) first[m++] = int32_t(n - 1);
        std::copy(first, first + m, row);
        c = m;
    }
    std::fill(row + c, row + width, -1);
    return c;
}

}  // namespace seer_kernels

namespace {
constexpr int64_t kParallelMinScores = 1 << 16;  // hkv · n_blocks below this: one thread
}  // namespace

void seer_select_blocks(const float* scores, int64_t hkv, int64_t n_blocks,
                        const SeerSelectParams& p, int64_t width, int32_t* out, int32_t* counts) {
    seer_detail::check_select(scores, hkv, n_blocks, p, width, out, "seer_select_blocks");
    const seer_kernels::SelectKernels* kern = seer_kernels::pick_select_kernels();
    const int nt =
        hkv * n_blocks >= kParallelMinScores ? int(std::min<int64_t>(num_threads(), hkv)) : 1;
#pragma omp parallel num_threads(nt)
    {
        seer_kernels::SelectScratch scratch;
#pragma omp for schedule(static)
        for (int64_t h = 0; h < hkv; ++h) {
            int64_t c = seer_kernels::select_row(kern, scores + h * n_blocks, n_blocks, p, width,
                                                 out + h * width, scratch);
            if (counts) counts[h] = int32_t(c);
        }
    }
}

}  // namespace mempipe::cpu
