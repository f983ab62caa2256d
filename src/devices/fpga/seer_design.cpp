// Fig. 7 instantiated for the SeerAttention-R gate: q head-pooling projection → block scores over
// the tiered k_comp store → softmax (max, exp-sum, normalise) → per-KV-head top-k or threshold.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <memory>
#include <vector>

#include "common_stages.h"
#include "mempipe/core/dtype.h"
#include "mempipe/devices/fpga/fused_designs.h"
#include "ops/seer/seer_internal.h"

namespace mempipe::fpga::seer {
namespace {

constexpr int64_t kMaxHkv = 32;
constexpr int64_t kMaxRow = 4096;  // hkv × d_gate of one k_comp row
constexpr int64_t kMaxGate = 1024;
constexpr int64_t kMaxBudget = 4096;
constexpr double kFmaLatency = 3;  // memory_fpga.md B1: fmadd latency 3
constexpr double kExpLatency = 7;  // memory_fpga.md B1: fexp latency 7
constexpr double kSfuLanes = 16;   // special-function unit width (design choice, docs/fpga.md)

struct RowTok {
    std::array<uint16_t, kMaxRow> v;
};
struct LogitTok {
    std::array<double, kMaxHkv> logit;
    std::array<bool, kMaxHkv> nan;
};
struct ProbTok {
    std::array<float, kMaxHkv> p;
    int32_t b;
};

double rank(float v) {
    return std::isnan(v) ? -INFINITY : v;
}

FpgaEstimate model(const Shape& s, const FpgaConfig& c, const FusedParams& p,
                   double insertions_per_head, double selected_per_head) {
    const SeerGateShape& g = s.gate;
    const double n = double(s.n_blocks), hkv = double(g.hkv), dg = double(g.d_gate);
    MEMPIPE_CHECK_ARG(p.engine_duty > 0 && p.engine_duty <= 1,
                      "fpga seer: engine_duty must be in (0, 1], got {}", p.engine_duty);
    // The MAC lanes computing on an average cycle (the authors' PEs alternate MAC and output
    // loops).
    const double peak = double(p.ip_lanes > 0 ? p.ip_lanes : c.default_lanes(MacType::Fp32));
    const double lanes = peak * p.engine_duty;
    const double row_bytes = hkv * dg * 2.0;
    const bool budget = s.select.mode == SeerSelectMode::TokenBudget;
    const double kk = double(s.select.budget_blocks);
    const double reserved = hkv * (n * 8.0 + dg * 4.0 + (budget ? kk * 8.0 : 0.0));
    TierPlacement pl = place_in_tiers(n, row_bytes, reserved, c);
    const double wq_bytes = hkv * double(g.group()) * double(g.d) * dg * 2.0;
    std::vector<RegionReport> regions;
    {
        StageTiming qproj{
            "q_proj", hkv * double(g.group()) * double(g.d) * dg, 1, lanes, kFmaLatency * 2,
            0,        {{MemTier::Hbm, wq_bytes, p.hbm_ports, 0}}};
        StageTiming finish{"q_norm_rope", hkv * dg, 1, kSfuLanes, 12, 0, {}};
        const StageTiming st[] = {qproj, finish};
        regions.push_back(model_region("q_projection", st, c));
    }
    if (n > 0) {
        const double rows_per_cycle = std::max(1.0, std::floor(peak / (hkv * dg)));
        StageTiming loader{"key_loader",
                           n,
                           1,
                           rows_per_cycle,
                           tier_latency(pl, c) + 2,
                           0,
                           tier_accesses(pl, p.hbm_ports)};
        StageTiming engine{"block_dot",
                           n * hkv * dg,
                           1,
                           lanes,
                           kFmaLatency + std::ceil(std::log2(dg)) * kFmaLatency,
                           0,
                           {}};
        detail::RetrieverTiming rt{p.topk_lanes, p.sort_lanes};
        StageTiming sel = budget && n > kk
                              ? detail::top_k_scan_timing("top_k", n, kk, insertions_per_head, rt)
                              : StageTiming{"threshold", n, 1, p.topk_lanes, 2, 0, {}};
        if (p.logit_select) {
            // The authors' schedule: the selection consumes the engine's logits in the same pass.
            const StageTiming st[] = {loader, engine, sel};
            regions.push_back(model_region("scores_select", st, c));
        } else {
            StageTiming store{"logit_max", n * hkv, 1, hkv, 4, 0, {}};
            const StageTiming st[] = {loader, engine, store};
            regions.push_back(model_region("scores", st, c));
            StageTiming sum{"exp_sum", n * hkv, 1, hkv, kExpLatency + kFmaLatency, 0, {}};
            const StageTiming st2[] = {sum};
            regions.push_back(model_region("softmax_sum", st2, c));
            StageTiming norm{"normalise",
                             n * hkv,
                             1,
                             hkv,
                             kExpLatency + 12,
                             0,
                             {{MemTier::Hbm, n * hkv * 4.0, 1, 0}}};
            const StageTiming st3[] = {norm, sel};
            regions.push_back(model_region("select", st3, c));
        }
        if (budget && n > kk) {
            StageTiming drain = detail::top_k_drain_timing("order_blocks", selected_per_head,
                                                           selected_per_head, rt);
            drain.mem.push_back({MemTier::Hbm, hkv * (kk + 2) * 4.0, 1, 0});
            const StageTiming st4[] = {drain};
            regions.push_back(model_region("drain", st4, c));
        }
    }
    FpgaEstimate e = finish_estimate("seer_gate_select", std::move(regions), c);
    e.placement = pl;
    e.fits = pl.fits;
    if (!e.fits) e.seconds = INFINITY;
    e.notes.push_back(fmt::format(
        "{} selection{}; engine {:.0f} MAC lanes busy {:.0f}% of cycles; k_comp "
        "{:.0f} B per block",
        budget ? "token-budget" : "threshold",
        p.logit_select ? " on the logits in the scoring pass (the authors' schedule)" : "", peak,
        100 * p.engine_duty, row_bytes));
    return e;
}

struct Design {
    Stream<RowTok, 2> rows{"k_comp_rows"};
    Stream<LogitTok, 8> logits{"logits"};
    Stream<ProbTok, 16> probs{"probabilities"};
    std::array<std::array<float, kMaxGate>, kMaxHkv> qg{};
    std::array<double, kMaxHkv> mx{}, sum{};
    std::array<bool, kMaxHkv> nan{};
    std::vector<double> logit;                          // on-chip logit buffer [hkv × n_blocks]
    std::vector<detail::RunningTopK<kMaxBudget>> topk;  // one retriever per KV head
};

}  // namespace

std::string unsupported_reason(const Shape& s, const FpgaConfig& c) {
    const SeerGateShape& g = s.gate;
    if (g.hkv < 1 || g.hq < 1 || g.d < 1 || g.d_gate < 2 || g.block < 1 || s.n_blocks < 0)
        return "non-positive shape";
    if (g.hkv > kMaxHkv || g.d_gate > kMaxGate || g.hkv * g.d_gate > kMaxRow)
        return fmt::format(
            "hkv {} × d_gate {} exceeds the design (hkv ≤ {}, d_gate ≤ {}, row ≤ "
            "{})",
            g.hkv, g.d_gate, kMaxHkv, kMaxGate, kMaxRow);
    if (s.select.mode == SeerSelectMode::TokenBudget && s.select.budget_blocks > kMaxBudget)
        return fmt::format("budget {} blocks > {} (the retriever's list capacity)",
                           s.select.budget_blocks, kMaxBudget);
    if (!place_in_tiers(double(s.n_blocks), double(g.hkv * g.d_gate * 2), 0, c).fits)
        return "k_comp exceeds the HBM capacity";
    return {};
}

FpgaEstimate estimate(const Shape& s, const FpgaConfig& c, const FusedParams& p) {
    check_fpga_config(c);
    std::string why = unsupported_reason(s, c);
    MEMPIPE_CHECK_ARG(why.empty() || why.find("HBM") != std::string::npos, "fpga seer estimate: {}",
                      why);
    const double n = double(s.n_blocks), k = double(std::max<int64_t>(s.select.budget_blocks, 0));
    const double ins = expected_top_k_insertions(n, k) - std::min(n, k);
    if (s.sequences <= 1) return model(s, c, p, ins, std::min(n, k + 2));
    FpgaConfig share = c;
    share.onchip_usable_fraction /= double(s.sequences);
    share.hbm.capacity_bytes /= double(s.sequences);
    FpgaEstimate e = model(s, share, p, ins, std::min(n, k + 2));
    repeat_estimate(e, double(s.sequences), c);
    return e;
}

FpgaEstimate run(const float* q_nope, const uint16_t* k_comp, int64_t n_blocks,
                 const SeerGateShape& s, const SeerGateWeights& w, const float* inv_freq,
                 int64_t position, const SeerSelectParams& sel, int64_t width, float* scores,
                 int32_t* out, int32_t* counts, const FpgaConfig& c, const FusedParams& p) {
    check_fpga_config(c);
    seer_detail::check_select(scores, s.hkv, n_blocks, sel, width, out, "fpga seer");
    seer_detail::check_shape(s, "fpga seer");
    MEMPIPE_CHECK_ARG(position >= 0, "fpga seer: position must be ≥ 0, got {}", position);
    Shape shape{s, n_blocks, sel};
    std::string why = unsupported_reason(shape, c);
    MEMPIPE_CHECK_ARG(why.empty(), "fpga seer: this design cannot run the shape: {}", why);
    const int64_t hkv = s.hkv, dg = s.d_gate, d = s.d, g = s.group(), n = n_blocks;
    const bool budget = sel.mode == SeerSelectMode::TokenBudget;
    const bool use_topk = budget && n > sel.budget_blocks;
    auto D = std::make_unique<Design>();
    double max_ins = 0;
    if (n > 0) {
        seer_detail::check_weights(s, w, inv_freq, true, false, "fpga seer");
        MEMPIPE_CHECK_ARG(q_nope && k_comp, "fpga seer: q_nope and k_comp must not be null");
        D->logit.assign(size_t(hkv * n), 0.0);
        // Region 1: q projection (one f32 FMA chain per output, (j, i) order), then the SFU.
        std::array<float, kMaxGate / 2> cs{}, sn{};
        if (inv_freq) seer_detail::rope_cos_sin(inv_freq, dg / 2, position, cs.data(), sn.data());
        for (int64_t k = 0; k < hkv; ++k) {
            float* qg = D->qg[size_t(k)].data();
            for (int64_t o = 0; o < dg; ++o) {
                float acc = 0.0f;
                for (int64_t j = 0; j < g; ++j) {
                    const float* q = q_nope + (k * g + j) * d;
                    const uint16_t* wkj = w.wq + (k * g + j) * d * dg;
                    for (int64_t i = 0; i < d; ++i)
                        acc = std::fma(q[i], bf16_to_f32(wkj[i * dg + o]), acc);
                }
                qg[o] = acc;
            }
            seer_detail::finish_row(qg, s, w.q_norm, inv_freq ? cs.data() : nullptr, sn.data());
            D->mx[size_t(k)] = -INFINITY;
        }
        // Region 2: scores.
        const double scale = 1.0 / std::sqrt(double(dg));
        Design* P = D.get();
        detail::Source loader("key_loader", P->rows, n, [&](int64_t b, RowTok& t) {
            std::copy_n(k_comp + b * hkv * dg, hkv * dg, t.v.begin());
        });
        detail::Map dot("block_dot", P->rows, P->logits, n, [&](const RowTok& r, LogitTok& o) {
            for (int64_t k = 0; k < hkv; ++k) {
                const float* qg = P->qg[size_t(k)].data();
                double acc = 0;
                for (int64_t e = 0; e < dg; ++e)
                    acc += double(qg[e]) * double(bf16_to_f32(r.v[size_t(k * dg + e)]));
                o.logit[size_t(k)] = acc * scale;
                o.nan[size_t(k)] = std::isnan(acc);
            }
        });
        int64_t b_in = 0;
        detail::Sink store("logit_max", P->logits, n, [&](const LogitTok& t) {
            for (int64_t k = 0; k < hkv; ++k) {
                const double l = t.logit[size_t(k)];
                P->logit[size_t(k * n + b_in)] = l;
                P->nan[size_t(k)] = P->nan[size_t(k)] || t.nan[size_t(k)];
                if (l > P->mx[size_t(k)]) P->mx[size_t(k)] = l;
            }
            ++b_in;
        });
        Stage* r2[] = {&loader, &dot, &store};
        run_dataflow("seer_scores", r2);
        // Region 3: exp-sum per head, blocks in order.
        for (int64_t b = 0; b < n; ++b)
            for (int64_t k = 0; k < hkv; ++k)
                P->sum[size_t(k)] += std::exp(P->logit[size_t(k * n + b)] - P->mx[size_t(k)]);
        // Region 4: normalise, write scores, select.
        P->topk.resize(size_t(hkv));
        for (auto& t : P->topk) t.reset(use_topk ? sel.budget_blocks : 0);
        std::vector<int32_t> thr_count(size_t(hkv), 0);
        detail::Source norm("normalise", P->probs, n, [&](int64_t b, ProbTok& t) {
            for (int64_t k = 0; k < hkv; ++k) {
                const float v =
                    P->nan[size_t(k)]
                        ? NAN
                        : float(std::exp(P->logit[size_t(k * n + b)] - P->mx[size_t(k)]) /
                                P->sum[size_t(k)]);
                scores[k * n + b] = v;
                t.p[size_t(k)] = v;
            }
            t.b = int32_t(b);
        });
        detail::Sink select("select", P->probs, n, [&](const ProbTok& t) {
            for (int64_t k = 0; k < hkv; ++k) {
                int32_t* row = out + k * width;
                if (use_topk) {
                    P->topk[size_t(k)].offer(float(rank(t.p[size_t(k)])), t.b);
                } else if (budget || t.b == 0 || t.b == n - 1 || t.p[size_t(k)] > sel.threshold) {
                    row[thr_count[size_t(k)]++] = t.b;  // ascending by construction
                }
            }
        });
        Stage* r4[] = {&norm, &select};
        run_dataflow("seer_select", r4);
        for (int64_t k = 0; k < hkv; ++k) {
            int32_t* row = out + k * width;
            int64_t cnt = thr_count[size_t(k)];
            if (use_topk) {
                std::array<int32_t, kMaxBudget + 2> idx{};
                auto& list = P->topk[size_t(k)];
                max_ins = std::max(max_ins, double(list.insertions()));
                const int64_t m = list.finish(nullptr, idx.data());
                idx[size_t(m)] = 0;
                idx[size_t(m + 1)] = int32_t(n - 1);
                std::sort(idx.begin(), idx.begin() + m + 2);
                cnt = std::unique(idx.begin(), idx.begin() + m + 2) - idx.begin();
                std::copy_n(idx.begin(), cnt, row);
            }
            for (int64_t e = cnt; e < width; ++e) row[e] = -1;
            if (counts) counts[k] = int32_t(cnt);
        }
    } else {
        for (int64_t k = 0; k < hkv; ++k) {
            for (int64_t e = 0; e < width; ++e) out[k * width + e] = -1;
            if (counts) counts[k] = 0;
        }
    }
    const double kk = double(std::max<int64_t>(sel.budget_blocks, 0));
    return model(shape, c, p, max_ins, std::min(double(n), kk + 2));
}

}  // namespace mempipe::fpga::seer
