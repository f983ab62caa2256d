// Conformance cases for the paged KV cache ops: paged_kv_append, attention_prefill (chunked,
// causal and not) and paged_attention_decode, against the references.
//
// Every cache is built adversarially: pages are drawn in a shuffled order from a pool with spare
// pages, and every row no position maps to (spare pages, the unused tail of the last block) holds
// NaN, so a kernel that reads a wrong page or past the attended range produces NaN and fails.
//
// Tolerance (attention): rtol 2e-5·c, atol 2e-6·c with c ≥ 1 the factor the softmax scale is
// raised by over d^-0.5 — the argument of tests/ops/attention_cases.cpp: the reference works in
// double, the kernels in f32 (exact bf16 widening, f32 FMA dots of length d ≤ 256, a ~1 ulp
// polynomial exp, online rescaling per 32 positions), so a score c·O(1) carries ~c·1e-6 absolute
// error, which is the relative error of each softmax weight. paged_kv_append is exact (both round
// with the same RNE conversion).
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "conformance.h"
#include "mempipe/core/dtype.h"
#include "mempipe/core/error.h"
#include "mempipe/ops/attention.h"

namespace mempipe::test {
namespace {

constexpr double kRtol = 2e-5, kAtol = 2e-6;  // per unit of scale factor c (see top)
constexpr uint16_t kNanBf16 = 0x7fc0;
constexpr float kSentinel = 7777.0f;

// A paged cache holding `tokens` valid positions (N(0, 1) bf16) in blocks of `ps`; `spare` extra
// pages and every unused row are NaN. shuffle: the block table is a random injection into the
// pool, otherwise the identity.
struct Paged {
    int64_t ps, n_blocks, n_pages, hkv, d;
    std::vector<int32_t> table;
    Guarded<uint16_t> k, v;

