// Conformance cases for dense, block-sparse and streaming decode attention against the references.
//
// Tolerance: rtol 2e-5·c, atol 2e-6·c where c ≥ 1 is the factor the softmax scale is raised by over
// d^-0.5 (c = 1 in most cases, 12 in the peaky case). The reference computes scores, softmax and
// the weighted sum in double; the kernels use f32 throughout (exact bf16 → f32 widening, f32 FMA
// dots of length d ≤ 256, a polynomial exp with ~1 ulp error, online rescaling and an lse merge of
// thread states). With N(0,1) inputs a score of magnitude c·O(1) carries an absolute f32 error of
// ~c·1e-6, which is the relative error of each softmax weight; the f32 accumulation of up to a few
// thousand weighted values adds ~sqrt(n)·6e-8 relative to Σ p|v| ≤ 4. Observed: ≤ 5e-7 absolute at
// c = 1 (a 2e-6 tolerance fails), so the bound leaves a ~4× margin and still catches an error of
// 2e-5 in the softmax normaliser.
#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "conformance.h"
#include "mempipe/core/dtype.h"
#include "mempipe/core/error.h"
#include "mempipe/ops/attention.h"

namespace mempipe::test {
namespace {

constexpr double kRtol = 2e-5, kAtol = 2e-6;  // per unit of scale factor c (see top)
constexpr float kSentinel = 7777.0f;          // masked-out heads must keep it

struct Inputs {
    AttentionShape s;
    Guarded<float> q;
    Guarded<uint16_t> k, v;
    Inputs(CaseContext& ctx, int64_t n, int64_t hq, int64_t hkv, int64_t d, size_t misalign,
           float scale_mult)
        : q(size_t(hq * d), misalign * 4),
          k(size_t(n * hkv * d), misalign * 2),
          v(size_t(n * hkv * d), misalign * 2) {
        s = {n, hq, hkv, d, scale_mult / std::sqrt(float(d))};
        ctx.rng.fill_normal({q.data(), q.size()});
        ctx.rng.fill_bf16_normal({k.data(), k.size()});
        ctx.rng.fill_bf16_normal({v.data(), v.size()});
    }
};

using Call = std::function<void(const float* q, const uint16_t* k, const uint16_t* v, float* out)>;

// Runs ref and cpu into sentinel-filled outputs and compares. Heads whose KV head is masked out
// must keep the sentinel in both. `finite`: the inputs hold no NaN, so outputs must be finite.
void compare(Inputs& in, const uint8_t* mask, size_t misalign, bool finite, const Call& ref_call,
             const Call& cpu_call, double c = 1.0) {
    const AttentionShape& s = in.s;
    size_t n_out = size_t(s.hq * s.d);
    std::vector<float> ref_out(n_out, kSentinel);
    Guarded<float> got(n_out, misalign * 4);
    std::fill(got.data(), got.data() + n_out, kSentinel);
    ref_call(in.q.data(), in.k.data(), in.v.data(), ref_out.data());
    cpu_call(in.q.data(), in.k.data(), in.v.data(), got.data());
    got.check_guards("out");
    expect_close(ref_out.data(), got.data(), n_out, kRtol * c, kAtol * c, "out");
    const int64_t g = s.hq / s.hkv;
    for (int64_t h = 0; h < s.hq; ++h) {
        bool active = !mask || mask[h / g];
        for (int64_t i = 0; i < s.d; ++i) {
            float r = ref_out[size_t(h * s.d + i)];
            if (!active) {
                ASSERT_EQ(r, kSentinel) << "ref wrote masked head " << h;
                ASSERT_EQ(got[size_t(h * s.d + i)], kSentinel) << "cpu wrote masked head " << h;
            } else if (finite) {
                ASSERT_TRUE(std::isfinite(got[size_t(h * s.d + i)]))
                    << "head " << h << " dim " << i;
            }
        }
    }
}

std::vector<uint8_t> make_mask(int64_t hkv, int pattern) {
    std::vector<uint8_t> m(static_cast<size_t>(hkv));
    for (int64_t j = 0; j < hkv; ++j) m[size_t(j)] = pattern == 0 ? 1 : uint8_t((j + pattern) % 2);
    return m;
}

struct HeadConfig {
    int64_t hq, hkv;
};
constexpr HeadConfig kHeads[] = {{32, 8}, {4, 1}, {8, 8}, {5, 1}};

void dense_cases(std::vector<OpCase>& out) {
    for (int64_t n : {0, 1, 15, 16, 17, 31, 33, 63, 64, 65, 1000})
        for (HeadConfig hc : kHeads)
            for (int64_t d : {64, 128}) {
                size_t mis = n % 2;  // odd n: every pointer off its 64-byte boundary
                std::string p = "n=" + std::to_string(n) + ",hq=" + std::to_string(hc.hq) +
                                ",hkv=" + std::to_string(hc.hkv) + ",d=" + std::to_string(d) +
                                ",misalign=" + std::to_string(mis);
                out.push_back({"dense_attention_decode", p, [=](CaseContext& ctx) {
                                   Inputs in(ctx, n, hc.hq, hc.hkv, d, mis, 1.0f);
                                   compare(
                                       in, nullptr, mis, true,
                                       [&](auto q, auto k, auto v, float* o) {
                                           ref::dense_attention_decode(q, k, v, in.s, nullptr, o);
                                       },
                                       [&](auto q, auto k, auto v, float* o) {
                                           cpu::dense_attention_decode(q, k, v, in.s, nullptr, o);
                                       });
                               }});
            }
    // Odd head dims (scalar fallback for d % 32 ≠ 0, fast path for 96 and 256), peaky softmax
    // (large scale: max subtraction matters), long context split over threads, masks.
    struct Extra {
        int64_t n, hq, hkv, d;
        float scale_mult;
        int mask;
    };
    for (Extra e :
         {Extra{100, 4, 2, 40, 1, 0}, Extra{129, 6, 2, 96, 1, 0}, Extra{77, 2, 1, 256, 1, 0},
          Extra{3001, 8, 2, 128, 1, 0}, Extra{500, 32, 8, 128, 12, 0}, Extra{257, 32, 8, 128, 1, 1},
          Extra{257, 32, 8, 64, 1, 2}, Extra{65, 5, 1, 64, 1, 2}, Extra{40, 3, 3, 33, 1, 1},
          Extra{50, 12, 2, 32, 1, 0},
          // d % 32 = 16: the AVX2 path (16-element chunks) at every level ≥ avx2.
          Extra{90, 6, 2, 48, 1, 0}, Extra{70, 4, 1, 80, 12, 1}}) {
        std::string p = "n=" + std::to_string(e.n) + ",hq=" + std::to_string(e.hq) +
                        ",hkv=" + std::to_string(e.hkv) + ",d=" + std::to_string(e.d) + ",scale_x" +
                        std::to_string(int(e.scale_mult)) + ",mask=" + std::to_string(e.mask);
        out.push_back({"dense_attention_decode", p, [=](CaseContext& ctx) {
                           Inputs in(ctx, e.n, e.hq, e.hkv, e.d, 1, e.scale_mult);
                           std::vector<uint8_t> m = make_mask(e.hkv, e.mask);
                           const uint8_t* mp = e.mask ? m.data() : nullptr;
                           compare(
                               in, mp, 1, true,
                               [&](auto q, auto k, auto v, float* o) {
                                   ref::dense_attention_decode(q, k, v, in.s, mp, o);
                               },
                               [&](auto q, auto k, auto v, float* o) {
                                   cpu::dense_attention_decode(q, k, v, in.s, mp, o);
                               },
                               double(e.scale_mult));
                       }});
    }
    // A NaN in one key poisons exactly the query heads of its KV head (in both implementations).
    out.push_back({"dense_attention_decode", "nan_key", [](CaseContext& ctx) {
                       Inputs in(ctx, 200, 8, 2, 64, 0, 1.0f);
                       in.k[size_t((123 * 2 + 1) * 64 + 5)] = 0x7fc0;  // token 123, KV head 1
                       compare(
                           in, nullptr, 0, false,
                           [&](auto q, auto k, auto v, float* o) {
                               ref::dense_attention_decode(q, k, v, in.s, nullptr, o);
                           },
                           [&](auto q, auto k, auto v, float* o) {
                               cpu::dense_attention_decode(q, k, v, in.s, nullptr, o);
                               for (int64_t i = 0; i < 4 * 64; ++i)
                                   ASSERT_TRUE(std::isfinite(o[i]));
                               for (int64_t i = 4 * 64; i < 8 * 64; ++i)
                                   ASSERT_TRUE(std::isnan(o[i]));
                           });
                   }});
    out.push_back(
        {"dense_attention_decode", "bad_args", [](CaseContext& ctx) {
             Inputs in(ctx, 8, 6, 4, 32, 0, 1.0f);  // hq not a multiple of hkv
             std::vector<float> o(6 * 32);
             EXPECT_THROW(cpu::dense_attention_decode(in.q.data(), in.k.data(), in.v.data(), in.s,
                                                      nullptr, o.data()),
                          Error);
             EXPECT_THROW(ref::dense_attention_decode(in.q.data(), in.k.data(), in.v.data(), in.s,
                                                      nullptr, o.data()),
                          Error);
             AttentionShape s{8, 4, 2, 32, 0.1f};
             EXPECT_THROW(cpu::dense_attention_decode(in.q.data(), nullptr, in.v.data(), s, nullptr,
                                                      o.data()),
                          Error);
             s.scale = std::numeric_limits<float>::quiet_NaN();
             EXPECT_THROW(cpu::dense_attention_decode(in.q.data(), in.k.data(), in.v.data(), s,
                                                      nullptr, o.data()),
                          Error);
         }});
}

// Block lists: random blocks with repeats, −1 padding in random slots, and some lists all −1.
std::vector<int32_t> make_blocks(CaseContext& ctx, int64_t lists, int64_t max_blocks,
                                 int64_t n_blocks, bool some_empty) {
    std::vector<int32_t> b(static_cast<size_t>(lists * max_blocks));
    for (int64_t l = 0; l < lists; ++l)
        for (int64_t i = 0; i < max_blocks; ++i) {
            int32_t x = n_blocks > 0 ? int32_t(ctx.rng.uniform_int(0, n_blocks - 1)) : -1;
            if (ctx.rng.uniform() < 0.2) x = -1;
            if (i > 0 && ctx.rng.uniform() < 0.15) x = b[size_t(l * max_blocks + i - 1)];  // repeat
            if (some_empty && l % 3 == 1) x = -1;
            b[size_t(l * max_blocks + i)] = x;
        }
    // Always include the partial last block somewhere when there is one.
    if (n_blocks > 0 && max_blocks > 0) b[0] = int32_t(n_blocks - 1);
    return b;
}

void block_sparse_cases(std::vector<OpCase>& out) {
    struct Cfg {
        int64_t n, hq, hkv, d, block, max_blocks;
        SelectionGroups groups;
        int mask;
        bool some_empty;
    };
    std::vector<Cfg> cfgs;
    for (SelectionGroups gr : {SelectionGroups::PerKvHead, SelectionGroups::PerQueryHead})
        for (HeadConfig hc : kHeads)
            for (int64_t n : {1, 63, 64, 65, 1000})
                for (int64_t d : {64, 128})
                    cfgs.push_back({n, hc.hq, hc.hkv, d, 64, 6, gr, 0, n > 64});
    for (SelectionGroups gr : {SelectionGroups::PerKvHead, SelectionGroups::PerQueryHead}) {
        cfgs.push_back({1000, 32, 8, 128, 16, 40, gr, 1, true});   // many small blocks, mask
        cfgs.push_back({517, 8, 2, 64, 7, 30, gr, 2, false});      // odd block size
        cfgs.push_back({300, 4, 1, 40, 17, 9, gr, 0, false});      // scalar fallback (d % 32 ≠ 0)
        cfgs.push_back({4000, 32, 8, 128, 64, 32, gr, 0, false});  // > 2 threads' worth of work
        cfgs.push_back({200, 8, 2, 64, 64, 0, gr, 0, false});      // max_blocks = 0 → zeros
        cfgs.push_back({0, 8, 2, 64, 64, 3, gr, 0, false});        // empty cache, lists all −1
    }
    for (Cfg c : cfgs) {
        std::string p = std::string(c.groups == SelectionGroups::PerKvHead ? "per_kv" : "per_q") +
                        ",n=" + std::to_string(c.n) + ",hq=" + std::to_string(c.hq) +
                        ",hkv=" + std::to_string(c.hkv) + ",d=" + std::to_string(c.d) +
                        ",bs=" + std::to_string(c.block) + ",maxb=" + std::to_string(c.max_blocks) +
                        ",mask=" + std::to_string(c.mask);
        out.push_back({"block_sparse_attention_decode", p, [=](CaseContext& ctx) {
                           size_t mis = size_t(c.n % 2);
                           Inputs in(ctx, c.n, c.hq, c.hkv, c.d, mis, 1.0f);
                           int64_t lists = c.groups == SelectionGroups::PerKvHead ? c.hkv : c.hq;
                           int64_t nb = (c.n + c.block - 1) / c.block;
                           std::vector<int32_t> blocks =
                               make_blocks(ctx, lists, c.max_blocks, nb, c.some_empty);
                           if (c.n == 0) std::fill(blocks.begin(), blocks.end(), -1);
                           std::vector<uint8_t> m = make_mask(c.hkv, c.mask);
                           const uint8_t* mp = c.mask ? m.data() : nullptr;
                           const int32_t* bp = c.max_blocks ? blocks.data() : nullptr;
                           compare(
                               in, mp, mis, true,
                               [&](auto q, auto k, auto v, float* o) {
                                   ref::block_sparse_attention_decode(
                                       q, k, v, in.s, bp, c.max_blocks, c.block, c.groups, mp, o);
                               },
                               [&](auto q, auto k, auto v, float* o) {
                                   cpu::block_sparse_attention_decode(
                                       q, k, v, in.s, bp, c.max_blocks, c.block, c.groups, mp, o);
                               });
                       }});
    }
    // Golden: every block selected (in reverse order, each twice) equals dense attention; a NaN in
    // a token outside the selection has no effect; all-empty lists give zeros.
    out.push_back(
        {"block_sparse_attention_decode", "all_blocks_equals_dense", [](CaseContext& ctx) {
             Inputs in(ctx, 300, 8, 2, 64, 0, 1.0f);
             const int64_t nb = 5, maxb = 2 * nb;
             std::vector<int32_t> blocks(static_cast<size_t>(2 * maxb));
             for (int64_t l = 0; l < 2; ++l)
                 for (int64_t i = 0; i < maxb; ++i)
                     blocks[size_t(l * maxb + i)] = int32_t(nb - 1 - i / 2);
             std::vector<float> dense(8 * 64), sparse(8 * 64);
             cpu::dense_attention_decode(in.q.data(), in.k.data(), in.v.data(), in.s, nullptr,
                                         dense.data());
             cpu::block_sparse_attention_decode(in.q.data(), in.k.data(), in.v.data(), in.s,
                                                blocks.data(), maxb, 64, SelectionGroups::PerKvHead,
                                                nullptr, sparse.data());
             expect_close(dense.data(), sparse.data(), dense.size(), kRtol, kAtol,
                          "sparse vs dense");
         }});
    out.push_back(
        {"block_sparse_attention_decode", "nan_outside_selection", [](CaseContext& ctx) {
             Inputs in(ctx, 256, 4, 1, 64, 0, 1.0f);
             for (int64_t i = 0; i < 64; ++i) {
                 in.k[size_t(70 * 64 + i)] = 0x7fc0;  // token 70 is in block 1
                 in.v[size_t(70 * 64 + i)] = 0x7fc0;
             }
             std::vector<int32_t> blocks = {3, 0, -1, 2};
             compare(
                 in, nullptr, 0, true,
                 [&](auto q, auto k, auto v, float* o) {
                     ref::block_sparse_attention_decode(q, k, v, in.s, blocks.data(), 4, 64,
                                                        SelectionGroups::PerKvHead, nullptr, o);
                 },
                 [&](auto q, auto k, auto v, float* o) {
                     cpu::block_sparse_attention_decode(q, k, v, in.s, blocks.data(), 4, 64,
                                                        SelectionGroups::PerKvHead, nullptr, o);
                 });
         }});
    out.push_back({"block_sparse_attention_decode", "all_padding_zeros", [](CaseContext& ctx) {
                       Inputs in(ctx, 100, 4, 2, 64, 0, 1.0f);
                       std::vector<int32_t> blocks(2 * 3, -1);
                       std::vector<float> o(4 * 64, kSentinel);
                       cpu::block_sparse_attention_decode(
                           in.q.data(), in.k.data(), in.v.data(), in.s, blocks.data(), 3, 64,
                           SelectionGroups::PerKvHead, nullptr, o.data());
                       for (float x : o) ASSERT_EQ(x, 0.0f);
                   }});
    out.push_back(
        {"block_sparse_attention_decode", "bad_blocks", [](CaseContext& ctx) {
             Inputs in(ctx, 100, 4, 2, 64, 0, 1.0f);
             std::vector<float> o(4 * 64);
             for (int32_t bad : {2, -2, 1 << 30}) {  // 100 tokens in blocks of 64: valid 0..1
                 std::vector<int32_t> blocks = {0, bad, -1, 1};
                 EXPECT_THROW(cpu::block_sparse_attention_decode(
                                  in.q.data(), in.k.data(), in.v.data(), in.s, blocks.data(), 2, 64,
                                  SelectionGroups::PerKvHead, nullptr, o.data()),
                              Error);
                 EXPECT_THROW(ref::block_sparse_attention_decode(
                                  in.q.data(), in.k.data(), in.v.data(), in.s, blocks.data(), 2, 64,
                                  SelectionGroups::PerKvHead, nullptr, o.data()),
                              Error);
             }
             std::vector<int32_t> ok = {0, 1, -1, 1};
             EXPECT_THROW(cpu::block_sparse_attention_decode(
                              in.q.data(), in.k.data(), in.v.data(), in.s, ok.data(), 2, 0,
                              SelectionGroups::PerKvHead, nullptr, o.data()),
                          Error);
         }});
}

void streaming_cases(std::vector<OpCase>& out) {
    struct Cfg {
        int64_t n, hq, hkv, d, sink, local;
        int mask;
    };
    std::vector<Cfg> cfgs;
    for (HeadConfig hc : kHeads) {
        cfgs.push_back({1000, hc.hq, hc.hkv, 128, 128, 256, 0});  // disjoint windows
        cfgs.push_back({300, hc.hq, hc.hkv, 64, 128, 256, 0});    // overlap: n < sink + local
        cfgs.push_back({17, hc.hq, hc.hkv, 64, 4, 8, 0});
    }
    for (Cfg c :
         {Cfg{1000, 32, 8, 128, 128, 256, 1}, Cfg{1000, 32, 8, 128, 128, 256, 2},
          Cfg{65, 4, 1, 64, 0, 16, 0}, Cfg{65, 4, 1, 64, 16, 0, 0}, Cfg{65, 4, 1, 64, 0, 0, 0},
          Cfg{65, 4, 1, 64, 100, 0, 0}, Cfg{65, 4, 1, 64, 0, 100, 0}, Cfg{0, 4, 1, 64, 4, 4, 0},
          Cfg{64, 4, 1, 64, 32, 32, 0}, Cfg{200, 8, 2, 40, 5, 7, 0},
          Cfg{5000, 8, 2, 128, 1, 4000, 0}})
        cfgs.push_back(c);
    for (Cfg c : cfgs) {
        std::string p = "n=" + std::to_string(c.n) + ",hq=" + std::to_string(c.hq) +
                        ",hkv=" + std::to_string(c.hkv) + ",d=" + std::to_string(c.d) +
                        ",sink=" + std::to_string(c.sink) + ",local=" + std::to_string(c.local) +
                        ",mask=" + std::to_string(c.mask);
        out.push_back(
            {"streaming_attention_decode", p, [=](CaseContext& ctx) {
                 size_t mis = size_t(c.n % 2);
                 Inputs in(ctx, c.n, c.hq, c.hkv, c.d, mis, 1.0f);
                 std::vector<uint8_t> m = make_mask(c.hkv, c.mask);
                 const uint8_t* mp = c.mask ? m.data() : nullptr;
                 compare(
                     in, mp, mis, true,
                     [&](auto q, auto k, auto v, float* o) {
                         ref::streaming_attention_decode(q, k, v, in.s, c.sink, c.local, mp, o);
                     },
                     [&](auto q, auto k, auto v, float* o) {
                         cpu::streaming_attention_decode(q, k, v, in.s, c.sink, c.local, mp, o);
                     });
             }});
    }
    // Golden: sink + local covering every token equals dense attention; a window of one token
    // returns that token's value row exactly (a single softmax weight of 1).
    out.push_back({"streaming_attention_decode", "golden", [](CaseContext& ctx) {
                       Inputs in(ctx, 90, 4, 2, 64, 0, 1.0f);
                       std::vector<float> dense(4 * 64), stream(4 * 64);
                       cpu::dense_attention_decode(in.q.data(), in.k.data(), in.v.data(), in.s,
                                                   nullptr, dense.data());
                       cpu::streaming_attention_decode(in.q.data(), in.k.data(), in.v.data(), in.s,
                                                       50, 40, nullptr, stream.data());
                       expect_close(dense.data(), stream.data(), dense.size(), kRtol, kAtol,
                                    "sink+local=n vs dense");
                       cpu::streaming_attention_decode(in.q.data(), in.k.data(), in.v.data(), in.s,
                                                       0, 1, nullptr, stream.data());
                       for (int64_t h = 0; h < 4; ++h)
                           for (int64_t i = 0; i < 64; ++i)
                               ASSERT_EQ(stream[size_t(h * 64 + i)],
                                         bf16_to_f32(in.v[size_t((89 * 2 + h / 2) * 64 + i)]));
                       std::vector<float> o(4 * 64);
                       EXPECT_THROW(
                           cpu::streaming_attention_decode(in.q.data(), in.k.data(), in.v.data(),
                                                           in.s, -1, 4, nullptr, o.data()),
                           Error);
                   }});
}

void cost_cases(std::vector<OpCase>& out) {
    out.push_back({"attention_cost", "formulas", [](CaseContext&) {
                       AttentionShape s{131072, 32, 8, 128, 0.088f};
                       OpCost c = dense_attention_cost(s);
                       EXPECT_DOUBLE_EQ(c.flops, 4.0 * 128 * 131072 * 32);
                       EXPECT_DOUBLE_EQ(c.bytes_read, 131072.0 * 8 * 128 * 2 * 2 + 32 * 128 * 4);
                       OpCost b = block_sparse_attention_cost(s, 4096, SelectionGroups::PerKvHead);
                       EXPECT_DOUBLE_EQ(b.flops, 4.0 * 128 * 4096 * 32);
                       EXPECT_DOUBLE_EQ(b.bytes_read, 4096.0 * 8 * 128 * 4 + 32 * 128 * 4);
                       EXPECT_EQ(b.pattern, AccessPattern::Irregular);
                       OpCost bq =
                           block_sparse_attention_cost(s, 4096, SelectionGroups::PerQueryHead);
                       EXPECT_DOUBLE_EQ(bq.bytes_read, 4096.0 * 32 * 128 * 4 + 32 * 128 * 4);
                       OpCost st = streaming_attention_cost(s, 128, 256, 4);
                       EXPECT_DOUBLE_EQ(st.flops, 4.0 * 128 * 384 * 16);
                       OpCost small = streaming_attention_cost({100, 4, 1, 64, 0.1f}, 128, 256, 1);
                       EXPECT_DOUBLE_EQ(small.flops, 4.0 * 64 * 100 * 4);
                   }});
}

void all_cases(std::vector<OpCase>& out) {
    dense_cases(out);
    block_sparse_cases(out);
    streaming_cases(out);
    cost_cases(out);
}

CaseRegistrar reg(all_cases);

}  // namespace
}  // namespace mempipe::test
