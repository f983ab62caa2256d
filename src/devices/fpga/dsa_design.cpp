// Fig. 7 instantiated for the DSA lightning indexer: key loader → inner-product engine (exact int9
// dot products per head) → reduction (weighted head sum in head order, f64) → streaming top-k.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <memory>
#include <vector>

#include "common_stages.h"
#include "mempipe/core/dtype.h"
#include "mempipe/devices/fpga/fused_designs.h"
#include "ops/dsa/dsa_internal.h"

namespace mempipe::fpga::dsa {
namespace {

using detail::Scored;

constexpr double kKeyBytes = kDsaHeadDim + 4;  // e4m3 codes + f32 scale
constexpr double kMulLatency = 3;              // DSP48E2 multiply (memory_fpga.md B1: fmul 3)
constexpr double kAddLatency = 3;              // adder latency (memory_fpga.md B1: fadd 3)

struct KeyTok {
    std::array<uint8_t, kDsaHeadDim> code;
    float scale;
};
struct DotTok {
    std::array<int64_t, kFpgaMaxDsaHeads> dot;
    float scale;
};

// The e4m3 → int9 ROM of the inner-product engine (value · 2^9, exact).
struct Int9Rom {
    std::array<int32_t, 256> v;
    Int9Rom() {
        for (int c = 0; c < 256; ++c) v[size_t(c)] = e4m3_to_int9(uint8_t(c));
    }
};
const Int9Rom& rom() {
    static const Int9Rom r;
    return r;
}

// One query row through the design. Returns the retriever's insertion count.
int64_t run_row(const uint8_t* q8, const float* w, const IndexKeysView& keys, int64_t heads,
                int64_t k, float* out_v, int32_t* out_i) {
    struct Design {
        Stream<KeyTok, 64> keys{"keys"};
        Stream<DotTok, 8> dots{"head_dots"};
        Stream<Scored, 64> scores{"scores"};
        std::array<double, kFpgaMaxDsaHeads * kDsaHeadDim> q{};  // query ROM (on chip)
        std::array<float, kFpgaMaxDsaHeads> w{};
    };
    auto d = std::make_unique<Design>();
    const auto& r = rom().v;
    for (int64_t i = 0; i < heads * kDsaHeadDim; ++i) d->q[size_t(i)] = double(r[q8[i]]);
    for (int64_t h = 0; h < heads; ++h) d->w[size_t(h)] = w[h];
    const int64_t n = keys.len;
    Design* D = d.get();

    detail::Source loader("key_loader", D->keys, n, [&keys](int64_t s, KeyTok& t) {
        std::copy_n(dsa_detail::key_ptr(keys, s), kDsaHeadDim, t.code.begin());
        t.scale = dsa_detail::key_scale(keys, s);
    });
    // Exact integer dot products. The emulator holds the int9 values in doubles: every product
    // (< 2^36) and every partial sum of 128 of them (< 2^43) is an integer below 2^53, so the f64
    // arithmetic is exact and equals the hardware's integer accumulator (it only runs faster here).
    detail::Map engine("inner_product", D->keys, D->dots, n,
                       [D, heads](const KeyTok& kt, DotTok& o) {
                           const auto& r = rom().v;
                           double kv[kDsaHeadDim];
                           for (int64_t e = 0; e < kDsaHeadDim; ++e)
                               kv[e] = double(r[kt.code[size_t(e)]]);
                           for (int64_t h = 0; h < heads; ++h) {
                               const double* q = D->q.data() + h * kDsaHeadDim;
                               double acc[8] = {};
                               for (int64_t e = 0; e < kDsaHeadDim; e += 8)
                                   for (int l = 0; l < 8; ++l) acc[l] += q[e + l] * kv[e + l];
                               o.dot[size_t(h)] = int64_t(((acc[0] + acc[1]) + (acc[2] + acc[3])) +
                                                          ((acc[4] + acc[5]) + (acc[6] + acc[7])));
                           }
                           o.scale = kt.scale;
                       });
    int64_t pos = 0;
    detail::Map reduce(
        "reduction", D->dots, D->scores, n, [D, heads, &pos](const DotTok& t, Scored& o) {
            double acc = 0;  // cascade in head order: the reference's fold
            for (int64_t h = 0; h < heads; ++h)
                if (t.dot[size_t(h)] > 0)
                    acc += double(D->w[size_t(h)]) * std::ldexp(double(t.dot[size_t(h)]), -18);
            o.v = float(acc * double(t.scale));
            o.i = int32_t(pos++);
        });
    auto topk = std::make_unique<detail::TopKRetriever<decltype(D->scores), kFpgaMaxTopK>>(
        "top_k", D->scores, n, k, out_v, out_i);
    Stage* stages[] = {&loader, &engine, &reduce, topk.get()};
    run_dataflow("dsa_indexer", stages);
    return topk->insertions();
}

FpgaEstimate model(const Shape& s, const FpgaConfig& c, const FusedParams& p,
                   double insertions_per_row) {
    const double n = double(s.n_keys), B = double(s.batch), H = double(s.heads);
    const double kk = double(s.k), k_real = std::min(kk, n);
    MEMPIPE_CHECK_ARG(p.engine_duty > 0 && p.engine_duty <= 1,
                      "fpga dsa: engine_duty must be in (0, 1], got {}", p.engine_duty);
    // The MAC lanes computing on an average cycle (the authors' PEs alternate MAC and psum loops).
    const double lanes =
        double(p.ip_lanes > 0 ? p.ip_lanes : c.default_lanes(MacType::Fp8)) * p.engine_duty;
    const double macs_per_key = H * kDsaHeadDim;
    // Keys per cycle the engine can take (≥ 1 when the lanes cover a whole key's MACs).
    const double keys_per_cycle = std::max(1.0, std::floor(lanes / p.engine_duty / macs_per_key));
    const double reserved = B * (kk * 8.0 + H * (kDsaHeadDim + 4));  // lists + query ROMs
    TierPlacement pl = place_in_tiers(n, kKeyBytes, reserved, c);

    StageTiming loader{"key_loader",
                       n,
                       1,
                       keys_per_cycle,
                       tier_latency(pl, c) + 2,
                       0,
                       tier_accesses(pl, p.hbm_ports)};
    StageTiming engine{"inner_product",
                       n * B * macs_per_key,
                       1,
                       lanes,
                       kMulLatency + std::ceil(std::log2(kDsaHeadDim)) * kAddLatency,
                       0,
                       {}};
    StageTiming reduce{"reduction", n * B, 1, keys_per_cycle, H * kAddLatency + kMulLatency, 0, {}};
    detail::RetrieverTiming rt{p.topk_lanes, p.sort_lanes};
    StageTiming scan = detail::top_k_scan_timing("top_k", n, kk, insertions_per_row, rt);
    StageTiming drain = detail::top_k_drain_timing("top_k_drain", k_real, kk, rt);
    drain.mem.push_back({MemTier::Hbm, B * kk * 8.0, 1, 0});  // indices + values out
    const StageTiming scan_region[] = {loader, engine, reduce, scan};
    const StageTiming drain_region[] = {drain};
    std::vector<RegionReport> regions;
    regions.push_back(model_region("scan", scan_region, c));
    regions.push_back(model_region("drain", drain_region, c));
    FpgaEstimate e = finish_estimate("dsa_indexer", std::move(regions), c);
    e.placement = pl;
    e.fits = pl.fits;
    if (!e.fits) e.seconds = INFINITY;
    e.notes.push_back(
        fmt::format("inner product: {:.0f} MAC lanes (fp8 as int9 × int9) busy {:.0f}% of "
                    "cycles, {:.0f} MACs per key, batch {:.0f}",
                    lanes / p.engine_duty, 100 * p.engine_duty, macs_per_key, B));
    if (pl.items[2] > 0)
        e.notes.push_back(fmt::format("{:.0f} keys spill to HBM (on-chip holds {:.0f})",
                                      pl.items[2], pl.onchip_items()));
    return e;
}

}  // namespace

std::string unsupported_reason(const Shape& s, const FpgaConfig& c) {
    if (s.batch < 0 || s.n_keys < 0 || s.k < 0 || s.heads < 1) return "negative sizes or heads < 1";
    if (s.heads > kFpgaMaxDsaHeads)
        return fmt::format("heads {} > {} (the design's query ROM)", s.heads, kFpgaMaxDsaHeads);
    if (s.k > kFpgaMaxTopK)
        return fmt::format("k {} > {} (the retriever's list capacity)", s.k, kFpgaMaxTopK);
    if (!place_in_tiers(double(s.n_keys), kKeyBytes, 0, c).fits)
        return fmt::format("{} keys exceed the HBM capacity", s.n_keys);
    return {};
}

FpgaEstimate estimate(const Shape& s, const FpgaConfig& c, const FusedParams& p) {
    check_fpga_config(c);
    std::string why = unsupported_reason(s, c);
    MEMPIPE_CHECK_ARG(why.empty() || why.find("HBM") != std::string::npos, "fpga dsa estimate: {}",
                      why);
    const double n = double(s.n_keys), k = double(s.k);
    const double ins = expected_top_k_insertions(n, k) - std::min(n, k);
    if (s.sequences <= 1) return model(s, c, p, ins);
    FpgaConfig share = c;
    share.onchip_usable_fraction /= double(s.sequences);
    share.hbm.capacity_bytes /= double(s.sequences);
    FpgaEstimate e = model(s, share, p, ins);
    repeat_estimate(e, double(s.sequences), c);
    return e;
}

FpgaEstimate run(const uint8_t* q8, const float* weights, const IndexKeysView& keys, int64_t batch,
                 int64_t heads, int64_t k, float* out_values, int32_t* out_indices,
                 const FpgaConfig& c, const FusedParams& p) {
    check_fpga_config(c);
    dsa_detail::check_logits("fpga dsa", q8, weights, keys, batch, heads);
    MEMPIPE_CHECK_ARG(k >= 0, "fpga dsa: k must be ≥ 0, got {}", k);
    MEMPIPE_CHECK_ARG(batch * k == 0 || out_indices, "fpga dsa: out_indices is null");
    Shape s{batch, heads, keys.len, k};
    std::string why = unsupported_reason(s, c);
    MEMPIPE_CHECK_ARG(why.empty(), "fpga dsa: this design cannot run the shape: {}", why);
    // Rows run on parallel retrievers: the scan stalls as long as the busiest one.
    double insertions = 0;
    for (int64_t b = 0; b < batch; ++b)
        insertions = std::max(
            insertions,
            double(run_row(q8 + b * heads * kDsaHeadDim, weights + b * heads, keys, heads, k,
                           out_values ? out_values + b * k : nullptr, out_indices + b * k)));
    return model(s, c, p, insertions);
}

}  // namespace mempipe::fpga::dsa
