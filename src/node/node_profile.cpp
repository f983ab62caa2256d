// Nodes (hardware/nodes/<name>.json): loading, device lookup and transfer routing.
#include <algorithm>
#include <filesystem>

#include "mempipe/core/error.h"
#include "mempipe/node/hardware.h"
#include "mempipe/node/link.h"
#include "node/json_reader.h"
#include "node/units.h"

namespace mempipe {

using node_detail::JsonReader;

namespace fs = std::filesystem;

namespace {

constexpr const char* kHostId = "host";

bool is_path(const std::string& s) {
    return s.find('/') != std::string::npos ||
           (s.size() > 5 && s.compare(s.size() - 5, 5, ".json") == 0);
}

std::string join(const std::vector<std::string>& v) {
    std::string out;
    for (const std::string& s : v) out += (out.empty() ? "" : ", ") + s;
    return out;
}

// Loads <dir>/<sub>/<name>.json, or fails at `where` naming the known profiles.
template <class Loader>
auto load_named(const JsonReader& where, const std::string& dir, const char* sub,
                const std::vector<std::string>& known, Loader load) {
    const std::string name = where.string();
    if (std::find(known.begin(), known.end(), name) == known.end())
        where.fail("unknown " + std::string(sub) + " profile '" + name + "' (no " + dir + "/" +
                   sub + "/" + name + ".json); known: " + join(known));
    return load(dir + "/" + sub + "/" + name + ".json");
}

}  // namespace

HardwareNode load_node(const std::string& name_or_path, const std::string& hardware_dir) {
    std::string path = name_or_path;
    if (!is_path(name_or_path)) {
        const std::vector<std::string> nodes = list_nodes(hardware_dir);
        if (std::find(nodes.begin(), nodes.end(), name_or_path) == nodes.end())
            usage_error("unknown node '{}'; known nodes (in {}/nodes): {}", name_or_path,
                        hardware_dir, nodes.empty() ? std::string("none") : join(nodes));
        path = hardware_dir + "/nodes/" + name_or_path + ".json";
    } else if (!fs::exists(path)) {
        usage_error("node file '{}' does not exist", path);
    }
    const Json doc = node_detail::parse_json_file(path);
    JsonReader r(doc, path);
    r.allow_only(
        {"name", "description", "source", "host", "devices", "links", "transfer_modes", "notes"});
    HardwareNode n;
    n.file = path;
    JsonReader name = r.at("name");
    n.name = name.string();
    const std::string stem = fs::path(path).stem().string();
    if (n.name != stem)
        name.fail("'" + n.name + "' differs from the file name '" + stem +
                  "'; a node's name must be its file name without .json");
    n.description = r.at("description").string();
    n.source = r.at("source").string();
    if (r.has("notes")) r.at("notes").string();

    const std::vector<std::string> known_devices = list_devices(hardware_dir);
    const std::vector<std::string> known_links = list_links(hardware_dir);
    n.host.id = kHostId;
    n.host.profile =
        load_named(r.at("host"), hardware_dir, "devices", known_devices, load_device_profile);
    if (n.host.profile.kind != HardwareKind::Cpu)
        r.at("host").fail("the host must be a cpu profile, '" + n.host.profile.name + "' is a " +
                          std::string(hardware_kind_name(n.host.profile.kind)));

    JsonReader devs = r.at("devices");
    for (size_t i = 0; i < devs.array_size(); ++i) {
        JsonReader d = devs.at(i);
        d.allow_only({"id", "profile"});
        NodeDevice nd;
        JsonReader id = d.at("id");
        nd.id = id.string();
        if (nd.id == kHostId) id.fail("'host' is reserved for the node's host");
        if (nd.id.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-_") != std::string::npos)
            id.fail("expected lowercase letters, digits, '-' or '_'");
        for (const NodeDevice& o : n.devices)
            if (o.id == nd.id) id.fail("duplicate device id '" + nd.id + "'");
        nd.profile = load_named(d.at("profile"), hardware_dir, "devices", known_devices,
                                load_device_profile);
        n.devices.push_back(std::move(nd));
    }

    const std::vector<std::string> ids = n.device_ids();
    JsonReader links = r.at("links");
    for (size_t i = 0; i < links.array_size(); ++i) {
        JsonReader l = links.at(i);
        l.allow_only({"between", "link", "modes"});
        JsonReader between = l.at("between");
        if (between.array_size() != 2) between.fail("expected two device ids [a, b]");
        NodeLink nl;
        nl.a = between.at(0).string();
        nl.b = between.at(1).string();
        for (size_t e = 0; e < 2; ++e) {
            const std::string& end = e == 0 ? nl.a : nl.b;
            if (std::find(ids.begin(), ids.end(), end) == ids.end())
                between.at(e).fail("unknown device '" + end + "'; this node has: " + join(ids));
        }
        if (nl.a == nl.b) between.fail("a link joins two different devices");
        nl.profile =
            load_named(l.at("link"), hardware_dir, "links", known_links, load_link_profile);
        const bool to_host = nl.a == kHostId || nl.b == kHostId;
        if (to_host) {
            if (nl.profile.kind == LinkKind::Measured)
                l.at("link").fail("a host link needs a hop model (pcie or nvlink), not a table");
            if (l.has("modes")) l.at("modes").fail("host links carry direct DMA only; drop modes");
            for (const NodeLink& o : n.links) {
                const std::string& dev = nl.a == kHostId ? nl.b : nl.a;
                if ((o.a == kHostId && o.b == dev) || (o.b == kHostId && o.a == dev))
                    between.fail("device '" + dev + "' already has a host link");
            }
            nl.modes = {TransferMode::Direct};
        } else {
            JsonReader modes = l.at("modes");
            if (modes.array_size() == 0) modes.fail("expected at least one transfer mode");
            for (size_t m = 0; m < modes.array_size(); ++m) {
                JsonReader mr = modes.at(m);
                const std::string s = mr.string();
                if (s != "staged" && s != "bounce" && s != "direct")
                    mr.fail("unknown transfer mode '" + s +
                            "'; expected one of: staged, bounce, direct");
                const TransferMode mode = parse_transfer_mode(s);
                if (nl.profile.kind == LinkKind::Measured && mode != nl.profile.measured_mode)
                    mr.fail("link '" + nl.profile.name + "' was measured in " +
                            std::string(transfer_mode_name(nl.profile.measured_mode)) +
                            " mode only");
                if (nl.profile.kind != LinkKind::Measured && mode != TransferMode::Direct)
                    mr.fail("a device-to-device " + std::string(link_kind_name(nl.profile.kind)) +
                            " link carries direct transfers only");
                nl.modes.push_back(mode);
            }
        }
        n.links.push_back(std::move(nl));
    }
    for (const NodeDevice& d : n.devices)
        if (!n.host_link(d.id))
            links.fail("device '" + d.id + "' has no link to the host; add {\"between\": " +
                       "[\"host\", \"" + d.id + "\"], \"link\": \"pcie-gen4-x16\"}");

    JsonReader modes = r.at("transfer_modes");
    for (size_t m = 0; m < modes.array_size(); ++m) {
        JsonReader mr = modes.at(m);
        const std::string s = mr.string();
        if (s != "staged" && s != "bounce" && s != "direct")
            mr.fail("unknown transfer mode '" + s + "'; expected one of: staged, bounce, direct");
        n.transfer_modes.push_back(parse_transfer_mode(s));
    }
    return n;
}

std::vector<std::string> HardwareNode::device_ids() const {
    std::vector<std::string> ids = {host.id};
    for (const NodeDevice& d : devices) ids.push_back(d.id);
    return ids;
}

const NodeDevice& HardwareNode::device(std::string_view id) const {
    if (id == host.id) return host;
    for (const NodeDevice& d : devices)
        if (d.id == id) return d;
    usage_error("node '{}' has no device '{}'; its devices: {}", name, id, join(device_ids()));
}

const NodeLink* HardwareNode::host_link(std::string_view id) const {
    if (id == host.id) return nullptr;
    for (const NodeLink& l : links)
        if ((l.a == host.id && l.b == id) || (l.b == host.id && l.a == id)) return &l;
    return nullptr;
}

Route HardwareNode::route(std::string_view src, std::string_view dst, double bytes) const {
    MEMPIPE_CHECK_ARG(bytes >= 0, "route: bytes must be >= 0, got {}", bytes);
    device(src);
    device(dst);
    Route r;
    r.src = src;
    r.dst = dst;
    r.bytes = bytes;
    if (src == dst) {
        r.local = true;
        r.best = {TransferMode::Direct, 0.0, "local"};
        r.options = {r.best};
        r.why = "same device: nothing moves";
        return r;
    }
    if (src == host.id || dst == host.id) {
        const NodeLink* l = host_link(src == host.id ? dst : src);
        r.options.push_back(
            {TransferMode::Direct, hop_seconds(l->profile, bytes, false), l->profile.name});
    } else {
        const NodeLink* ls = host_link(src);
        const NodeLink* ld = host_link(dst);
        for (TransferMode m : transfer_modes)
            r.options.push_back({m, transfer_seconds(ls->profile, ld->profile, bytes, m),
                                 ls->profile.name + " + " + ld->profile.name});
        for (const NodeLink& l : links) {
            const bool fwd = l.a == src && l.b == dst;
            if (!fwd && !(l.a == dst && l.b == src)) continue;
            for (TransferMode m : l.modes) {
                RouteOption o{m, 0.0, l.profile.name};
                if (l.profile.kind == LinkKind::Measured) {
                    o.seconds = transfer_seconds(l.profile, bytes, m,
                                                 fwd ? Direction::Forward : Direction::Backward);
                    o.via += " (measured)";
                    // A measurement of a mode replaces the model of the same mode.
                    std::erase_if(r.options, [&](const RouteOption& x) {
                        return x.mode == m && x.via.find("(measured)") == std::string::npos;
                    });
                } else {
                    o.seconds = hop_seconds(l.profile, bytes, false);
                }
                r.options.push_back(o);
            }
        }
    }
    if (r.options.empty())
        usage_error(
            "node '{}': no transfer mode joins '{}' and '{}' (transfer_modes is empty and no "
            "link joins them)",
            name, src, dst);
    std::stable_sort(
        r.options.begin(), r.options.end(),
        [](const RouteOption& a, const RouteOption& b) { return a.seconds < b.seconds; });
    r.best = r.options.front();
    r.why = fmt::format("{} {} → {}: {} via {}, {}", node_detail::human_bytes(bytes), src, dst,
                        transfer_mode_name(r.best.mode), r.best.via,
                        node_detail::human_seconds(r.best.seconds));
    for (size_t i = 1; i < r.options.size(); ++i)
        r.why += fmt::format("{} {} via {}, {}", i == 1 ? "; beats" : ";",
                             transfer_mode_name(r.options[i].mode), r.options[i].via,
                             node_detail::human_seconds(r.options[i].seconds));
    return r;
}

}  // namespace mempipe
