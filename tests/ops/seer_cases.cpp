// Conformance cases for the SeerAttention-R gate ops (seer_compress_block(s), seer_gate_scores,
// seer_gate_select, seer_select_blocks) against the references, plus golden cases from the spec.
//
// Tolerances:
//   * compress and the gate query are exact by contract (identical FMA chains, shared norm/RoPE
//     code): k_comp is compared bit for bit.
//   * scores: rtol 1e-4, atol 1e-12. The reference takes the dots, exp and normaliser in f64; the
//     kernels use f32 FMA dots of d_gate ≤ 160 terms (|error| ≲ 1e-6 · Σ|q·k| · scale, i.e.
//     ≲ 1e-5 on logits of O(10) in the peaky cases), an exp with ~1-2 ulp error, and f32 sums of
//     ≤ 9001 positive terms (≲ 2e-5 relative with 16 lane partials). A logit error ε changes a
//     probability by a factor e^ε, so 1e-4 relative covers it with margin (observed ≤ 1e-5);
//     atol only covers probabilities that underflow (< 1e-38).
//   * selection is exact for identical input scores.
#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "conformance.h"
#include "mempipe/core/dtype.h"
#include "mempipe/core/error.h"
#include "mempipe/ops/nn.h"
#include "mempipe/ops/seer.h"

