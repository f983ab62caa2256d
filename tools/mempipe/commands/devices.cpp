// mempipe devices: this machine's real devices (default), or a hardware node's modelled devices,
// links and transfer modes (--node N), or the known nodes (--list-nodes).
#include <fmt/format.h>

#include <cmath>
#include <iostream>
#include <string>

#include "commands.h"
#include "mempipe/core/error.h"
#include "mempipe/core/io.h"
#include "mempipe/core/parallel.h"
#include "mempipe/core/simd.h"
#include "mempipe/devices/device.h"
#include "mempipe/node/hardware.h"
#include "mempipe/node/link.h"

namespace mempipe::cli {

namespace {

struct DevicesOptions {
    bool json = false;
    std::string node;
    std::string hardware;
    bool sources = false;
    bool list_nodes = false;
    bool constants_md = false;
};

std::string si(double v, const char* unit) {
    const char* prefix[] = {"", "k", "M", "G", "T", "P"};
    int i = 0;
    while (std::fabs(v) >= 1000 && i < 5) v /= 1000, ++i;
    return fmt::format("{:.3g} {}{}", v, prefix[i], unit);
}

std::string secs(double s) {
    if (s >= 1) return fmt::format("{:.3g} s", s);
    if (s >= 1e-3) return fmt::format("{:.3g} ms", s * 1e3);
    return fmt::format("{:.3g} µs", s * 1e6);
}

Json profile_json(const NodeDevice& d, bool is_host, bool sources) {
    const DeviceProfile& p = d.profile;
    Json mem = Json::array();
    for (const MemoryTier& t : p.memory) {
        Json m = {{"name", t.name},
                  {"role", tier_role_name(t.role)},
                  {"capacity_bytes", t.capacity_bytes},
                  {"bandwidth_bytes_per_s", t.bandwidth_bytes_per_s}};
        if (t.ports) m["ports"] = t.ports;
        if (t.port_width_bits > 0) m["port_width_bits"] = t.port_width_bits;
        mem.push_back(m);
    }
    Json peaks = Json::object();
    for (const auto& [k, v] : p.peak_ops_per_s) peaks[k] = v;
    Json j = {{"id", d.id},
              {"role", is_host ? "host" : "accelerator"},
              {"profile", p.name},
              {"kind", hardware_kind_name(p.kind)},
              {"description", p.description},
              {"clock_hz", p.clock_hz},
              {"memory", mem},
              {"peak_ops_per_s", peaks},
              {"launch_overhead_s", p.launch_overhead_s},
              {"idle_power_w", p.idle_power_w},
              {"active_power_w", p.active_power_w},
              {"max_power_w", p.max_power_w},
              {"efficiency",
               {{"regular", p.efficiency.regular},
                {"irregular", p.efficiency.irregular},
                {"data_dependent", p.efficiency.data_dependent}}}};
    if (!p.resources.empty()) {
        Json r = Json::object();
        for (const auto& [k, v] : p.resources) r[k] = v;
        j["resources"] = r;
    }
    if (sources) {
        Json s = Json::array();
        for (const ConstantSource& c : p.constants)
            s.push_back({{"path", c.path}, {"value", c.value}, {"source", c.source}});
        j["sources"] = s;
    }
    return j;
}

std::string modes_text(const std::vector<TransferMode>& modes) {
    std::string out;
    for (TransferMode m : modes) {
        if (!out.empty()) out += ", ";
        out += transfer_mode_name(m);
    }
    return out.empty() ? "—" : out;
}

Json link_json(const NodeLink& l, bool sources) {
    const LinkProfile& p = l.profile;
    Json modes = Json::array();
    for (TransferMode m : l.modes) modes.push_back(transfer_mode_name(m));
    Json j = {{"between", {l.a, l.b}},
              {"link", p.name},
              {"kind", link_kind_name(p.kind)},
              {"description", p.description},
              {"modes", modes}};
    if (p.kind == LinkKind::Measured) {
        for (int dir = 0; dir < 2; ++dir) {
            const char* key = dir == 0 ? "forward" : "backward";
            const TransferTable* t = dir == 0 ? &p.forward : &p.backward;
            Json pts = Json::array();
            for (size_t i = 0; i < t->bytes.size(); ++i)
                pts.push_back({t->bytes[i], t->seconds[i]});
            j[key] = {{"label", t->label}, {"points", pts}};
            if (sources) j[key]["source"] = t->source;
        }
    } else {
        j["latency_s"] = p.latency_s;
        j["bandwidth_bytes_per_s"] = p.bandwidth_bytes_per_s;
        j["dma_efficiency"] = p.dma_efficiency;
        j["staged_efficiency"] = p.staged_efficiency;
    }
    if (sources && !p.constants.empty()) {
        Json s = Json::array();
        for (const ConstantSource& c : p.constants)
            s.push_back({{"path", c.path}, {"value", c.value}, {"source", c.source}});
        j["sources"] = s;
    }
    return j;
}

// Example routes between the node's first two accelerators (modelled), for orientation.
std::vector<Route> example_routes(const HardwareNode& n) {
    std::vector<Route> out;
    if (n.devices.size() < 2) return out;
    for (double bytes : {4096.0, 16.0 * 1024 * 1024})
        for (int dir = 0; dir < 2; ++dir)
            out.push_back(n.route(n.devices[size_t(dir)].id, n.devices[size_t(1 - dir)].id, bytes));
    return out;
}

void print_node(const HardwareNode& n, const DevicesOptions& o) {
    if (o.json) {
        Json devs = Json::array();
        devs.push_back(profile_json(n.host, true, o.sources));
        for (const NodeDevice& d : n.devices) devs.push_back(profile_json(d, false, o.sources));
        Json links = Json::array();
        for (const NodeLink& l : n.links) links.push_back(link_json(l, o.sources));
        Json modes = Json::array();
        for (TransferMode m : n.transfer_modes) modes.push_back(transfer_mode_name(m));
        Json routes = Json::array();
        for (const Route& r : example_routes(n))
            routes.push_back({{"src", r.src},
                              {"dst", r.dst},
                              {"bytes", r.bytes},
                              {"mode", transfer_mode_name(r.best.mode)},
                              {"via", r.best.via},
                              {"seconds", r.best.seconds},
                              {"why", r.why}});
        Json j = {{"node", n.name},
                  {"description", n.description},
                  {"file", n.file},
                  {"source", n.source},
                  {"modelled", true},
                  {"devices", devs},
                  {"links", links},
                  {"transfer_modes", modes},
                  {"example_routes_modelled", routes}};
        std::cout << j.dump(2) << "\n";
        return;
    }
    std::cout << fmt::format("node {}: {}\n({}; source: {})\n", n.name, n.description, n.file,
                             n.source);
    std::cout << "Every figure below is a profile constant; times derived from them are "
                 "modelled.\n\n";
    std::cout << "| device | kind | profile | memory tiers | peak ops/s | launch | power idle / "
                 "active / max | efficiency regular / irregular / data-dependent |\n"
                 "|---|---|---|---|---|---:|---|---|\n";
    auto row = [&](const NodeDevice& d) {
        const DeviceProfile& p = d.profile;
        std::string tiers, peaks;
        for (const MemoryTier& t : p.memory)
            tiers += fmt::format("{}{} {} {} at {}", tiers.empty() ? "" : "; ", t.name,
                                 tier_role_name(t.role), si(t.capacity_bytes, "B"),
                                 si(t.bandwidth_bytes_per_s, "B/s"));
        for (const auto& [k, v] : p.peak_ops_per_s)
            peaks += fmt::format("{}{} {}", peaks.empty() ? "" : ", ", k, si(v, ""));
        std::cout << fmt::format(
            "| {} | {} | {} | {} | {} | {} | {:g} / {:g} / {:g} W | {:.2f} / "
            "{:.2f} / {:.2f} |\n",
            d.id, hardware_kind_name(p.kind), p.name, tiers, peaks, secs(p.launch_overhead_s),
            p.idle_power_w, p.active_power_w, p.max_power_w, p.efficiency.regular,
            p.efficiency.irregular, p.efficiency.data_dependent);
    };
    row(n.host);
    for (const NodeDevice& d : n.devices) row(d);

    std::cout << "\n| between | link | kind | modes | model |\n|---|---|---|---|---|\n";
    for (const NodeLink& l : n.links) {
        const LinkProfile& p = l.profile;
        std::string model;
        if (p.kind == LinkKind::Measured) {
            for (const TransferTable* t : {&p.forward, &p.backward})
                model += fmt::format("{}{}: {} at {} … {} at {}", model.empty() ? "" : "; ",
                                     t->label, secs(t->seconds.front()), si(t->bytes.front(), "B"),
                                     secs(t->seconds.back()), si(t->bytes.back(), "B"));
        } else {
            model = fmt::format("{} + bytes / ({} × {:.2f} DMA, × {:.2f} staged)",
                                secs(p.latency_s), si(p.bandwidth_bytes_per_s, "B/s"),
                                p.dma_efficiency, p.staged_efficiency);
        }
        std::cout << fmt::format("| {}↔{} | {} | {} | {} | {} |\n", l.a, l.b, p.name,
                                 link_kind_name(p.kind), modes_text(l.modes), model);
    }
    if (n.links.empty()) std::cout << "| — | — | — | — | — |\n";
    std::cout << fmt::format("\nTransfer modes between accelerators through the host: {}\n",
                             modes_text(n.transfer_modes));
    const std::vector<Route> routes = example_routes(n);
    if (!routes.empty()) std::cout << "\nExample routes (modelled):\n";
    for (const Route& r : routes) std::cout << "  " << r.why << "\n";

    if (o.sources) {
        std::cout << "\nSources:\n";
        auto list = [](const std::string& who, const std::vector<ConstantSource>& cs) {
            for (const ConstantSource& c : cs)
                std::cout << fmt::format("  {} {} = {:g}: {}\n", who, c.path, c.value, c.source);
        };
        list(n.host.profile.name, n.host.profile.constants);
        for (const NodeDevice& d : n.devices) list(d.profile.name, d.profile.constants);
        for (const NodeLink& l : n.links) {
            list(l.profile.name, l.profile.constants);
            if (l.profile.kind == LinkKind::Measured)
                for (const TransferTable* t : {&l.profile.forward, &l.profile.backward})
                    std::cout << fmt::format("  {} {} table: {}\n", l.profile.name, t->label,
                                             t->source);
        }
    }
}

void print_node_list(const std::string& dir, bool json) {
    Json j = Json::array();
    for (const std::string& name : list_nodes(dir)) {
        HardwareNode n = load_node(name, dir);
        std::string devs;
        for (const NodeDevice& d : n.devices) devs += (devs.empty() ? "" : ", ") + d.id;
        j.push_back({{"name", n.name},
                     {"description", n.description},
                     {"host", n.host.profile.name},
                     {"accelerators", devs}});
    }
    if (json) {
        std::cout << j.dump(2) << "\n";
        return;
    }
    std::cout << fmt::format(
        "Nodes in {}:\n\n| node | host | accelerators | description |\n"
        "|---|---|---|---|\n",
        dir);
    for (const Json& n : j)
        std::cout << fmt::format(
            "| {} | {} | {} | {} |\n", n["name"].get<std::string>(), n["host"].get<std::string>(),
            n["accelerators"].get<std::string>().empty() ? std::string("—")
                                                         : n["accelerators"].get<std::string>(),
            n["description"].get<std::string>());
}

void print_local_devices(bool json) {
    CpuDevice cpu;
    DeviceInfo info = cpu.info();
    std::string levels;
    for (SimdLevel l : available_simd_levels())
        levels += (levels.empty() ? "" : ", ") + std::string(simd_level_name(l));
    if (json) {
        Json j = Json::array();
        j.push_back({{"name", info.name},
                     {"kind", "cpu"},
                     {"description", info.description},
                     {"threads", num_threads()},
                     {"simd_detected", simd_level_name(detected_simd_level())},
                     {"simd_active", simd_level_name(active_simd_level())},
                     {"simd_levels", levels}});
        std::cout << j.dump(2) << "\n";
        return;
    }
    std::cout << "| device | kind | threads | SIMD active | SIMD levels available | description |\n"
                 "|---|---|---:|---|---|---|\n";
    std::cout << fmt::format("| {} | cpu | {} | {} | {} | {} |\n", info.name, num_threads(),
                             simd_level_name(active_simd_level()), levels, info.description);
    std::cout << "\nCap the level with MEMPIPE_SIMD=scalar|avx2|avx512|amx; set threads with a "
                 "command's --threads or OMP_NUM_THREADS.\n";
}

}  // namespace

void add_devices_command(CLI::App& app) {
    auto* cmd = app.add_subcommand(
        "devices",
        "List the devices mempipe can run on (today: this CPU) and the SIMD levels its kernels "
        "can use; with --node, a hardware node's modelled devices, links and transfer modes");
    auto o = std::make_shared<DevicesOptions>();
    cmd->add_flag("--json", o->json, "Print JSON instead of a table");
    cmd->add_option("--node", o->node,
                    "A hardware node (name in hardware/nodes, or a path to a node .json): list "
                    "its devices (memory tiers, peaks, power), links and transfer modes");
    cmd->add_option("--hardware", o->hardware,
                    "Directory of hardware profiles (default: $MEMPIPE_HARDWARE, else the "
                    "checkout's or installation's hardware/)");
    cmd->add_flag("--sources", o->sources, "With --node: the source of every constant");
    cmd->add_flag("--list-nodes", o->list_nodes, "List the known hardware nodes");
    cmd->add_flag("--constants-table", o->constants_md,
                  "Print the markdown table of every profile constant and its source (the "
                  "table of docs/hardware.md)");
    cmd->callback([o] {
        const bool hw = !o->node.empty() || o->list_nodes || o->constants_md;
        MEMPIPE_CHECK_ARG(hw || (!o->sources && o->hardware.empty()),
                          "--sources and --hardware need --node, --list-nodes or "
                          "--constants-table");
        MEMPIPE_CHECK_ARG(int(!o->node.empty()) + int(o->list_nodes) + int(o->constants_md) <= 1,
                          "use one of --node, --list-nodes and --constants-table");
        if (!hw) return print_local_devices(o->json);
        const std::string dir = find_hardware_dir(o->hardware);
        if (o->constants_md) {
            std::cout << hardware_constants_markdown(dir);
            return;
        }
        if (o->list_nodes) return print_node_list(dir, o->json);
        print_node(load_node(o->node, dir), *o);
    });
}

}  // namespace mempipe::cli
