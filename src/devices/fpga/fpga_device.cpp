// FpgaDevice: bound nodes use the design cycle models, unbound ones a streaming estimate from the
// cost signature (include/mempipe/devices/fpga/fpga_device.h).
#include "mempipe/devices/fpga/fpga_device.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <optional>

#include "mempipe/core/error.h"

namespace mempipe::fpga {
namespace {

template <class... F>
struct Overload : F... {
    using F::operator()...;
};
template <class... F>
Overload(F...) -> Overload<F...>;

CostEstimate to_cost_estimate(const FpgaEstimate& e) {
    CostEstimate c;
    c.fits = e.fits;
    c.seconds = e.fits ? e.seconds : -1;
    const RegionReport* slow = nullptr;
    for (const RegionReport& r : e.regions)
        if (!slow || r.cycles > slow->cycles) slow = &r;
    bool memory = false;
    std::string stage = "none";
    if (slow)
        for (const StageReport& s : slow->stages)
            if (s.name == slow->bottleneck) {
                memory = s.memory_bound;
                stage = fmt::format("{}/{} ({})", slow->name, s.name, s.bound);
            }
    const double kernel_s = e.clock_hz > 0 ? e.cycles / e.clock_hz : 0;
    c.bound = e.launch_seconds > kernel_s ? Bound::Launch : memory ? Bound::Memory : Bound::Compute;
    for (int t = 0; t < kMemTiers; ++t) c.bytes_moved += e.placement.bytes[t];
    c.why = fmt::format(
        "fpga {} (modelled): {:.0f} cycles at {:.0f} MHz + {:.1f} µs launch; "
        "slowest: {}{}",
        e.design, e.cycles, e.clock_hz / 1e6, e.launch_seconds * 1e6, stage,
        e.fits ? "" : "; does not fit the device memory");
    return c;
}

MacType mac_type_of(DType t) {
    switch (t) {
        case DType::I8:
            return MacType::Int8;
        case DType::FP8E4M3:
            return MacType::Fp8;
        case DType::BF16:
        case DType::F16:
            return MacType::Bf16;
        default:
            return MacType::Fp32;
    }
}

// The design shape a node carries in OpNode::shape: a DesignShape, or one of its alternatives
// (dsa::Shape, …) stored directly.
template <size_t I = 0>
std::optional<DesignShape> shape_alternative(const std::any& a) {
    if constexpr (I == std::variant_size_v<DesignShape>) {
        return std::nullopt;
    } else {
        using T = std::variant_alternative_t<I, DesignShape>;
        if (const T* s = std::any_cast<T>(&a)) return DesignShape(*s);
        return shape_alternative<I + 1>(a);
    }
}

}  // namespace

std::optional<DesignShape> node_design_shape(const OpNode& node) {
    if (!node.shape.has_value()) return std::nullopt;
    if (const DesignShape* s = std::any_cast<DesignShape>(&node.shape)) return *s;
    return shape_alternative(node.shape);
}

std::string_view design_name(const DesignShape& s) {
    return std::visit(Overload{[](const dsa::Shape&) { return "dsa_indexer"; },
                               [](const seer::Shape&) { return "seer_gate_select"; },
                               [](const lserve::Shape&) { return "lserve_page_select"; },
                               [](const bm25::Shape&) { return "bm25_top_k"; },
                               [](const dense::Shape&) { return "dense_top_k"; },
                               [](const mac::Shape&) { return "mac_recall"; },
                               [](const memagent::Shape&) { return "memagent_decode"; }},
                      s);
}

namespace {
// The fused design's parameters from the config's design_params (absent: the defaults).
// engine_duty = <design>.mac_cycles / <design><round_key>: the cycles of a PE's round its MAC
// array computes (fpga_config.h); absent: 1.
FusedParams fused_params(const FpgaConfig& c, const std::string& design,
                         const std::string& round_key = ".round_cycles") {
    FusedParams p;
    p.ip_lanes = int64_t(c.design_param(design + ".ip_lanes"));
    p.hbm_ports = int64_t(c.design_param(design + ".hbm_ports"));
    const double mac = c.design_param(design + ".mac_cycles");
    const double round = c.design_param(design + round_key);
    if (mac > 0 && round > 0) p.engine_duty = mac / round;
    p.logit_select = c.design_param(design + ".logit_select") > 0;
    p.uram_slowdown = std::max(1.0, c.design_param(design + ".uram_slowdown"));
    p.hbm_slowdown = std::max(1.0, c.design_param(design + ".hbm_slowdown"));
    return p;
}
}  // namespace

FpgaEstimate estimate_design(const DesignShape& s, const FpgaConfig& c) {
    return std::visit(
        Overload{[&](const dsa::Shape& x) { return dsa::estimate(x, c, fused_params(c, "dsa")); },
                 [&](const seer::Shape& x) {
                     const bool budget = x.select.mode == SeerSelectMode::TokenBudget;
                     return seer::estimate(
                         x, c,
                         fused_params(c, "seer",
                                      budget ? ".round_cycles_top_k" : ".round_cycles_threshold"));
                 },
                 [&](const lserve::Shape& x) {
                     return lserve::estimate(x, c, fused_params(c, "lserve"));
                 },
                 [&](const bm25::Shape& x) { return bm25::estimate(x, c); },
                 [&](const dense::Shape& x) { return dense::estimate(x, c); },
                 [&](const mac::Shape& x) { return mac::estimate(x, c); },
                 [&](const memagent::Shape& x) { return memagent::estimate(x, c); }},
        s);
}

std::string unsupported_design_reason(const DesignShape& s, const FpgaConfig& c) {
    return std::visit([&](const auto& x) { return unsupported_reason(x, c); }, s);
}

FpgaDevice::FpgaDevice(FpgaConfig config, std::string id)
    : config_(std::move(config)), id_(std::move(id)) {
    check_fpga_config(config_);
}

DeviceInfo FpgaDevice::info() const {
    DeviceInfo i;
    i.name = id_;
    i.kind = DeviceKind::Fpga;
    i.description = fmt::format(
        "{} dataflow emulator at {:.0f} MHz: {:.1f} MB usable on-chip (BRAM + URAM), {:.0f} GiB "
        "HBM in {} channels, {} DSPs; designs run functionally on the host CPU, times are "
        "modelled",
        config_.name, config_.clock_hz / 1e6, config_.usable_onchip_bytes() / 1e6,
        config_.hbm.capacity_bytes / double(1ull << 30), config_.hbm.ports, config_.dsp);
    return i;
}

bool FpgaDevice::has_design(std::string_view op) {
    // No "bm25_scores": the authors' only BM25 kernel (HeteroLLM kernels/bm25/indexer_bm25.h,
    // indexer_top) fuses the document scan with the top-k, so an unfused BM25 scoring node has no
    // FPGA design (the fused bm25_top_k node carries the design's shape).
    static constexpr std::array<std::string_view, 16> kOps = {"mqa_relu_logits",
                                                              "score_top_k",
                                                              "top_k",
                                                              "seer_gate_scores",
                                                              "seer_select_blocks",
                                                              "seer_gate_select",
                                                              "page_scores",
                                                              "page_select",
                                                              "bm25_top_k",
                                                              "dense_scores",
                                                              "dense_top_k",
                                                              "mac_recall",
                                                              "cross_attention_scores",
                                                              "softmax_weighted_sum",
                                                              "memagent_decode",
                                                              "threshold_select"};
    return std::find(kOps.begin(), kOps.end(), op) != kOps.end();
}

void FpgaDevice::bind(const std::string& node_name, FpgaBinding binding) {
    MEMPIPE_CHECK_ARG(!node_name.empty(), "FpgaDevice::bind: node name must not be empty");
    bindings_[node_name] = std::move(binding);
}

CostEstimate FpgaDevice::estimate_cost(const OpCost& cost) const {
    const FpgaConfig& c = config_;
    TierPlacement pl = place_in_tiers(cost.bytes_read, 1.0, 0.0, c);
    StageTiming loader{"loader", 0, 1, 1, tier_latency(pl, c) + 2, 0, tier_accesses(pl, 0)};
    const double lanes = double(c.default_lanes(mac_type_of(cost.compute_dtype)));
    StageTiming engine{"engine", cost.flops / 2.0, 1, lanes, 8, 0, {}};
    StageTiming writer{"writer", 0, 1, 1, 2, 0, {{MemTier::Hbm, cost.bytes_written, 0, 0}}};
    const StageTiming st[] = {loader, engine, writer};
    std::vector<RegionReport> regions;
    regions.push_back(model_region("streaming", st, c));
    FpgaEstimate e = finish_estimate("cost-signature streaming estimate", std::move(regions), c);
    e.placement = pl;
    e.fits = pl.fits;
    return to_cost_estimate(e);
}

bool FpgaDevice::supports(const OpNode& node) const {
    if (auto it = bindings_.find(node.name); it != bindings_.end())
        return unsupported_design_reason(it->second.shape, config_).empty();
    if (std::optional<DesignShape> s = node_design_shape(node))
        return unsupported_design_reason(*s, config_).empty();
    return has_design(node.op) && estimate_cost(node.cost).fits;
}

CostEstimate FpgaDevice::estimate_shape(const DesignShape& shape) const {
    const std::string why = unsupported_design_reason(shape, config_);
    if (!why.empty() && why.find("HBM") == std::string::npos) {
        CostEstimate c;
        c.fits = false;
        c.why = fmt::format("fpga {}: {}", design_name(shape), why);
        return c;
    }
    return to_cost_estimate(estimate_design(shape, config_));
}

CostEstimate FpgaDevice::estimate(const OpNode& node) const {
    if (auto it = bindings_.find(node.name); it != bindings_.end())
        return estimate_shape(it->second.shape);
    if (std::optional<DesignShape> s = node_design_shape(node)) return estimate_shape(*s);
    if (!has_design(node.op)) return {};
    return estimate_cost(node.cost);
}

void FpgaDevice::run(const OpNode& node) {
    auto it = bindings_.find(node.name);
    if (it == bindings_.end() || !it->second.run)
        runtime_error(
            "fpga device '{}': node '{}' (op {}) has no bound design invocation; the emulator "
            "runs a design on an explicit shape and data: bind one with FpgaDevice::bind, or "
            "place the node on another device",
            id_, node.name, node.op);
    std::string why = unsupported_design_reason(it->second.shape, config_);
    MEMPIPE_CHECK_ARG(why.empty(), "fpga device '{}': node '{}' cannot run on {}: {}", id_,
                      node.name, config_.name, why);
    it->second.run();
}

}  // namespace mempipe::fpga
