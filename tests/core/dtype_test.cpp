#include <gtest/gtest.h>

#include <bit>
#include <cmath>

#include "mempipe/core/dtype.h"

using namespace mempipe;

TEST(Fp8E4M3, RoundTripsEveryCode) {
    for (int b = 0; b < 256; ++b) {
        float v = e4m3_to_f32(uint8_t(b));
        if (std::isnan(v)) continue;
        uint8_t back = f32_to_e4m3(v);
        if (v == 0.0f) {
            EXPECT_EQ(e4m3_to_f32(back), 0.0f);
            continue;
        }
        EXPECT_EQ(back, uint8_t(b)) << "code " << b << " value " << v;
        EXPECT_EQ(double(e4m3_to_int9(uint8_t(b))), std::ldexp(double(v), 9));
    }
}

TEST(Fp8E4M3, SaturatesAndRoundsToNearestEven) {
    EXPECT_EQ(e4m3_to_f32(f32_to_e4m3(1000.0f)), 448.0f);
    EXPECT_EQ(e4m3_to_f32(f32_to_e4m3(-1e30f)), -448.0f);
    EXPECT_EQ(e4m3_to_f32(f32_to_e4m3(INFINITY)), 448.0f);
    EXPECT_EQ(e4m3_to_f32(f32_to_e4m3(464.0f)), 448.0f);  // would round to 480 unsaturated
    // 1.0625 is halfway between 1.0 and 1.125 → even mantissa (1.0)
    EXPECT_EQ(e4m3_to_f32(f32_to_e4m3(1.0625f)), 1.0f);
    EXPECT_EQ(e4m3_to_f32(f32_to_e4m3(1.1875f)), 1.25f);  // halfway 1.125/1.25 → 1.25 (even)
    // smallest subnormal 2^-9; half of it rounds to 0 (even)
    EXPECT_EQ(e4m3_to_f32(f32_to_e4m3(std::ldexp(1.0f, -10))), 0.0f);
    EXPECT_EQ(e4m3_to_f32(f32_to_e4m3(std::ldexp(3.0f, -10))), std::ldexp(2.0f, -9));
    EXPECT_TRUE(std::isnan(e4m3_to_f32(f32_to_e4m3(NAN))));
}

TEST(Ue8m0, PowerOfTwoCeilWithFloor) {
    EXPECT_EQ(ue8m0_scale(448.0f), 1.0f);
    EXPECT_EQ(ue8m0_scale(449.0f), 2.0f);
    EXPECT_EQ(ue8m0_scale(224.0f), 0.5f);
    EXPECT_EQ(ue8m0_scale(300.0f), 1.0f);
    EXPECT_EQ(ue8m0_scale(0.0f), std::ldexp(1.0f, -22));  // 1e-4/448 = 2.23e-7 → 2^-22
    EXPECT_EQ(ue8m0_scale(1e-4f), std::ldexp(1.0f, -22));
    float s = ue8m0_scale(3.7f);
    EXPECT_GE(s * 448.0f, 3.7f);
    EXPECT_LT(s * 224.0f, 3.7f);
}

TEST(Bf16, RoundToNearestEven) {
    EXPECT_EQ(f32_to_bf16(1.0f), 0x3f80);
    EXPECT_EQ(bf16_to_f32(f32_to_bf16(1.0f + std::ldexp(1.0f, -8))), 1.0f);  // tie → even
    EXPECT_EQ(bf16_to_f32(f32_to_bf16(1.0f + 3 * std::ldexp(1.0f, -8))),
              1.0f + std::ldexp(1.0f, -6));
    EXPECT_TRUE(std::isnan(bf16_to_f32(f32_to_bf16(NAN))));
}

TEST(F16, RoundTripsAndRounds) {
    for (uint32_t h = 0; h < 0x7c00; ++h) EXPECT_EQ(f32_to_f16(f16_to_f32(uint16_t(h))), h);
    EXPECT_EQ(f32_to_f16(65520.0f), 0x7c00);
    EXPECT_EQ(f32_to_f16(65519.0f), 0x7bff);
    EXPECT_EQ(f16_to_f32(f32_to_f16(std::ldexp(1.0f, -25))), 0.0f);  // tie to even (0)
}
