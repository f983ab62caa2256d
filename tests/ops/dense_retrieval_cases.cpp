// Conformance cases for dense retrieval (include/mempipe/ops/dense_retrieval.h): dense_scores,
// dense_top_k and quant_int8_rows, every SIMD level against the reference.
//
// Tolerances:
//   * integer-valued F32/BF16 inputs (|q|, |k| ≤ 3, d ≤ 1024: every partial sum is an integer below
//     2^24) → f32 accumulation in any order is exact: values AND indices must equal the reference
//     bit for bit, which also pins the tie rule (many equal scores);
//   * I8 keys → the int32 dot is exact and the epilogue is the same f32 expression: bit-exact;
//   * real-valued F32/BF16 inputs → |cpu − ref| ≤ (d + 2)·2^-24·Σ|q·k| per score (the documented
//     bound for f32 accumulation in any order); top-k index sets must agree wherever the
//     reference's gap between ranks k and k+1 exceeds twice the largest bound, and any key the
//     kernel picks instead of a reference key must be within that bound of the reference's k-th
//     score.
#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "conformance.h"
#include "mempipe/core/dtype.h"
#include "mempipe/core/error.h"
#include "mempipe/ops/dense_retrieval.h"

namespace mempipe::test {
namespace {

constexpr double kU = 1.0 / (1 << 24);

enum class Fill { Integer, Normal };

struct Input {
    DType dtype;
    int64_t nq, n, d;
    size_t misalign;  // bytes, applied to queries and keys (a multiple of the element size)
    Guarded<float> q;
    Guarded<float> kf;
    Guarded<uint16_t> kb;
    Guarded<int8_t> k8;
    Guarded<float> scales;
    Input(DType t, int64_t nq_, int64_t n_, int64_t d_, size_t mis)
        : dtype(t),
          nq(nq_),
          n(n_),
          d(d_),
          misalign(mis),
          q(size_t(nq_ * d_), mis ? 4 : 0),
          kf(t == DType::F32 ? size_t(n_ * d_) : 0, mis ? 4 : 0),
          kb(t == DType::BF16 ? size_t(n_ * d_) : 0, mis ? 2 : 0),
          k8(t == DType::I8 ? size_t(n_ * d_) : 0, mis ? 1 : 0),
          scales(size_t(n_), mis ? 4 : 0) {}
    DenseKeysView view() const {
        DenseKeysView v;
        v.dtype = dtype;
        v.n = n;
        v.d = d;
        v.data = dtype == DType::F32    ? static_cast<const void*>(kf.data())
                 : dtype == DType::BF16 ? static_cast<const void*>(kb.data())
                                        : static_cast<const void*>(k8.data());
        v.scales = dtype == DType::I8 ? scales.data() : nullptr;
        return v;
    }
    float key(int64_t i, int64_t j) const {
        const size_t e = size_t(i * d + j);
        return dtype == DType::F32    ? kf[e]
               : dtype == DType::BF16 ? bf16_to_f32(kb[e])
                                      : float(k8[e]);
    }
};

void fill(Input& in, Fill f, Rng& rng) {
    for (size_t i = 0; i < in.q.size(); ++i)
        in.q[i] = f == Fill::Integer ? float(rng.uniform_int(-3, 3)) : rng.normal();
    const size_t nk = size_t(in.n * in.d);
    for (size_t i = 0; i < nk; ++i) {
        const float v = f == Fill::Integer ? float(rng.uniform_int(-3, 3)) : rng.normal();
        if (in.dtype == DType::F32) in.kf[i] = v;
        if (in.dtype == DType::BF16) in.kb[i] = f32_to_bf16(v);
        // int8 keys use the full range, −128 included (the VNNI bias trick must handle it).
        if (in.dtype == DType::I8) in.k8[i] = int8_t(rng.uniform_int(-128, 127));
    }
    for (size_t i = 0; i < in.scales.size(); ++i) in.scales[i] = rng.uniform(0.001f, 0.05f);
}

// Σ_j |q·k| per (query, key), for the error bound.
std::vector<double> abs_dots(const Input& in) {
    std::vector<double> a(size_t(in.nq * in.n));
    for (int64_t b = 0; b < in.nq; ++b)
        for (int64_t i = 0; i < in.n; ++i) {
            double s = 0;
            for (int64_t j = 0; j < in.d; ++j)
                s += std::fabs(double(in.q[size_t(b * in.d + j)]) * double(in.key(i, j)));
            a[size_t(b * in.n + i)] = s;
        }
    return a;
}

bool exact_case(const Input& in, Fill f) {
    return f == Fill::Integer || in.dtype == DType::I8;
}

void run_scores(CaseContext& ctx, DType t, int64_t nq, int64_t n, int64_t d, Fill f, size_t mis) {
    Input in(t, nq, n, d, mis);
    fill(in, f, ctx.rng);
    std::vector<float> ref(size_t(nq * n));
    Guarded<float> got(size_t(nq * n), mis ? 4 : 0);
    ref::dense_scores(in.q.data(), nq, in.view(), ref.data());
    cpu::dense_scores(in.q.data(), nq, in.view(), got.data());
    got.check_guards("dense_scores out");
    expect_finite(got.data(), got.size(), "dense_scores out");
    if (exact_case(in, f)) {
        expect_equal(ref.data(), got.data(), ref.size(), "dense_scores (exact inputs)");
        return;
    }
    const std::vector<double> a = abs_dots(in);
    for (size_t i = 0; i < ref.size(); ++i) {
        const double tol = double(d + 2) * kU * a[i];
        if (std::fabs(double(got[i]) - double(ref[i])) > tol) {
            ADD_FAILURE() << "dense_scores[" << i << "]: ref " << ref[i] << " got " << got[i]
                          << " beyond the bound " << tol;
            return;
        }
    }
}

void run_top_k(CaseContext& ctx, DType t, int64_t nq, int64_t n, int64_t d, int64_t k, Fill f,
               size_t mis) {
    Input in(t, nq, n, d, mis);
    fill(in, f, ctx.rng);
    std::vector<float> rv(size_t(nq * k));
    std::vector<int32_t> ri(size_t(nq * k));
    Guarded<float> cv(size_t(nq * k), mis ? 4 : 0);
    Guarded<int32_t> ci(size_t(nq * k), mis ? 4 : 0);
    ref::dense_top_k(in.q.data(), nq, in.view(), k, rv.data(), ri.data());
    cpu::dense_top_k(in.q.data(), nq, in.view(), k, cv.data(), ci.data());
    cv.check_guards("dense_top_k values");
    ci.check_guards("dense_top_k indices");
    const int64_t real = std::min(k, n);
    for (int64_t b = 0; b < nq; ++b) {
        expect_finite(cv.data() + b * k, size_t(real), "dense_top_k values");
        for (int64_t j = real; j < k; ++j) {
            EXPECT_EQ(ci[size_t(b * k + j)], -1) << "padding index at " << j;
            EXPECT_EQ(cv[size_t(b * k + j)], -std::numeric_limits<float>::infinity());
        }
    }
    if (exact_case(in, f)) {
        expect_equal(ri.data(), ci.data(), ri.size(), "dense_top_k indices (exact inputs)");
        expect_equal(rv.data(), cv.data(), rv.size(), "dense_top_k values (exact inputs)");
        return;
    }
    std::vector<float> scores(size_t(nq * n));
    ref::dense_scores(in.q.data(), nq, in.view(), scores.data());
    const std::vector<double> a = abs_dots(in);
    for (int64_t b = 0; b < nq; ++b) {
        double tol = 0;
        for (int64_t i = 0; i < n; ++i)
            tol = std::max(tol, double(d + 2) * kU * a[size_t(b * n + i)]);
        const float* row = scores.data() + b * n;
        std::set<int32_t> rs, cs;
        for (int64_t j = 0; j < real; ++j) {
            const int32_t idx = ci[size_t(b * k + j)];
            ASSERT_TRUE(idx >= 0 && idx < n) << "index " << idx << " out of range";
            EXPECT_LE(std::fabs(double(cv[size_t(b * k + j)]) - double(row[idx])), tol)
                << "value of key " << idx;
            if (j > 0) {
                const float pv = cv[size_t(b * k + j - 1)], v = cv[size_t(b * k + j)];
                EXPECT_TRUE(pv > v || (pv == v && ci[size_t(b * k + j - 1)] < idx))
                    << "output not in (score desc, index asc) order at " << j;
            }
            rs.insert(ri[size_t(b * k + j)]);
            cs.insert(idx);
        }
        EXPECT_EQ(cs.size(), size_t(real)) << "duplicate indices";
        if (real == 0) continue;
        const double kth = rv[size_t(b * k + real - 1)];
        for (int32_t idx : cs) {
            if (!rs.count(idx)) {
                EXPECT_GE(double(row[idx]), kth - 2 * tol)
                    << "key " << idx << " is not a near-tie of the reference's k-th score";
            }
        }
        if (real < n) {
            std::vector<float> sorted(row, row + n);
            std::nth_element(sorted.begin(), sorted.begin() + real, sorted.end(),
                             std::greater<float>());
            const double next = sorted[size_t(real)];
            if (kth - next > 2 * tol) {
                EXPECT_EQ(rs, cs) << "gap " << kth - next << " > 2·" << tol;
            }
        } else {
            EXPECT_EQ(rs, cs);
        }
    }
}

const char* tname(DType t) {
    return t == DType::F32 ? "f32" : t == DType::BF16 ? "bf16" : "i8";
}

void golden(CaseContext&) {
    // keys [[1,0],[0,1],[1,1]], q = [1,2] → scores [1,2,3] → top-2 = (2: 3), (1: 2).
    const float kf[] = {1, 0, 0, 1, 1, 1}, q[] = {1, 2};
    DenseKeysView v{DType::F32, kf, nullptr, 3, 2};
    float val[4];
    int32_t idx[4];
    cpu::dense_top_k(q, 1, v, 4, val, idx);
    EXPECT_EQ(idx[0], 2);
    EXPECT_EQ(idx[1], 1);
    EXPECT_EQ(idx[2], 0);
    EXPECT_EQ(idx[3], -1);
    EXPECT_EQ(val[0], 3.0f);
    EXPECT_EQ(val[1], 2.0f);
    EXPECT_EQ(val[3], -std::numeric_limits<float>::infinity());
    // int8: key [10, −20] with scale 0.5; q = [127, −63.5] → qscale 1, q8 = [127, −64] (RNE of
    // −63.5) → D = 1270 + 1280 = 2550 → score 2550·(1·0.5) = 1275.
    const int8_t k8[] = {10, -20};
    const float s8[] = {0.5f}, q8[] = {127.0f, -63.5f};
    DenseKeysView v8{DType::I8, k8, s8, 1, 2};
    float out = 0;
    cpu::dense_scores(q8, 1, v8, &out);
    EXPECT_EQ(out, 1275.0f);
    ref::dense_scores(q8, 1, v8, &out);
    EXPECT_EQ(out, 1275.0f);
    // quant_int8_rows: amax 127 → scale 1; RNE: 2.5 → 2, −3.5 → −4, 0.5 → 0, 1.5 → 2.
    const float x[] = {127, 2.5f, -3.5f, 0.5f, 1.5f, 0, 0, 0, 0, 0};
    int8_t o[10];
    float sc[2];
    cpu::quant_int8_rows(x, 2, 5, o, sc);
    const int8_t want[] = {127, 2, -4, 0, 2, 0, 0, 0, 0, 0};
    for (int i = 0; i < 10; ++i) EXPECT_EQ(o[i], want[i]) << i;
    EXPECT_EQ(sc[0], 1.0f);
    EXPECT_EQ(sc[1], 0.0f);
}

void bad_args(CaseContext&) {
    const float kf[] = {1, 2}, q[] = {1, 2};
    float val[1];
    int32_t idx[1];
    auto usage = [](auto fn) {
        try {
            fn();
        } catch (const Error& e) {
            return e.kind() == ErrorKind::Usage;
        }
        return false;
    };
    EXPECT_TRUE(usage([&] {
        cpu::dense_top_k(q, 1, DenseKeysView{DType::F16, kf, nullptr, 1, 2}, 1, val, idx);
    }));
    EXPECT_TRUE(usage([&] {
        cpu::dense_top_k(q, 1, DenseKeysView{DType::I8, kf, nullptr, 1, 2}, 1, val, idx);
    }));
    EXPECT_TRUE(usage([&] {
        cpu::dense_top_k(q, 1, DenseKeysView{DType::I8, kf, kf, 1, kDenseI8MaxDim + 1}, 1, val,
                         idx);
    }));
    EXPECT_TRUE(usage([&] {
        cpu::dense_top_k(q, 1, DenseKeysView{DType::F32, kf, nullptr, 1, 2}, -1, val, idx);
    }));
    EXPECT_TRUE(usage([&] {
        cpu::dense_top_k(nullptr, 1, DenseKeysView{DType::F32, kf, nullptr, 1, 2}, 1, val, idx);
    }));
    const float nan_row[] = {1, std::nanf("")};
    int8_t o[2];
    float s;
    EXPECT_TRUE(usage([&] { cpu::quant_int8_rows(nan_row, 1, 2, o, &s); }));
    // Empty inputs and k = 0 are fine.
    cpu::dense_top_k(q, 1, DenseKeysView{DType::F32, kf, nullptr, 0, 2}, 1, val, idx);
    EXPECT_EQ(idx[0], -1);
    cpu::dense_top_k(q, 0, DenseKeysView{DType::F32, kf, nullptr, 1, 2}, 1, val, idx);
    cpu::dense_top_k(q, 1, DenseKeysView{DType::F32, kf, nullptr, 1, 2}, 0, val, idx);
}

void run_quant(CaseContext& ctx, int64_t rows, int64_t d, size_t mis) {
    Guarded<float> x(size_t(rows * d), mis ? 4 : 0);
    for (size_t i = 0; i < x.size(); ++i) x[i] = ctx.rng.normal() * 3;
    if (rows > 1)
        for (int64_t j = 0; j < d; ++j) x[size_t(d + j)] = 0;  // an all-zero row → scale 0
    std::vector<int8_t> r8(x.size());
    std::vector<float> rs(static_cast<size_t>(rows));
    Guarded<int8_t> c8(x.size(), mis ? 1 : 0);
    Guarded<float> cs(size_t(rows), mis ? 4 : 0);
    ref::quant_int8_rows(x.data(), rows, d, r8.data(), rs.data());
    cpu::quant_int8_rows(x.data(), rows, d, c8.data(), cs.data());
    c8.check_guards("quant_int8_rows out");
    cs.check_guards("quant_int8_rows scales");
    expect_equal(r8.data(), c8.data(), r8.size(), "quant_int8_rows codes");
    expect_equal(rs.data(), cs.data(), rs.size(), "quant_int8_rows scales");
}

void cases(std::vector<OpCase>& out) {
    const DType types[] = {DType::F32, DType::BF16, DType::I8};
    const int64_t dims[] = {1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 1024};
    const int64_t ns[] = {0, 1, 7, 17, 64, 129, 1000};
    const int64_t nqs[] = {1, 3, 4, 5, 9};
    int salt = 0;
    for (DType t : types)
        for (int64_t d : dims)
            for (int64_t n : ns) {
                if (d == 1024 && n > 129) continue;  // keep the reference cheap
                const int64_t nq = nqs[size_t(salt++) % 5];
                const size_t mis = size_t(salt % 3 == 0);
                // k = 1, k < n, k = n, k > n (deduplicated for tiny n).
                std::vector<int64_t> ks = {1, std::max<int64_t>(1, n / 3), n, n + 3};
                std::sort(ks.begin(), ks.end());
                ks.erase(std::unique(ks.begin(), ks.end()), ks.end());
                for (int64_t k : ks) {
                    for (Fill f : {Fill::Integer, Fill::Normal}) {
                        if (f == Fill::Normal && t == DType::I8) continue;  // I8 is exact anyway
                        const std::string p =
                            fmt::format("{}_{},nq={},n={},d={},k={},mis={}", tname(t),
                                        f == Fill::Integer ? "int" : "real", nq, n, d, k, mis);
                        out.push_back({"dense_top_k", p, [=](CaseContext& c) {
                                           run_top_k(c, t, nq, n, d, k, f, mis);
                                       }});
                    }
                }
                const std::string p =
                    fmt::format("{},nq={},n={},d={},mis={}", tname(t), nq, n, d, mis);
                out.push_back({"dense_scores", p + ",int", [=](CaseContext& c) {
                                   run_scores(c, t, nq, n, d, Fill::Integer, mis);
                               }});
                out.push_back({"dense_scores", p + ",real", [=](CaseContext& c) {
                                   run_scores(c, t, nq, n, d, Fill::Normal, mis);
                               }});
            }
    // Larger scans: several threads, candidate compaction (n per thread ≫ k + 1024), batches that
    // cross the 64-query chunk, k above the compaction capacity.
    for (DType t : types) {
        out.push_back(
            {"dense_top_k", fmt::format("{}_int,nq=2,n=20011,d=24,k=10", tname(t)),
             [=](CaseContext& c) { run_top_k(c, t, 2, 20011, 24, 10, Fill::Integer, 0); }});
        out.push_back(
            {"dense_top_k", fmt::format("{}_real,nq=3,n=9001,d=40,k=2500", tname(t)),
             [=](CaseContext& c) { run_top_k(c, t, 3, 9001, 40, 2500, Fill::Normal, 1); }});
        out.push_back({"dense_top_k", fmt::format("{}_int,nq=70,n=300,d=17,k=7", tname(t)),
                       [=](CaseContext& c) { run_top_k(c, t, 70, 300, 17, 7, Fill::Integer, 0); }});
    }
    for (int64_t rows : {0, 1, 2, 17})
        for (int64_t d : {1, 16, 33, 768})
            out.push_back({"quant_int8_rows", fmt::format("rows={},d={}", rows, d),
                           [=](CaseContext& c) { run_quant(c, rows, d, size_t(d % 2)); }});
    out.push_back({"dense_top_k", "golden", golden});
    out.push_back({"dense_top_k", "bad_args", bad_args});
}

CaseRegistrar reg(cases);

}  // namespace
}  // namespace mempipe::test