namespace mempipe::test {
namespace {

constexpr double kScoreRtol = 1e-4, kScoreAtol = 1e-12;

std::string shape_str(const SeerGateShape& s) {
    return "hq=" + std::to_string(s.hq) + ",hkv=" + std::to_string(s.hkv) +
           ",d=" + std::to_string(s.d) + ",dg=" + std::to_string(s.d_gate) +
           ",block=" + std::to_string(s.block) + (s.qk_norm ? ",qknorm" : "");
}

SeerGateShape make_shape(int64_t hq, int64_t hkv, int64_t d, int64_t dg, int64_t block,
                         bool qk_norm) {
    SeerGateShape s;
    s.hq = hq, s.hkv = hkv, s.d = d, s.d_gate = dg, s.block = block, s.qk_norm = qk_norm;
    return s;
}

// Seeded weights with the scales of a trained gate: qg and k_comp components of O(1).
struct Weights {
    Guarded<uint16_t> wq, wk;
    Guarded<float> q_norm, k_norm;
    std::vector<float> inv_freq;
    SeerGateWeights w;
    Weights(CaseContext& ctx, const SeerGateShape& s, size_t mis, double theta = 1e6)
        : wq(size_t(s.hq * s.d * s.d_gate), mis * 2),
          wk(size_t(s.hkv * 3 * s.d * s.d_gate), mis * 2),
          q_norm(size_t(s.d_gate), mis * 4),
          k_norm(size_t(s.d_gate), mis * 4),
          inv_freq(rope_inv_freq(s.d_gate, theta)) {
        ctx.rng.fill_bf16_normal({wq.data(), wq.size()},
                                 float(1.0 / std::sqrt(double(s.group() * s.d))));
        ctx.rng.fill_bf16_normal({wk.data(), wk.size()}, float(1.0 / std::sqrt(double(3 * s.d))));
        ctx.rng.fill_uniform({q_norm.data(), q_norm.size()}, 0.5f, 1.5f);
        ctx.rng.fill_uniform({k_norm.data(), k_norm.size()}, 0.5f, 1.5f);
        w = {wq.data(), wk.data(), q_norm.data(), k_norm.data()};
    }
};

void expect_bf16_finite(const uint16_t* x, size_t n, const std::string& what) {
    for (size_t i = 0; i < n; ++i)
        if (!std::isfinite(bf16_to_f32(x[i]))) {
            ADD_FAILURE() << what << ": non-finite bf16 at " << i;
            return;
        }
}

// ---------------------------------------------------------------------------------------------------
// seer_compress_block / seer_compress_blocks

void compress_cases(std::vector<OpCase>& out) {
    struct C {
        int64_t hq, hkv, d, dg, block;
        bool qk_norm, rope;
        int64_t position;
    };
    std::vector<C> cs = {
        {32, 8, 128, 128, 64, false, true, 63},    {32, 8, 128, 128, 64, false, true, 1048575},
        {32, 8, 128, 128, 64, true, true, 4095},   {32, 8, 128, 128, 64, false, false, 0},
        {4, 1, 17, 30, 16, false, true, 15},       {4, 2, 15, 16, 1, true, true, 7},
        {6, 3, 33, 34, 2, false, true, 1},         {2, 2, 1, 2, 63, false, true, 62},
        {8, 4, 64, 130, 65, true, true, 129},      {3, 1, 31, 160, 5, false, true, 999},
        {12, 12, 16, 48, 32, false, true, 100000}, {1, 1, 129, 96, 3, true, false, 5},
    };
    for (const C& c : cs)
        for (size_t mis : {size_t(0), size_t(1)}) {
            SeerGateShape s = make_shape(c.hq, c.hkv, c.d, c.dg, c.block, c.qk_norm);
            std::string p = shape_str(s) +
                            (c.rope ? ",pos=" + std::to_string(c.position) : ",norope") +
                            ",misalign=" + std::to_string(mis);
            out.push_back(
                {"seer_compress_block", p, [=](CaseContext& ctx) {
                     Weights W(ctx, s, mis);
                     Guarded<uint16_t> k(size_t(s.block * s.hkv * s.d), mis * 2);
                     ctx.rng.fill_bf16_normal({k.data(), k.size()});
                     const float* f = c.rope ? W.inv_freq.data() : nullptr;
                     size_t n_out = size_t(s.hkv * s.d_gate);
                     std::vector<uint16_t> want(n_out);
                     Guarded<uint16_t> got(n_out, mis * 2);
                     ref::seer_compress_block(k.data(), s, W.w, f, c.position, want.data());
                     cpu::seer_compress_block(k.data(), s, W.w, f, c.position, got.data());
                     got.check_guards("k_comp_row");
                     expect_equal(want.data(), got.data(), n_out, "k_comp_row");
                     expect_bf16_finite(got.data(), n_out, "k_comp_row");
                 }});
        }

    // Batch: every complete block, trailing partial block ignored, equal to per-block compression
    // at the block-end (decode) or block-start (prefill) position, also for a chunk that starts
    // mid-cache; threads split blocks.
    for (int64_t n_tokens : {0, 1, 63, 64, 65, 128, 64 * 37 + 5})
        for (SeerKPosition where : {SeerKPosition::BlockEnd, SeerKPosition::BlockStart})
            for (int64_t first : {0, 64 * 1000}) {
                SeerGateShape s = make_shape(8, 2, 64, 64, 64, false);
                bool end = where == SeerKPosition::BlockEnd;
                std::string p = "n_tokens=" + std::to_string(n_tokens) +
                                (end ? ",block_end" : ",block_start") +
                                ",first_token=" + std::to_string(first);
                out.push_back(
                    {"seer_compress_blocks", p, [=](CaseContext& ctx) {
                         Weights W(ctx, s, 1);
                         Guarded<uint16_t> k(size_t(n_tokens * s.hkv * s.d), 2);
                         ctx.rng.fill_bf16_normal({k.data(), k.size()});
                         int64_t nb = n_tokens / s.block;
                         size_t row = size_t(s.hkv * s.d_gate), n_out = size_t(nb) * row;
                         std::vector<uint16_t> want(n_out), single(row);
                         Guarded<uint16_t> got(n_out, 2);
                         const float* f = W.inv_freq.data();
                         ref::seer_compress_blocks(k.data(), n_tokens, first, s, W.w, f, where,
                                                   want.data());
                         cpu::seer_compress_blocks(k.data(), n_tokens, first, s, W.w, f, where,
                                                   got.data());
                         got.check_guards("k_comp");
                         expect_equal(want.data(), got.data(), n_out, "k_comp");
                         for (int64_t b = 0; b < nb; ++b) {
                             int64_t pos = first + (end ? (b + 1) * s.block - 1 : b * s.block);
                             ref::seer_compress_block(k.data() + b * s.block * s.hkv * s.d, s, W.w,
                                                      f, pos, single.data());
                             expect_equal(single.data(), got.data() + size_t(b) * row, row,
                                          "block " + std::to_string(b) + " vs seer_compress_block");
                         }
                     }});
            }

    // Golden: d = 2, d_gate = 6, Wk = identity, no norm, position 0 (RoPE is the identity there),
    // block of 4 integer-valued tokens → k_comp = [max ; min ; avg] exactly.
    out.push_back({"seer_compress_block", "golden_pool_identity", [](CaseContext&) {
                       SeerGateShape s = make_shape(1, 1, 2, 6, 4, false);
                       const float tok[4][2] = {{1, -2}, {3, 5}, {-4, 0.5f}, {2, 1}};
                       std::vector<uint16_t> k(8), wk(36, 0), got(6);
                       for (int t = 0; t < 4; ++t)
                           for (int c = 0; c < 2; ++c)
                               k[size_t(t * 2 + c)] = f32_to_bf16(tok[t][c]);
                       for (int i = 0; i < 6; ++i) wk[size_t(i * 6 + i)] = f32_to_bf16(1.0f);
                       SeerGateWeights w{nullptr, wk.data(), nullptr, nullptr};
                       std::vector<float> f = rope_inv_freq(6, 1e6);
                       const float want[6] = {3,  5,    -4,
                                              -2, 0.5f, 1.125f};  // max, min, avg per channel
                       for (auto fn : {&ref::seer_compress_block, &cpu::seer_compress_block}) {
                           fn(k.data(), s, w, f.data(), 0, got.data());
                           for (int i = 0; i < 6; ++i)
                               EXPECT_EQ(bf16_to_f32(got[size_t(i)]), want[i]) << "o=" << i;
                       }
                   }});
    // Golden RoPE: d_gate = 2 with inv_freq [1]: k_comp = R(position) · [max ; min] of one channel,
    // from the closed form (cos p, sin p); allowed 1 bf16 ulp (the closed form here is f64, the
    // contract f32).
    out.push_back({"seer_compress_block", "golden_rope_position", [](CaseContext&) {
                       SeerGateShape s = make_shape(1, 1, 1, 2, 2, false);
                       std::vector<uint16_t> k = {f32_to_bf16(0.75f), f32_to_bf16(-1.5f)}, got(2);
                       // 3 inputs (max, min, avg) → 2 outputs: y0 = max, y1 = min.
                       std::vector<uint16_t> wk = {f32_to_bf16(1), 0, 0, f32_to_bf16(1), 0, 0};
                       SeerGateWeights w{nullptr, wk.data(), nullptr, nullptr};
                       const float inv_freq[1] = {1.0f};
                       for (int64_t pos : {1, 2, 5, 1000}) {
                           double c = std::cos(double(pos)), sn = std::sin(double(pos));
                           double want0 = 0.75 * c - (-1.5) * sn, want1 = -1.5 * c + 0.75 * sn;
                           for (auto fn : {&ref::seer_compress_block, &cpu::seer_compress_block}) {
                               fn(k.data(), s, w, inv_freq, pos, got.data());
                               EXPECT_NEAR(bf16_to_f32(got[0]), want0, std::fabs(want0) / 128)
                                   << "pos " << pos;
                               EXPECT_NEAR(bf16_to_f32(got[1]), want1, std::fabs(want1) / 128)
                                   << "pos " << pos;
                           }
                       }
                   }});
    out.push_back(
        {"seer_compress_block", "guards", [](CaseContext& ctx) {
             SeerGateShape s = make_shape(8, 2, 16, 16, 4, false);
             Weights W(ctx, s, 0);
             std::vector<uint16_t> k(size_t(s.block * s.hkv * s.d)), o(size_t(s.hkv * s.d_gate));
             const float* f = W.inv_freq.data();
             SeerGateShape bad = s;
             bad.hq = 7;
             EXPECT_THROW(cpu::seer_compress_block(k.data(), bad, W.w, f, 0, o.data()), Error);
             bad = s, bad.d_gate = 15;
             EXPECT_THROW(ref::seer_compress_block(k.data(), bad, W.w, f, 0, o.data()), Error);
             bad = s, bad.block = 0;
             EXPECT_THROW(cpu::seer_compress_block(k.data(), bad, W.w, f, 0, o.data()), Error);
             EXPECT_THROW(cpu::seer_compress_block(k.data(), s, W.w, f, -1, o.data()), Error);
             EXPECT_THROW(cpu::seer_compress_block(nullptr, s, W.w, f, 0, o.data()), Error);
             SeerGateWeights nw = W.w;
             nw.wk = nullptr;
             EXPECT_THROW(cpu::seer_compress_block(k.data(), s, nw, f, 0, o.data()), Error);
             bad = s, bad.qk_norm = true;
             nw = W.w, nw.k_norm = nullptr;
             EXPECT_THROW(cpu::seer_compress_block(k.data(), bad, nw, f, 0, o.data()), Error);
             const SeerKPosition e = SeerKPosition::BlockEnd;
             EXPECT_THROW(cpu::seer_compress_blocks(k.data(), -1, 0, s, W.w, f, e, o.data()),
                          Error);
             EXPECT_THROW(cpu::seer_compress_blocks(k.data(), 4, 3, s, W.w, f, e, o.data()), Error);
             EXPECT_THROW(ref::seer_compress_blocks(k.data(), 4, -4, s, W.w, f, e, o.data()),
                          Error);
             EXPECT_NO_THROW(
                 cpu::seer_compress_blocks(nullptr, 3, 0, s, W.w, f, e, nullptr));  // no block
         }});
}

// ---------------------------------------------------------------------------------------------------
// seer_gate_scores

struct ScoreInputs {
    SeerGateShape s;
    Weights W;
    Guarded<float> q;
    Guarded<uint16_t> kc;
    ScoreInputs(CaseContext& ctx, const SeerGateShape& sh, int64_t n, size_t mis, float k_scale,
                bool partial)
        : s(sh),
          W(ctx, sh, mis),
          q(size_t(sh.hq * sh.d), mis * 4),
          kc(size_t(n * sh.hkv * sh.d_gate), mis * 2) {
        ctx.rng.fill_normal({q.data(), q.size()});
        ctx.rng.fill_bf16_normal({kc.data(), kc.size()}, k_scale);
        // A partial last block has an all-zero row (KCompressionCache convention).
        if (partial && n > 0)
            std::fill(kc.data() + (n - 1) * sh.hkv * sh.d_gate, kc.data() + kc.size(), uint16_t(0));
    }
};

// Runs both backends; returns cpu scores. Checks guards, tolerance, finiteness and row sums.
std::vector<float> run_scores(ScoreInputs& in, int64_t n, int64_t position, bool rope, size_t mis,
                              std::vector<float>* ref_out = nullptr) {
    const SeerGateShape& s = in.s;
    const float* f = rope ? in.W.inv_freq.data() : nullptr;
    size_t n_out = size_t(s.hkv * n);
    std::vector<float> want(n_out);
    Guarded<float> got(n_out, mis * 4);
    ref::seer_gate_scores(in.q.data(), in.kc.data(), n, s, in.W.w, f, position, want.data());
    cpu::seer_gate_scores(in.q.data(), in.kc.data(), n, s, in.W.w, f, position, got.data());
    got.check_guards("scores");
    expect_close(want.data(), got.data(), n_out, kScoreRtol, kScoreAtol, "scores");
    expect_finite(got.data(), n_out, "scores");
    for (int64_t k = 0; k < s.hkv; ++k) {
        double sum = 0;
        for (int64_t b = 0; b < n; ++b) sum += got[size_t(k * n + b)];
        EXPECT_NEAR(sum, 1.0, 1e-4) << "row " << k << " of softmax probabilities";
    }
    if (ref_out) *ref_out = want;
    return std::vector<float>(got.data(), got.data() + n_out);
}

void scores_cases(std::vector<OpCase>& out) {
    SeerGateShape qwen = make_shape(32, 8, 128, 128, 64, false);
    for (int64_t n : {1, 2, 63, 64, 65, 127, 1000})
        for (bool partial : {false, true}) {
            size_t mis = size_t(n % 2);
            std::string p = "qwen3_8b,n_blocks=" + std::to_string(n) +
                            (partial ? ",partial_last" : "") + ",misalign=" + std::to_string(mis);
            out.push_back({"seer_gate_scores", p, [=](CaseContext& ctx) {
                               ScoreInputs in(ctx, qwen, n, mis, 1.0f, partial);
                               run_scores(in, n, n * 64 - (partial ? 7 : 1), true, mis);
                           }});
        }
    struct C {
        int64_t hq, hkv, d, dg, n;
        bool qk_norm, rope;
        float k_scale;  // larger: peakier softmax
    };
    for (C c : {C{32, 8, 128, 128, 9000, false, true, 1}, C{32, 8, 128, 128, 700, true, true, 1},
                C{32, 8, 128, 128, 300, false, true, 8}, C{32, 8, 128, 128, 3, false, false, 1},
                C{4, 1, 64, 64, 33, false, true, 1}, C{6, 2, 33, 32, 65, true, true, 2},
                C{8, 8, 16, 48, 17, false, true, 1}, C{16, 16, 17, 96, 600, false, true, 1},
                C{12, 12, 31, 160, 31, false, true, 4}, C{5, 5, 1, 2, 15, false, true, 1},
                C{2, 1, 128, 30, 16, true, true, 1}}) {
        SeerGateShape s = make_shape(c.hq, c.hkv, c.d, c.dg, 64, c.qk_norm);
        std::string p = shape_str(s) + ",n_blocks=" + std::to_string(c.n) +
                        (c.rope ? "" : ",norope") + ",kscale=" + std::to_string(int(c.k_scale));
        out.push_back({"seer_gate_scores", p, [=](CaseContext& ctx) {
                           ScoreInputs in(ctx, s, c.n, 1, c.k_scale, true);
                           run_scores(in, c.n, c.n * 64 - 3, c.rope, 1);
                       }});
    }
    // Ties: equal k_comp rows give exactly equal scores in every backend (same instruction sequence
    // per row, wherever it sits in a thread range or SIMD tail).
    for (int64_t n : {40, 1500, 9001}) {
        out.push_back(
            {"seer_gate_scores", "ties,n_blocks=" + std::to_string(n), [=](CaseContext& ctx) {
                 ScoreInputs in(ctx, qwen, n, 0, 1.0f, false);
                 const int64_t row = qwen.hkv * qwen.d_gate;
                 for (int64_t b : {n / 3, n / 2, n - 2, n - 1})
                     std::copy(in.kc.data() + 5 * row, in.kc.data() + 6 * row,
                               in.kc.data() + b * row);
                 std::vector<float> want;
                 std::vector<float> got = run_scores(in, n, n * 64 - 1, true, 0, &want);
                 for (int64_t k = 0; k < qwen.hkv; ++k)
                     for (int64_t b : {n / 3, n / 2, n - 2, n - 1}) {
                         EXPECT_EQ(got[size_t(k * n + b)], got[size_t(k * n + 5)]) << "cpu k=" << k;
                         EXPECT_EQ(want[size_t(k * n + b)], want[size_t(k * n + 5)])
                             << "ref k=" << k;
                     }
             }});
    }
    // NaN in one query head: its KV head's whole row is NaN in both backends, the others are
    // unaffected.
    out.push_back(
        {"seer_gate_scores", "nan_query_head", [=](CaseContext& ctx) {
             const int64_t n = 900;
             ScoreInputs in(ctx, qwen, n, 0, 1.0f, false);
             in.q[size_t(13 * qwen.d + 7)] = NAN;  // q head 13 → KV head 3
             std::vector<float> want(size_t(qwen.hkv * n)), got(want.size());
             const float* f = in.W.inv_freq.data();
             ref::seer_gate_scores(in.q.data(), in.kc.data(), n, qwen, in.W.w, f, n * 64 - 1,
                                   want.data());
             cpu::seer_gate_scores(in.q.data(), in.kc.data(), n, qwen, in.W.w, f, n * 64 - 1,
                                   got.data());
             for (int64_t k = 0; k < qwen.hkv; ++k)
                 for (int64_t b = 0; b < n; ++b) {
                     size_t i = size_t(k * n + b);
                     if (k == 3) {
                         ASSERT_TRUE(std::isnan(want[i]) && std::isnan(got[i])) << "block " << b;
                     } else {
                         ASSERT_TRUE(std::isfinite(got[i])) << "k=" << k << " b=" << b;
                     }
                 }
             expect_close(want.data(), got.data(), want.size(), kScoreRtol, kScoreAtol, "scores");
         }});
    // Golden: hq = hkv = 1, d = d_gate = 2, Wq = identity, no RoPE: qg = q; logits = q · k /
    // sqrt(2).
    out.push_back({"seer_gate_scores", "golden_softmax", [](CaseContext&) {
                       SeerGateShape s = make_shape(1, 1, 2, 2, 64, false);
                       std::vector<uint16_t> wq = {f32_to_bf16(1), 0, 0, f32_to_bf16(1)};
                       SeerGateWeights w{wq.data(), nullptr, nullptr, nullptr};
                       const float q[2] = {1.0f, 0.5f};
                       const float rows[4][2] = {{0, 0}, {2, 0}, {0, 4}, {-1, 3}};
                       std::vector<uint16_t> kc(8);
                       for (int b = 0; b < 4; ++b)
                           for (int c = 0; c < 2; ++c)
                               kc[size_t(b * 2 + c)] = f32_to_bf16(rows[b][c]);
                       double l[4], sum = 0;
                       for (int b = 0; b < 4; ++b)
                           sum += std::exp(l[b] = (rows[b][0] * 1.0 + rows[b][1] * 0.5) /
                                                  std::sqrt(2.0));
                       std::vector<float> got(4);
                       for (auto fn : {&ref::seer_gate_scores, &cpu::seer_gate_scores}) {
                           fn(q, kc.data(), 4, s, w, nullptr, 255, got.data());
                           for (int b = 0; b < 4; ++b)
                               EXPECT_NEAR(got[size_t(b)], std::exp(l[b]) / sum, 1e-6) << b;
                       }
                   }});
    out.push_back(
        {"seer_gate_scores", "guards", [=](CaseContext& ctx) {
             ScoreInputs in(ctx, qwen, 4, 0, 1.0f, false);
             std::vector<float> o(size_t(qwen.hkv * 4));
             const float* f = in.W.inv_freq.data();
             EXPECT_THROW(
                 cpu::seer_gate_scores(in.q.data(), in.kc.data(), -1, qwen, in.W.w, f, 0, o.data()),
                 Error);
             EXPECT_THROW(
                 ref::seer_gate_scores(in.q.data(), in.kc.data(), 4, qwen, in.W.w, f, -5, o.data()),
                 Error);
             EXPECT_THROW(
                 cpu::seer_gate_scores(nullptr, in.kc.data(), 4, qwen, in.W.w, f, 0, o.data()),
                 Error);
             SeerGateWeights nw = in.W.w;
             nw.wq = nullptr;
             EXPECT_THROW(
                 cpu::seer_gate_scores(in.q.data(), in.kc.data(), 4, qwen, nw, f, 0, o.data()),
                 Error);
             SeerGateShape bad = qwen;
             bad.hkv = 3;
             EXPECT_THROW(
                 cpu::seer_gate_scores(in.q.data(), in.kc.data(), 4, bad, in.W.w, f, 0, o.data()),
                 Error);
             EXPECT_NO_THROW(
                 cpu::seer_gate_scores(nullptr, nullptr, 0, qwen, in.W.w, f, 0, nullptr));
             EXPECT_NO_THROW(
                 ref::seer_gate_scores(nullptr, nullptr, 0, qwen, in.W.w, f, 0, nullptr));
         }});
}

// Fused Relevancy + Retrieval: scores within tolerance of the reference, and the selection exactly
// the reference selection of the returned scores (top-k and threshold; thread-split from 1024
// blocks).
void gate_select_cases(std::vector<OpCase>& out) {
    SeerGateShape qwen = make_shape(32, 8, 128, 128, 64, false);
    for (int64_t n : {0, 1, 65, 1000, 2000, 9001})
        for (SeerSelectMode mode : {SeerSelectMode::TokenBudget, SeerSelectMode::Threshold}) {
            bool budget = mode == SeerSelectMode::TokenBudget;
            std::string p =
                "qwen3_8b,n_blocks=" + std::to_string(n) + (budget ? ",topk64" : ",threshold");
            out.push_back(
                {"seer_gate_select", p, [=](CaseContext& ctx) {
                     ScoreInputs in(ctx, qwen, n, 1, 1.0f, true);
                     SeerSelectParams sp{mode, 64, 2.0f / float(std::max<int64_t>(n, 1))};
                     const int64_t width = seer_select_width(n, sp) + 1, hkv = qwen.hkv;
                     const float* f = in.W.inv_freq.data();
                     std::vector<float> ws(size_t(hkv * n));
                     std::vector<int32_t> wo(size_t(hkv * width)), wc(size_t(hkv) * 1),
                         again(wo.size());
                     Guarded<float> gs(size_t(hkv * n), 4);
                     Guarded<int32_t> go(size_t(hkv * width), 4), gc(size_t(hkv) * 1, 4);
                     const int64_t pos = std::max<int64_t>(n * 64 - 5, 0);
                     ref::seer_gate_select(in.q.data(), in.kc.data(), n, qwen, in.W.w, f, pos, sp,
                                           width, ws.data(), wo.data(), wc.data());
                     cpu::seer_gate_select(in.q.data(), in.kc.data(), n, qwen, in.W.w, f, pos, sp,
                                           width, gs.data(), go.data(), gc.data());
                     gs.check_guards("scores");
                     go.check_guards("out");
                     gc.check_guards("counts");
                     expect_close(ws.data(), gs.data(), ws.size(), kScoreRtol, kScoreAtol,
                                  "scores");
                     ref::seer_select_blocks(gs.data(), hkv, n, sp, width, wo.data(), wc.data());
                     expect_equal(wo.data(), go.data(), wo.size(),
                                  "out vs ref selection of the scores");
                     expect_equal(wc.data(), gc.data(), wc.size(), "counts");
                     cpu::seer_select_blocks(gs.data(), hkv, n, sp, width, again.data(), nullptr);
                     expect_equal(again.data(), go.data(), again.size(),
                                  "out vs cpu::seer_select_blocks");
                 }});
        }
    out.push_back(
        {"seer_gate_select", "guards", [=](CaseContext& ctx) {
             ScoreInputs in(ctx, qwen, 4, 0, 1.0f, false);
             SeerSelectParams sp;
             std::vector<float> sc(size_t(qwen.hkv * 4));
             std::vector<int32_t> o(size_t(qwen.hkv * 4));
             const float* f = in.W.inv_freq.data();
             EXPECT_THROW(cpu::seer_gate_select(in.q.data(), in.kc.data(), 4, qwen, in.W.w, f, 3,
                                                sp, 3, sc.data(), o.data(), nullptr),
                          Error);  // width 3 < 4 blocks
             EXPECT_THROW(cpu::seer_gate_select(nullptr, in.kc.data(), 4, qwen, in.W.w, f, 3, sp, 4,
                                                sc.data(), o.data(), nullptr),
                          Error);
             EXPECT_THROW(ref::seer_gate_select(in.q.data(), in.kc.data(), 4, qwen, in.W.w, f, -1,
                                                sp, 4, sc.data(), o.data(), nullptr),
                          Error);
         }});
}

// ---------------------------------------------------------------------------------------------------
// seer_select_blocks

// Structural checks of one output: rows ascending, unique, in range, first/last forced, −1 padded.
void check_rows(const int32_t* o, const int32_t* counts, int64_t hkv, int64_t n, int64_t width) {
    for (int64_t h = 0; h < hkv; ++h) {
        const int32_t* r = o + h * width;
        int64_t c = counts[h];
        ASSERT_LE(c, width);
        for (int64_t e = 0; e < c; ++e) {
            ASSERT_GE(r[e], 0);
            ASSERT_LT(r[e], n);
            if (e > 0) {
                ASSERT_LT(r[e - 1], r[e]) << "row " << h << " not ascending/unique";
            }
        }
        for (int64_t e = c; e < width; ++e) ASSERT_EQ(r[e], -1) << "row " << h << " padding";
        if (n > 0) {
            ASSERT_EQ(r[0], 0) << "first block not forced";
            ASSERT_EQ(r[c - 1], n - 1) << "last block not forced";
        }
    }
}

// Scores with many exact ties (values from a small set), optional NaN / ±0 / ±inf salt.
void fill_scores(CaseContext& ctx, float* x, size_t n, int levels, bool salt) {
    for (size_t i = 0; i < n; ++i)
        x[i] = float(ctx.rng.uniform_int(0, levels - 1)) / float(levels) * 1e-2f;
    if (!salt) return;
    const float specials[] = {NAN, -0.0f, 0.0f, INFINITY, -INFINITY};
    for (size_t i = 0; i < n; i += 7) x[i] = specials[ctx.rng.uniform_int(0, 4)];
}

void select_compare(CaseContext& ctx, int64_t hkv, int64_t n, const SeerSelectParams& p, int levels,
                    bool salt, int64_t extra_width, size_t mis) {
    Guarded<float> x(size_t(hkv * n), mis * 4);
    fill_scores(ctx, x.data(), x.size(), levels, salt);
    int64_t width = seer_select_width(n, p) + extra_width;
    std::vector<int32_t> want(size_t(hkv * width)), wc(size_t(hkv) * 1);
    Guarded<int32_t> got(size_t(hkv * width), mis * 4), gc(size_t(hkv) * 1, mis * 4);
    ref::seer_select_blocks(x.data(), hkv, n, p, width, want.data(), wc.data());
    cpu::seer_select_blocks(x.data(), hkv, n, p, width, got.data(), gc.data());
    got.check_guards("out");
    gc.check_guards("counts");
    expect_equal(want.data(), got.data(), want.size(), "out");
    expect_equal(wc.data(), gc.data(), wc.size(), "counts");
    check_rows(got.data(), gc.data(), hkv, n, width);
    for (int64_t h = 0; h < hkv; ++h) {
        int64_t c = gc[size_t(h)];
        if (p.mode == SeerSelectMode::TokenBudget) {
            if (n <= p.budget_blocks) {
                EXPECT_EQ(c, n);
            } else {
                EXPECT_GE(c, std::min<int64_t>(std::max<int64_t>(p.budget_blocks, 1), n));
                EXPECT_LE(c, std::min<int64_t>(p.budget_blocks + 2, n));
            }
        }
    }
}

void select_cases(std::vector<OpCase>& out) {
    for (int64_t n : {0, 1, 2, 63, 64, 65, 127, 1000})
        for (int64_t budget : {0, 1, 2, 64, 1000})
            for (int levels : {3, 1 << 20}) {
                size_t mis = size_t((n + budget) % 2);
                SeerSelectParams p{SeerSelectMode::TokenBudget, budget, 0};
                std::string name =
                    "topk,n=" + std::to_string(n) + ",budget=" + std::to_string(budget) +
                    ",levels=" + std::to_string(levels) + ",misalign=" + std::to_string(mis);
                out.push_back({"seer_select_blocks", name, [=](CaseContext& ctx) {
                                   select_compare(ctx, 8, n, p, levels, false, 0, mis);
                               }});
            }
    for (int64_t n : {1, 2, 17, 63, 65, 1000})
        for (float tau : {0.0f, 3e-3f, 1e-3f, 1.0f}) {
            SeerSelectParams p{SeerSelectMode::Threshold, 64, tau};
            std::string name =
                "threshold,n=" + std::to_string(n) + ",tau=" + fmt::format("{:g}", tau);
            out.push_back({"seer_select_blocks", name, [=](CaseContext& ctx) {
                               select_compare(ctx, 8, n, p, 1000, false, 0, 1);
                           }});
        }
    // NaN / ±0 / ±inf salt, wider-than-needed output, k = n − 1, n = budget ± 1, many heads, large
    // rows split over threads, a budget much smaller than n (many filter passes).
    struct C {
        SeerSelectMode mode;
        int64_t hkv, n, budget;
        float tau;
        int levels;
        bool salt;
        int64_t extra;
    };
    for (C c : {C{SeerSelectMode::TokenBudget, 8, 300, 64, 0, 50, true, 0},
                C{SeerSelectMode::TokenBudget, 3, 129, 128, 0, 1000, true, 5},
                C{SeerSelectMode::TokenBudget, 4, 0, 64, 0, 10, false, 3},  // no block: rows of −1
                C{SeerSelectMode::Threshold, 4, 0, 64, 0.5f, 10, false, 2},
                C{SeerSelectMode::TokenBudget, 3, 129, 127, 0, 4, false, 0},
                C{SeerSelectMode::TokenBudget, 1, 65, 64, 0, 2, true, 3},
                C{SeerSelectMode::TokenBudget, 8, 16384, 64, 0, 1 << 22, false, 0},
                C{SeerSelectMode::TokenBudget, 8, 16384, 64, 0, 16, true, 0},
                C{SeerSelectMode::TokenBudget, 2, 5000, 3, 0, 1 << 22, false, 0},
                C{SeerSelectMode::TokenBudget, 5, 20000, 2000, 0, 1 << 22, false, 0},
                C{SeerSelectMode::Threshold, 8, 300, 0, 5e-3f, 10, true, 2},
                C{SeerSelectMode::Threshold, 8, 16384, 0, 9e-3f, 1000, false, 0},
                C{SeerSelectMode::Threshold, 8, 16384, 0, -INFINITY, 1000, true, 0}}) {
        SeerSelectParams p{c.mode, c.budget, c.tau};
        std::string name =
            std::string(c.mode == SeerSelectMode::TokenBudget ? "topk" : "threshold") +
            ",hkv=" + std::to_string(c.hkv) + ",n=" + std::to_string(c.n) +
            ",budget=" + std::to_string(c.budget) + ",tau=" + std::to_string(c.tau) +
            ",levels=" + std::to_string(c.levels) + (c.salt ? ",nan_inf_zero" : "") +
            ",extra=" + std::to_string(c.extra);
        out.push_back({"seer_select_blocks", name, [=](CaseContext& ctx) {
                           select_compare(ctx, c.hkv, c.n, p, c.levels, c.salt, c.extra, 1);
                       }});
    }
    // Golden (spec §2.2 step 5 / §8.2 step 3): top-2 {1, 2} ∪ last {4} ∪ first {0}; threshold; ties
    // → lower index; first/last forced though they score lowest; NaN ranks last.
    out.push_back(
        {"seer_select_blocks", "golden", [](CaseContext&) {
             struct G {
                 std::vector<float> s;
                 SeerSelectParams p;
                 int64_t width;
                 std::vector<int32_t> want;
             };
             const SeerSelectMode T = SeerSelectMode::TokenBudget, H = SeerSelectMode::Threshold;
             std::vector<G> gs = {
                 {{0.01f, 0.5f, 0.3f, 0.15f, 0.04f}, {T, 2, 0}, 4, {0, 1, 2, 4}},
                 {{0.01f, 0.5f, 0.3f, 0.15f, 0.04f}, {T, 3, 0}, 5, {0, 1, 2, 3, 4}},
                 {{0.6f, 0.1f, 0.05f, 0.2f, 0.05f}, {T, 1, 0}, 3, {0, 4, -1}},
                 {{0.01f, 0.5f, 0.3f, 0.15f, 0.04f}, {H, 0, 0.2f}, 5, {0, 1, 2, 4, -1}},
                 {{0.01f, 0.5f, 0.3f, 0.15f, 0.04f}, {H, 0, 0.6f}, 5, {0, 4, -1, -1, -1}},
                 {{0.2f, 0.2f, 0.2f, 0.2f, 0.2f, 0.2f}, {T, 2, 0}, 4, {0, 1, 5, -1}},
                 {{0.1f, 0.3f, 0.3f, 0.1f, 0.3f, 0.0f}, {T, 2, 0}, 4, {0, 1, 2, 5}},
                 {{NAN, 0.1f, NAN, -INFINITY, 0.2f, 0.3f, 0.1f}, {T, 3, 0}, 5, {0, 1, 4, 5, 6}},
                 {{NAN, NAN, NAN, NAN}, {T, 2, 0}, 4, {0, 1, 3, -1}},
                 {{0.5f}, {T, 0, 0}, 1, {0}},
                 {{0.5f, 0.9f, 0.1f}, {T, 0, 0}, 2, {0, 2}},
                 {{0.5f, 0.9f}, {T, 64, 0}, 2, {0, 1}},
             };
             for (size_t gi = 0; gi < gs.size(); ++gi) {
                 const G& g = gs[gi];
                 int64_t n = int64_t(g.s.size());
                 std::vector<int32_t> got(size_t(g.width));
                 int32_t count = -7;
                 for (auto fn : {&ref::seer_select_blocks, &cpu::seer_select_blocks}) {
                     fn(g.s.data(), 1, n, g.p, g.width, got.data(), &count);
                     EXPECT_EQ(got, g.want) << "golden " << gi;
                     EXPECT_EQ(count, int32_t(std::count_if(g.want.begin(), g.want.end(),
                                                            [](int32_t v) { return v >= 0; })));
                 }
             }
         }});
    out.push_back(
        {"seer_select_blocks", "guards", [](CaseContext&) {
             std::vector<float> x(10, 0.1f);
             std::vector<int32_t> o(100);
             SeerSelectParams p{SeerSelectMode::TokenBudget, 4, 0};
             EXPECT_EQ(seer_select_width(10, p), 6);
             EXPECT_EQ(seer_select_width(3, p), 3);
             EXPECT_EQ(seer_select_width(0, p), 0);
             EXPECT_EQ(seer_select_width(10, {SeerSelectMode::Threshold, 4, 0.1f}), 10);
             EXPECT_THROW(cpu::seer_select_blocks(x.data(), 1, 10, p, 5, o.data(), nullptr), Error);
             EXPECT_THROW(ref::seer_select_blocks(x.data(), 1, 10, p, 5, o.data(), nullptr), Error);
             EXPECT_THROW(
                 cpu::seer_select_blocks(x.data(), 1, 10, {SeerSelectMode::TokenBudget, -1, 0}, 50,
                                         o.data(), nullptr),
                 Error);
             EXPECT_THROW(
                 cpu::seer_select_blocks(x.data(), 1, 10, {SeerSelectMode::Threshold, 4, NAN}, 50,
                                         o.data(), nullptr),
                 Error);
             EXPECT_THROW(cpu::seer_select_blocks(nullptr, 1, 10, p, 6, o.data(), nullptr), Error);
             EXPECT_THROW(cpu::seer_select_blocks(x.data(), 1, 10, p, 6, nullptr, nullptr), Error);
             EXPECT_THROW(cpu::seer_select_blocks(x.data(), -1, 10, p, 6, o.data(), nullptr),
                          Error);
             EXPECT_NO_THROW(cpu::seer_select_blocks(nullptr, 8, 0, p, 0, nullptr, nullptr));
             EXPECT_NO_THROW(cpu::seer_select_blocks(nullptr, 0, 10, p, 6, nullptr, nullptr));
         }});
}

void all_seer_cases(std::vector<OpCase>& out) {
    compress_cases(out);
    scores_cases(out);
    gate_select_cases(out);
    select_cases(out);
}

static CaseRegistrar reg(all_seer_cases);

}  // namespace
}  // namespace mempipe::test
