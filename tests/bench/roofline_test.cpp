// Roofline kernel tables: which kernels each SIMD level provides, and that the AMX tile kernels do
// exactly the work their *_per_iter counts claim (their checksums are exact functions of iters).
#include <gtest/gtest.h>

#include "../../bench/src/roofline.h"
#include "mempipe/core/simd.h"

namespace mempipe::bench {
namespace {

TEST(Roofline, TableFollowsTheActiveLevel) {
    {
        ScopedSimdLevel cap(SimdLevel::Scalar);
        RooflineKernels k = roofline_kernels();
        EXPECT_STREQ(k.level, "scalar");
        EXPECT_NE(k.dram_sum, nullptr);
        EXPECT_EQ(k.amx_bf16, nullptr);
        EXPECT_EQ(k.amx_int8, nullptr);
    }
    if (detected_simd_level() < SimdLevel::Avx512) return;
    ScopedSimdLevel cap(SimdLevel::Avx512);
    RooflineKernels k = roofline_kernels();
    EXPECT_STREQ(k.level, "avx512");
    EXPECT_NE(k.bf16_dot, nullptr);
    EXPECT_EQ(k.amx_bf16, nullptr);
    EXPECT_EQ(k.amx_int8, nullptr);
}

class RooflineAmx : public ::testing::Test {
  protected:
    void SetUp() override {
        if (active_simd_level() < SimdLevel::Amx) GTEST_SKIP() << "no AMX on this CPU";
        k_ = roofline_kernels();
        ASSERT_STREQ(k_.level, "amx");
        ASSERT_NE(k_.amx_bf16, nullptr);
        ASSERT_NE(k_.amx_int8, nullptr);
        // The AMX table keeps the AVX-512 kernels for the other rows.
        EXPECT_NE(k_.bf16_dot, nullptr);
        EXPECT_NE(k_.int8_dot, nullptr);
    }
    RooflineKernels k_;
};

TEST_F(RooflineAmx, Bf16ChecksumCountsEveryInstruction) {
    // Each tdpbf16ps adds 32 · (1.0 · 2^-10) to each of 256 lanes; 4 per iteration → 32 per
    // iteration in total, exact in f32 for these small sums.
    EXPECT_DOUBLE_EQ(k_.amx_bf16_per_iter, 4.0 * 16384);
    for (int64_t iters : {0, 1, 7, 1000}) {
        EXPECT_DOUBLE_EQ(k_.amx_bf16(iters), 32.0 * double(iters)) << "iters=" << iters;
    }
}

TEST_F(RooflineAmx, Int8ChecksumCountsEveryInstruction) {
    // Each tdpbssd adds 64 · (3 · −5) = −960 to each of 256 int32 lanes; 4 per iteration (no
    // wrap-around below ~2.2 M iterations). Integer arithmetic: exact.
    EXPECT_DOUBLE_EQ(k_.amx_int8_per_iter, 4.0 * 32768);
    for (int64_t iters : {0, 1, 7, 1000}) {
        EXPECT_DOUBLE_EQ(k_.amx_int8(iters), 1024.0 * -960.0 * double(iters)) << "iters=" << iters;
    }
}

TEST_F(RooflineAmx, RepeatedCallsAndRatesArePositive) {
    // Tiles are configured and released per call: calling again (also from OpenMP threads inside
    // measure_compute_rate) must work and give the same checksum.
    EXPECT_DOUBLE_EQ(k_.amx_bf16(5), k_.amx_bf16(5));
    EXPECT_GT(measure_compute_rate(k_.amx_bf16, k_.amx_bf16_per_iter, 2, 0.02, 1), 0.0);
    EXPECT_GT(measure_compute_rate(k_.amx_int8, k_.amx_int8_per_iter, 2, 0.02, 1), 0.0);
}

}  // namespace
}  // namespace mempipe::bench
