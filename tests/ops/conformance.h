// The conformance driver: every op × every SIMD level × adversarial shapes, against the scalar
// reference.
//
// In the spirit of ggml's test-backend-ops. Quick start for adding an op:
//   1. In tests/ops/<family>_cases.cpp, write a function that appends `OpCase`s to a vector: one
//   per
//      shape/parameter combination, crossing nice sizes with primes, SIMD width ±1, empty inputs, k
//      = 1, k = n, k > n and misaligned pointers (`Guarded` with a misalignment).
//   2. Register it with `static CaseRegistrar reg(your_function);`.
//   3. In `run`, build inputs from `ctx.rng`, call `ref::<op>` and `cpu::<op>` (the driver has
//   already
//      forced `ctx.level`), and compare with the helpers below; outputs live in `Guarded` buffers
//      whose guards are checked.
// The driver registers one gtest per (case, level) as `Conformance_<level>.<op>/<params>`; the seed
// is printed with every failure and can be replayed with MEMPIPE_TEST_SEED. CUDA and FPGA devices
// will join as further "levels" when they exist.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "mempipe/core/buffer.h"
#include "mempipe/core/rng.h"
#include "mempipe/core/simd.h"

namespace mempipe::test {

struct CaseContext {
    SimdLevel level;
    uint64_t seed;
    Rng rng;
};

struct OpCase {
    std::string op;      // catalogue op name
    std::string params;  // printable, unique within the op: "n=17,k=5,misalign=1"
    std::function<void(CaseContext&)> run;
};

using CaseGenerator = void (*)(std::vector<OpCase>&);

struct CaseRegistrar {
    explicit CaseRegistrar(CaseGenerator gen);
};

std::vector<OpCase> all_cases();

// Sizes around SIMD widths and primes: {1,2,3,5,7,8,13,15,16,17,31,32,33,63,64,65,127,128,129,...}.
std::vector<int64_t> adversarial_sizes(int64_t max_size = 1100);

// A buffer with guard regions on both sides, filled with a byte pattern that must survive the
// kernel. `misalign_bytes` shifts data() off the 64-byte boundary (keep it a multiple of
// sizeof(T)).
template <class T>
class Guarded {
  public:
    explicit Guarded(size_t n, size_t misalign_bytes = 0)
        : n_(n), misalign_(misalign_bytes), raw_(kGuard * 2 + misalign_bytes + n * sizeof(T)) {
        std::memset(raw_.data(), kPattern, raw_.size());
    }
    T* data() { return reinterpret_cast<T*>(raw_.data() + kGuard + misalign_); }
    const T* data() const { return reinterpret_cast<const T*>(raw_.data() + kGuard + misalign_); }
    size_t size() const { return n_; }
    T& operator[](size_t i) { return data()[i]; }
    const T& operator[](size_t i) const { return data()[i]; }
    // Fails the test if a byte before or after the data changed.
    void check_guards(const std::string& what) const {
        const std::byte* base = raw_.data();
        size_t front = kGuard + misalign_, back = front + n_ * sizeof(T);
        for (size_t i = 0; i < front; ++i)
            if (base[i] != std::byte(kPattern)) {
                ADD_FAILURE() << what << ": write before the buffer (guard byte " << (front - i)
                              << " before start)";
                return;
            }
        for (size_t i = back; i < raw_.size(); ++i)
            if (base[i] != std::byte(kPattern)) {
                ADD_FAILURE() << what << ": write past the end (guard byte " << (i - back)
                              << " after end)";
                return;
            }
    }

  private:
    static constexpr size_t kGuard = 256;
    static constexpr int kPattern = 0xA5;
    size_t n_, misalign_;
    Buffer<std::byte> raw_;
};

// Element-wise |got − want| ≤ allowed(i) for finite values; a NaN matches only a NaN and ±∞ only
// the same ±∞. Reports the first few mismatches with their index, the allowance and, when given,
// context(i) (e.g. the input).
void expect_within_bound(const float* want, const float* got, size_t n,
                         const std::function<double(size_t)>& allowed, const std::string& what,
                         const std::function<std::string(size_t)>& context = nullptr);
// expect_within_bound with allowed(i) = atol + rtol·|ref[i]|.
void expect_close(const float* ref, const float* got, size_t n, double rtol, double atol,
                  const std::string& what);
void expect_finite(const float* got, size_t n, const std::string& what);
template <class T>
void expect_equal(const T* ref, const T* got, size_t n, const std::string& what) {
    size_t bad = 0;
    for (size_t i = 0; i < n && bad < 5; ++i)
        if (std::memcmp(&ref[i], &got[i], sizeof(T)) != 0) {
            ADD_FAILURE() << what << ": mismatch at " << i << ": ref " << +ref[i] << " got "
                          << +got[i];
            ++bad;
        }
}

}  // namespace mempipe::test
