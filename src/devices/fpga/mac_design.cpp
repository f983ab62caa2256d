// The memory-as-context recall design (Fig. 17): Wq loader → GEMV engine (query generation), key
// loader → score engine → logit buffer, softmax unit, value loader → weighted-sum engine.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <memory>
#include <vector>

#include "common_stages.h"
#include "mac_internal.h"
#include "mempipe/core/dtype.h"
#include "mempipe/devices/fpga/memory_context.h"

namespace mempipe::fpga::mac {
namespace {

constexpr double kFmaLatency = 3;  // memory_fpga.md B1: fmadd latency 3
constexpr double kExpLatency = 7;  // memory_fpga.md B1: fexp latency 7

struct WRow {
    std::array<uint16_t, kMaxWidth> w;
};
struct FRow {
    std::array<float, kMaxWidth> v;
};

FpgaEstimate model(const Shape& s, const FpgaConfig& c, const Params& p) {
    const double B = double(s.batch), d = double(s.d), h = double(s.h), n = double(s.n_mem);
    const double lanes = double(p.lanes > 0 ? p.lanes : c.default_lanes(MacType::Bf16));
    const double reserved = B * (d * 4.0 + h * 4.0 + n * 8.0);  // x, q, logits on chip
    TierPlacement pl = place_in_tiers(n, (h + d) * 4.0, reserved, c);
    // K and M of an item share its tier; split the placement into the two streams.
    TierPlacement pk = pl, pm = pl;
    for (int t = 0; t < kMemTiers; ++t) {
        pk.bytes[t] = pl.items[t] * h * 4.0;
        pm.bytes[t] = pl.items[t] * d * 4.0;
    }
    std::vector<RegionReport> regions;
    if (n > 0 && B > 0) {
        StageTiming wl{"wq_loader",
                       h,
                       1,
                       1,
                       c.hbm.latency_cycles + 2,
                       0,
                       {{MemTier::Hbm, h * d * 2.0, p.hbm_ports, 0}}};
        StageTiming gemv{"q_gemv",
                         B * h * d,
                         1,
                         lanes,
                         kFmaLatency * (1 + std::ceil(std::log2(std::max(d, 2.0)))),
                         0,
                         {}};
        const StageTiming r1[] = {wl, gemv};
        regions.push_back(model_region("query_generation", r1, c));
        StageTiming kl{
            "key_loader", n, 1, 1, tier_latency(pl, c) + 2, 0, tier_accesses(pk, p.hbm_ports)};
        StageTiming score{"score",
                          B * n * h,
                          1,
                          lanes,
                          kFmaLatency * (1 + std::ceil(std::log2(std::max(h, 2.0)))),
                          0,
                          {}};
        const StageTiming r2[] = {kl, score};
        regions.push_back(model_region("scores", r2, c));
        StageTiming sm{"softmax", 2 * B * n, 1, 1, kExpLatency + kFmaLatency, 0, {}};
        const StageTiming r3[] = {sm};
        regions.push_back(model_region("softmax", r3, c));
        StageTiming vl{
            "value_loader", n, 1, 1, tier_latency(pl, c) + 2, 0, tier_accesses(pm, p.hbm_ports)};
        StageTiming ws{"weighted_sum",
                       B * n * d,
                       1,
                       lanes,
                       kFmaLatency + 2,
                       0,
                       {{MemTier::Hbm, B * d * 4.0, 1, 0}}};
        const StageTiming r4[] = {vl, ws};
        regions.push_back(model_region("weighted_sum", r4, c));
    }
    FpgaEstimate e = finish_estimate("mac_recall", std::move(regions), c);
    e.placement = pl;
    e.fits = pl.fits && h * d * 2.0 + pl.bytes[2] <= c.hbm.capacity_bytes;
    if (!e.fits) e.seconds = INFINITY;
    e.notes.push_back(
        fmt::format("Wq {:.1f} MiB bf16 streamed from HBM; memory {:.0f} entries × "
                    "{:.0f} B; {:.0f} MAC lanes",
                    h * d * 2.0 / (1 << 20), n, (h + d) * 4.0, lanes));
    return e;
}

}  // namespace

std::string unsupported_reason(const Shape& s, const FpgaConfig& c) {
    if (s.batch < 0 || s.d < 0 || s.h < 0 || s.n_mem < 0) return "negative sizes";
    if (s.d > kMaxWidth || s.h > kMaxWidth || s.batch > kMaxBatch)
        return fmt::format("d {} / h {} / batch {} exceed the design (≤ {}, ≤ {}, ≤ {})", s.d, s.h,
                           s.batch, kMaxWidth, kMaxWidth, kMaxBatch);
    if (!model(s, c, {}).fits) return "Wq and the memory exceed the HBM capacity";
    return {};
}

FpgaEstimate estimate(const Shape& s, const FpgaConfig& c, const Params& p) {
    check_fpga_config(c);
    std::string why = unsupported_reason(s, c);
    MEMPIPE_CHECK_ARG(why.empty() || why.find("HBM") != std::string::npos,
                      "fpga mac_recall estimate: {}", why);
    return model(s, c, p);
}

FpgaEstimate run(const float* x, const uint16_t* wq, const float* k_mem, const float* m_mem,
                 int64_t batch, int64_t d, int64_t h, int64_t n_mem, float scale, float* out,
                 float* probs, const FpgaConfig& c, const Params& p) {
    check_fpga_config(c);
    check_recall("fpga mac_recall", x, wq, k_mem, m_mem, batch, d, h, n_mem, scale, out);
    Shape shape{batch, d, h, n_mem};
    std::string why = unsupported_reason(shape, c);
    MEMPIPE_CHECK_ARG(why.empty(), "fpga mac_recall: this design cannot run the shape: {}", why);
    if (n_mem == 0) {
        for (int64_t i = 0; i < batch * d; ++i) out[i] = 0.0f;
        return model(shape, c, p);
    }
    struct Design {
        Stream<WRow, 2> wrows{"wq_rows"};
        Stream<FRow, 2> krows{"k_rows"};
        Stream<FRow, 2> mrows{"m_rows"};
        std::vector<float> q;       // [batch × h] on chip
        std::vector<double> logit;  // [batch × n] on chip
        std::vector<float> a;       // [batch × n]
        std::vector<double> acc;    // [batch × d] output accumulators
        std::array<double, kMaxBatch> mx{}, sum{};
    };
    auto D = std::make_unique<Design>();
    Design* P = D.get();
    P->q.assign(size_t(batch * h), 0.0f);
    P->logit.assign(size_t(batch * n_mem), 0.0);
    P->a.assign(size_t(batch * n_mem), 0.0f);
    P->acc.assign(size_t(batch * d), 0.0);
    for (int64_t b = 0; b < batch; ++b) P->mx[size_t(b)] = -INFINITY;

    // Region 1: query generation.
    detail::Source wl("wq_loader", P->wrows, h,
                      [&](int64_t r, WRow& t) { std::copy_n(wq + r * d, d, t.w.begin()); });
    int64_t r_in = 0;
    detail::Sink gemv("q_gemv", P->wrows, h, [&](const WRow& t) {
        for (int64_t b = 0; b < batch; ++b) {
            double acc = 0;
            for (int64_t i = 0; i < d; ++i)
                acc += double(x[b * d + i]) * double(bf16_to_f32(t.w[size_t(i)]));
            P->q[size_t(b * h + r_in)] = float(acc);
        }
        ++r_in;
    });
    Stage* r1[] = {&wl, &gemv};
    run_dataflow("mac_query_generation", r1);
    // Region 2: scores and running max.
    detail::Source kl("key_loader", P->krows, n_mem,
                      [&](int64_t n, FRow& t) { std::copy_n(k_mem + n * h, h, t.v.begin()); });
    int64_t n_in = 0;
    detail::Sink score("score", P->krows, n_mem, [&](const FRow& t) {
        for (int64_t b = 0; b < batch; ++b) {
            double acc = 0;
            for (int64_t j = 0; j < h; ++j)
                acc += double(P->q[size_t(b * h + j)]) * double(t.v[size_t(j)]);
            const double sc = acc * double(scale);
            P->logit[size_t(b * n_mem + n_in)] = sc;
            if (sc > P->mx[size_t(b)]) P->mx[size_t(b)] = sc;
        }
        ++n_in;
    });
    Stage* r2[] = {&kl, &score};
    run_dataflow("mac_scores", r2);
    // Region 3: softmax unit.
    for (int64_t b = 0; b < batch; ++b) {
        const double* l = P->logit.data() + b * n_mem;
        for (int64_t n = 0; n < n_mem; ++n) P->sum[size_t(b)] += std::exp(l[n] - P->mx[size_t(b)]);
        for (int64_t n = 0; n < n_mem; ++n)
            P->a[size_t(b * n_mem + n)] =
                float(std::exp(l[n] - P->mx[size_t(b)]) / P->sum[size_t(b)]);
    }
    // Region 4: weighted sum over the memory values.
    detail::Source vl("value_loader", P->mrows, n_mem,
                      [&](int64_t n, FRow& t) { std::copy_n(m_mem + n * d, d, t.v.begin()); });
    int64_t m_in = 0;
    detail::Sink ws("weighted_sum", P->mrows, n_mem, [&](const FRow& t) {
        for (int64_t b = 0; b < batch; ++b) {
            const double a = double(P->a[size_t(b * n_mem + m_in)]);
            double* acc = P->acc.data() + b * d;
            for (int64_t j = 0; j < d; ++j) acc[j] += a * double(t.v[size_t(j)]);
        }
        ++m_in;
    });
    Stage* r4[] = {&vl, &ws};
    run_dataflow("mac_weighted_sum", r4);
    for (int64_t i = 0; i < batch * d; ++i) out[i] = float(P->acc[size_t(i)]);
    if (probs) std::copy(P->a.begin(), P->a.end(), probs);
    return model(shape, c, p);
}

}  // namespace mempipe::fpga::mac
