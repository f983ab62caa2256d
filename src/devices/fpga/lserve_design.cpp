// Fig. 7 instantiated for the LServe page selector: stats loader over the tiered store → Quest
// bound per (query head, logical page) in the canonical 16-lane order → physical-page max →
// per-query-head running top-(width − 1) → ascending lists plus the newest page.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <memory>
#include <vector>

#include "common_stages.h"
#include "mempipe/core/dtype.h"
#include "mempipe/devices/fpga/fused_designs.h"
#include "ops/lserve/lserve_checks.h"

namespace mempipe::fpga::lserve {
namespace {

constexpr int64_t kMaxD = 256;
constexpr int64_t kMaxGroup = 16;
constexpr int64_t kMaxHeads = 128;
constexpr int64_t kMaxWidth = 1024;
constexpr int kLanes = 16;         // the canonical accumulator lanes (ops/lserve.h)
constexpr double kFmaLatency = 3;  // memory_fpga.md B1: fmadd latency 3

struct StatTok {
    std::array<uint16_t, 2 * kMaxD> v;  // kmax [d] ; kmin [d]
    int32_t j, p;
};
struct LogicalTok {
    std::array<float, kMaxGroup> s;
    int32_t j, p;
};

// The Quest bound of ops/lserve.h in its canonical order: 16 FMA lanes, channel c → lane (c mod
// 32) / 2, then the tree w = 8, 4, 2, 1.
float logical_score(const float* q, const uint16_t* kmax, const uint16_t* kmin, int64_t d) {
    float acc[kLanes] = {};
    for (int64_t c = 0; c < d; ++c) {
        float ksel = q[c] >= 0.0f ? bf16_to_f32(kmax[c]) : bf16_to_f32(kmin[c]);
        acc[(c % 32) / 2] = std::fma(q[c], ksel, acc[(c % 32) / 2]);
    }
    for (int w = kLanes / 2; w >= 1; w /= 2)
        for (int l = 0; l < w; ++l) acc[l] = acc[l] + acc[l + w];
    return acc[0];
}

FpgaEstimate model(const Shape& s, const FpgaConfig& c, const FusedParams& p,
                   double insertions_per_head) {
    const LservePageShape& ps = s.page;
    const double active = double(s.active_kv_heads < 0 ? ps.hkv : s.active_kv_heads);
    const double g = double(ps.group()), d = double(ps.d);
    const double n_logical = double(lserve_logical_pages(s.history, ps));
    const double n_pages = double(lserve_pages(s.history, ps)), w = double(ps.width());
    MEMPIPE_CHECK_ARG(
        p.engine_duty > 0 && p.engine_duty <= 1 && p.uram_slowdown >= 1 && p.hbm_slowdown >= 1,
        "fpga lserve: engine_duty must be in (0, 1] and the tier slowdowns ≥ 1, got "
        "{}, {}, {}",
        p.engine_duty, p.uram_slowdown, p.hbm_slowdown);
    // The MAC lanes computing on an average cycle (the authors' PEs alternate MAC and output
    // loops).
    const double lanes =
        double(p.ip_lanes > 0 ? p.ip_lanes : c.default_lanes(MacType::Fp32)) * p.engine_duty;
    const double page_bytes = active * 2.0 * d * 2.0;  // kmax + kmin of every active KV head
    const bool select = n_pages > w;
    const double reserved = active * g * (w * 8.0 + d * 4.0);
    TierPlacement pl = place_in_tiers(n_logical, page_bytes, reserved, c);
    std::vector<RegionReport> regions;
    if (n_logical > 0) {
        // (KV head, logical page) items the engine takes per cycle: each needs g·d MACs.
        // (At the array's peak: the duty only thins the engine's average rate.)
        const double items_per_cycle = std::max(1.0, std::floor(lanes / p.engine_duty / (g * d)));
        StageTiming loader{"stats_loader",
                           n_logical * active,
                           1,
                           items_per_cycle,
                           tier_latency(pl, c) + 2,
                           0,
                           tier_accesses(pl, p.hbm_ports)};
        // Pages held in URAM or HBM score at 1/uram_slowdown and 1/hbm_slowdown of the rate (the
        // authors' rounds take the same cycles but score fewer keys there): the extra cycles.
        const double page_cycles = active * g * d / lanes;
        const double slow =
            pl.items[1] * (p.uram_slowdown - 1) + pl.items[2] * (p.hbm_slowdown - 1);
        StageTiming engine{"quest_bound",
                           n_logical * active * g * d,
                           1,
                           lanes,
                           kFmaLatency * (d / kLanes) + 4 * 3,
                           slow * page_cycles,
                           {}};
        StageTiming pmax{"page_max", n_logical * active * g, 1, g * items_per_cycle, 2, 0, {}};
        std::vector<StageTiming> st = {loader, engine, pmax};
        detail::RetrieverTiming rt{p.topk_lanes, p.sort_lanes};
        if (select)
            st.push_back(
                detail::top_k_scan_timing("top_k", n_pages - 1, w - 1, insertions_per_head, rt));
        regions.push_back(model_region("scores", st, c));
        if (select) {
            StageTiming drain = detail::top_k_drain_timing("order_pages", w - 1, w - 1, rt);
            drain.mem.push_back({MemTier::Hbm, active * g * w * 4.0, 1, 0});
            const StageTiming st2[] = {drain};
            regions.push_back(model_region("drain", st2, c));
        }
    }
    if (!select) {
        StageTiming write{"write_lists",
                          active * g * w,
                          1,
                          16,
                          2,
                          0,
                          {{MemTier::Hbm, active * g * w * 4.0, 1, 0}}};
        const StageTiming st[] = {write};
        regions.push_back(model_region("all_pages", st, c));
    }
    FpgaEstimate e = finish_estimate("lserve_page_select", std::move(regions), c);
    e.placement = pl;
    e.fits = pl.fits;
    if (!e.fits) e.seconds = INFINITY;
    e.notes.push_back(
        fmt::format("{:.0f} logical pages × {:.0f} active KV heads, {:.0f} B per "
                    "logical page; engine {:.0f} lanes busy {:.0f}% of cycles",
                    n_logical, active, page_bytes, lanes / p.engine_duty, 100 * p.engine_duty));
    return e;
}

}  // namespace

std::string unsupported_reason(const Shape& s, const FpgaConfig& c) {
    const LservePageShape& ps = s.page;
    if (ps.hq < 1 || ps.hkv < 1 || ps.d < 1 || ps.logical_page < 1 || ps.page < 1 ||
        ps.budget < 1 || ps.hq % ps.hkv != 0 || ps.page % ps.logical_page != 0 || s.history < 0)
        return "invalid LServe page shape";
    if (ps.d > kMaxD || ps.group() > kMaxGroup || ps.hq > kMaxHeads || ps.width() > kMaxWidth)
        return fmt::format("shape exceeds the design (d ≤ {}, group ≤ {}, hq ≤ {}, width ≤ {})",
                           kMaxD, kMaxGroup, kMaxHeads, kMaxWidth);
    const double active = double(s.active_kv_heads < 0 ? ps.hkv : s.active_kv_heads);
    if (!place_in_tiers(double(lserve_logical_pages(s.history, ps)), active * 4.0 * double(ps.d), 0,
                        c)
             .fits)
        return "page statistics exceed the HBM capacity";
    return {};
}

FpgaEstimate estimate(const Shape& s, const FpgaConfig& c, const FusedParams& p) {
    check_fpga_config(c);
    std::string why = unsupported_reason(s, c);
    MEMPIPE_CHECK_ARG(why.empty() || why.find("HBM") != std::string::npos,
                      "fpga lserve estimate: {}", why);
    const double n = double(lserve_pages(s.history, s.page) - 1), k = double(s.page.width() - 1);
    const double ins = expected_top_k_insertions(n, k) - std::min(n, k);
    if (s.sequences <= 1) return model(s, c, p, ins);
    FpgaConfig share = c;
    share.onchip_usable_fraction /= double(s.sequences);
    share.hbm.capacity_bytes /= double(s.sequences);
    FpgaEstimate e = model(s, share, p, ins);
    repeat_estimate(e, double(s.sequences), c);
    return e;
}

FpgaEstimate run(const float* q, const uint16_t* stats, int64_t capacity, int64_t history,
                 const LservePageShape& s, const uint8_t* kv_head_mask, float* scores, int32_t* out,
                 const FpgaConfig& c, const FusedParams& p) {
    check_fpga_config(c);
    check_lserve_shape(s, "fpga lserve");
    MEMPIPE_CHECK_ARG(history >= 0 && history < (int64_t(1) << 31) - s.page,
                      "fpga lserve: history={} must be in [0, 2^31 − page)", history);
    MEMPIPE_CHECK_ARG(out, "fpga lserve: out ([hq × width] int32) must be non-null");
    const int64_t n_pages = lserve_pages(history, s);
    const int64_t n_logical = lserve_logical_pages(history, s);
    lserve_detail::check_page_scores(q, stats, capacity, n_logical, s, scores ? scores : q);
    const int64_t active = lserve_detail::active_kv_heads(s, kv_head_mask);
    Shape shape{s, history, active};
    std::string why = unsupported_reason(shape, c);
    MEMPIPE_CHECK_ARG(why.empty(), "fpga lserve: this design cannot run the shape: {}", why);
    const int64_t d = s.d, g = s.group(), lpp = s.logical_per_page(), w = s.width();
    const int64_t n_phys = (n_logical + lpp - 1) / lpp;
    const bool select = n_pages > w;

    struct Design {
        Stream<StatTok, 8> stats{"page_stats"};
        Stream<LogicalTok, 16> logical{"logical_scores"};
        std::vector<float> best;  // running physical-page max per query head
        std::vector<detail::RunningTopK<kMaxWidth>> topk;
    };
    auto D = std::make_unique<Design>();
    D->best.assign(size_t(s.hq), 0.0f);
    D->topk.resize(size_t(select ? s.hq : 0));
    for (auto& t : D->topk) t.reset(w - 1);
    std::vector<int32_t> heads;  // active KV heads in order
    for (int64_t j = 0; j < s.hkv; ++j)
        if (!kv_head_mask || kv_head_mask[j]) heads.push_back(int32_t(j));
    const int64_t trips = int64_t(heads.size()) * n_logical;
    Design* P = D.get();

    detail::Source loader("stats_loader", P->stats, trips, [&](int64_t t, StatTok& o) {
        o.j = heads[size_t(t / n_logical)];
        o.p = int32_t(t % n_logical);
        std::copy_n(stats + ((o.j * capacity + o.p) * 2) * d, 2 * d, o.v.begin());
    });
    detail::Map engine(
        "quest_bound", P->stats, P->logical, trips, [&](const StatTok& t, LogicalTok& o) {
            for (int64_t m = 0; m < g; ++m)
                o.s[size_t(m)] =
                    logical_score(q + (t.j * g + m) * d, t.v.data(), t.v.data() + d, d);
            o.j = t.j;
            o.p = t.p;
        });
    auto finish_page = [&](int64_t h, int64_t pp) {
        const float v = P->best[size_t(h)];
        if (scores) scores[h * n_phys + pp] = v;
        if (select && pp < n_pages - 1) P->topk[size_t(h)].offer(v, int32_t(pp));
    };
    detail::Sink pmax("page_max_select", P->logical, trips, [&](const LogicalTok& t) {
        const int64_t pp = t.p / lpp, i = t.p % lpp;
        const bool last = t.p == n_logical - 1;
        for (int64_t m = 0; m < g; ++m) {
            const int64_t h = t.j * g + m;
            float& best = P->best[size_t(h)];
            const float v = t.s[size_t(m)];
            best = i == 0 || v > best ? v : best;
            if (last)  // slots past n_logical of a partial physical page score 0
                for (int64_t r = i + 1; r < lpp; ++r) best = 0.0f > best ? 0.0f : best;
            if (i == lpp - 1 || last) finish_page(h, pp);
        }
    });
    Stage* stages[] = {&loader, &engine, &pmax};
    run_dataflow("lserve_page_select", stages);

    double max_ins = 0;
    std::array<int32_t, kMaxWidth> idx{};
    for (int32_t j : heads)
        for (int64_t m = 0; m < g; ++m) {
            const int64_t h = j * g + m;
            int32_t* row = out + h * w;
            if (!select) {
                for (int64_t e = 0; e < w; ++e) row[e] = e < n_pages ? int32_t(e) : -1;
                continue;
            }
            auto& list = P->topk[size_t(h)];
            max_ins = std::max(max_ins, double(list.insertions()));
            list.finish(nullptr, idx.data());
            std::sort(idx.begin(), idx.begin() + (w - 1));
            std::copy_n(idx.begin(), w - 1, row);
            row[w - 1] = int32_t(n_pages - 1);
        }
    return model(shape, c, p, max_ins);
}

}  // namespace mempipe::fpga::lserve
