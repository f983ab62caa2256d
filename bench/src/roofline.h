// Roofline kernels: this machine's measured DRAM read bandwidth and register-resident compute
// peaks.
//
// Internal to the bench module. Each SIMD level provides a `RooflineKernels` table (roofline.cpp:
// scalar, roofline_avx2.cpp, roofline_avx512.cpp, roofline_amx.cpp = the AVX-512 table plus the
// AMX tile kernels); `measure_roofline` picks the table for the active level once and times every
// kernel with `threads` OpenMP threads. A kernel a level cannot
// run is a null pointer and is reported as 0 with a note. Kernels return a checksum so that the
// compiler keeps the work (the checksum is folded into a volatile sink by the caller).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "harness.h"

namespace mempipe::bench {

struct RooflineKernels {
    const char* level = "scalar";
    // Sums n floats (p: [n] f32, 64-byte aligned, n a multiple of 128) with one sequential stream.
    double (*dram_sum)(const float* p, size_t n) = nullptr;
    // Register-resident loops of `iters` iterations; each iteration does *_per_iter operations.
    double (*fp32_fma)(int64_t iters) = nullptr;
    double (*bf16_dot)(int64_t iters) = nullptr;
    double (*int8_dot)(int64_t iters) = nullptr;
    // AMX tile-resident loops (level amx only). Each call configures the calling thread's tiles
    // and releases them before returning; detected_simd_level() must have run first.
    double (*amx_bf16)(int64_t iters) = nullptr;
    double (*amx_int8)(int64_t iters) = nullptr;
    double fp32_fma_per_iter = 0;  // FLOP (2 per multiply-add lane)
    double bf16_dot_per_iter = 0;  // FLOP (64 per vdpbf16ps zmm)
    double int8_dot_per_iter = 0;  // OP (128 per vpdpbusd zmm)
    double amx_bf16_per_iter = 0;  // FLOP (16·16·32·2 = 16384 per tdpbf16ps)
    double amx_int8_per_iter = 0;  // OP (16·16·64·2 = 32768 per tdpbssd)
    const char* fp32_fma_instr = "";
    const char* bf16_dot_instr = "";
    const char* int8_dot_instr = "";
    const char* amx_bf16_instr = "";
    const char* amx_int8_instr = "";
    const char* dram_instr = "";
};

RooflineKernels roofline_kernels_scalar();
RooflineKernels roofline_kernels_avx2();
RooflineKernels roofline_kernels_avx512();
RooflineKernels roofline_kernels_amx();

// The table for the active SIMD level.
RooflineKernels roofline_kernels();

struct RooflineOptions {
    size_t dram_bytes = size_t(1) << 30;  // array streamed by the DRAM read kernel
    int dram_reps = 5;                    // timed sweeps after one warm-up sweep (median)
    double compute_seconds = 0.2;         // target length of one timed compute rep
    int compute_reps = 3;                 // timed compute reps after calibration (median)
};

struct RooflineMeasurement {
    int threads = 1;        // threads that actually ran (OpenMP may give fewer than asked)
    std::string level;      // SIMD level of the kernels used
    size_t dram_bytes = 0;  // array size the DRAM kernel streamed
    MachineLimits limits;   // 0 where the level has no kernel
    std::vector<std::string> notes;
    std::string fp32_fma_instr, bf16_dot_instr, int8_dot_instr, amx_bf16_instr, amx_int8_instr,
        dram_instr;
};

// The DRAM array size: `requested`, raised to twice the L3 size (at most 1 GiB) so that the sweep
// cannot be served from a large last-level cache.
size_t dram_array_bytes(size_t requested);

// Measures every limit with `threads` threads (≥ 1).
RooflineMeasurement measure_roofline(int threads, const RooflineOptions& options);

// Individual measurements (used by measure_roofline).
double measure_dram_read_gbs(const RooflineKernels& k, int threads, size_t bytes, int reps,
                             int* threads_run);
double measure_compute_rate(double (*kernel)(int64_t), double ops_per_iter, int threads,
                            double seconds_per_rep, int reps);

}  // namespace mempipe::bench
