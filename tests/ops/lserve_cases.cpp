// Conformance cases for the LServe ops: page_minmax, page_minmax_update, page_scores, page_select.
//
// Tolerance: none. Statistics are element-wise max/min of bf16 keys (exact), scores follow the
// canonical 16-lane FMA order of include/mempipe/ops/lserve.h in every backend, and selection is
// exact given the scores, so cpu must match ref bit for bit. Output buffers are pre-filled with the
// same pattern for both backends and compared whole, which also checks that masked heads and spare
// capacity are left untouched.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "conformance.h"
#include "mempipe/core/dtype.h"
#include "mempipe/core/error.h"
#include "mempipe/ops/lserve.h"

namespace mempipe::test {
namespace {

std::string shape_str(const LservePageShape& s) {
    return "hq=" + std::to_string(s.hq) + ",hkv=" + std::to_string(s.hkv) +
           ",d=" + std::to_string(s.d) + ",lp=" + std::to_string(s.logical_page) +
           ",page=" + std::to_string(s.page);
}

// Random bf16 keys; `special` sprinkles ±0 and ±inf (all valid non-NaN keys).
std::vector<uint16_t> make_keys(Rng& rng, int64_t n, bool special) {
    std::vector<uint16_t> k(static_cast<size_t>(n));
    for (auto& v : k) {
        uint32_t r = rng.next_u32() % 64;
        float x = rng.normal() * 2.0f;
        if (special && r == 0) x = 0.0f;
        if (special && r == 1) x = -0.0f;
        if (special && r == 2) x = std::numeric_limits<float>::infinity();
        if (special && r == 3) x = -std::numeric_limits<float>::infinity();
        v = f32_to_bf16(x);
    }
    return k;
}

std::vector<uint8_t> make_mask(int64_t hkv, int kind) {
    std::vector<uint8_t> m(static_cast<size_t>(hkv));
    for (int64_t j = 0; j < hkv; ++j)
        m[size_t(j)] = kind == 1 ? uint8_t(j % 2 == 0) : uint8_t(j % 3 != 1);
    return m;
}

void run_page_minmax(CaseContext& ctx, LservePageShape s, int64_t n, int mask_kind, bool special,
                     size_t mis) {
    std::vector<uint16_t> keys = make_keys(ctx.rng, n * s.hkv * s.d, special);
    int64_t capacity = lserve_logical_pages(n, s) + 1;
    size_t len = size_t(s.hkv * capacity * 2 * s.d);
    std::vector<uint8_t> mask = make_mask(s.hkv, mask_kind);
    const uint8_t* m = mask_kind ? mask.data() : nullptr;
    Guarded<uint16_t> got(len, mis);
    std::fill(got.data(), got.data() + len, uint16_t(0x7fc1));
    std::vector<uint16_t> want(len, uint16_t(0x7fc1));
    ref::page_minmax(keys.data(), n, s, m, want.data(), capacity);
    cpu::page_minmax(keys.data(), n, s, m, got.data(), capacity);
    expect_equal(want.data(), got.data(), len, "stats");
    got.check_guards("stats");
}

// Token-by-token updates from an empty cache must rebuild what page_minmax computes in one go.
void run_page_minmax_update(CaseContext& ctx, LservePageShape s, int64_t n, int mask_kind,
                            bool special) {
    std::vector<uint16_t> keys = make_keys(ctx.rng, n * s.hkv * s.d, special);
    int64_t capacity = lserve_logical_pages(n, s) + 1;
    size_t len = size_t(s.hkv * capacity * 2 * s.d);
    std::vector<uint8_t> mask = make_mask(s.hkv, mask_kind);
    const uint8_t* m = mask_kind ? mask.data() : nullptr;
    std::vector<uint16_t> want(len, uint16_t(0x1234)), by_ref(len, uint16_t(0x1234));
    Guarded<uint16_t> got(len);
    std::fill(got.data(), got.data() + len, uint16_t(0x1234));
    ref::page_minmax(keys.data(), n, s, m, want.data(), capacity);
    for (int64_t t = 0; t < n; ++t) {
        const uint16_t* key = keys.data() + t * s.hkv * s.d;
        ref::page_minmax_update(key, t, s, m, by_ref.data(), capacity);
        cpu::page_minmax_update(key, t, s, m, got.data(), capacity);
    }
    expect_equal(want.data(), by_ref.data(), len, "ref updates vs ref page_minmax");
    expect_equal(want.data(), got.data(), len, "cpu updates vs ref page_minmax");
    got.check_guards("stats");
}

// Random statistics with kmax ≥ kmin per channel.
std::vector<uint16_t> make_stats(Rng& rng, const LservePageShape& s, int64_t capacity) {
    std::vector<uint16_t> st(static_cast<size_t>(s.hkv * capacity * 2 * s.d));
    for (int64_t r = 0; r < s.hkv * capacity; ++r)
        for (int64_t c = 0; c < s.d; ++c) {
            float a = rng.normal(), b = rng.normal();
            st[size_t((r * 2) * s.d + c)] = f32_to_bf16(std::max(a, b));
            st[size_t((r * 2 + 1) * s.d + c)] = f32_to_bf16(std::min(a, b));
        }
    return st;
}

void run_page_scores(CaseContext& ctx, LservePageShape s, int64_t n_logical, int mask_kind,
                     size_t mis) {
    int64_t capacity = n_logical + 3;
    std::vector<uint16_t> stats = make_stats(ctx.rng, s, capacity);
    Guarded<float> q(size_t(s.hq * s.d), mis);
    ctx.rng.fill_normal({q.data(), q.size()});
    for (size_t i = 0; i < q.size(); i += 7)
        q[i] = (i / 7) % 2 ? 0.0f : -0.0f;  // signed zeros in q
    std::vector<uint8_t> mask = make_mask(s.hkv, mask_kind);
    const uint8_t* m = mask_kind ? mask.data() : nullptr;
    int64_t n_phys = (n_logical + s.logical_per_page() - 1) / s.logical_per_page();
    size_t len = size_t(s.hq * n_phys);
    std::vector<float> want(len, -7.5f);
    Guarded<float> got(len, mis);
    std::fill(got.data(), got.data() + len, -7.5f);
    ref::page_scores(q.data(), stats.data(), capacity, n_logical, s, m, want.data());
    cpu::page_scores(q.data(), stats.data(), capacity, n_logical, s, m, got.data());
    expect_equal(want.data(), got.data(), len, "page scores");
    got.check_guards("page scores");
}

enum class ScoreDist { Normal, FewValues, AllEqual };

void run_page_select(CaseContext& ctx, LservePageShape s, int64_t history, int64_t extra_stride,
                     ScoreDist dist, int mask_kind) {
    int64_t n_pages = lserve_pages(history, s);
    int64_t stride = n_pages - 1 + extra_stride;
    std::vector<float> scores(static_cast<size_t>(std::max<int64_t>(1, s.hq * stride)));
    for (auto& v : scores)
        v = dist == ScoreDist::Normal      ? ctx.rng.normal()
            : dist == ScoreDist::FewValues ? float(ctx.rng.next_u32() % 3)
                                           : 1.5f;
    std::vector<uint8_t> mask = make_mask(s.hkv, mask_kind);
    const uint8_t* m = mask_kind ? mask.data() : nullptr;
    const int64_t w = s.width();
    size_t len = size_t(s.hq * w);
    std::vector<int32_t> want(len, -9);
    Guarded<int32_t> got(len, 4);
    std::fill(got.data(), got.data() + len, -9);
    ref::page_select(scores.data(), stride, history, s, m, want.data());
    cpu::page_select(scores.data(), stride, history, s, m, got.data());
    expect_equal(want.data(), got.data(), len, "page lists");
    got.check_guards("page lists");
    // Spec properties of every written list: ascending, unique, newest page present, −1 padding
    // only when every page fits, the selected pages beat every unselected complete page (ties →
    // lower index).
    for (int64_t h = 0; h < s.hq; ++h) {
        const int32_t* row = got.data() + h * w;
        if (m && !m[h / s.group()]) {
            for (int64_t i = 0; i < w; ++i)
                EXPECT_EQ(row[i], -9) << "masked head " << h << " was written";
            continue;
        }
        int64_t valid = std::count_if(row, row + w, [](int32_t x) { return x >= 0; });
        EXPECT_EQ(valid, std::min(n_pages, w)) << "head " << h;
        EXPECT_TRUE(std::is_sorted(row, row + valid) &&
                    std::adjacent_find(row, row + valid) == row + valid);
        EXPECT_EQ(row[valid - 1], n_pages - 1)
            << "the newest page is always selected (head " << h << ")";
        if (n_pages <= w) continue;
        const float* sc = scores.data() + h * stride;
        std::vector<uint8_t> chosen(size_t(n_pages), 0);
        for (int64_t i = 0; i < valid; ++i) chosen[size_t(row[i])] = 1;
        for (int64_t a = 0; a + 1 < n_pages; ++a)
            for (int64_t b = 0; b + 1 < n_pages; ++b)
                if (chosen[size_t(a)] && !chosen[size_t(b)]) {
                    ASSERT_TRUE(sc[a] > sc[b] || (sc[a] == sc[b] && a < b))
                        << "head " << h << ": page " << a << " selected over better page " << b;
                }
    }
}

void add_cases(std::vector<OpCase>& cases) {
    int variant = 0;
    const LservePageShape shapes[] = {
        {32, 8, 128, 16, 64, 4096}, {4, 1, 16, 16, 64, 4096}, {6, 2, 48, 16, 48, 4800},
        {8, 1, 32, 16, 64, 4096},   {3, 3, 17, 5, 15, 4095},  {2, 2, 33, 16, 64, 4096},
    };
    for (const LservePageShape& s : shapes) {
        for (int64_t n : {0, 1, 15, 16, 17, 31, 33, 64, 65, 100, 257}) {
            int mask_kind = variant % 3;
            bool special = variant % 2 == 1;
            size_t mis = size_t(variant % 4) * 2;
            ++variant;
            std::string p = shape_str(s) + ",n=" + std::to_string(n) +
                            ",mask=" + std::to_string(mask_kind) + (special ? ",special" : "") +
                            ",misalign=" + std::to_string(mis);
            cases.push_back({"page_minmax", p, [=](CaseContext& c) {
                                 run_page_minmax(c, s, n, mask_kind, special, mis);
                             }});
            cases.push_back({"page_minmax_update", p, [=](CaseContext& c) {
                                 run_page_minmax_update(c, s, n, mask_kind, special);
                             }});
        }
        for (int64_t nl : {0, 1, 3, 4, 5, 7, 63, 64, 65, 257}) {
            for (int mask_kind : {0, 1}) {
                size_t mis = size_t(variant++ % 4) * 4;
                std::string p = shape_str(s) + ",n_logical=" + std::to_string(nl) +
                                ",mask=" + std::to_string(mask_kind) +
                                ",misalign=" + std::to_string(mis);
                cases.push_back({"page_scores", p, [=](CaseContext& c) {
                                     run_page_scores(c, s, nl, mask_kind, mis);
                                 }});
            }
        }
    }
    // Larger score runs: the threaded split over (KV head, page) and page ranges crossing threads.
    for (int64_t nl : {4099, 9001}) {
        LservePageShape s{8, 2, 128, 16, 64, 4096};
        cases.push_back({"page_scores", shape_str(s) + ",n_logical=" + std::to_string(nl),
                         [=](CaseContext& c) { run_page_scores(c, s, nl, 0, 0); }});
    }
    const char* dist_names[] = {"normal", "few_values", "all_equal"};
    for (int64_t budget : {4096, 64, 192, 256}) {
        LservePageShape s{32, 8, 128, 16, 64, budget};
        for (int64_t history :
             {0, 1, 63, 64, 65, 191, 192, 4031, 4032, 4095, 4096, 4097, 5000, 20000, 70000})
            for (ScoreDist dist : {ScoreDist::Normal, ScoreDist::FewValues, ScoreDist::AllEqual}) {
                int mask_kind = variant % 2;
                int64_t extra = variant % 3;
                ++variant;
                std::string p =
                    "budget=" + std::to_string(budget) + ",history=" + std::to_string(history) +
                    ",dist=" + dist_names[int(dist)] + ",mask=" + std::to_string(mask_kind) +
                    ",extra_stride=" + std::to_string(extra);
                cases.push_back({"page_select", p, [=](CaseContext& c) {
                                     run_page_select(c, s, history, extra, dist, mask_kind);
                                 }});
            }
    }

    // Golden: a hand-checked score. d = 16, one KV head, q = (1, −2, 0, 3, 0…), kmax = (2, 1, 5,
    // −1, 0…), kmin = (−1, −3, −5, −4, 0…): S = 1·2 + (−2)(−3) + 0 + 3·(−1) = 5. Physical page of 4
    // logical pages with only 2 present: max(5, 1·0.5 + …, 0, 0).
    cases.push_back({"page_scores", "golden_hand_checked", [](CaseContext&) {
                         LservePageShape s{1, 1, 16, 16, 64, 4096};
                         std::vector<uint16_t> st(2 * 2 * 16, f32_to_bf16(0.0f));
                         const float kmax0[4] = {2, 1, 5, -1}, kmin0[4] = {-1, -3, -5, -4};
                         for (int c = 0; c < 4; ++c) {
                             st[size_t(c)] = f32_to_bf16(kmax0[c]);
                             st[size_t(16 + c)] = f32_to_bf16(kmin0[c]);
                         }
                         st[32] = f32_to_bf16(-8.0f);  // page 1: kmax_0 = −8, kmin_0 = −9 → S = −8
                         st[48] = f32_to_bf16(-9.0f);
                         std::vector<float> q(16, 0.0f);
                         q[0] = 1, q[1] = -2, q[3] = 3;
                         for (int pass = 0; pass < 2; ++pass) {
                             float out = -1;
                             if (pass == 0)
                                 ref::page_scores(q.data(), st.data(), 2, 2, s, nullptr, &out);
                             else
                                 cpu::page_scores(q.data(), st.data(), 2, 2, s, nullptr, &out);
                             EXPECT_EQ(out, 5.0f) << (pass ? "cpu" : "ref");
                             // With only the negative page present, the padded slots (0) win the
                             // max.
                             st[0] = f32_to_bf16(-8.0f), st[16] = f32_to_bf16(-9.0f);
                             st[1] = st[17] = st[3] = st[19] = f32_to_bf16(0.0f);
                             float neg = 1;
                             if (pass == 0)
                                 ref::page_scores(q.data(), st.data(), 2, 2, s, nullptr, &neg);
                             else
                                 cpu::page_scores(q.data(), st.data(), 2, 2, s, nullptr, &neg);
                             EXPECT_EQ(neg, 0.0f) << "padded logical slots count as 0";
                             for (int c = 0; c < 4; ++c) {
                                 st[size_t(c)] = f32_to_bf16(kmax0[c]);
                                 st[size_t(16 + c)] = f32_to_bf16(kmin0[c]);
                             }
                         }
                     }});
    // The canonical f32 order is an accurate Quest bound: within 1e-5 of the f64 evaluation of
    // Σ max(q·kmax, q·kmin) (products of f32 and bf16 are exact in f64).
    cases.push_back({"page_scores", "canonical_vs_f64", [](CaseContext& ctx) {
                         LservePageShape s{4, 1, 128, 16, 16, 4096};
                         int64_t n = 50;
                         std::vector<uint16_t> st = make_stats(ctx.rng, s, n);
                         std::vector<float> q(size_t(4 * 128));
                         ctx.rng.fill_normal(q);
                         std::vector<float> out(size_t(4 * n));
                         ref::page_scores(q.data(), st.data(), n, n, s, nullptr, out.data());
                         for (int64_t h = 0; h < 4; ++h)
                             for (int64_t p = 0; p < n; ++p) {
                                 double sum = 0, mag = 0;
                                 for (int64_t c = 0; c < 128; ++c) {
                                     double qc = q[size_t(h * 128 + c)];
                                     double a = qc * bf16_to_f32(st[size_t(p * 256 + c)]);
                                     double b = qc * bf16_to_f32(st[size_t(p * 256 + 128 + c)]);
                                     sum += std::max(a, b);
                                     mag += std::fabs(std::max(a, b));
                                 }
                                 // 128 f32 roundings of partial sums bounded by mag: ≤
                                 // 128·2^-24·mag.
                                 EXPECT_NEAR(out[size_t(h * n + p)], sum, 1e-5 * mag + 1e-30);
                             }
                     }});
    cases.push_back(
        {"page_select", "bad_arguments", [](CaseContext&) {
             LservePageShape s;
             std::vector<int32_t> out(size_t(s.hq * s.width()));
             std::vector<float> sc(10, 0.0f);
             EXPECT_THROW(cpu::page_select(nullptr, 0, 5000, s, nullptr, out.data()), Error);
             EXPECT_THROW(cpu::page_select(sc.data(), 10, 5000, s, nullptr, out.data()), Error);
             EXPECT_THROW(ref::page_select(sc.data(), 10, -1, s, nullptr, out.data()), Error);
             EXPECT_NO_THROW(cpu::page_select(nullptr, 0, 100, s, nullptr, out.data()));
             LservePageShape bad = s;
             bad.page = 48;
             EXPECT_THROW(cpu::page_select(sc.data(), 10, 100, bad, nullptr, out.data()), Error);
             bad = s;
             bad.hkv = 5;
             std::vector<uint16_t> st(4096);
             std::vector<float> q(4096);
             EXPECT_THROW(cpu::page_scores(q.data(), st.data(), 1, 1, bad, nullptr, sc.data()),
                          Error);
             EXPECT_THROW(cpu::page_scores(q.data(), st.data(), 1, 2, s, nullptr, sc.data()),
                          Error);
             EXPECT_THROW(cpu::page_minmax(st.data(), 17, s, nullptr, st.data(), 1), Error);
             EXPECT_THROW(cpu::page_minmax_update(st.data(), 16, s, nullptr, st.data(), 1), Error);
             EXPECT_NO_THROW(cpu::page_minmax(nullptr, 0, s, nullptr, nullptr, 0));
         }});
}

static CaseRegistrar reg(add_cases);

}  // namespace
}  // namespace mempipe::test
