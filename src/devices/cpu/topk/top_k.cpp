// CPU top_k: per-thread streaming-threshold scans (see top_k_kernels.h), per-thread exact selection
// and sort, then a k-way merge of the sorted runs on the calling thread.
#include "mempipe/ops/top_k.h"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <limits>
#include <vector>

#include "mempipe/core/buffer.h"
#include "mempipe/core/error.h"
#include "mempipe/core/parallel.h"
#include "mempipe/core/simd.h"
#include "top_k_kernels.h"

namespace mempipe {
namespace cpu {

using namespace topk_detail;

namespace topk_detail {

ScanResult scan_scalar(const float* x, int64_t begin, int64_t end, int64_t k, int64_t cap, float s,
                       float* values, int32_t* indices, uint32_t* scratch) {
    ScanResult r;
    int64_t count = 0, i = begin;
    for (; i < end && count < cap; ++i) {
        values[count] = x[i];
        indices[count] = int32_t(i);
        count += x[i] >= s;
    }
    if (count < cap) {
        r.count = count;
        return r;
    }
    float t;
    count = select_stable(values, indices, count, k, &t, scratch);
    for (; i < end; ++i) {
        if (x[i] > t) {
            values[count] = x[i];
            indices[count] = int32_t(i);
            if (++count == cap) count = select_stable(values, indices, count, k, &t, scratch);
        }
    }
    r.count = count;
    r.compacted = true;
    return r;
}

}  // namespace topk_detail

namespace {

constexpr int64_t kMinPerThread = 1 << 16;    // below this a range is scanned by one thread
constexpr size_t kKeepArenaBytes = 8u << 20;  // scratch above this is freed after the call

constexpr int64_t kLine = 16;           // floats per cache line
constexpr int64_t kSampleWords = 4096;  // sample size of sample_threshold (256 cache lines)

// Contention guard. On a shared machine (2 cores, other processes busy) a parallel region can stall
// for a whole scheduler time slice (~4-8 ms) waiting for its second thread, 20-40x the work at N =
// 1M. When a region's wall time exceeds its slowest part's own time by kStallSeconds, the next
// kSerialCalls calls run on the calling thread only, then parallelism is tried again. Results never
// depend on the thread count, only the speed does.
constexpr double kStallSeconds = 300e-6;
constexpr int kSerialCalls = 64;
std::atomic<int> serial_calls_left{0};

int64_t buffer_cap(int64_t k) {
    return std::max<int64_t>(4 * k, 512);
}

// Scratch reused across calls on the same calling thread (an OpenMP worker in top_k_rows has its
// own).
struct Scratch {
    Buffer<std::byte> arena;
    std::byte* get(size_t bytes) {
        if (arena.size() < bytes) arena = Buffer<std::byte>(bytes);
        return arena.data();
    }
    void trim() {
        if (arena.size() > kKeepArenaBytes) arena = Buffer<std::byte>();
    }
};
thread_local Scratch tls_scratch;

// The sample threshold S of a scan of x[begin, end): the r-th largest of kSampleLines cache lines
// spread over the range, with r chosen so that about 2k·widen elements of the range are expected to
// be ≥ S. Returns −inf (keep everything) when the range is too small or k too large for a sample to
// help.
float sample_threshold(const float* x, int64_t begin, int64_t end, int64_t k, int64_t widen,
                       uint32_t* keys) {
    constexpr int64_t kSampleLines = kSampleWords / kLine, kSamples = kSampleWords;
    const float none = -std::numeric_limits<float>::infinity();
    int64_t len = end - begin;
    if (len < 16 * kSamples) return none;
    int64_t rank = (2 * k * kSamples / len + 8) * widen;
    if (rank > kSamples / 4) return none;
    for (int64_t c = 0; c < kSampleLines; ++c) {
        int64_t at = begin + (len - kLine) * c / (kSampleLines - 1);
        for (int64_t j = 0; j < kLine; ++j) keys[c * kLine + j] = ordered_key(x[at + j]);
    }
    std::nth_element(keys, keys + rank - 1, keys + kSamples, std::greater<uint32_t>());
    return key_to_float(keys[rank - 1]);
}

// Scans x[begin, end) and leaves its top-min(k, len) as sorted keys (see sort_desc) in `keys`.
int64_t scan_range(ScanFn scan, const float* x, int64_t begin, int64_t end, int64_t k, int64_t cap,
                   float* values, int32_t* indices, uint32_t* scratch, uint64_t* keys) {
    // A sample threshold that turns out too high (fewer than k elements ≥ S: a skewed or sorted
    // range) is lowered 8× in rank and the range rescanned; S = −inf always succeeds.
    const float none = -std::numeric_limits<float>::infinity();
    ScanResult r;
    for (int64_t widen = 1;; widen *= 8) {
        float s = sample_threshold(x, begin, end, k, widen, scratch);
        r = scan(x, begin, end, k, cap, s, values, indices, scratch);
        if (r.compacted || r.count >= k || s == none) break;
    }
    float kth;
    int64_t count = select_stable(values, indices, r.count, k, &kth, scratch);
    sort_desc(values, indices, count, keys, scratch);
    return count;
}

void write_outputs(const float* x, const uint64_t* const* runs, const int64_t* run_len, int n_runs,
                   int64_t k, float* out_values, int32_t* out_indices) {
    int64_t pos[64] = {};
    int64_t j = 0;
    for (; j < k; ++j) {
        int best = -1;
        for (int r = 0; r < n_runs; ++r)
            if (pos[r] < run_len[r] && (best < 0 || runs[r][pos[r]] > runs[best][pos[best]]))
                best = r;
        if (best < 0) break;
        int32_t i = int32_t(~uint32_t(runs[best][pos[best]]));
        ++pos[best];
        out_indices[j] = i;
        if (out_values) out_values[j] = x[i];
    }
    for (; j < k; ++j) {
        out_indices[j] = -1;
        if (out_values) out_values[j] = -std::numeric_limits<float>::infinity();
    }
}

// Top-k of one row with up to `threads` threads (1 = on the calling thread).
void top_k_row(ScanFn scan, const float* x, int64_t n, int64_t k, float* out_values,
               int32_t* out_indices, int threads) {
    if (k == 0) return;
    int64_t kk = std::min(k, n);
    int64_t cap = buffer_cap(kk);
    int parts = int(std::clamp<int64_t>(n / kMinPerThread, 1, std::min(threads, 64)));
    // Per part: candidate values + indices (cap + slack), scratch words (select: 2 per slot, sort:
    // 4 per slot, sample: kSampleWords), sorted keys.
    int64_t slot = std::min(cap, n) + kScanSlack;
    size_t scratch_words = size_t(std::max<int64_t>(4 * slot, kSampleWords));
    size_t per_part = size_t(slot) * (4 + 4 + 8) + scratch_words * 4;
    std::byte* base = tls_scratch.get(per_part * size_t(parts));
    uint64_t* runs[64];
    int64_t run_len[64];
    double part_seconds[64];
    auto work = [&](int p) {
        const double t0 = omp_get_wtime();
        std::byte* s = base + per_part * size_t(p);
        auto* keys = reinterpret_cast<uint64_t*>(s);
        auto* v = reinterpret_cast<float*>(s + size_t(slot) * 8);
        auto* idx = reinterpret_cast<int32_t*>(s + size_t(slot) * 12);
        auto* scratch = reinterpret_cast<uint32_t*>(s + size_t(slot) * 16);
        int64_t b = n * p / parts, e = n * (p + 1) / parts;
        runs[p] = keys;
        run_len[p] = b < e ? scan_range(scan, x, b, e, kk, cap, v, idx, scratch, keys) : 0;
        part_seconds[p] = omp_get_wtime() - t0;
    };
    if (parts == 1) {
        work(0);
    } else {
        const double t0 = omp_get_wtime();
#pragma omp parallel for num_threads(parts) schedule(static, 1)
        for (int p = 0; p < parts; ++p) work(p);
        const double wall = omp_get_wtime() - t0;
        if (wall - *std::max_element(part_seconds, part_seconds + parts) > kStallSeconds)
            serial_calls_left.store(kSerialCalls, std::memory_order_relaxed);
    }
    write_outputs(x, runs, run_len, parts, k, out_values, out_indices);
    tls_scratch.trim();
}

void check_args(const float* x, int64_t rows, int64_t n, int64_t k, const int32_t* out_indices) {
    MEMPIPE_CHECK_ARG(rows >= 0 && n >= 0 && k >= 0,
                      "top_k: rows, n and k must be ≥ 0, got rows={} n={} k={}", rows, n, k);
    MEMPIPE_CHECK_ARG(n <= std::numeric_limits<int32_t>::max(),
                      "top_k: n={} exceeds the int32 index range; split the row", n);
    MEMPIPE_CHECK_ARG(rows == 0 || n == 0 || x != nullptr, "top_k: x is null with rows={} n={}",
                      rows, n);
    MEMPIPE_CHECK_ARG(rows == 0 || k == 0 || out_indices != nullptr,
                      "top_k: out_indices must be non-null when k={} > 0", k);
}

ScanFn pick_scan() {
    return simd_pick<ScanFn>(scan_scalar, scan_avx2, scan_avx512);
}

int available_threads() {
    if (omp_in_parallel()) return 1;
    if (serial_calls_left.load(std::memory_order_relaxed) > 0) {
        serial_calls_left.fetch_sub(1, std::memory_order_relaxed);
        return 1;
    }
    return num_threads();
}

}  // namespace

void top_k(const float* x, int64_t n, int64_t k, float* out_values, int32_t* out_indices) {
    check_args(x, 1, n, k, out_indices);
    top_k_row(pick_scan(), x, n, k, out_values, out_indices, available_threads());
}

void top_k_rows(const float* x, int64_t rows, int64_t n, int64_t k, float* out_values,
                int32_t* out_indices) {
    check_args(x, rows, n, k, out_indices);
    if (rows == 0 || k == 0) return;
    ScanFn scan = pick_scan();
    int threads = available_threads();
    auto row = [&](int64_t r, int t) {
        top_k_row(scan, x + r * n, n, k, out_values ? out_values + r * k : nullptr,
                  out_indices + r * k, t);
    };
    if (rows >= threads && threads > 1) {
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
        for (int64_t r = 0; r < rows; ++r) row(r, 1);
    } else {
        for (int64_t r = 0; r < rows; ++r) row(r, threads);
    }
}

}  // namespace cpu
}  // namespace mempipe
