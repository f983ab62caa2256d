// CPU page_scores: the (KV head, physical page) space is split into one contiguous range per
// thread, so each thread streams one run of statistics; plus the portable variant.
#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <vector>

#include "devices/cpu/lserve/page_scores_kernels.h"
#include "mempipe/core/dtype.h"
#include "mempipe/core/parallel.h"
#include "mempipe/core/simd.h"
#include "ops/lserve/lserve_checks.h"

namespace mempipe::cpu {

namespace {
constexpr int64_t kMinPagesPerThread = 256;  // physical pages (of one KV head) per thread, at least
constexpr double kStallSeconds = 1e-3;
constexpr int kSerialCalls = 16;
std::atomic<int> serial_calls_left{0};
}  // namespace

namespace lserve_detail {

void page_scores_scalar(const float* q, const uint16_t* stats, int64_t capacity, int64_t n_logical,
                        const LservePageShape& s, int64_t j, int64_t pp_begin, int64_t pp_end,
                        float* out) {
    constexpr int kLanes = 16;
    const int64_t d = s.d, lpp = s.logical_per_page(), g = s.group();
    const int64_t n_phys = (n_logical + lpp - 1) / lpp;
    for (int64_t h = j * g; h < (j + 1) * g; ++h) {
        const float* qh = q + h * d;
        for (int64_t pp = pp_begin; pp < pp_end; ++pp) {
            float best = 0.0f;
            for (int64_t i = 0; i < lpp; ++i) {
                int64_t p = pp * lpp + i;
                float v = 0.0f;
                if (p < n_logical) {
                    const uint16_t* kmax = stats + ((j * capacity + p) * 2) * d;
                    const uint16_t* kmin = kmax + d;
                    float acc[kLanes] = {};
                    for (int64_t c = 0; c < d; ++c) {
                        float ksel = qh[c] >= 0.0f ? bf16_to_f32(kmax[c]) : bf16_to_f32(kmin[c]);
                        acc[(c % 32) / 2] = std::fma(qh[c], ksel, acc[(c % 32) / 2]);
                    }
                    for (int w = kLanes / 2; w >= 1; w /= 2)
                        for (int l = 0; l < w; ++l) acc[l] = acc[l] + acc[l + w];
                    v = acc[0];
                }
                best = i == 0 || v > best ? v : best;
            }
            out[h * n_phys + pp] = best;
        }
    }
}

}  // namespace lserve_detail

void page_scores(const float* q, const uint16_t* stats, int64_t capacity, int64_t n_logical,
                 const LservePageShape& s, const uint8_t* kv_head_mask, float* out) {
    mempipe::lserve_detail::check_page_scores(q, stats, capacity, n_logical, s, out);
    using namespace lserve_detail;
    PageScoresFn fn =
        simd_pick<PageScoresFn>(page_scores_scalar, s.d % 16 == 0 ? page_scores_avx2 : nullptr,
                                s.d % 32 == 0 ? page_scores_avx512 : nullptr);
    const int64_t lpp = s.logical_per_page();
    const int64_t n_phys = (n_logical + lpp - 1) / lpp;
    std::vector<int64_t> heads;
    for (int64_t j = 0; j < s.hkv; ++j)
        if (!kv_head_mask || kv_head_mask[j]) heads.push_back(j);
    const int64_t total = int64_t(heads.size()) * n_phys;
    auto run = [&](int64_t b, int64_t e) {
        while (b < e) {
            int64_t hi = b / n_phys, pp0 = b % n_phys, pp1 = std::min(n_phys, pp0 + (e - b));
            fn(q, stats, capacity, n_logical, s, heads[size_t(hi)], pp0, pp1, out);
            b += pp1 - pp0;
        }
    };
    // One contiguous (KV head, page) range per thread. Contention guard as in cpu::top_k: when the
    // region waited far longer than its slowest part worked (a thread stuck behind other processes
    // on a shared machine), the next calls run on the calling thread.
    int64_t threads = omp_in_parallel() ? 1 : num_threads();
    if (threads > 1 && serial_calls_left.load(std::memory_order_relaxed) > 0) {
        serial_calls_left.fetch_sub(1, std::memory_order_relaxed);
        threads = 1;
    }
    threads = std::min(threads, total / kMinPagesPerThread);
    if (threads <= 1) {
        run(0, total);
        return;
    }
    std::vector<double> part_seconds(static_cast<size_t>(threads));
    const double t0 = omp_get_wtime();
#pragma omp parallel for num_threads(int(threads)) schedule(static, 1)
    for (int64_t t = 0; t < threads; ++t) {
        const double ts = omp_get_wtime();
        run(total * t / threads, total * (t + 1) / threads);
        part_seconds[size_t(t)] = omp_get_wtime() - ts;
    }
    const double wall = omp_get_wtime() - t0;
    if (wall - *std::max_element(part_seconds.begin(), part_seconds.end()) > kStallSeconds)
        serial_calls_left.store(kSerialCalls, std::memory_order_relaxed);
}

}  // namespace mempipe::cpu
