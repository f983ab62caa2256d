// Conformance cases for top_k and top_k_rows: exact values AND indices against ref::top_k.
//
// Tolerance: none. top_k only moves input values, so every backend must reproduce the reference
// order bit for bit (value descending, ties → lower index, −1/−inf padding), including the sign of
// a zero.
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "../../src/devices/cpu/topk/top_k_kernels.h"
#include "conformance.h"
#include "mempipe/core/buffer.h"
#include "mempipe/core/error.h"
#include "mempipe/ops/top_k.h"

namespace mempipe::test {
namespace {

enum class Dist { Normal, FewValues, AllEqual, Ascending, Descending, Infinities, SignedZeros };

const char* dist_name(Dist d) {
    switch (d) {
        case Dist::Normal:
            return "normal";
        case Dist::FewValues:
            return "few_values";
        case Dist::AllEqual:
            return "all_equal";
        case Dist::Ascending:
            return "ascending";
        case Dist::Descending:
            return "descending";
        case Dist::Infinities:
            return "infinities";
        case Dist::SignedZeros:
            return "signed_zeros";
    }
    return "?";
}

void fill(Dist d, float* x, int64_t n, Rng& rng) {
    const float inf = std::numeric_limits<float>::infinity();
    for (int64_t i = 0; i < n; ++i) {
        switch (d) {
            case Dist::Normal:
                x[i] = rng.normal();
                break;
            // Values from {-1, 0, 0.5, 1}: many ties straddle rank k.
            case Dist::FewValues:
                x[i] = std::array<float, 4>{-1.f, 0.f, 0.5f, 1.f}[rng.next_u32() % 4];
                break;
            case Dist::AllEqual:
                x[i] = 3.25f;
                break;
            // Strictly increasing (the scan's threshold rises on every element).
            case Dist::Ascending:
                x[i] = float(i) * 0.5f - 7.0f;
                break;
            case Dist::Descending:
                x[i] = -float(i) * 0.25f;
                break;
            case Dist::Infinities: {
                uint32_t r = rng.next_u32() % 8;
                x[i] = r == 0   ? inf
                       : r == 1 ? -inf
                       : r == 2 ? -inf
                                : float(int(rng.next_u32() % 5) - 2);
                break;
            }
            case Dist::SignedZeros: {
                uint32_t r = rng.next_u32() % 4;
                x[i] = r == 0 ? 0.0f : r == 1 ? -0.0f : r == 2 ? -1.0f : 1e-30f;
                break;
            }
        }
    }
}

void check_row(const float* x, int64_t n, int64_t k, const float* got_v, const int32_t* got_i,
               const std::string& what) {
    std::vector<float> ref_v(size_t(std::max<int64_t>(k, 1)));
    std::vector<int32_t> ref_i(size_t(std::max<int64_t>(k, 1)));
    ref::top_k(x, n, k, ref_v.data(), ref_i.data());
    expect_equal(ref_i.data(), got_i, size_t(k), what + " indices");
    if (got_v) expect_equal(ref_v.data(), got_v, size_t(k), what + " values");
}

void run_top_k(CaseContext& ctx, Dist d, int64_t n, int64_t k, size_t misalign, bool with_values) {
    Guarded<float> x(size_t(n), misalign);
    fill(d, x.data(), n, ctx.rng);
    Guarded<float> v(size_t(k), misalign);
    Guarded<int32_t> idx(size_t(k), misalign);
    cpu::top_k(x.data(), n, k, with_values ? v.data() : nullptr, idx.data());
    check_row(x.data(), n, k, with_values ? v.data() : nullptr, idx.data(), "top_k");
    v.check_guards("out_values");
    idx.check_guards("out_indices");
}

void run_top_k_rows(CaseContext& ctx, Dist d, int64_t rows, int64_t n, int64_t k, size_t misalign) {
    Guarded<float> x(size_t(rows * n), misalign);
    fill(d, x.data(), rows * n, ctx.rng);
    Guarded<float> v(size_t(rows * k), misalign);
    Guarded<int32_t> idx(size_t(rows * k), misalign);
    cpu::top_k_rows(x.data(), rows, n, k, v.data(), idx.data());
    for (int64_t r = 0; r < rows; ++r)
        check_row(x.data() + r * n, n, k, v.data() + r * k, idx.data() + r * k,
                  "row " + std::to_string(r));
    v.check_guards("out_values");
    idx.check_guards("out_indices");
}

// White-box: one scan with a small buffer (many compactions) and a given sample threshold `s`, at
// the forced SIMD level. If the scan compacted or kept ≥ k candidates, their top-k must be the
// range's; otherwise it must have kept exactly the elements ≥ s.
void run_scan(CaseContext& ctx, Dist d, int64_t n, int64_t k, int64_t cap, double s_quantile) {
    using namespace cpu::topk_detail;
    std::vector<float> x(size_t(n) + 1);
    fill(d, x.data(), n, ctx.rng);
    std::vector<float> sorted(x.begin(), x.begin() + n);
    std::sort(sorted.begin(), sorted.end(), std::greater<float>());
    float s = s_quantile < 0 || n == 0 ? -std::numeric_limits<float>::infinity()
                                       : sorted[size_t(s_quantile * double(n - 1))];
    ScanFn scan = simd_pick<ScanFn>(scan_scalar, scan_avx2, scan_avx512);
    Buffer<float> v(size_t(cap + kScanSlack));
    Buffer<int32_t> idx(size_t(cap + kScanSlack));
    Buffer<uint32_t> scratch(size_t(4 * (cap + kScanSlack)));
    Buffer<uint64_t> keys(size_t(cap + kScanSlack));
    ScanResult r = scan(x.data(), 0, n, k, cap, s, v.data(), idx.data(), scratch.data());
    ASSERT_LE(r.count, cap + kScanSlack);
    if (!r.compacted && r.count < k) {
        int64_t above = std::count_if(x.begin(), x.begin() + n, [s](float e) { return e >= s; });
        EXPECT_EQ(r.count, above) << "an uncompacted scan keeps exactly the elements ≥ s";
        return;
    }
    float kth;
    int64_t c = select_stable(v.data(), idx.data(), r.count, k, &kth, scratch.data());
    ASSERT_EQ(c, std::min(k, n));
    sort_desc(v.data(), idx.data(), c, keys.data(), scratch.data());
    std::vector<int32_t> got(static_cast<size_t>(c));
    for (int64_t j = 0; j < c; ++j) got[size_t(j)] = int32_t(~uint32_t(keys[size_t(j)]));
    std::vector<float> ref_v(static_cast<size_t>(k));
    std::vector<int32_t> ref_i(static_cast<size_t>(k));
    ref::top_k(x.data(), n, k, ref_v.data(), ref_i.data());
    expect_equal(ref_i.data(), got.data(), size_t(c), "scan top-k indices");
}

void add_cases(std::vector<OpCase>& cases) {
    const Dist all[] = {Dist::Normal,     Dist::FewValues,  Dist::AllEqual,   Dist::Ascending,
                        Dist::Descending, Dist::Infinities, Dist::SignedZeros};
    std::vector<int64_t> sizes = adversarial_sizes();
    sizes.insert(sizes.begin(), 0);
    for (int64_t n : {4096, 4099, 20011}) sizes.push_back(n);
    int variant = 0;
    for (int64_t n : sizes) {
        std::vector<int64_t> ks = {0, 1, 7, n, n + 3};
        if (n > 2048) ks.push_back(2048);
        std::sort(ks.begin(), ks.end());
        ks.erase(std::unique(ks.begin(), ks.end()), ks.end());
        for (int64_t k : ks)
            for (Dist d : all) {
                size_t misalign = (variant % 3) * 4;  // 0, 4 or 8 bytes off the 64-byte boundary
                bool with_values = variant % 5 != 4;  // cpu::top_k accepts out_values = nullptr
                ++variant;
                std::string params =
                    "n=" + std::to_string(n) + ",k=" + std::to_string(k) + ",dist=" + dist_name(d) +
                    ",misalign=" + std::to_string(misalign) + (with_values ? "" : ",no_values");
                cases.push_back({"top_k", params, [=](CaseContext& ctx) {
                                     run_top_k(ctx, d, n, k, misalign, with_values);
                                 }});
            }
    }
    // Large rows: the threaded path with a rising threshold and repeated compactions.
    for (int64_t n : {100003, 262147})
        for (int64_t k : {1, 7, 100, 2048, 40000})
            for (Dist d : {Dist::Normal, Dist::FewValues, Dist::Ascending, Dist::AllEqual,
                           Dist::SignedZeros}) {
                std::string params =
                    "n=" + std::to_string(n) + ",k=" + std::to_string(k) + ",dist=" + dist_name(d);
                cases.push_back(
                    {"top_k", params, [=](CaseContext& ctx) { run_top_k(ctx, d, n, k, 4, true); }});
            }
    // The scan itself with tiny buffers: the running threshold is compacted over and over.
    for (int64_t n : {1, 17, 100, 1000, 5003})
        for (int64_t k : {1, 7, 64})
            for (int64_t cap : {2 * k, 2 * k + 1, 4 * k + 3})
                for (double q : {-1.0, 0.0, 0.01, 0.5})
                    for (Dist d : {Dist::Normal, Dist::FewValues, Dist::Ascending, Dist::Descending,
                                   Dist::Infinities, Dist::SignedZeros}) {
                        std::string params = "n=" + std::to_string(n) + ",k=" + std::to_string(k) +
                                             ",cap=" + std::to_string(cap) +
                                             ",s_quantile=" + std::to_string(int(q * 100)) +
                                             ",dist=" + dist_name(d);
                        cases.push_back({"top_k_scan", params, [=](CaseContext& ctx) {
                                             run_scan(ctx, d, n, k, cap, q);
                                         }});
                    }
    for (int64_t rows : {1, 2, 3, 5})
        for (int64_t n : {0, 17, 1000, 70001})
            for (int64_t k : {int64_t(1), int64_t(5), int64_t(65), n + 2})
                for (Dist d : {Dist::Normal, Dist::FewValues}) {
                    std::string params = "rows=" + std::to_string(rows) +
                                         ",n=" + std::to_string(n) + ",k=" + std::to_string(k) +
                                         ",dist=" + dist_name(d);
                    cases.push_back({"top_k_rows", params, [=](CaseContext& ctx) {
                                         run_top_k_rows(ctx, d, rows, n, k, 4);
                                     }});
                }
    cases.push_back({"top_k", "bad_arguments", [](CaseContext&) {
                         float x[4] = {1, 2, 3, 4};
                         int32_t i[4];
                         EXPECT_THROW(cpu::top_k(x, -1, 2, nullptr, i), Error);
                         EXPECT_THROW(cpu::top_k(x, 4, -2, nullptr, i), Error);
                         EXPECT_THROW(cpu::top_k(nullptr, 4, 2, nullptr, i), Error);
                         EXPECT_THROW(cpu::top_k(x, 4, 2, nullptr, nullptr), Error);
                         EXPECT_THROW(cpu::top_k_rows(x, -1, 4, 2, nullptr, i), Error);
                         EXPECT_THROW(ref::top_k(x, 4, 2, nullptr, i), Error);
                         float nan_row[3] = {1, std::nanf(""), 2};
                         EXPECT_THROW(ref::top_k(nan_row, 3, 1, x, i), Error);
                         EXPECT_NO_THROW(cpu::top_k(nullptr, 0, 0, nullptr, nullptr));
                         EXPECT_NO_THROW(cpu::top_k_rows(nullptr, 0, 7, 3, nullptr, nullptr));
                     }});
    // Golden: the spec's tie rule on a hand-checked row.
    cases.push_back({"top_k", "golden_ties", [](CaseContext&) {
                         const float x[6] = {1.0f, 3.0f, -0.0f, 3.0f, 0.0f, 2.0f};
                         float v[8];
                         int32_t i[8];
                         cpu::top_k(x, 6, 8, v, i);
                         const int32_t want_i[8] = {1, 3, 5, 0, 2, 4, -1, -1};
                         for (int j = 0; j < 8; ++j) EXPECT_EQ(i[j], want_i[j]) << "rank " << j;
                         EXPECT_TRUE(std::signbit(v[4]) && v[4] == 0.0f);
                         EXPECT_EQ(v[7], -std::numeric_limits<float>::infinity());
                     }});
}

static CaseRegistrar reg(add_cases);

}  // namespace
}  // namespace mempipe::test
