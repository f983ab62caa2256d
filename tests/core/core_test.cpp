#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>

#include "mempipe/core/error.h"
#include "mempipe/core/io.h"
#include "mempipe/core/parallel.h"
#include "mempipe/core/rng.h"
#include "mempipe/core/simd.h"
#include "mempipe/core/tensor.h"

using namespace mempipe;

TEST(Rng, SameSeedSameStreamDifferentSeedDifferentStream) {
    Rng a(5), b(5), c(6);
    for (int i = 0; i < 100; ++i) {
        uint64_t x = a.next_u64();
        EXPECT_EQ(x, b.next_u64());
        EXPECT_NE(x, c.next_u64());
    }
    Rng r(1);
    for (int i = 0; i < 1000; ++i) {
        double u = r.uniform();
        EXPECT_GE(u, 0.0);
        EXPECT_LT(u, 1.0);
        int64_t k = r.uniform_int(-3, 3);
        EXPECT_GE(k, -3);
        EXPECT_LE(k, 3);
    }
}

TEST(Buffer, AlignedAndMovable) {
    Buffer<float> b(1000, 1.5f);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(b.data()) % kBufferAlignment, 0u);
    Buffer<float> c = std::move(b);
    EXPECT_EQ(c.size(), 1000u);
    EXPECT_EQ(c[999], 1.5f);
    EXPECT_TRUE(b.empty());
    Buffer<uint8_t> big(size_t(3) << 20);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(big.data()) % kBufferAlignment, 0u);
}

TEST(Tensor, ShapeAndValidation) {
    Tensor t(DType::BF16, {3, 5, 7});
    EXPECT_EQ(t.numel(), 105);
    EXPECT_EQ(t.bytes(), 210u);
    EXPECT_EQ(t.view().shape_string(), "[3×5×7]");
    EXPECT_THROW(Tensor(DType::F32, {2, -1}), Error);
    EXPECT_THROW(Tensor(DType::F32, {1, 1, 1, 1, 1}), Error);
}

TEST(Simd, LevelsAreOrderedAndScopedCapsApply) {
    auto levels = available_simd_levels();
    ASSERT_FALSE(levels.empty());
    EXPECT_EQ(levels.front(), SimdLevel::Scalar);
    EXPECT_EQ(levels.back(), detected_simd_level());
    {
        ScopedSimdLevel cap(SimdLevel::Scalar);
        EXPECT_EQ(active_simd_level(), SimdLevel::Scalar);
    }
    EXPECT_LE(active_simd_level(), detected_simd_level());
    EXPECT_EQ(parse_simd_level("avx2"), SimdLevel::Avx2);
    EXPECT_FALSE(parse_simd_level("sse9").has_value());
}

TEST(Parallel, ChunksCoverTheRangeExactlyOnce) {
    for (int64_t n : {0, 1, 7, 1000, 100003}) {
        std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
        parallel_for(n, 10, [&](int64_t b, int64_t e) {
            for (int64_t i = b; i < e; ++i) hits[size_t(i)]++;
        });
        for (int64_t i = 0; i < n; ++i)
            ASSERT_EQ(hits[size_t(i)].load(), 1) << "n=" << n << " i=" << i;
    }
}

TEST(Io, NpyRoundTripAndAtomicWrite) {
    auto dir =
        std::filesystem::temp_directory_path() / ("mempipe_io_test_" + std::to_string(getpid()));
    std::filesystem::create_directories(dir);
    std::vector<float> v = {1.f, -2.f, 3.5f, 0.f, 7.f, 8.f};
    std::string path = (dir / "a.npy").string();
    write_npy(path, DType::F32, {2, 3}, v.data());
    NpyArray a = read_npy(path);
    EXPECT_EQ(a.dtype, DType::F32);
    EXPECT_EQ(a.shape, (std::vector<int64_t>{2, 3}));
    ASSERT_EQ(a.data.size(), 24u);
    EXPECT_EQ(std::memcmp(a.data.data(), v.data(), 24), 0);
    std::vector<int32_t> one = {42};
    write_npy(path, DType::I32, {1}, one.data());  // replaces atomically
    EXPECT_EQ(read_npy(path).dtype, DType::I32);
    for (const auto& e : std::filesystem::directory_iterator(dir))
        EXPECT_EQ(e.path().filename(), "a.npy") << "temporary file left behind";
    {
        std::ofstream bad(dir / "bad.npy");
        bad << "not numpy";
    }
    EXPECT_THROW(read_npy((dir / "bad.npy").string()), Error);
    EXPECT_THROW(read_npy((dir / "missing.npy").string()), Error);
    EXPECT_THROW(write_text_atomic((dir / "no/such/dir/x").string(), "x"), Error);
    std::filesystem::remove_all(dir);
}
