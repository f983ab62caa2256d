// Device profiles: loading and validating hardware/devices/<name>.json, and the profile's queries.
#include <algorithm>
#include <cmath>
#include <filesystem>

#include "mempipe/core/error.h"
#include "mempipe/node/hardware.h"
#include "node/json_reader.h"

namespace mempipe {

using node_detail::JsonReader;
using node_detail::Range;

namespace {

constexpr std::string_view kTierNames[] = {"hbm", "dram", "ddr", "bram", "uram", "lutram",
                                           "l1",  "l2",   "l3",  "lds",  "smem", "sram"};
constexpr std::string_view kComputeTypes[] = {"f32", "bf16", "f16", "fp8", "int8", "int4"};
constexpr std::string_view kResources[] = {"lut", "ff", "dsp", "bram36", "uram"};
constexpr std::string_view kDesignParams[] = {
    "dsa.ip_lanes",       "dsa.hbm_ports",           "dsa.mac_cycles",
    "dsa.round_cycles",   "seer.ip_lanes",           "seer.hbm_ports",
    "seer.mac_cycles",    "seer.round_cycles_top_k", "seer.round_cycles_threshold",
    "seer.logit_select",  "lserve.ip_lanes",         "lserve.hbm_ports",
    "lserve.mac_cycles",  "lserve.round_cycles",     "lserve.uram_slowdown",
    "lserve.hbm_slowdown"};

template <size_t N>
bool one_of(std::string_view s, const std::string_view (&set)[N]) {
    return std::find(std::begin(set), std::end(set), s) != std::end(set);
}

template <size_t N>
std::string join(const std::string_view (&set)[N]) {
    std::string out;
    for (std::string_view s : set) out += (out.empty() ? "" : ", ") + std::string(s);
    return out;
}

TierRole parse_role(const JsonReader& r) {
    const std::string s = r.string();
    if (s == "main") return TierRole::Main;
    if (s == "on_chip") return TierRole::OnChip;
    if (s == "secondary") return TierRole::Secondary;
    if (s == "cache") return TierRole::Cache;
    r.fail("unknown role '" + s + "'; expected one of: main, on_chip, secondary, cache");
}

HardwareKind parse_kind(const JsonReader& r) {
    const std::string s = r.string();
    if (s == "gpu") return HardwareKind::Gpu;
    if (s == "fpga") return HardwareKind::Fpga;
    if (s == "cpu") return HardwareKind::Cpu;
    r.fail("unknown kind '" + s + "'; expected one of: gpu, fpga, cpu");
}

MemoryTier parse_tier(const JsonReader& r, std::vector<ConstantSource>& log) {
    r.allow_only({"name", "role", "capacity_bytes", "bandwidth_bytes_per_s", "ports",
                  "port_width_bits", "note"});
    MemoryTier t;
    JsonReader name = r.at("name");
    t.name = name.string();
    if (!one_of(t.name, kTierNames))
        name.fail("unknown tier '" + t.name + "'; expected one of: " + join(kTierNames));
    t.role = parse_role(r.at("role"));
    t.capacity_bytes = r.at("capacity_bytes").sourced(Range::Positive, log);
    t.bandwidth_bytes_per_s = r.at("bandwidth_bytes_per_s").sourced(Range::Positive, log);
    if (r.has("ports")) {
        JsonReader p = r.at("ports");
        double v = p.sourced(Range::Positive, log);
        if (v != std::floor(v) || v > 1e6) p.fail("expected a whole number of ports");
        t.ports = int(v);
    }
    if (r.has("port_width_bits"))
        t.port_width_bits = r.at("port_width_bits").sourced(Range::Positive, log);
    if (r.has("note")) r.at("note").string();
    return t;
}

// The baseline software's model ("software": {...}), see SoftwareModel.
SoftwareModel parse_software(const JsonReader& r, const DeviceProfile& p,
                             std::vector<ConstantSource>& log) {
    r.allow_only({"description", "memory_op_overhead_s", "efficiency", "unsupported_ops"});
    SoftwareModel s;
    s.present = true;
    s.description = r.at("description").string();
    s.memory_op_overhead_s = r.at("memory_op_overhead_s").sourced(Range::NonNegative, log);
    s.efficiency = p.efficiency;
    if (r.has("efficiency")) {
        JsonReader eff = r.at("efficiency");
        eff.allow_only({"regular", "irregular", "data_dependent"});
        if (eff.has("regular"))
            s.efficiency.regular = eff.at("regular").sourced(Range::Fraction, log);
        if (eff.has("irregular"))
            s.efficiency.irregular = eff.at("irregular").sourced(Range::Fraction, log);
        if (eff.has("data_dependent"))
            s.efficiency.data_dependent = eff.at("data_dependent").sourced(Range::Fraction, log);
    }
    if (r.has("unsupported_ops")) {
        JsonReader u = r.at("unsupported_ops");
        u.allow_only({"ops", "source"});
        JsonReader ops = u.at("ops");
        for (size_t i = 0; i < ops.array_size(); ++i)
            s.unsupported_ops.push_back(ops.at(i).string());
        u.at("source").string();
    }
    return s;
}

}  // namespace

std::string_view hardware_kind_name(HardwareKind k) {
    switch (k) {
        case HardwareKind::Gpu:
            return "gpu";
        case HardwareKind::Fpga:
            return "fpga";
        case HardwareKind::Cpu:
            return "cpu";
    }
    return "?";
}

std::string_view tier_role_name(TierRole r) {
    switch (r) {
        case TierRole::Main:
            return "main";
        case TierRole::OnChip:
            return "on_chip";
        case TierRole::Secondary:
            return "secondary";
        case TierRole::Cache:
            return "cache";
    }
    return "?";
}

double Efficiency::of(AccessPattern p) const {
    switch (p) {
        case AccessPattern::Regular:
            return regular;
        case AccessPattern::Irregular:
            return irregular;
        case AccessPattern::DataDependent:
            return data_dependent;
    }
    return regular;
}

const MemoryTier& DeviceProfile::main_memory() const {
    for (const MemoryTier& t : memory)
        if (t.role == TierRole::Main) return t;
    runtime_error("device profile '{}' has no main memory tier", name);
}

const MemoryTier* DeviceProfile::tier(std::string_view n) const {
    for (const MemoryTier& t : memory)
        if (t.name == n) return &t;
    return nullptr;
}

double DeviceProfile::peak(std::string_view compute_type) const {
    auto it = peak_ops_per_s.find(std::string(compute_type));
    return it == peak_ops_per_s.end() ? 0.0 : it->second;
}

double DeviceProfile::peak_for(DType t, std::string* used) const {
    static const std::vector<const char*> kF32 = {"f32"}, kBf16 = {"bf16", "f16", "f32"},
                                          kF16 = {"f16", "bf16", "f32"},
                                          kFp8 = {"fp8", "bf16", "f16", "f32"},
                                          kInt8 = {"int8", "f32"};
    const std::vector<const char*>* chain = &kF32;
    switch (t) {
        case DType::F32:
        case DType::I32:
        case DType::I64:
            break;
        case DType::BF16:
            chain = &kBf16;
            break;
        case DType::F16:
            chain = &kF16;
            break;
        case DType::FP8E4M3:
            chain = &kFp8;
            break;
        case DType::I8:
            chain = &kInt8;
            break;
    }
    for (const char* type : *chain) {
        if (double v = peak(type); v > 0) {
            if (used) *used = type;
            return v;
        }
    }
    if (used) used->clear();
    return 0;
}

double DeviceProfile::energy_joules(double busy_s, double wall_s) const {
    MEMPIPE_CHECK_ARG(busy_s >= 0 && wall_s >= 0 && busy_s <= wall_s * (1 + 1e-12),
                      "energy_joules: need 0 <= busy_s <= wall_s, got busy {} s, wall {} s", busy_s,
                      wall_s);
    return active_power_w * busy_s + idle_power_w * std::max(0.0, wall_s - busy_s);
}

DeviceProfile load_device_profile(const std::string& path) {
    const Json doc = node_detail::parse_json_file(path);
    JsonReader r(doc, path);
    r.allow_only({"name", "description", "kind", "clock_hz", "memory", "peak_ops_per_s",
                  "launch_overhead_s", "idle_power_w", "active_power_w", "max_power_w",
                  "efficiency", "resources", "design_params", "software", "notes"});
    DeviceProfile p;
    p.file = path;
    auto& log = p.constants;
    JsonReader name = r.at("name");
    p.name = name.string();
    const std::string stem = std::filesystem::path(path).stem().string();
    if (p.name != stem)
        name.fail("'" + p.name + "' differs from the file name '" + stem +
                  "'; a profile's name must be its file name without .json");
    p.description = r.at("description").string();
    p.kind = parse_kind(r.at("kind"));
    p.clock_hz = r.at("clock_hz").sourced(Range::Positive, log);

    JsonReader mem = r.at("memory");
    const size_t n_tiers = mem.array_size();
    if (n_tiers == 0) mem.fail("expected at least one memory tier");
    int mains = 0;
    for (size_t i = 0; i < n_tiers; ++i) {
        MemoryTier t = parse_tier(mem.at(i), log);
        if (p.tier(t.name)) mem.at(i).at("name").fail("duplicate tier '" + t.name + "'");
        mains += t.role == TierRole::Main;
        p.memory.push_back(std::move(t));
    }
    if (mains != 1)
        mem.fail("expected exactly one tier with \"role\": \"main\", found " +
                 std::to_string(mains));

    JsonReader peaks = r.at("peak_ops_per_s");
    for (const std::string& k : peaks.keys()) {
        if (!one_of(k, kComputeTypes))
            peaks.at(k).fail("unknown compute type; expected one of: " + join(kComputeTypes));
        p.peak_ops_per_s[k] = peaks.at(k).sourced(Range::Positive, log);
    }
    if (p.peak_ops_per_s.empty()) peaks.fail("expected at least one compute type");
    if (!p.peak_ops_per_s.count("f32")) peaks.fail("missing \"f32\" (every device has one)");

    p.launch_overhead_s = r.at("launch_overhead_s").sourced(Range::NonNegative, log);
    p.idle_power_w = r.at("idle_power_w").sourced(Range::NonNegative, log);
    p.active_power_w = r.at("active_power_w").sourced(Range::Positive, log);
    p.max_power_w = r.at("max_power_w").sourced(Range::Positive, log);
    if (p.active_power_w < p.idle_power_w)
        r.at("active_power_w").fail("expected >= idle_power_w (board power while busy)");
    if (p.max_power_w < p.active_power_w) r.at("max_power_w").fail("expected >= active_power_w");

    JsonReader eff = r.at("efficiency");
    eff.allow_only({"regular", "irregular", "data_dependent"});
    p.efficiency.regular = eff.at("regular").sourced(Range::Fraction, log);
    p.efficiency.irregular = eff.at("irregular").sourced(Range::Fraction, log);
    p.efficiency.data_dependent = eff.at("data_dependent").sourced(Range::Fraction, log);

    if (p.kind == HardwareKind::Fpga) {
        JsonReader res = r.at("resources");
        for (const std::string& k : res.keys()) {
            if (!one_of(k, kResources))
                res.at(k).fail("unknown resource; expected one of: " + join(kResources));
            p.resources[k] = res.at(k).sourced(Range::Positive, log);
        }
        for (std::string_view k : kResources)
            if (!p.resources.count(std::string(k)))
                res.fail("missing \"" + std::string(k) + "\" (FPGA profiles give every resource)");
    } else if (r.has("resources")) {
        r.at("resources").fail("only FPGA profiles have resources");
    }
    if (r.has("design_params")) {
        JsonReader dp = r.at("design_params");
        if (p.kind != HardwareKind::Fpga) dp.fail("only FPGA profiles have design parameters");
        for (const std::string& k : dp.keys()) {
            if (!one_of(k, kDesignParams))
                dp.at(k).fail("unknown design parameter; expected one of: " + join(kDesignParams));
            JsonReader v = dp.at(k);
            const double x = v.sourced(Range::Positive, log);
            if (x != std::floor(x) || x > 1e7) v.fail("expected a whole number");
            p.design_params[k] = x;
        }
    }
    if (r.has("software")) p.software = parse_software(r.at("software"), p, log);
    if (r.has("notes")) r.at("notes").string();
    return p;
}

bool SoftwareModel::supports(std::string_view op) const {
    return std::find(unsupported_ops.begin(), unsupported_ops.end(), op) == unsupported_ops.end();
}

HardwareNode roofline_only(HardwareNode node) {
    node.host.profile.software = {};
    for (NodeDevice& d : node.devices) d.profile.software = {};
    return node;
}

}  // namespace mempipe
