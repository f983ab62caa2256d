// Conformance cases for fusion (include/mempipe/ops/fusion.h): fuse_rrf and fuse_weighted.
//
// Tolerance: none. Both backends evaluate the same double expressions in the same order and round
// once to f32, so scores and docs must equal the reference bit for bit. Golden cases check the
// formulas by hand (RRF k = 60, 1-based ranks; min-max with the max == min ⇒ 1 rule).
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "conformance.h"
#include "mempipe/core/error.h"
#include "mempipe/ops/fusion.h"

namespace mempipe::test {
namespace {

// A ranked list of `len` entries over doc ids [0, universe): duplicates allowed inside the list
// (first occurrence counts), `pad` trailing −1 entries (top_k padding).
std::vector<int32_t> random_list(Rng& rng, int64_t len, int64_t universe, int64_t pad) {
    std::vector<int32_t> v;
    for (int64_t i = 0; i < len; ++i) v.push_back(int32_t(rng.uniform_int(0, universe - 1)));
    for (int64_t i = 0; i < pad; ++i) v.push_back(-1);
    return v;
}

void run_rrf(CaseContext& ctx, int64_t n_lists, int64_t len, int64_t universe, int64_t k,
             size_t mis) {
    std::vector<std::vector<int32_t>> lists;
    std::vector<const int32_t*> ptrs;
    std::vector<int64_t> lengths;
    for (int64_t l = 0; l < n_lists; ++l) {
        lists.push_back(random_list(ctx.rng, len + l, universe, l % 2 ? 3 : 0));
        lengths.push_back(int64_t(lists.back().size()));
    }
    for (auto& l : lists) ptrs.push_back(l.data());
    std::vector<float> rv(static_cast<size_t>(k));
    std::vector<int32_t> rd(static_cast<size_t>(k));
    Guarded<float> cv(size_t(k), mis);
    Guarded<int32_t> cd(size_t(k), mis);
    const int64_t rn =
        ref::fuse_rrf(ptrs.data(), lengths.data(), n_lists, kRrfK, k, rv.data(), rd.data());
    const int64_t cn =
        cpu::fuse_rrf(ptrs.data(), lengths.data(), n_lists, kRrfK, k, cv.data(), cd.data());
    cv.check_guards("fuse_rrf scores");
    cd.check_guards("fuse_rrf docs");
    EXPECT_EQ(rn, cn);
    expect_equal(rd.data(), cd.data(), rd.size(), "fuse_rrf docs");
    expect_equal(rv.data(), cv.data(), rv.size(), "fuse_rrf scores");
    expect_finite(cv.data(), size_t(cn), "fuse_rrf scores");
}

void run_weighted(CaseContext& ctx, int64_t na, int64_t nb, int64_t universe, double alpha,
                  int64_t k, bool equal_scores, size_t mis) {
    std::vector<int32_t> a = random_list(ctx.rng, na, universe, 2),
                         b = random_list(ctx.rng, nb, universe, 0);
    std::vector<float> as(a.size()), bs(b.size());
    for (auto& s : as) s = equal_scores ? 0.25f : ctx.rng.normal();
    for (auto& s : bs)
        s = equal_scores ? 7.0f : float(ctx.rng.uniform_int(0, 9));  // BM25-like ties
    for (size_t i = 0; i < a.size(); ++i)
        if (a[i] < 0) as[i] = -std::numeric_limits<float>::infinity();  // padding is skipped
    std::vector<float> rv(static_cast<size_t>(k));
    std::vector<int32_t> rd(static_cast<size_t>(k));
    Guarded<float> cv(size_t(k), mis);
    Guarded<int32_t> cd(size_t(k), mis);
    const int64_t rn =
        ref::fuse_weighted(a.data(), as.data(), int64_t(a.size()), b.data(), bs.data(),
                           int64_t(b.size()), alpha, k, rv.data(), rd.data());
    const int64_t cn =
        cpu::fuse_weighted(a.data(), as.data(), int64_t(a.size()), b.data(), bs.data(),
                           int64_t(b.size()), alpha, k, cv.data(), cd.data());
    cv.check_guards("fuse_weighted scores");
    cd.check_guards("fuse_weighted docs");
    EXPECT_EQ(rn, cn);
    expect_equal(rd.data(), cd.data(), rd.size(), "fuse_weighted docs");
    expect_equal(rv.data(), cv.data(), rv.size(), "fuse_weighted scores");
    expect_finite(cv.data(), size_t(cn), "fuse_weighted scores");
    for (int64_t j = 0; j < cn; ++j)
        EXPECT_TRUE(cv[size_t(j)] >= 0 && cv[size_t(j)] <= 1) << "fused score out of [0, 1]";
}

template <class Fn>
void both(Fn fn) {
    fn([](auto... a) { return ref::fuse_rrf(a...); },
       [](auto... a) { return ref::fuse_weighted(a...); });
    fn([](auto... a) { return cpu::fuse_rrf(a...); },
       [](auto... a) { return cpu::fuse_weighted(a...); });
}

void golden(CaseContext&) {
    both([](auto rrf, auto weighted) {
        // A = [5, 3, 9], B = [3, 7]: 3 → 1/62 + 1/61, 5 → 1/61, 7 → 1/62, 9 → 1/63.
        const int32_t a[] = {5, 3, 9}, b[] = {3, 7};
        const int32_t* lists[] = {a, b};
        const int64_t len[] = {3, 2};
        float s[5];
        int32_t d[5];
        EXPECT_EQ(rrf(lists, len, int64_t(2), kRrfK, int64_t(5), s, d), 4);
        const int32_t want[] = {3, 5, 7, 9, -1};
        for (int i = 0; i < 5; ++i) EXPECT_EQ(d[i], want[i]) << i;
        EXPECT_EQ(s[0], float(1.0 / 62 + 1.0 / 61));
        EXPECT_EQ(s[1], float(1.0 / 61));
        EXPECT_EQ(s[3], float(1.0 / 63));
        EXPECT_EQ(s[4], -std::numeric_limits<float>::infinity());
        // Tie: rank 1 in one list each → equal scores → lower doc id first; a duplicate counts
        // once, at its best rank; padding is skipped.
        const int32_t c[] = {8, 8, -1}, e[] = {2};
        const int32_t* l2[] = {c, e};
        const int64_t len2[] = {3, 1};
        EXPECT_EQ(rrf(l2, len2, int64_t(2), kRrfK, int64_t(2), s, d), 2);
        EXPECT_EQ(d[0], 2);
        EXPECT_EQ(d[1], 8);
        EXPECT_EQ(s[0], float(1.0 / 61));
        EXPECT_EQ(s[1], float(1.0 / 61));
        // Weighted, α = 0.5: dense {10: 4, 20: 2, 30: 0} → {1, 0.5, 0}; bm25 {20: 12, 40: 4} →
        // {1, 0}; fused 20: 0.75, 10: 0.5, 30: 0, 40: 0 (tie → lower id).
        const int32_t da[] = {10, 20, 30}, db[] = {20, 40};
        const float sa[] = {4, 2, 0}, sb[] = {12, 4};
        EXPECT_EQ(weighted(da, sa, int64_t(3), db, sb, int64_t(2), 0.5, int64_t(5), s, d), 4);
        const int32_t wd[] = {20, 10, 30, 40, -1};
        const float ws[] = {0.75f, 0.5f, 0, 0};
        for (int i = 0; i < 5; ++i) EXPECT_EQ(d[i], wd[i]) << i;
        for (int i = 0; i < 4; ++i) EXPECT_EQ(s[i], ws[i]) << i;
        // max == min: a one-entry list normalises to 1; α = 0.25 → 0.25·1 + 0.75·1 for a doc in
        // both, 0.75 for a bm25-only doc of the top bm25 score.
        const int32_t oa[] = {7}, ob[] = {7, 3};
        const float osa[] = {-3}, osb[] = {5, 5};
        EXPECT_EQ(weighted(oa, osa, int64_t(1), ob, osb, int64_t(2), 0.25, int64_t(2), s, d), 2);
        EXPECT_EQ(d[0], 7);
        EXPECT_EQ(s[0], 1.0f);
        EXPECT_EQ(d[1], 3);
        EXPECT_EQ(s[1], 0.75f);
        // Empty inputs.
        EXPECT_EQ(rrf(lists, len, int64_t(0), kRrfK, int64_t(1), s, d), 0);
        EXPECT_EQ(d[0], -1);
        EXPECT_EQ(weighted(da, sa, int64_t(0), db, sb, int64_t(0), 0.5, int64_t(0), s, d), 0);
    });
}

void bad_args(CaseContext&) {
    auto usage = [](auto fn) {
        try {
            fn();
        } catch (const Error& e) {
            return e.kind() == ErrorKind::Usage;
        }
        return false;
    };
    both([&](auto rrf, auto weighted) {
        const int32_t a[] = {1, -2}, ok[] = {1, 2};
        const float sa[] = {1, 2}, bad[] = {1, std::nanf("")};
        const int32_t* lists[] = {a};
        const int64_t len[] = {2};
        float s[2];
        int32_t d[2];
        EXPECT_TRUE(usage([&] { rrf(lists, len, int64_t(1), kRrfK, int64_t(2), s, d); }));
        const int32_t* okl[] = {ok};
        EXPECT_TRUE(usage([&] { rrf(okl, len, int64_t(1), -1.0, int64_t(2), s, d); }));
        EXPECT_TRUE(usage([&] { rrf(okl, len, int64_t(1), kRrfK, int64_t(-1), s, d); }));
        EXPECT_TRUE(usage(
            [&] { weighted(ok, sa, int64_t(2), ok, sa, int64_t(2), 1.5, int64_t(2), s, d); }));
        EXPECT_TRUE(usage(
            [&] { weighted(ok, bad, int64_t(2), ok, sa, int64_t(2), 0.5, int64_t(2), s, d); }));
        EXPECT_TRUE(
            usage([&] { weighted(a, sa, int64_t(2), ok, sa, int64_t(2), 0.5, int64_t(2), s, d); }));
    });
}

void cases(std::vector<OpCase>& out) {
    int salt = 0;
    for (int64_t n_lists : {1, 2, 3})
        for (int64_t len : {0, 1, 15, 16, 17, 64, 65, 1000})
            for (int64_t universe : {int64_t(5), std::max<int64_t>(1, len * 2), int64_t(1) << 30})
                for (int64_t k : {int64_t(1), int64_t(10), len * n_lists + 5}) {
                    const size_t mis = size_t(salt++ % 2) * 4;
                    out.push_back(
                        {"fuse_rrf",
                         fmt::format("lists={},len={},u={},k={},mis={}", n_lists, len, universe, k,
                                     mis),
                         [=](CaseContext& c) { run_rrf(c, n_lists, len, universe, k, mis); }});
                }
    for (int64_t na : {0, 1, 16, 17, 100})
        for (int64_t nb : {0, 1, 33, 64})
            for (double alpha : {0.0, 0.3, 1.0})
                for (bool eq : {false, true}) {
                    const int64_t k = (na + nb) % 3 == 0 ? 10 : na + nb + 2;
                    const size_t mis = size_t(salt++ % 2) * 4;
                    out.push_back({"fuse_weighted",
                                   fmt::format("na={},nb={},alpha={},eq={},k={},mis={}", na, nb,
                                               alpha, eq, k, mis),
                                   [=](CaseContext& c) {
                                       run_weighted(c, na, nb, std::max<int64_t>(na + nb, 1), alpha,
                                                    k, eq, mis);
                                   }});
                }
    out.push_back({"fuse_rrf", "golden", golden});
    out.push_back({"fuse_rrf", "bad_args", bad_args});
}

CaseRegistrar reg(cases);

}  // namespace
}  // namespace mempipe::test
