// Conformance cases for MLA decode (sparse and dense, absorbed form), query absorption, value
// up-projection and the softmax scale, against the references.
//
// Tolerances.
// Decode: rtol 1e-4, atol 1e-5. The reference works in double; the kernels in f32 (exact bf16 → f32
// widening, f32 FMA dots of length 576, polynomial exp, online rescaling, lse merge of thread
// states). With q ~ N(0,1), kv ~ N(0,1) and the DeepSeek scale 0.135 the scores have a std of ~3.2,
// so their absolute f32 error (~|score|·1e-6) is the relative error of each softmax weight: ~1e-5
// at worst. Projections: rtol 1e-5, atol 1e-4. Outputs are sums of K ≤ 512 products of N(0,1)
// values (magnitude ~sqrt(K) ≈ 23); f32 accumulation leaves ~sqrt(K)·2^-24·sqrt(K) ≈ 3e-5 absolute.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include "conformance.h"
#include "mempipe/core/dtype.h"
#include "mempipe/core/error.h"
#include "mempipe/ops/mla.h"

namespace mempipe::test {
namespace {

constexpr double kRtol = 1e-4, kAtol = 1e-5;          // decode (see top)
constexpr double kProjRtol = 1e-5, kProjAtol = 1e-4;  // projections (see top)

MlaShape shape(int64_t heads, int64_t latent, int64_t rope) {
    MlaShape s;
    s.heads = heads;
    s.latent = latent;
    s.rope = rope;
    s.scale = mla_softmax_scale(192, 40.0, true);
    return s;
}

std::string shape_str(const MlaShape& s) {
    return "h=" + std::to_string(s.heads) + ",c=" + std::to_string(s.latent) +
           ",r=" + std::to_string(s.rope);
}

// Unique random indices in [0, n) with `invalid` −1 entries spread among them.
std::vector<int32_t> make_indices(CaseContext& ctx, int64_t n, int64_t valid, int64_t invalid) {
    std::vector<int32_t> all(static_cast<size_t>(n));
    std::iota(all.begin(), all.end(), 0);
    for (int64_t i = n - 1; i > 0; --i)
        std::swap(all[size_t(i)], all[size_t(ctx.rng.uniform_int(0, i))]);
    std::vector<int32_t> idx(all.begin(), all.begin() + valid);
    for (int64_t i = 0; i < invalid; ++i)
        idx.insert(idx.begin() + ctx.rng.uniform_int(0, int64_t(idx.size())), -1);
    return idx;
}

void run_decode(CaseContext& ctx, const MlaShape& s, int64_t n, const std::vector<int32_t>* idx,
                size_t mis) {
    const int64_t w = s.latent + s.rope;
    Guarded<float> q(size_t(s.heads * w), mis * 4);
    Guarded<uint16_t> kv(size_t(n * w), mis * 2);
    ctx.rng.fill_normal({q.data(), q.size()});
    ctx.rng.fill_bf16_normal({kv.data(), kv.size()});
    Guarded<int32_t> ind(idx ? idx->size() : 0, mis * 4);
    if (idx) std::copy(idx->begin(), idx->end(), ind.data());
    size_t n_out = size_t(s.heads * s.latent);
    std::vector<float> ref_out(n_out);
    Guarded<float> got(n_out, mis * 4);
    if (idx) {
        ref::sparse_mla_decode(q.data(), kv.data(), n, ind.data(), int64_t(ind.size()), s,
                               ref_out.data());
        cpu::sparse_mla_decode(q.data(), kv.data(), n, ind.data(), int64_t(ind.size()), s,
                               got.data());
    } else {
        ref::dense_mla_decode(q.data(), kv.data(), n, s, ref_out.data());
        cpu::dense_mla_decode(q.data(), kv.data(), n, s, got.data());
    }
    got.check_guards("out");
    expect_close(ref_out.data(), got.data(), n_out, kRtol, kAtol, "out");
    expect_finite(got.data(), n_out, "out");
    bool empty =
        idx ? std::none_of(idx->begin(), idx->end(), [](int32_t t) { return t >= 0; }) : n == 0;
    if (empty) {
        for (size_t i = 0; i < n_out; ++i)
            ASSERT_EQ(got[i], 0.0f) << "empty selection must give zeros";
    }
}

void sparse_cases(std::vector<OpCase>& out) {
    // Fast path (heads, latent, rope multiples of 16) with head/dim block tails, and the scalar
    // fallback for other shapes.
    const MlaShape shapes[] = {shape(16, 512, 64), shape(32, 80, 16), shape(5, 40, 8)};
    for (const MlaShape& s : shapes)
        for (int64_t topk : {0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 200})
            for (int64_t invalid : {int64_t(0), topk / 4 + 1}) {
                size_t mis = size_t(topk % 2);
                std::string p = shape_str(s) + ",n=300,topk_valid=" + std::to_string(topk) +
                                ",invalid=" + std::to_string(invalid) +
                                ",misalign=" + std::to_string(mis);
                out.push_back({"sparse_mla_decode", p, [=](CaseContext& ctx) {
                                   std::vector<int32_t> idx = make_indices(ctx, 300, topk, invalid);
                                   run_decode(ctx, s, 300, &idx, mis);
                               }});
            }
    // DeepSeek-V3.2 shape (128 heads) over a few hundred selected tokens; a single-token cache; all
    // −1.
    out.push_back({"sparse_mla_decode", "h=128,c=512,r=64,n=2000,topk=300", [](CaseContext& ctx) {
                       std::vector<int32_t> idx = make_indices(ctx, 2000, 290, 10);
                       run_decode(ctx, shape(128, 512, 64), 2000, &idx, 1);
                   }});
    out.push_back({"sparse_mla_decode", "n=1,topk=1", [](CaseContext& ctx) {
                       std::vector<int32_t> idx = {0};
                       run_decode(ctx, shape(16, 512, 64), 1, &idx, 0);
                   }});
    out.push_back({"sparse_mla_decode", "all_invalid", [](CaseContext& ctx) {
                       std::vector<int32_t> idx(64, -1);
                       run_decode(ctx, shape(16, 512, 64), 100, &idx, 0);
                   }});
    // A single selected token: the output is its latent row exactly (softmax weight 1).
    out.push_back({"sparse_mla_decode", "golden_single_token", [](CaseContext& ctx) {
                       MlaShape s = shape(16, 512, 64);
                       std::vector<float> q(16 * 576), o(16 * 512);
                       std::vector<uint16_t> kv(10 * 576);
                       ctx.rng.fill_normal(q);
                       ctx.rng.fill_bf16_normal(kv);
                       std::vector<int32_t> idx = {-1, 7, -1};
                       cpu::sparse_mla_decode(q.data(), kv.data(), 10, idx.data(), 3, s, o.data());
                       for (int64_t h = 0; h < 16; ++h)
                           for (int64_t i = 0; i < 512; ++i)
                               ASSERT_EQ(o[size_t(h * 512 + i)],
                                         bf16_to_f32(kv[size_t(7 * 576 + i)]));
                   }});
    out.push_back(
        {"sparse_mla_decode", "bad_indices", [](CaseContext& ctx) {
             MlaShape s = shape(16, 512, 64);
             std::vector<float> q(16 * 576), o(16 * 512);
             std::vector<uint16_t> kv(10 * 576);
             for (std::vector<int32_t> idx : {std::vector<int32_t>{1, 10}, {3, -2}, {4, 5, 4}}) {
                 EXPECT_THROW(cpu::sparse_mla_decode(q.data(), kv.data(), 10, idx.data(),
                                                     int64_t(idx.size()), s, o.data()),
                              Error);
                 EXPECT_THROW(ref::sparse_mla_decode(q.data(), kv.data(), 10, idx.data(),
                                                     int64_t(idx.size()), s, o.data()),
                              Error);
             }
             MlaShape bad = s;
             bad.heads = 0;
             std::vector<int32_t> idx = {1};
             EXPECT_THROW(
                 cpu::sparse_mla_decode(q.data(), kv.data(), 10, idx.data(), 1, bad, o.data()),
                 Error);
         }});
}

void dense_cases(std::vector<OpCase>& out) {
    for (const MlaShape& s : {shape(16, 512, 64), shape(48, 64, 32), shape(3, 24, 0)})
        for (int64_t n : {0, 1, 31, 33, 100, 257}) {
            size_t mis = size_t(n % 2);
            out.push_back(
                {"dense_mla_decode",
                 shape_str(s) + ",n=" + std::to_string(n) + ",misalign=" + std::to_string(mis),
                 [=](CaseContext& ctx) { run_decode(ctx, s, n, nullptr, mis); }});
        }
    // Dense equals sparse over every index (in any order).
    out.push_back({"dense_mla_decode", "equals_sparse_all", [](CaseContext& ctx) {
                       MlaShape s = shape(16, 512, 64);
                       std::vector<float> q(16 * 576), a(16 * 512), b(16 * 512);
                       std::vector<uint16_t> kv(150 * 576);
                       ctx.rng.fill_normal(q);
                       ctx.rng.fill_bf16_normal(kv);
                       std::vector<int32_t> idx = make_indices(ctx, 150, 150, 5);
                       cpu::dense_mla_decode(q.data(), kv.data(), 150, s, a.data());
                       cpu::sparse_mla_decode(q.data(), kv.data(), 150, idx.data(),
                                              int64_t(idx.size()), s, b.data());
                       expect_close(a.data(), b.data(), a.size(), kRtol, kAtol, "dense vs sparse");
                   }});
}

void projection_cases(std::vector<OpCase>& out) {
    struct Cfg {
        int64_t heads, nope, latent, rope, v_head;
    };
    for (Cfg c : {Cfg{32, 128, 512, 64, 128}, Cfg{3, 128, 512, 64, 128}, Cfg{2, 5, 96, 16, 7},
                  Cfg{3, 17, 40, 8, 3}, Cfg{1, 1, 32, 0, 1}, Cfg{4, 33, 288, 64, 5}}) {
        MlaShape s = shape(c.heads, c.latent, c.rope);
        s.nope = c.nope;
        s.v_head = c.v_head;
        std::string p =
            shape_str(s) + ",nope=" + std::to_string(c.nope) + ",v=" + std::to_string(c.v_head);
        out.push_back({"mla_absorb_q", p, [=](CaseContext& ctx) {
                           const int64_t w = s.latent + s.rope;
                           Guarded<float> qn(size_t(s.heads * s.nope), 4);
                           Guarded<uint16_t> wk(size_t(s.heads * s.nope * s.latent), 2);
                           ctx.rng.fill_normal({qn.data(), qn.size()});
                           ctx.rng.fill_bf16_normal({wk.data(), wk.size()});
                           std::vector<float> ref_out(size_t(s.heads * w), 5.0f);
                           Guarded<float> got(size_t(s.heads * w), 4);
                           std::fill(got.data(), got.data() + got.size(), 5.0f);
                           ref::mla_absorb_q(qn.data(), wk.data(), s, ref_out.data());
                           cpu::mla_absorb_q(qn.data(), wk.data(), s, got.data());
                           got.check_guards("q_abs");
                           expect_close(ref_out.data(), got.data(), got.size(), kProjRtol,
                                        kProjAtol, "q_abs");
                           for (int64_t h = 0; h < s.heads; ++h)  // the rope part is left untouched
                               for (int64_t i = s.latent; i < w; ++i)
                                   ASSERT_EQ(got[size_t(h * w + i)], 5.0f);
                       }});
        out.push_back({"mla_v_up", p, [=](CaseContext& ctx) {
                           Guarded<float> o(size_t(s.heads * s.latent), 4);
                           Guarded<uint16_t> wv(size_t(s.heads * s.v_head * s.latent), 2);
                           ctx.rng.fill_normal({o.data(), o.size()});
                           ctx.rng.fill_bf16_normal({wv.data(), wv.size()});
                           std::vector<float> ref_out(size_t(s.heads * s.v_head));
                           Guarded<float> got(size_t(s.heads * s.v_head), 4);
                           ref::mla_v_up(o.data(), wv.data(), s, ref_out.data());
                           cpu::mla_v_up(o.data(), wv.data(), s, got.data());
                           got.check_guards("y");
                           expect_close(ref_out.data(), got.data(), got.size(), kProjRtol,
                                        kProjAtol, "y");
                       }});
    }
    // Golden: with one-hot q_nope rows, absorption copies the selected W_UK row exactly.
    out.push_back({"mla_absorb_q", "golden_one_hot", [](CaseContext& ctx) {
                       MlaShape s = shape(2, 64, 16);
                       s.nope = 8;
                       std::vector<float> qn(2 * 8, 0.0f), qa(2 * 80, 0.0f);
                       qn[3] = 1.0f;
                       qn[8 + 6] = 1.0f;
                       std::vector<uint16_t> wk(2 * 8 * 64);
                       ctx.rng.fill_bf16_normal(wk);
                       cpu::mla_absorb_q(qn.data(), wk.data(), s, qa.data());
                       for (int64_t j = 0; j < 64; ++j) {
                           ASSERT_EQ(qa[size_t(j)], bf16_to_f32(wk[size_t(3 * 64 + j)]));
                           ASSERT_EQ(qa[size_t(80 + j)], bf16_to_f32(wk[size_t((8 + 6) * 64 + j)]));
                       }
                   }});
}

void scale_and_cost_cases(std::vector<OpCase>& out) {
    out.push_back({"mla_softmax_scale", "deepseek_v32", [](CaseContext&) {
                       // 192^-0.5 = 0.0721688; mscale = 0.1·ln 40 + 1 = 1.3688879; mscale²
                       // = 1.8738541.
                       EXPECT_NEAR(mla_softmax_scale(192, 40.0, true), 0.0721688 * 1.8738541, 1e-6);
                       EXPECT_NEAR(mla_softmax_scale(192, 40.0, false), 0.0721688, 1e-6);
                       EXPECT_FLOAT_EQ(mla_softmax_scale(192, 1.0, true),
                                       mla_softmax_scale(192, 1.0, false));
                       EXPECT_THROW(mla_softmax_scale(0, 40.0, true), Error);
                       EXPECT_THROW(mla_softmax_scale(192, 0.0, true), Error);
                   }});
    out.push_back(
        {"mla_cost", "formulas", [](CaseContext&) {
             MlaShape s = shape(128, 512, 64);
             OpCost c = sparse_mla_cost(s, 2048);
             EXPECT_DOUBLE_EQ(c.flops, 128.0 * 2048 * (2 * 576 + 2 * 512));  // 0.57 GFLOP (spec §7)
             EXPECT_DOUBLE_EQ(c.bytes_read, 2048.0 * 576 * 2 + 2048 * 4 + 128 * 576 * 4);
             EXPECT_EQ(c.pattern, AccessPattern::Irregular);
             OpCost d = dense_mla_cost(s, 4096);
             EXPECT_DOUBLE_EQ(d.flops, 128.0 * 4096 * (2 * 576 + 2 * 512));
             EXPECT_EQ(d.pattern, AccessPattern::Regular);
             EXPECT_DOUBLE_EQ(mla_absorb_q_cost(s).flops, 2.0 * 128 * 128 * 512);
             EXPECT_DOUBLE_EQ(mla_v_up_cost(s).bytes_read, 128.0 * 128 * 512 * 2 + 128 * 512 * 4);
         }});
}

void all_cases(std::vector<OpCase>& out) {
    sparse_cases(out);
    dense_cases(out);
    projection_cases(out);
    scale_and_cost_cases(out);
}

CaseRegistrar reg(all_cases);

}  // namespace
}  // namespace mempipe::test
