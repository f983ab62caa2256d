// Flat dense retrieval on the emulator: tiered key loader → inner-product engine (every query of
// the batch against each key row) → one streaming top-k per query (rag_designs.h).
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <memory>
#include <vector>

#include "common_stages.h"
#include "mempipe/core/dtype.h"
#include "mempipe/devices/fpga/rag_designs.h"
#include "ops/retrieval/dense_internal.h"

namespace mempipe::fpga::dense {
namespace {

constexpr double kFmaLatency = 3;  // memory_fpga.md B1: fmadd latency 3

struct RowTok {
    std::array<uint8_t, kFpgaMaxDenseDim * 4> bytes;
    float scale;
};
struct ScoreTok {
    std::array<float, kFpgaMaxDenseQueries> s;
};

double elt_bytes(DType t) {
    return t == DType::F32 ? 4.0 : t == DType::BF16 ? 2.0 : 1.0;
}
MacType mac_type(DType t) {
    return t == DType::I8 ? MacType::Int8 : t == DType::BF16 ? MacType::Bf16 : MacType::Fp32;
}

FpgaEstimate model(const Shape& s, const FpgaConfig& c, const RagParams& p, double insertions) {
    const double n = double(s.n), d = double(s.d), nq = double(s.nq), kk = double(s.k);
    const double lanes = double(p.lanes > 0 ? p.lanes : c.default_lanes(mac_type(s.dtype)));
    const double row_bytes = d * elt_bytes(s.dtype) + (s.dtype == DType::I8 ? 4.0 : 0.0);
    const double reserved = nq * (kk * 8.0 + d * 4.0);
    TierPlacement pl = place_in_tiers(n, row_bytes, reserved, c);
    const double rows_per_cycle = std::max(1.0, std::floor(lanes / std::max(1.0, nq * d)));
    StageTiming loader{"key_loader",
                       n,
                       1,
                       rows_per_cycle,
                       tier_latency(pl, c) + 2,
                       0,
                       tier_accesses(pl, p.hbm_ports)};
    StageTiming engine{"inner_product",
                       nq * n * d,
                       1,
                       lanes,
                       kFmaLatency * (1 + std::ceil(std::log2(std::max(d, 2.0)))),
                       0,
                       {}};
    detail::RetrieverTiming rt{p.topk_lanes, p.sort_lanes};
    StageTiming scan = detail::top_k_scan_timing("top_k", n, kk, insertions, rt);
    StageTiming drain = detail::top_k_drain_timing("top_k_drain", std::min(n, kk), kk, rt);
    drain.mem.push_back({MemTier::Hbm, nq * kk * 8.0, 1, 0});
    const StageTiming r1[] = {loader, engine, scan};
    const StageTiming r2[] = {drain};
    std::vector<RegionReport> regions;
    regions.push_back(model_region("scan", r1, c));
    regions.push_back(model_region("drain", r2, c));
    FpgaEstimate e = finish_estimate("dense_top_k", std::move(regions), c);
    e.placement = pl;
    e.fits = pl.fits;
    if (!e.fits) e.seconds = INFINITY;
    e.notes.push_back(fmt::format("{} keys, {:.0f} B per row, {:.0f} MAC lanes, {:.0f} queries",
                                  dtype_name(s.dtype), row_bytes, lanes, nq));
    return e;
}

}  // namespace

std::string unsupported_reason(const Shape& s, const FpgaConfig& c) {
    if (s.nq < 0 || s.n < 0 || s.d < 0 || s.k < 0) return "negative sizes";
    if (s.dtype != DType::F32 && s.dtype != DType::BF16 && s.dtype != DType::I8)
        return fmt::format("key dtype {} (f32, bf16 or int8 only)", dtype_name(s.dtype));
    if (s.d > kFpgaMaxDenseDim || s.nq > kFpgaMaxDenseQueries || s.k > kFpgaMaxTopK)
        return fmt::format("d {} / queries {} / k {} exceed the design (≤ {}, ≤ {}, ≤ {})", s.d,
                           s.nq, s.k, kFpgaMaxDenseDim, kFpgaMaxDenseQueries, kFpgaMaxTopK);
    const double row = double(s.d) * elt_bytes(s.dtype) + (s.dtype == DType::I8 ? 4.0 : 0.0);
    if (!place_in_tiers(double(s.n), row, 0, c).fits) return "the keys exceed the HBM capacity";
    return {};
}

FpgaEstimate estimate(const Shape& s, const FpgaConfig& c, const RagParams& p) {
    check_fpga_config(c);
    std::string why = unsupported_reason(s, c);
    MEMPIPE_CHECK_ARG(why.empty() || why.find("HBM") != std::string::npos,
                      "fpga dense estimate: {}", why);
    const double n = double(s.n), k = double(s.k);
    return model(s, c, p, expected_top_k_insertions(n, k) - std::min(n, k));
}

FpgaEstimate run(const float* queries, int64_t nq, const DenseKeysView& keys, int64_t k,
                 float* out_values, int32_t* out_indices, const FpgaConfig& c, const RagParams& p) {
    check_fpga_config(c);
    dense_detail::check_queries("fpga dense_top_k", queries, nq, keys);
    MEMPIPE_CHECK_ARG(k >= 0, "fpga dense_top_k: k must be ≥ 0, got {}", k);
    MEMPIPE_CHECK_ARG(nq * k == 0 || out_indices, "fpga dense_top_k: out_indices is null");
    Shape shape{nq, keys.n, keys.d, keys.dtype, k};
    std::string why = unsupported_reason(shape, c);
    MEMPIPE_CHECK_ARG(why.empty(), "fpga dense_top_k: this design cannot run the shape: {}", why);
    const int64_t n = keys.n, d = keys.d;
    const size_t rb = size_t(d) * size_t(elt_bytes(keys.dtype));

    struct Design {
        Stream<RowTok, 2> rows{"key_rows"};
        Stream<ScoreTok, 16> scores{"scores"};
        std::vector<int8_t> q8;  // per-query int8 queries (on chip)
        std::vector<float> qscale;
        std::vector<detail::RunningTopK<kFpgaMaxTopK>> topk;
    };
    auto D = std::make_unique<Design>();
    Design* P = D.get();
    P->q8.assign(size_t(nq * d), 0);
    P->qscale.assign(size_t(nq), 0.0f);
    if (keys.dtype == DType::I8)
        for (int64_t b = 0; b < nq; ++b)
            P->qscale[size_t(b)] =
                dense_detail::quantize_row_i8(queries + b * d, d, P->q8.data() + b * d);
    P->topk.resize(size_t(nq));
    for (auto& t : P->topk) t.reset(k);

    const uint8_t* base = static_cast<const uint8_t*>(keys.data);
    detail::Source loader("key_loader", P->rows, n, [&](int64_t i, RowTok& t) {
        if (rb) std::memcpy(t.bytes.data(), base + size_t(i) * rb, rb);
        t.scale = keys.dtype == DType::I8 ? keys.scales[i] : 0.0f;
    });
    detail::Map engine("inner_product", P->rows, P->scores, n, [&](const RowTok& t, ScoreTok& o) {
        for (int64_t b = 0; b < nq; ++b) {
            const float* q = queries + b * d;
            if (keys.dtype == DType::I8) {
                const int8_t* k8 = reinterpret_cast<const int8_t*>(t.bytes.data());
                const int8_t* qb = P->q8.data() + b * d;
                int64_t dot = 0;
                for (int64_t j = 0; j < d; ++j) dot += int64_t(qb[j]) * int64_t(k8[j]);
                o.s[size_t(b)] = float(dot) * (P->qscale[size_t(b)] * t.scale);
                continue;
            }
            double acc = 0;
            if (keys.dtype == DType::F32) {
                float kv;
                for (int64_t j = 0; j < d; ++j) {
                    std::memcpy(&kv, t.bytes.data() + j * 4, 4);
                    acc += double(q[j]) * double(kv);
                }
            } else {
                uint16_t kv;
                for (int64_t j = 0; j < d; ++j) {
                    std::memcpy(&kv, t.bytes.data() + j * 2, 2);
                    acc += double(q[j]) * double(bf16_to_f32(kv));
                }
            }
            o.s[size_t(b)] = float(acc);
        }
    });
    int32_t row = 0;
    detail::Sink select("top_k", P->scores, n, [&](const ScoreTok& t) {
        for (int64_t b = 0; b < nq; ++b) P->topk[size_t(b)].offer(t.s[size_t(b)], row);
        ++row;
    });
    Stage* stages[] = {&loader, &engine, &select};
    run_dataflow("dense_top_k", stages);
    double max_ins = 0;
    for (int64_t b = 0; b < nq; ++b) {
        max_ins = std::max(max_ins, double(P->topk[size_t(b)].insertions()));
        P->topk[size_t(b)].finish(out_values ? out_values + b * k : nullptr, out_indices + b * k);
    }
    return model(shape, c, p, max_ins);
}

}  // namespace mempipe::fpga::dense