    Paged(CaseContext& ctx, int64_t tokens, int64_t ps_, int64_t hkv_, int64_t d_, bool shuffle,
          size_t mis, int64_t capacity_tokens = -1, int64_t spare = 2)
        : ps(ps_),
          n_blocks((std::max(tokens, capacity_tokens) + ps_ - 1) / ps_),
          n_pages(n_blocks + spare),
          hkv(hkv_),
          d(d_),
          k(size_t(n_pages * ps_ * hkv_ * d_), mis * 2),
          v(size_t(n_pages * ps_ * hkv_ * d_), mis * 2) {
        std::vector<int32_t> pool(static_cast<size_t>(n_pages));
        std::iota(pool.begin(), pool.end(), 0);
        if (shuffle)
            for (size_t i = pool.size(); i > 1; --i)
                std::swap(pool[i - 1], pool[size_t(ctx.rng.uniform_int(0, int64_t(i) - 1))]);
        table.assign(pool.begin(), pool.begin() + n_blocks);
        std::fill(k.data(), k.data() + k.size(), kNanBf16);
        std::fill(v.data(), v.data() + v.size(), kNanBf16);
        PagedKvCache c = view();
        const int64_t row = hkv * d;
        for (int64_t p = 0; p < tokens; ++p) {
            int64_t off = (int64_t(table[size_t(p / ps)]) * ps + p % ps) * row;
            ctx.rng.fill_bf16_normal({c.k + off, size_t(row)});
            ctx.rng.fill_bf16_normal({c.v + off, size_t(row)});
        }
    }
    PagedKvCache view() {
        PagedKvCache c;
        c.k = k.data();
        c.v = v.data();
        c.block_table = table.data();
        c.n_pages = n_pages;
        c.page_size = ps;
        c.n_blocks = n_blocks;
        c.hkv = hkv;
        c.d = d;
        return c;
    }
    // Offset of (position p, KV head j) in k / v.
    int64_t offset(int64_t p, int64_t j) const {
        return ((int64_t(table[size_t(p / ps)]) * ps + p % ps) * hkv + j) * d;
    }
};

struct Heads {
    int64_t hq, hkv;
};
constexpr Heads kHeads[] = {{4, 1}, {8, 2}, {6, 6}, {5, 1}, {32, 8}, {16, 2}};

std::string heads_str(Heads h) {
    return "hq=" + std::to_string(h.hq) + ",hkv=" + std::to_string(h.hkv);
}

// ---- attention_prefill ----------------------------------------------------------------------

struct PrefillCfg {
    int64_t m, past, ps;
    Heads heads;
    int64_t d;
    bool causal, shuffle;
    float scale_mult = 1.0f;
    size_t mis = 0;
};

std::string cfg_str(const PrefillCfg& c) {
    return "m=" + std::to_string(c.m) + ",past=" + std::to_string(c.past) +
           ",page=" + std::to_string(c.ps) + "," + heads_str(c.heads) +
           ",d=" + std::to_string(c.d) + (c.causal ? ",causal" : ",full") +
           (c.shuffle ? ",shuffled" : ",identity") + ",scale_x" +
           std::to_string(int(c.scale_mult)) + ",misalign=" + std::to_string(c.mis);
}

void run_prefill(CaseContext& ctx, const PrefillCfg& c) {
    Paged cache(ctx, c.past + c.m, c.ps, c.heads.hkv, c.d, c.shuffle, c.mis);
    const size_t n = size_t(c.m * c.heads.hq * c.d);
    Guarded<float> q(n, c.mis * 4), got(n, c.mis * 4);
    ctx.rng.fill_normal({q.data(), q.size()});
    PrefillShape s{c.m, c.past, c.heads.hq, c.scale_mult / std::sqrt(float(c.d)), c.causal};
    std::vector<float> want(n, kSentinel);
    std::fill(got.data(), got.data() + n, kSentinel);
    ref::attention_prefill(q.data(), cache.view(), s, want.data());
    cpu::attention_prefill(q.data(), cache.view(), s, got.data());
    got.check_guards("out");
    expect_close(want.data(), got.data(), n, kRtol * c.scale_mult, kAtol * c.scale_mult, "out");
    expect_finite(got.data(), n, "out");
}

void prefill_cases(std::vector<OpCase>& out) {
    // Adversarial m × past × causal, rotating page size (1, 16, prime 7), head layout and head dim
    // (64/128: full AVX-512 chunks; 48: a 3-chunk remainder; 40: the scalar fallback).
    const int64_t pages[] = {1, 16, 7};
    const int64_t dims[] = {64, 128, 48, 40, 32};
    int idx = 0;
    for (int64_t m : {1, 2, 5, 16, 17, 31, 33, 65})
        for (int64_t past : {0, 1, 15, 100})
            for (bool causal : {true, false}) {
                PrefillCfg c{m,      past,        pages[idx % 3], kHeads[idx % 6], dims[idx % 5],
                             causal, idx % 4 != 0};
                c.mis = size_t(idx % 2);
                if (c.heads.hq * m * (past + m) * c.d > 30'000'000) c.heads = kHeads[0];
                ++idx;
                out.push_back({"attention_prefill", cfg_str(c),
                               [=](CaseContext& ctx) { run_prefill(ctx, c); }});
            }
    // Threads and many tiles; peaky softmax (max subtraction matters); GQA 8:1 (4 rows per tile);
    // head dims 256 and 16; a chunk later in a long cache.
    for (PrefillCfg c : {PrefillCfg{100, 300, 16, {8, 2}, 128, true, true},
                         PrefillCfg{64, 64, 16, {32, 4}, 64, true, true, 12.0f},
                         PrefillCfg{40, 10, 5, {16, 2}, 128, true, true},
                         PrefillCfg{9, 3, 4, {8, 1}, 256, true, true, 1.0f, 1},
                         PrefillCfg{33, 0, 3, {4, 4}, 16, false, true},
                         PrefillCfg{7, 700, 64, {4, 1}, 128, true, true},
                         PrefillCfg{70, 0, 70, {4, 4}, 64, false, false}})
        out.push_back(
            {"attention_prefill", cfg_str(c), [=](CaseContext& ctx) { run_prefill(ctx, c); }});

    // The encoder case: a contiguous cache as one page, not causal; each row must equal dense
    // decode attention of that row over all m positions (cross-op check against the reference).
    out.push_back({"attention_prefill", "contiguous_vs_dense_decode", [](CaseContext& ctx) {
                       const int64_t m = 37, hq = 4, d = 64;
                       std::vector<uint16_t> k(size_t(m * hq * d)), v(k.size());
                       ctx.rng.fill_bf16_normal(k);
                       ctx.rng.fill_bf16_normal(v);
                       std::vector<float> q(size_t(m * hq * d)), got(q.size()), want(q.size());
                       ctx.rng.fill_normal(q);
                       PagedKvCache c = PagedKvCache::contiguous(k.data(), v.data(), m, hq, d);
                       const float scale = 0.125f;
                       cpu::attention_prefill(q.data(), c, {m, 0, hq, scale, false}, got.data());
                       AttentionShape s{m, hq, hq, d, scale};
                       for (int64_t i = 0; i < m; ++i)
                           ref::dense_attention_decode(q.data() + i * hq * d, k.data(), v.data(), s,
                                                       nullptr, want.data() + i * hq * d);
                       expect_close(want.data(), got.data(), want.size(), kRtol, kAtol, "out");
                   }});
    // Golden: the first row of a causal chunk at past = 0 attends only position 0, so its output
    // is exactly V[0] (weight 1); with identical keys the last row averages the values.
    out.push_back({"attention_prefill", "golden", [](CaseContext&) {
                       const int64_t m = 4, d = 32;
                       std::vector<uint16_t> k(size_t(m * d), f32_to_bf16(0.5f)), v(k.size());
                       for (int64_t t = 0; t < m; ++t)
                           for (int64_t e = 0; e < d; ++e)
                               v[size_t(t * d + e)] = f32_to_bf16(float(t + 1));
                       std::vector<float> q(size_t(m * d), 1.0f), o(q.size());
                       PagedKvCache c = PagedKvCache::contiguous(k.data(), v.data(), m, 1, d);
                       cpu::attention_prefill(q.data(), c, {m, 0, 1, 0.25f, true}, o.data());
                       for (int64_t e = 0; e < d; ++e) {
                           EXPECT_EQ(o[size_t(e)], 1.0f);
                           EXPECT_NEAR(o[size_t(1 * d + e)], 1.5f, 1e-6);
                           EXPECT_NEAR(o[size_t(3 * d + e)], 2.5f, 1e-6);
                       }
                   }});
    // NaN in the K row of position p (inside the chunk) poisons exactly the rows attending p
    // (rows at positions ≥ p of that KV head's query heads); NaN in the V row of the chunk's last
    // position reaches only the last row, although it shares a 32-position step with the others.
    for (int which : {0, 1})
        out.push_back({"attention_prefill", which == 0 ? "nan_key" : "nan_value_future",
                       [which](CaseContext& ctx) {
                           const int64_t m = 20, past = 5, hq = 8, hkv = 2, d = 64;
                           Paged cache(ctx, past + m, 16, hkv, d, true, 0);
                           const int64_t p = which == 0 ? past + 7 : past + m - 1;
                           uint16_t* dst = which == 0 ? cache.k.data() : cache.v.data();
                           dst[cache.offset(p, 1) + 3] = kNanBf16;
                           std::vector<float> q(size_t(m * hq * d)), want(q.size()), got(q.size());
                           ctx.rng.fill_normal(q);
                           PrefillShape s{m, past, hq, 0.125f, true};
                           ref::attention_prefill(q.data(), cache.view(), s, want.data());
                           cpu::attention_prefill(q.data(), cache.view(), s, got.data());
                           expect_close(want.data(), got.data(), want.size(), kRtol, kAtol, "out");
                           for (int64_t i = 0; i < m; ++i)
                               for (int64_t h = 0; h < hq; ++h) {
                                   bool poisoned = h >= 4 && past + i >= p;
                                   float x = got[size_t((i * hq + h) * d + 3)];  // the poisoned dim
                                   ASSERT_EQ(std::isnan(x), poisoned)
                                       << "row " << i << " head " << h;
                               }
                       }});
    // m = 0 writes nothing; bad arguments are usage errors.
    out.push_back({"attention_prefill", "empty_and_bad_args", [](CaseContext& ctx) {
                       Paged cache(ctx, 10, 4, 2, 32, true, 0);
                       std::vector<float> q(size_t(10 * 4 * 32), 1.0f), o(q.size(), kSentinel);
                       PagedKvCache c = cache.view();
                       cpu::attention_prefill(q.data(), c, {0, 10, 4, 0.1f, true}, o.data());
                       ref::attention_prefill(q.data(), c, {0, 10, 4, 0.1f, true}, o.data());
                       for (float x : o) ASSERT_EQ(x, kSentinel);
                       auto bad = [&](PrefillShape s, PagedKvCache cc) {
                           EXPECT_THROW(cpu::attention_prefill(q.data(), cc, s, o.data()), Error);
                           EXPECT_THROW(ref::attention_prefill(q.data(), cc, s, o.data()), Error);
                       };
                       bad({3, 0, 5, 0.1f, true}, c);   // hq not a multiple of hkv
                       bad({3, 10, 4, 0.1f, true}, c);  // past + m beyond the capacity (12)
                       bad({3, 0, 4, std::numeric_limits<float>::quiet_NaN(), true}, c);
                       bad({-1, 0, 4, 0.1f, true}, c);
                       PagedKvCache broken = c;
                       std::vector<int32_t> table = cache.table;
                       table[1] = int32_t(cache.n_pages);  // not a page
                       broken.block_table = table.data();
                       bad({6, 0, 4, 0.1f, true}, broken);
                       broken = c;
                       broken.page_size = 0;
                       bad({1, 0, 4, 0.1f, true}, broken);
                       EXPECT_THROW(
                           cpu::attention_prefill(nullptr, c, {1, 0, 4, 0.1f, true}, o.data()),
                           Error);
                   }});
}

// ---- paged_attention_decode ------------------------------------------------------------------

void decode_cases(std::vector<OpCase>& out) {
    const int64_t pages[] = {1, 16, 7, 64};
    const int64_t dims[] = {128, 64, 48, 40};
    int idx = 0;
    for (int64_t n : {0, 1, 15, 16, 17, 33, 64, 65, 257, 1000})
        for (int rep = 0; rep < 3; ++rep) {
            const int64_t ps = pages[(idx + rep) % 4], d = dims[idx % 4];
            const Heads h = kHeads[idx % 6];
            const bool shuffle = (idx + rep) % 3 != 0;
            const size_t mis = size_t(idx % 2);
            ++idx;
            std::string p = "n=" + std::to_string(n) + ",page=" + std::to_string(ps) + "," +
                            heads_str(h) + ",d=" + std::to_string(d) +
                            (shuffle ? ",shuffled" : ",identity") +
                            ",misalign=" + std::to_string(mis);
            out.push_back(
                {"paged_attention_decode", p, [=](CaseContext& ctx) {
                     // Capacity beyond n: the NaN rows after n must not be read.
                     Paged cache(ctx, n, ps, h.hkv, d, shuffle, mis, n + 2 * ps + 1);
                     Guarded<float> q(size_t(h.hq * d), mis * 4);
                     ctx.rng.fill_normal({q.data(), q.size()});
                     const float scale = 1.0f / std::sqrt(float(d));
                     std::vector<float> want(q.size(), kSentinel);
                     Guarded<float> got(q.size(), mis * 4);
                     ref::paged_attention_decode(q.data(), cache.view(), n, h.hq, scale,
                                                 want.data());
                     cpu::paged_attention_decode(q.data(), cache.view(), n, h.hq, scale,
                                                 got.data());
                     got.check_guards("out");
                     expect_close(want.data(), got.data(), want.size(), kRtol, kAtol, "out");
                     expect_finite(got.data(), got.size(), "out");
                     // The paged reference equals dense decode on the gathered rows.
                     const int64_t row = h.hkv * d;
                     std::vector<uint16_t> k(size_t(n * row)), v(k.size());
                     for (int64_t t = 0; t < n; ++t)
                         for (int64_t e = 0; e < row; ++e) {
                             k[size_t(t * row + e)] = cache.k[size_t(cache.offset(t, 0) + e)];
                             v[size_t(t * row + e)] = cache.v[size_t(cache.offset(t, 0) + e)];
                         }
                     std::vector<float> dense(q.size());
                     ref::dense_attention_decode(q.data(), k.data(), v.data(),
                                                 {n, h.hq, h.hkv, d, scale}, nullptr, dense.data());
                     expect_equal(dense.data(), want.data(), dense.size(), "ref");
                 }});
        }
    out.push_back(
        {"paged_attention_decode", "bad_args", [](CaseContext& ctx) {
             Paged cache(ctx, 10, 4, 2, 32, true, 0);
             std::vector<float> q(4 * 32, 1.0f), o(q.size());
             PagedKvCache c = cache.view();
             EXPECT_THROW(cpu::paged_attention_decode(q.data(), c, 13, 4, 0.1f, o.data()),
                          Error);  // beyond capacity 12
             EXPECT_THROW(cpu::paged_attention_decode(q.data(), c, 5, 3, 0.1f, o.data()), Error);
             EXPECT_THROW(ref::paged_attention_decode(q.data(), c, -1, 4, 0.1f, o.data()), Error);
             std::vector<int32_t> table = cache.table;
             table[2] = -1;
             c.block_table = table.data();
             EXPECT_THROW(cpu::paged_attention_decode(q.data(), c, 9, 4, 0.1f, o.data()), Error);
             cpu::paged_attention_decode(q.data(), c, 8, 4, 0.1f, o.data());  // fine
         }});
}

// ---- paged_kv_append ---------------------------------------------------------------------------

void append_cases(std::vector<OpCase>& out) {
    for (int64_t ps : {1, 7, 16})
        for (int64_t len : {0, 5, 16})
            for (int64_t m : {0, 1, 17}) {
                const size_t mis = size_t((ps + len + m) % 2);
                std::string p = "page=" + std::to_string(ps) + ",len=" + std::to_string(len) +
                                ",m=" + std::to_string(m) + ",misalign=" + std::to_string(mis);
                out.push_back({"paged_kv_append", p, [=](CaseContext& ctx) {
                                   const int64_t hkv = 2, d = 24, row = hkv * d;
                                   Paged a(ctx, len, ps, hkv, d, true, mis, len + m + 3);
                                   std::vector<uint16_t> k0(a.k.data(), a.k.data() + a.k.size());
                                   std::vector<uint16_t> v0(a.v.data(), a.v.data() + a.v.size());
                                   Guarded<float> kn(size_t(m * row), mis * 4),
                                       vn(kn.size(), mis * 4);
                                   ctx.rng.fill_normal({kn.data(), kn.size()});
                                   ctx.rng.fill_normal({vn.data(), vn.size()});
                                   if (m > 0) kn[0] = std::numeric_limits<float>::quiet_NaN();
                                   if (m > 0) vn[1] = 1.00390625f;  // a bf16 tie: RNE to 1.0
                                   cpu::paged_kv_append(a.view(), len, kn.data(), vn.data(), m);
                                   PagedKvCache rc = a.view();
                                   rc.k = k0.data();
                                   rc.v = v0.data();
                                   ref::paged_kv_append(rc, len, kn.data(), vn.data(), m);
                                   expect_equal(k0.data(), a.k.data(), k0.size(), "k");
                                   expect_equal(v0.data(), a.v.data(), v0.size(), "v");
                                   a.k.check_guards("k");
                                   a.v.check_guards("v");
                                   for (int64_t i = 0; i < m; ++i)
                                       for (int64_t e = 0; e < row; ++e) {
                                           uint16_t got = a.k[size_t(a.offset(len + i, 0) + e)];
                                           float want = kn[size_t(i * row + e)];
                                           if (std::isnan(want))
                                               ASSERT_TRUE(std::isnan(bf16_to_f32(got)));
                                           else
                                               ASSERT_EQ(got, f32_to_bf16(want));
                                       }
                                   if (m > 0) {
                                       uint16_t tie = a.v[size_t(a.offset(len, 0) + 1)];
                                       EXPECT_EQ(tie, 0x3f80);
                                   }
                               }});
            }
    out.push_back(
        {"paged_kv_append", "bad_args", [](CaseContext& ctx) {
             Paged a(ctx, 4, 4, 1, 16, false, 0, 8);  // capacity 8
             std::vector<float> kn(5 * 16, 1.0f);
             EXPECT_THROW(cpu::paged_kv_append(a.view(), 4, kn.data(), kn.data(), 5), Error);
             EXPECT_THROW(ref::paged_kv_append(a.view(), -1, kn.data(), kn.data(), 1), Error);
             EXPECT_THROW(cpu::paged_kv_append(a.view(), 0, nullptr, kn.data(), 1), Error);
             cpu::paged_kv_append(a.view(), 8, nullptr, nullptr, 0);  // m = 0 at the end
         }});
}

void all_cases_prefill(std::vector<OpCase>& out) {
    prefill_cases(out);
    decode_cases(out);
    append_cases(out);
}

static CaseRegistrar reg(all_cases_prefill);

}  // namespace
}  // namespace mempipe::test
