// Roofline dispatcher and timing: picks the kernel table for the active SIMD level and measures
// DRAM read bandwidth and register-resident compute peaks with a given number of OpenMP threads.
#include "roofline.h"

#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>

#include "mempipe/core/buffer.h"
#include "mempipe/core/error.h"
#include "mempipe/core/simd.h"
#include "mempipe/core/timer.h"

namespace mempipe::bench {

namespace {

volatile double g_sink = 0;  // keeps every kernel's checksum live

// Portable sum: 16 independent lanes, which the baseline (SSE2) vectoriser can keep in registers.
double dram_sum_scalar(const float* p, size_t n) {
    float acc[16] = {};
    for (size_t i = 0; i < n; i += 16) {
        for (int j = 0; j < 16; ++j) acc[j] += p[i + j];
    }
    double total = 0;
    for (float x : acc) total += x;
    return total;
}

constexpr size_t kBlock = 128;  // floats per unrolled step of every dram_sum variant (512 bytes)
constexpr size_t kDramCap = size_t(1) << 30;  // cap on the L3-based raise in dram_array_bytes

// Thread `tid` of `nt` owns blocks [blocks·tid/nt, blocks·(tid+1)/nt): one sequential stream each.
void thread_range(size_t blocks, int tid, int nt, size_t* begin, size_t* end) {
    *begin = blocks * size_t(tid) / size_t(nt) * kBlock;
    *end = blocks * size_t(tid + 1) / size_t(nt) * kBlock;
}

}  // namespace

RooflineKernels roofline_kernels_scalar() {
    RooflineKernels k;
    k.level = "scalar";
    k.dram_sum = dram_sum_scalar;
    k.dram_instr = "portable loop, one stream/thread";
    return k;
}

RooflineKernels roofline_kernels() {
    auto get = simd_pick(&roofline_kernels_scalar, &roofline_kernels_avx2, &roofline_kernels_avx512,
                         &roofline_kernels_amx);
    return get();
}

double measure_dram_read_gbs(const RooflineKernels& k, int threads, size_t bytes, int reps,
                             int* threads_run) {
    MEMPIPE_CHECK_ARG(threads >= 1, "roofline: threads must be >= 1, got {}", threads);
    MEMPIPE_CHECK_ARG(reps >= 1, "roofline: DRAM reps must be >= 1, got {}", reps);
    size_t blocks = bytes / sizeof(float) / kBlock;
    MEMPIPE_CHECK_ARG(blocks >= size_t(threads), "roofline: DRAM array of {} bytes is too small",
                      bytes);
    Buffer<float> buf(blocks * kBlock);
    float* p = buf.data();
    int nt_seen = 1;
    // First touch by the thread that will read each range (same partition as the timed sweeps).
#pragma omp parallel num_threads(threads)
    {
        int tid = omp_get_thread_num(), nt = omp_get_num_threads();
        if (tid == 0) nt_seen = nt;
        size_t b, e;
        thread_range(blocks, tid, nt, &b, &e);
        std::fill(p + b, p + e, 1.0f / 1024);
    }
    auto sweep = [&] {
        double sum = 0;
#pragma omp parallel num_threads(threads) reduction(+ : sum)
        {
            size_t b, e;
            thread_range(blocks, omp_get_thread_num(), omp_get_num_threads(), &b, &e);
            sum += k.dram_sum(p + b, e - b);
        }
        g_sink = g_sink + sum;
    };
    sweep();  // warm-up: page tables, TLB, thread pool
    std::vector<double> times;
    for (int r = 0; r < reps; ++r) {
        Timer t;
        sweep();
        times.push_back(t.seconds());
    }
    if (threads_run) *threads_run = nt_seen;
    double s = median(times);
    return s > 0 ? double(blocks * kBlock * sizeof(float)) / s / 1e9 : 0;
}

double measure_compute_rate(double (*kernel)(int64_t), double ops_per_iter, int threads,
                            double seconds_per_rep, int reps) {
    MEMPIPE_CHECK_ARG(threads >= 1, "roofline: threads must be >= 1, got {}", threads);
    MEMPIPE_CHECK_ARG(reps >= 1, "roofline: compute reps must be >= 1, got {}", reps);
    if (!kernel) return 0;
    int nt_seen = 1;
    auto run = [&](int64_t iters) {
        double sum = 0;
        Timer t;
#pragma omp parallel num_threads(threads) reduction(+ : sum)
        {
            if (omp_get_thread_num() == 0) nt_seen = omp_get_num_threads();
            sum += kernel(iters);
        }
        double s = t.seconds();
        g_sink = g_sink + sum;
        return s;
    };
    // Calibrate: grow until one run takes ≥ 20 ms, then scale to the target length.
    int64_t iters = 1 << 14;
    double s = run(iters);
    while (s < 0.02 && iters < (int64_t(1) << 40)) {
        iters *= 4;
        s = run(iters);
    }
    double scale = std::max(1.0, seconds_per_rep / std::max(s, 1e-9));
    iters = int64_t(std::llround(double(iters) * scale));
    std::vector<double> times;
    for (int r = 0; r < reps; ++r) times.push_back(run(iters));
    double t = median(times);
    return t > 0 ? double(nt_seen) * double(iters) * ops_per_iter / t / 1e9 : 0;
}

size_t dram_array_bytes(size_t requested) {
    long l3 = sysconf(_SC_LEVEL3_CACHE_SIZE);
    size_t twice_l3 = l3 > 0 ? 2 * size_t(l3) : 0;
    return std::max(requested, std::min(twice_l3, kDramCap));
}

RooflineMeasurement measure_roofline(int threads, const RooflineOptions& options) {
    RooflineKernels k = roofline_kernels();
    RooflineMeasurement m;
    m.level = k.level;
    std::string none = std::string("not available at level ") + k.level;
    m.fp32_fma_instr = k.fp32_fma ? k.fp32_fma_instr : none;
    m.bf16_dot_instr = k.bf16_dot ? k.bf16_dot_instr : none;
    m.int8_dot_instr = k.int8_dot ? k.int8_dot_instr : none;
    m.amx_bf16_instr = k.amx_bf16 ? k.amx_bf16_instr : none;
    m.amx_int8_instr = k.amx_int8 ? k.amx_int8_instr : none;
    m.dram_instr = k.dram_instr;
    m.dram_bytes = dram_array_bytes(options.dram_bytes);
    m.limits.dram_read_gbs =
        measure_dram_read_gbs(k, threads, m.dram_bytes, options.dram_reps, &m.threads);
    double secs = options.compute_seconds;
    int reps = options.compute_reps;
    m.limits.fp32_fma_gflops =
        measure_compute_rate(k.fp32_fma, k.fp32_fma_per_iter, threads, secs, reps);
    m.limits.bf16_dot_gflops =
        measure_compute_rate(k.bf16_dot, k.bf16_dot_per_iter, threads, secs, reps);
    m.limits.int8_dot_gops =
        measure_compute_rate(k.int8_dot, k.int8_dot_per_iter, threads, secs, reps);
    m.limits.amx_bf16_gflops =
        measure_compute_rate(k.amx_bf16, k.amx_bf16_per_iter, threads, secs, reps);
    m.limits.amx_int8_gops =
        measure_compute_rate(k.amx_int8, k.amx_int8_per_iter, threads, secs, reps);
    if (!k.fp32_fma) m.notes.push_back("fp32 FMA: no AVX2/FMA on this CPU, reported as 0");
    if (!k.bf16_dot) {
        m.notes.push_back(std::string("bf16 dot: needs AVX512-BF16 (level ") + k.level +
                          "), reported as 0");
    }
    if (!k.int8_dot) m.notes.push_back("int8 dot: no AVX2 on this CPU, reported as 0");
    if (!k.amx_bf16 || !k.amx_int8) {
        m.notes.push_back(std::string("AMX tile dots: need SIMD level amx (AMX-TILE/BF16/INT8 "
                                      "with the tile state granted; active level ") +
                          k.level + "), reported as 0");
    }
    if (m.threads != threads) {
        m.notes.push_back("OpenMP ran " + std::to_string(m.threads) + " threads, " +
                          std::to_string(threads) + " were asked");
    }
    return m;
}

}  // namespace mempipe::bench
