// Conformance cases for the DSA family (include/mempipe/ops/dsa.h): quant_fp8_block,
// index_cache_append, mqa_relu_logits (Faithful and Int8 paths), score_top_k, indexer_key /
// indexer_query.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <set>
#include <string>
#include <vector>

#include "conformance.h"
#include "mempipe/core/dtype.h"
#include "mempipe/core/error.h"
#include "mempipe/ops/dsa.h"
#include "mempipe/ops/nn.h"
#include "mempipe/ops/top_k.h"

namespace mempipe::test {
namespace {

constexpr double kU = 0x1p-24;  // f32 unit roundoff

std::string P(const char* name, int64_t a) {
    return std::string(name) + "=" + std::to_string(a);
}

// ---- inputs
// ---------------------------------------------------------------------------------------------
enum class Data { Realistic, Integer, Small };  // Small: codes of {−1, 0, 1} (exponent < 8 paths)

// Realistic rows: N(0,1) with a few outliers, bf16-rounded, quantised by the reference act_quant.
void realistic_codes(Rng& rng, int64_t rows, uint8_t* codes, float* scales) {
    std::vector<float> x(size_t(rows * 128));
    for (float& v : x) v = rng.normal() * (rng.uniform() < 0.02 ? 8.0f : 1.0f);
    round_bf16(x.data(), int64_t(x.size()));
    ref::quant_fp8_block(x.data(), rows, 128, codes, scales);
}

// Integer rows: e4m3 codes of integers in [−lim, lim]; scales powers of two. Every dot and weighted
// head sum is then an integer-valued multiple of the scale below 2^24: exact in f32 whatever the
// order.
void integer_codes(Rng& rng, int64_t rows, int lim, uint8_t* codes, float* scales) {
    for (int64_t i = 0; i < rows * 128; ++i)
        codes[i] = f32_to_e4m3(float(rng.uniform_int(-lim, lim)));
    if (scales)
        for (int64_t r = 0; r < rows; ++r)
            scales[r] = std::ldexp(1.0f, int(rng.uniform_int(-3, 3)));
}

struct Keys {
    Guarded<uint8_t> buf;
    std::vector<int32_t> table;
    IndexKeysView view;
};

// L keys in pages (block table reversed when `permuted`), optionally at a misaligned base.
Keys make_keys(Rng& rng, int64_t L, Data data, bool permuted, size_t misalign) {
    const int64_t pages = (L + 63) / 64;
    Keys k{
        Guarded<uint8_t>(size_t(std::max<int64_t>(pages, 1) * kIndexPageBytes), misalign), {}, {}};
    std::vector<uint8_t> codes(size_t(L * 128));
    std::vector<float> sc(static_cast<size_t>(L));
    if (data == Data::Realistic)
        realistic_codes(rng, L, codes.data(), sc.data());
    else
        integer_codes(rng, L, data == Data::Small ? 1 : 12, codes.data(), sc.data());
    for (int64_t p = 0; p < pages; ++p) k.table.push_back(int32_t(permuted ? pages - 1 - p : p));
    std::memset(k.buf.data(), 0, k.buf.size());
    for (int64_t s = 0; s < L; ++s) {
        uint8_t* pg = k.buf.data() + int64_t(k.table[size_t(s / 64)]) * kIndexPageBytes;
        std::memcpy(pg + (s % 64) * 128, codes.data() + s * 128, 128);
        std::memcpy(pg + 64 * 128 + (s % 64) * 4, &sc[size_t(s)], 4);
    }
    k.view = {k.buf.data(), permuted ? k.table.data() : nullptr, L};
    return k;
}

// The same keys with every code's sign cleared (|k8|), for error bounds.
Keys abs_keys(const Keys& k) {
    Keys a{Guarded<uint8_t>(k.buf.size()), k.table, {}};
    std::memcpy(a.buf.data(), k.buf.data(), k.buf.size());
    for (size_t p = 0; p < k.buf.size() / kIndexPageBytes; ++p)
        for (int64_t i = 0; i < 64 * 128; ++i) a.buf[p * kIndexPageBytes + size_t(i)] &= 0x7f;
    a.view = {a.buf.data(), k.view.block_table ? a.table.data() : nullptr, k.view.len};
    return a;
}

struct Queries {
    std::vector<uint8_t> q8;
    std::vector<float> w;
};

Queries make_queries(Rng& rng, int64_t batch, int64_t heads, Data data) {
    Queries q{std::vector<uint8_t>(size_t(batch * heads * 128)),
              std::vector<float>(size_t(batch * heads))};
    std::vector<float> qs(size_t(batch * heads));
    if (data == Data::Realistic) {
        realistic_codes(rng, batch * heads, q.q8.data(), qs.data());
        for (size_t i = 0; i < q.w.size(); ++i) q.w[i] = rng.normal() * 0.125f * qs[i] * 0.0884f;
    } else {
        integer_codes(rng, batch * heads, data == Data::Small ? 1 : 12, q.q8.data(), nullptr);
        for (float& v : q.w) v = float(rng.uniform_int(-4, 8));
    }
    return q;
}

// ---- quant_fp8_block
// --------------------------------------------------------------------------------------
void quant_cases(std::vector<OpCase>& out) {
    for (int64_t rows : {0, 1, 2, 7, 64})
        for (int64_t cols : {128, 256})
            for (size_t mis : {size_t(0), size_t(4)})
                out.push_back(
                    {"quant_fp8_block",
                     P("rows", rows) + "," + P("cols", cols) + ",misalign=" + std::to_string(mis),
                     [=](CaseContext& c) {
                         Guarded<float> x(size_t(rows * cols), mis);
                         // rows at many magnitudes: every binade and the subnormal e4m3 range
                         for (int64_t r = 0; r < rows; ++r) {
                             float mag = std::ldexp(1.0f, int(c.rng.uniform_int(-30, 20)));
                             for (int64_t i = 0; i < cols; ++i)
                                 x[size_t(r * cols + i)] =
                                     c.rng.normal() * mag * (c.rng.uniform() < 0.1 ? 1e-3f : 1.0f);
                         }
                         Guarded<uint8_t> codes(size_t(rows * cols), mis),
                             codes_ref(size_t(rows * cols));
                         Guarded<float> sc(size_t(rows * cols / 128), mis),
                             sc_ref(size_t(rows * cols / 128));
                         ref::quant_fp8_block(x.data(), rows, cols, codes_ref.data(),
                                              sc_ref.data());
                         cpu::quant_fp8_block(x.data(), rows, cols, codes.data(), sc.data());
                         codes.check_guards("codes");
                         sc.check_guards("scales");
                         expect_equal(codes_ref.data(), codes.data(), codes.size(), "codes");
                         expect_equal(sc_ref.data(), sc.data(), sc.size(), "scales");
                     }});
    out.push_back({"quant_fp8_block", "exhaustive_bf16", [](CaseContext&) {
                       // Every finite bf16 value, in rows anchored by a max of 448·2^e so that all
                       // e4m3 binades (normal, subnormal, RNE ties) are hit: cpu encoder ==
                       // reference bit for bit.
                       std::vector<float> x;
                       for (uint32_t b = 0; b < 65536; ++b) {
                           float v = bf16_to_f32(uint16_t(b));
                           if (std::isfinite(v)) x.push_back(v);
                       }
                       const int64_t rows = (int64_t(x.size()) + 126) / 127;
                       std::vector<float> rowsbuf(size_t(rows * 128), 0.0f);
                       for (int64_t r = 0; r < rows; ++r) {
                           float amax = 0;
                           for (int64_t i = 0; i < 127 && r * 127 + i < int64_t(x.size()); ++i) {
                               rowsbuf[size_t(r * 128 + i)] = x[size_t(r * 127 + i)];
                               amax = std::max(amax, std::fabs(x[size_t(r * 127 + i)]));
                           }
                           rowsbuf[size_t(r * 128 + 127)] =
                               amax * 1.5f;  // places the block max just above
                       }
                       std::vector<uint8_t> a(rowsbuf.size()), b(rowsbuf.size());
                       std::vector<float> sa(static_cast<size_t>(rows)),
                           sb(static_cast<size_t>(rows));
                       ref::quant_fp8_block(rowsbuf.data(), rows, 128, a.data(), sa.data());
                       cpu::quant_fp8_block(rowsbuf.data(), rows, 128, b.data(), sb.data());
                       expect_equal(a.data(), b.data(), a.size(), "codes");
                       expect_equal(sa.data(), sb.data(), sa.size(), "scales");
                   }});
    out.push_back(
        {"quant_fp8_block", "golden", [](CaseContext& c) {
             auto one = [&](float amax, float probe, float want_scale, uint8_t want_code) {
                 float x[128] = {};
                 x[0] = amax;
                 x[1] = probe;
                 uint8_t q[128];
                 float s;
                 for (int lvl = 0; lvl < 2; ++lvl) {
                     if (lvl == 0)
                         ref::quant_fp8_block(x, 1, 128, q, &s);
                     else
                         cpu::quant_fp8_block(x, 1, 128, q, &s);
                     EXPECT_EQ(s, want_scale) << "amax " << amax;
                     EXPECT_EQ(int(q[1]), int(want_code)) << "amax " << amax << " probe " << probe;
                 }
             };
             one(448.0f, 448.0f, 1.0f, 0x7e);   // amax/448 = 1 → s = 1; 448 = max code
             one(449.0f, -256.0f, 2.0f, 0xf0);  // just above 448 → s = 2; −128 = 0xf0
             one(1.0f, 1.0f, 0x1p-8f, 0x78);    // 1/448 → 2^-8; 1/2^-8 = 256 = 0x78
             one(0.0f, 0.0f, 0x1p-22f, 0x00);   // amax floor 1e-4 → 2^ceil(log2(2.2e-7)) = 2^-22
             one(1e-5f, 1e-5f, 0x1p-22f,
                 f32_to_e4m3(1e-5f * 0x1p22f));  // below the floor: floor scale
             one(464.0f, 232.0f, 2.0f, 0x6e);  // 116: tie of 112/120 in [64,128) → even: 112 = 0x6e
             one(448.0f * (1 - 0x1p-24f), 447.99997f, 1.0f,
                 0x7e);                               // rounds up to the max code, no NaN
             one(1.0f, 0x1p-17f, 0x1p-8f, 0x01);      // 2^-17/2^-8 = 2^-9: smallest subnormal
             one(1.0f, 0x1p-18f, 0x1p-8f, 0x00);      // 2^-10: tie between 0 and 2^-9 → even (0)
             one(1.0f, 3 * 0x1p-18f, 0x1p-8f, 0x02);  // 1.5·2^-9 → tie → even (2·2^-9)
             (void)c;
         }});
    out.push_back({"quant_fp8_block", "bad_args", [](CaseContext&) {
                       float x[100] = {};
                       uint8_t q[100];
                       float s[1];
                       EXPECT_THROW(cpu::quant_fp8_block(x, 1, 100, q, s),
                                    Error);  // cols not a multiple of 128
                       EXPECT_THROW(cpu::quant_fp8_block(nullptr, 1, 128, q, s), Error);
                   }});
}

// ---- index cache
// ---------------------------------------------------------------------------------------------
void cache_cases(std::vector<OpCase>& out) {
    out.push_back({"index_cache_append", "round_trip", [](CaseContext& c) {
                       const int64_t cap = 300;  // 5 pages, the last partial
                       IndexKeyCache a(cap), b(cap);
                       EXPECT_EQ(a.pages(), 5);
                       std::vector<uint8_t> k(size_t(cap * 128));
                       std::vector<float> s(static_cast<size_t>(cap));
                       for (auto& v : k) v = uint8_t(c.rng.next_u32() & 0x7e);
                       for (auto& v : s) v = std::ldexp(1.0f, int(c.rng.uniform_int(-20, 5)));
                       // runs crossing page boundaries, out of order, a single token, a whole page
                       const std::pair<int64_t, int64_t> runs[] = {{60, 10},  {0, 60},  {70, 58},
                                                                   {128, 64}, {192, 1}, {193, 107}};
                       for (auto [pos, n] : runs) {
                           ref::index_cache_append(a, pos, k.data() + pos * 128, s.data() + pos, n);
                           cpu::index_cache_append(b, pos, k.data() + pos * 128, s.data() + pos, n);
                       }
                       EXPECT_EQ(a.size(), cap);
                       EXPECT_EQ(b.size(), cap);
                       for (int64_t p = 0; p < cap; ++p) {
                           ASSERT_EQ(std::memcmp(b.key(p), k.data() + p * 128, 128), 0)
                               << "key " << p;
                           ASSERT_EQ(b.scale(p), s[size_t(p)]) << "scale " << p;
                       }
                       for (int64_t p = 0; p < a.pages(); ++p)
                           ASSERT_EQ(std::memcmp(a.page(p), b.page(p), size_t(kIndexPageBytes)), 0)
                               << "page " << p;
                       // DeepGEMM layout: the scale of token 65 is at page 1, byte 8192 + 4.
                       float s65;
                       std::memcpy(&s65, b.page(1) + 64 * 128 + 4, 4);
                       EXPECT_EQ(s65, s[65]);
                       EXPECT_THROW(cpu::index_cache_append(b, 299, k.data(), s.data(), 2), Error);
                       EXPECT_THROW(b.view(cap + 1), Error);
                       EXPECT_THROW(b.key(cap), Error);
                       IndexKeyCache empty(0);
                       EXPECT_EQ(empty.pages(), 0);
                       cpu::index_cache_append(empty, 0, nullptr, nullptr, 0);
                   }});
}

// ---- mqa_relu_logits
// ---------------------------------------------------------------------------------------------
void run_logits(CaseContext& c, int64_t batch, int64_t heads, int64_t L, Data data, bool permuted,
                size_t mis, IndexerPath path) {
    Keys k = make_keys(c.rng, L, data, permuted, mis);
    Queries q = make_queries(c.rng, batch, heads, data);
    Guarded<float> got(size_t(batch * L), mis ? 4 : 0);
    std::vector<float> want(size_t(batch * L));
    ref::mqa_relu_logits(q.q8.data(), q.w.data(), k.view, batch, heads, want.data(), path);
    cpu::mqa_relu_logits(q.q8.data(), q.w.data(), k.view, batch, heads, got.data(), path);
    got.check_guards("logits");
    expect_finite(got.data(), got.size(), "logits");
    if (data != Data::Realistic && path == IndexerPath::Faithful) {
        // every product, dot, relu·w and head sum is an integer multiple of the scale below 2^24:
        // exact.
        expect_equal(want.data(), got.data(), want.size(), "logits (integer data)");
        return;
    }
    // Error bounds from reference runs on |w| (and |q|, |k|): M1 = k_scale·Σ_h |w_h| relu(D_h),
    // M2 = k_scale·Σ_h |w_h| Σ_d |q k| (all dots positive).
    std::vector<float> aw(q.w.size());
    for (size_t i = 0; i < aw.size(); ++i) aw[i] = std::fabs(q.w[i]);
    std::vector<float> m1(want.size()), m2(want.size());
    ref::mqa_relu_logits(q.q8.data(), aw.data(), k.view, batch, heads, m1.data(), path);
    if (path == IndexerPath::Faithful) {
        std::vector<uint8_t> aq(q.q8);
        for (auto& v : aq) v &= 0x7f;
        Keys ak = abs_keys(k);
        ref::mqa_relu_logits(aq.data(), aw.data(), ak.view, batch, heads, m2.data(), path);
    }
    for (size_t i = 0; i < want.size(); ++i) {
        // Faithful: each head's 128-term f32 dot (≤ 128 sequential roundings of exact products)
        // errs by ≤ 130u·Σ|qk|; the relu·w products and the f32 head sum add ≤ (H+2)u·Σ|w relu(D)|.
        // Int8: integer dots are exact; only the f32 epilogue rounds.
        double tol = double(heads + 4) * kU * m1[i] +
                     (path == IndexerPath::Faithful ? 130.0 * kU * m2[i] : 0.0);
        tol = tol * 1.0001 + 1e-37;
        if (!(std::fabs(double(got[i]) - want[i]) <= tol)) {
            ADD_FAILURE() << "logit " << i << ": ref " << want[i] << " got " << got[i] << " tol "
                          << tol;
            return;
        }
    }
}

void logits_cases(std::vector<OpCase>& out) {
    for (IndexerPath path : {IndexerPath::Faithful, IndexerPath::Int8}) {
        const std::string pn = path == IndexerPath::Faithful ? "faithful" : "int8";
        for (int64_t L : {1, 5, 63, 64, 65, 127, 129, 1031, 2100})
            for (int64_t heads : {64, 1, 17, 65})
                for (Data d : {Data::Realistic, Data::Integer}) {
                    if (heads != 64 && (L > 129 || d == Data::Integer)) continue;
                    int64_t batch = L % 2 + 1;
                    bool perm = L % 3 == 0;
                    size_t mis = L % 5 == 0 ? 3 : 0;
                    std::string name = pn + "," + P("L", L) + "," + P("heads", heads) + "," +
                                       P("batch", batch) + (d == Data::Integer ? ",integer" : "") +
                                       (perm ? ",block_table" : "") + (mis ? ",misalign" : "");
                    out.push_back({"mqa_relu_logits", name, [=](CaseContext& c) {
                                       run_logits(c, batch, heads, L, d, perm, mis, path);
                                   }});
                }
        out.push_back({"mqa_relu_logits", pn + ",L=200,small_values", [=](CaseContext& c) {
                           run_logits(c, 2, 64, 200, Data::Small, false, 0, path);
                       }});
        out.push_back({"mqa_relu_logits", pn + ",batch=3,L=300", [=](CaseContext& c) {
                           run_logits(c, 3, 64, 300, Data::Realistic, false, 0, path);
                       }});
        out.push_back({"mqa_relu_logits", pn + ",empty", [=](CaseContext& c) {
                           run_logits(c, 1, 64, 0, Data::Realistic, false, 0, path);
                           run_logits(c, 0, 64, 70, Data::Realistic, false, 0, path);
                       }});
    }
    out.push_back(
        {"mqa_relu_logits", "golden", [](CaseContext&) {
             // One head, one key: q = [1, 2, 0...], k = [3, −1, 0...] → dot = 1; w = 0.5, k_scale =
             // 4 → 2. Second key k = [−3, 0, ...] → dot −3 → relu 0.
             IndexKeyCache cache(2);
             uint8_t k0[128] = {}, k1[128] = {}, q[128] = {};
             k0[0] = f32_to_e4m3(3), k0[1] = f32_to_e4m3(-1), k1[0] = f32_to_e4m3(-3);
             q[0] = f32_to_e4m3(1), q[1] = f32_to_e4m3(2);
             cache.append(0, k0, 4.0f);
             cache.append(1, k1, 4.0f);
             float w = 0.5f, out[2];
             for (IndexerPath p : {IndexerPath::Faithful, IndexerPath::Int8}) {
                 cpu::mqa_relu_logits(q, &w, cache.view(), 1, 1, out, p);
                 EXPECT_EQ(out[0],
                           2.0f);  // int8: q_i = [32, 64], k_i = [96, −32] → 1024·2^-5·0.5·4·2^-5
                 EXPECT_EQ(out[1], 0.0f);
                 ref::mqa_relu_logits(q, &w, cache.view(), 1, 1, out, p);
                 EXPECT_EQ(out[0],
                           2.0f);  // int8: q_i = [32, 64], k_i = [96, −32] → 1024·2^-5·0.5·4·2^-5
             }
         }});
    out.push_back(
        {"mqa_relu_logits", "bad_args", [](CaseContext&) {
             IndexKeyCache cache(4);
             uint8_t k[128] = {};
             cache.append(0, k, 1.0f);
             uint8_t q[128] = {};
             float w = 1, o[1];
             EXPECT_THROW(cpu::mqa_relu_logits(q, &w, cache.view(), 1, 0, o), Error);  // heads = 0
             EXPECT_THROW(cpu::mqa_relu_logits(nullptr, &w, cache.view(), 1, 1, o), Error);
             EXPECT_THROW(cpu::mqa_relu_logits(q, &w, cache.view(), 1, 1, nullptr), Error);
             IndexKeysView bad{nullptr, nullptr, 5};
             EXPECT_THROW(cpu::mqa_relu_logits(q, &w, bad, 1, 1, o), Error);
             int32_t table[1] = {-1};
             IndexKeysView neg{cache.view().pages, table, 1};
             EXPECT_THROW(cpu::score_top_k(q, &w, neg, 1, 1, 1, nullptr, nullptr), Error);
         }});
    // Int8 selections against the Faithful path on realistic data (the bench checks @2048 of 1M).
    out.push_back({"mqa_relu_logits", "int8_recall", [](CaseContext& c) {
                       const int64_t L = 16384, k = 256;
                       Keys keys = make_keys(c.rng, L, Data::Realistic, false, 0);
                       Queries q = make_queries(c.rng, 1, 64, Data::Realistic);
                       std::vector<int32_t> a(static_cast<size_t>(k)), b(static_cast<size_t>(k)),
                           r(static_cast<size_t>(k)), raw(static_cast<size_t>(k));
                       std::vector<float> row(static_cast<size_t>(L)), rv(static_cast<size_t>(k));
                       cpu::score_top_k(q.q8.data(), q.w.data(), keys.view, 1, 64, k, nullptr,
                                        a.data(), IndexerPath::Faithful);
                       cpu::score_top_k(q.q8.data(), q.w.data(), keys.view, 1, 64, k, nullptr,
                                        b.data(), IndexerPath::Int8);
                       ref::score_top_k(q.q8.data(), q.w.data(), keys.view, 1, 64, k, nullptr,
                                        r.data(), IndexerPath::Int8);
                       cpu::mqa_relu_logits(q.q8.data(), q.w.data(), keys.view, 1, 64, row.data(),
                                            IndexerPath::Int8);
                       ref::top_k(row.data(), L, k, rv.data(), raw.data());
                       auto recall = [&](const std::vector<int32_t>& truth,
                                         const std::vector<int32_t>& got) {
                           std::set<int32_t> t(truth.begin(), truth.end());
                           int64_t hit = 0;
                           for (int32_t i : got) hit += int64_t(t.count(i));
                           return double(hit) / double(got.size());
                       };
                       // Raw int8 logits (inputs with 2% 8σ outliers, the hard case): ≈ 97–99% of
                       // the selection.
                       EXPECT_GE(recall(a, raw), 0.95) << "raw int8 recall";
                       // Rescored: only keys the int8 pass ranks below k + 256 can be missed.
                       EXPECT_GE(recall(a, b), 0.995) << "rescored int8 recall";
                       // cpu vs ref Int8 selections: the int8 logits differ by f32 vs f64 epilogue
                       // rounding only.
                       EXPECT_GE(recall(r, b), 0.995) << "cpu vs ref int8 selection";
                   }});
}

// ---- score_top_k
// -----------------------------------------------------------------------------------------------
void run_topk(CaseContext& c, int64_t batch, int64_t L, int64_t k, Data data, bool permuted,
              size_t mis, IndexerPath path, bool values) {
    Keys keys = make_keys(c.rng, L, data, permuted, mis);
    Queries q = make_queries(c.rng, batch, 64, data);
    Guarded<int32_t> idx(size_t(batch * k), mis ? 4 : 0);
    Guarded<float> val(size_t(batch * k), mis ? 4 : 0);
    cpu::score_top_k(q.q8.data(), q.w.data(), keys.view, batch, 64, k,
                     values ? val.data() : nullptr, idx.data(), path);
    idx.check_guards("indices");
    val.check_guards("values");
    // Exact contract: the fused op selects exactly what top_k selects on the unfused cpu logits
    // (the same per-key scores), ties → lower index, −1/−inf padding. Int8: top_k of the Faithful
    // logits restricted to the best indexer_int8_candidates(k, L) keys by Int8 logit.
    std::vector<float> row(size_t(batch * L)), exact(size_t(batch * L)), wv(static_cast<size_t>(k));
    std::vector<int32_t> wi(static_cast<size_t>(k));
    cpu::mqa_relu_logits(q.q8.data(), q.w.data(), keys.view, batch, 64, row.data(), path);
    cpu::mqa_relu_logits(q.q8.data(), q.w.data(), keys.view, batch, 64, exact.data(),
                         IndexerPath::Faithful);
    for (int64_t b = 0; b < batch; ++b) {
        if (path == IndexerPath::Faithful) {
            ref::top_k(row.data() + b * L, L, k, wv.data(), wi.data());
        } else {
            const int64_t m = indexer_int8_candidates(k, L);
            std::vector<float> cv(static_cast<size_t>(m)),
                masked(static_cast<size_t>(L), -INFINITY);
            std::vector<int32_t> ci(static_cast<size_t>(m));
            ref::top_k(row.data() + b * L, L, m, cv.data(), ci.data());
            for (int32_t i : ci) masked[size_t(i)] = exact[size_t(b * L + i)];
            ref::top_k(masked.data(), L, std::min(k, m), wv.data(), wi.data());
            for (int64_t j = m; j < k; ++j) wv[size_t(j)] = -INFINITY, wi[size_t(j)] = -1;
        }
        expect_equal(wi.data(), idx.data() + b * k, static_cast<size_t>(k),
                     "indices vs top_k(cpu logits)");
        if (values)
            expect_equal(wv.data(), val.data() + b * k, static_cast<size_t>(k),
                         "values vs top_k(cpu logits)");
    }
    if (path != IndexerPath::Faithful) return;
    // Against the exact reference: identical on integer data (exact scores); on realistic data the
    // index sets agree wherever the reference has no near-tie at rank k (gap above the faithful
    // error bound).
    std::vector<float> rv(size_t(batch * k));
    std::vector<int32_t> ri(size_t(batch * k));
    ref::score_top_k(q.q8.data(), q.w.data(), keys.view, batch, 64, k, rv.data(), ri.data(), path);
    for (int64_t b = 0; b < batch; ++b) {
        if (data == Data::Integer) {
            expect_equal(ri.data() + b * k, idx.data() + b * k, size_t(k),
                         "indices vs ref (integer data)");
            continue;
        }
        // realistic data, every key selected: the same set as the reference
        const int64_t kk = std::min(k, L);
        if (kk == L) {
            std::set<int32_t> s1(ri.begin() + b * k, ri.begin() + b * k + kk),
                s2(idx.data() + b * k, idx.data() + b * k + kk);
            EXPECT_EQ(s1, s2);
        }
    }
}

void topk_cases(std::vector<OpCase>& out) {
    for (IndexerPath path : {IndexerPath::Faithful, IndexerPath::Int8})
        for (int64_t L : {1, 63, 64, 65, 1000, 4099})
            for (int64_t k : {1, 7, 64, 2048, -1, -2}) {  // −1: k = L, −2: k = L + 5
                int64_t kk = k == -1 ? L : k == -2 ? L + 5 : k;
                Data d = (L + kk) % 2 ? Data::Integer : Data::Realistic;
                int64_t batch = L == 1000 ? 2 : 1;
                bool perm = L == 65, values = kk != 7;
                size_t mis = L == 63 ? 3 : 0;
                std::string name =
                    std::string(path == IndexerPath::Faithful ? "faithful" : "int8") + "," +
                    P("L", L) + "," + P("k", kk) + "," + P("batch", batch) +
                    (d == Data::Integer ? ",integer" : "") + (perm ? ",block_table" : "") +
                    (mis ? ",misalign" : "");
                out.push_back({"score_top_k", name, [=](CaseContext& c) {
                                   run_topk(c, batch, L, kk, d, perm, mis, path, values);
                               }});
            }
    // Two threads with compactions of the running top-k (L ≫ k), plus many ties (integer data).
    for (Data d : {Data::Realistic, Data::Integer})
        out.push_back({"score_top_k",
                       std::string("L=12000,k=300") + (d == Data::Integer ? ",integer" : ""),
                       [=](CaseContext& c) {
                           run_topk(c, 1, 12000, 300, d, false, 0, IndexerPath::Faithful, true);
                       }});
    out.push_back({"score_top_k", "empty", [](CaseContext& c) {
                       run_topk(c, 1, 0, 5, Data::Realistic, false, 0, IndexerPath::Faithful, true);
                       run_topk(c, 1, 70, 0, Data::Realistic, false, 0, IndexerPath::Faithful,
                                true);
                   }});
}

// Realistic data against the exact reference: index sets agree except where the reference's own
// values at ranks k−1 and k are closer than the faithful error bound (a near-tie); there may be
// none.
void recall_case(std::vector<OpCase>& out) {
    out.push_back(
        {"score_top_k", "vs_exact_reference", [](CaseContext& c) {
             const int64_t L = 6000;
             Keys keys = make_keys(c.rng, L, Data::Realistic, false, 0);
             Queries q = make_queries(c.rng, 1, 64, Data::Realistic);
             std::vector<float> exact(static_cast<size_t>(L));
             ref::mqa_relu_logits(q.q8.data(), q.w.data(), keys.view, 1, 64, exact.data());
             // The largest faithful error bound over the row (as in run_logits) ...
             std::vector<float> aw(q.w.size()), m1(static_cast<size_t>(L)),
                 m2(static_cast<size_t>(L));
             for (size_t i = 0; i < aw.size(); ++i) aw[i] = std::fabs(q.w[i]);
             std::vector<uint8_t> aq(q.q8);
             for (auto& v : aq) v &= 0x7f;
             Keys ak = abs_keys(keys);
             ref::mqa_relu_logits(q.q8.data(), aw.data(), keys.view, 1, 64, m1.data());
             ref::mqa_relu_logits(aq.data(), aw.data(), ak.view, 1, 64, m2.data());
             double tol = 0;
             for (int64_t i = 0; i < L; ++i)
                 tol = std::max(tol, 68.0 * kU * m1[size_t(i)] + 130.0 * kU * m2[size_t(i)]);
             // ... and a rank k in [300, 700] whose gap to rank k + 1 exceeds twice the bound: no
             // score can cross that boundary, so the selections must be identical sets.
             std::vector<float> sorted(exact);
             std::sort(sorted.begin(), sorted.end(), std::greater<>());
             int64_t k = 300;
             for (int64_t r = 300; r <= 700; ++r)
                 if (sorted[size_t(r - 1)] - sorted[size_t(r)] >
                     sorted[size_t(k - 1)] - sorted[size_t(k)])
                     k = r;
             const double gap = double(sorted[size_t(k - 1)]) - double(sorted[size_t(k)]);
             ASSERT_GT(gap, 2 * tol) << "no tie-free rank in [300, 700] for this seed";
             std::vector<float> rv(static_cast<size_t>(k));
             std::vector<int32_t> ri(static_cast<size_t>(k)), ci(static_cast<size_t>(k));
             ref::top_k(exact.data(), L, k, rv.data(), ri.data());
             cpu::score_top_k(q.q8.data(), q.w.data(), keys.view, 1, 64, k, nullptr, ci.data());
             std::set<int32_t> a(ri.begin(), ri.end()), b(ci.begin(), ci.end());
             EXPECT_EQ(a, b) << "k " << k << ", gap " << gap << ", error bound " << tol;
         }});
}

// ---- Prepare
// ------------------------------------------------------------------------------------------------------
void prepare_cases(std::vector<OpCase>& out) {
    out.push_back(
        {"indexer_prepare", "cpu_vs_ref", [](CaseContext& c) {
             IndexerWeights w;
             w.dim = 256, w.q_lora = 192, w.heads = 64;
             std::vector<uint16_t> wq(size_t(w.heads * 128 * w.q_lora)), wk(size_t(128 * w.dim)),
                 wp(size_t(w.heads * w.dim));
             c.rng.fill_bf16_normal(wq, float(1.0 / std::sqrt(double(w.q_lora))));
             c.rng.fill_bf16_normal(wk, float(1.0 / std::sqrt(double(w.dim))));
             c.rng.fill_bf16_normal(wp, float(1.0 / std::sqrt(double(w.dim))));
             std::vector<float> gamma(128), beta(128);
             for (auto& v : gamma) v = c.rng.uniform(0.5f, 1.5f);
             for (auto& v : beta) v = c.rng.uniform(-0.2f, 0.2f);
             std::vector<float> inv = rope_inv_freq_yarn(64, 10000.0, 40.0, 32.0, 1.0, 4096);
             w.wq_b = wq.data(), w.wk = wk.data(), w.weights_proj = wp.data();
             w.k_norm_gamma = gamma.data(), w.k_norm_beta = beta.data(), w.inv_freq = inv.data();
             const int64_t B = 3;
             std::vector<float> x(size_t(B * w.dim)), qr(size_t(B * w.q_lora));
             c.rng.fill_normal(x);
             c.rng.fill_normal(qr);
             round_bf16(x.data(), int64_t(x.size()));
             round_bf16(qr.data(), int64_t(qr.size()));
             const int64_t pos[B] = {0, 4097, 100000};
             std::vector<uint8_t> k_ref(size_t(B * 128)), k_cpu(k_ref.size()),
                 q_ref(size_t(B * 64 * 128)), q_cpu(q_ref.size());
             std::vector<float> ks_ref(B), ks_cpu(B), w_ref(size_t(B * 64)), w_cpu(w_ref.size());
             ref::indexer_key(w, x.data(), pos, B, k_ref.data(), ks_ref.data());
             cpu::indexer_key(w, x.data(), pos, B, k_cpu.data(), ks_cpu.data());
             ref::indexer_query(w, qr.data(), x.data(), pos, B, q_ref.data(), w_ref.data());
             cpu::indexer_query(w, qr.data(), x.data(), pos, B, q_cpu.data(), w_cpu.data());
             // cpu linear accumulates in f32 (ref: f64), so a bf16 rounding of an activation can
             // rarely flip by one bf16 ulp (≤ 2^-8 of the row max, amax ≤ 448 in fp8 units); the
             // Hadamard spreads that over the row, so an fp8 code moves by one step of its own
             // binade or by ≤ 448·2^-8 absolute. Everything else is the same op sequence.
             auto compare = [](const std::vector<uint8_t>& a, const std::vector<uint8_t>& b,
                               const char* what) {
                 int64_t diff = 0;
                 for (size_t i = 0; i < a.size(); ++i) {
                     if (a[i] == b[i]) continue;
                     ++diff;
                     float va = e4m3_to_f32(a[i]), vb = e4m3_to_f32(b[i]);
                     EXPECT_LE(std::fabs(va - vb), std::max(std::fabs(va) * 0.13, 448.0 * 0x1p-8))
                         << what << " at " << i;
                 }
                 EXPECT_LE(double(diff), 0.01 * double(a.size())) << what << ": codes differing";
             };
             compare(k_ref, k_cpu, "k8");
             compare(q_ref, q_cpu, "q8");
             for (int64_t b = 0; b < B; ++b) EXPECT_EQ(ks_ref[size_t(b)], ks_cpu[size_t(b)]);
             expect_close(w_ref.data(), w_cpu.data(), w_ref.size(), 1e-4, 1e-9, "weights");
             // Independent check of the key pipeline's structure: dequantised k has the norm of
             // the Hadamard input (orthogonal transform), and scales are powers of two.
             for (int64_t b = 0; b < B; ++b) {
                 float s = ks_ref[size_t(b)];
                 EXPECT_EQ(std::bit_cast<uint32_t>(s) & 0x7fffffu, 0u)
                     << "k_scale not a power of two";
                 double amax = 0;
                 for (int d = 0; d < 128; ++d)
                     amax =
                         std::max(amax, double(std::fabs(e4m3_to_f32(k_ref[size_t(b * 128 + d)]))));
                 EXPECT_GE(amax, 224.0);  // amax/s ∈ (224, 448] before rounding to e4m3
                 EXPECT_LE(amax, 448.0);
             }
         }});
}

void all(std::vector<OpCase>& out) {
    quant_cases(out);
    cache_cases(out);
    logits_cases(out);
    topk_cases(out);
    recall_case(out);
    prepare_cases(out);
}

static CaseRegistrar reg(all);

}  // namespace
}  // namespace mempipe::test
