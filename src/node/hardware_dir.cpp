// Finding hardware/ (checkout, install, --hardware, $MEMPIPE_HARDWARE), listing its profiles, and
// the constants table of docs/hardware.md.
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string_view>

#include "mempipe/core/error.h"
#include "mempipe/node/hardware.h"

namespace mempipe {

namespace fs = std::filesystem;

namespace {

bool is_hardware_dir(const fs::path& p) {
    std::error_code ec;
    return fs::is_directory(p / "nodes", ec) || fs::is_directory(p / "devices", ec);
}

// Walks up from `start` looking for <dir>/hardware or <dir>/share/mempipe/hardware.
std::string walk_up(fs::path start) {
    for (fs::path p = start; !p.empty(); p = p.parent_path()) {
        if (is_hardware_dir(p / "hardware")) return (p / "hardware").string();
        if (is_hardware_dir(p / "share" / "mempipe" / "hardware"))
            return (p / "share" / "mempipe" / "hardware").string();
        if (p == p.parent_path()) break;
    }
    return "";
}

std::vector<std::string> list_stems(const std::string& dir, const char* sub) {
    std::vector<std::string> out;
    std::error_code ec;
    fs::directory_iterator it(fs::path(dir) / sub, ec), end;
    if (ec) return out;
    for (; it != end; it.increment(ec)) {
        if (ec) break;
        if (it->path().extension() == ".json") out.push_back(it->path().stem().string());
    }
    std::sort(out.begin(), out.end());
    return out;
}

void append(std::string& s, std::string_view sep, std::string_view x) {
    if (!s.empty()) s += sep;
    s += x;
}

std::string cell(std::string s) {
    std::string out;
    for (char c : s) {
        if (c == '|')
            out += "\\|";
        else if (c == '\n')
            out += ' ';
        else
            out += c;
    }
    return out;
}

void constant_rows(std::string& md, const std::string& profile,
                   const std::vector<ConstantSource>& constants) {
    for (const ConstantSource& c : constants)
        md +=
            fmt::format("| {} | `{}` | {:.6g} | {} |\n", profile, c.path, c.value, cell(c.source));
}

}  // namespace

std::string find_hardware_dir(const std::string& explicit_dir) {
    if (!explicit_dir.empty()) {
        if (!is_hardware_dir(explicit_dir))
            usage_error(
                "--hardware {}: not a hardware directory (expected devices/ and nodes/ "
                "inside)",
                explicit_dir);
        return explicit_dir;
    }
    if (const char* env = std::getenv("MEMPIPE_HARDWARE"); env && *env) {
        if (!is_hardware_dir(env))
            usage_error(
                "MEMPIPE_HARDWARE={}: not a hardware directory (expected devices/ and "
                "nodes/ inside)",
                env);
        return env;
    }
    std::error_code ec;
    fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec)
        if (std::string d = walk_up(exe.parent_path()); !d.empty()) return d;
    fs::path cwd = fs::current_path(ec);
    if (!ec)
        if (std::string d = walk_up(cwd); !d.empty()) return d;
    usage_error(
        "hardware profiles not found: searched hardware/ and share/mempipe/hardware above the "
        "executable and the working directory; pass --hardware DIR or set MEMPIPE_HARDWARE");
}

std::vector<std::string> list_devices(const std::string& dir) {
    return list_stems(dir, "devices");
}
std::vector<std::string> list_links(const std::string& dir) {
    return list_stems(dir, "links");
}
std::vector<std::string> list_nodes(const std::string& dir) {
    return list_stems(dir, "nodes");
}

std::string hardware_constants_markdown(const std::string& dir) {
    std::string md;
    md += "### Device constants\n\n| device | field | value | source |\n|---|---|---:|---|\n";
    for (const std::string& d : list_devices(dir))
        constant_rows(md, d, load_device_profile(dir + "/devices/" + d + ".json").constants);
    md += "\n### Link constants\n\n| link | field | value | source |\n|---|---|---:|---|\n";
    for (const std::string& l : list_links(dir)) {
        LinkProfile p = load_link_profile(dir + "/links/" + l + ".json");
        constant_rows(md, l, p.constants);
        if (p.kind == LinkKind::Measured) {
            for (const TransferTable* t : {&p.forward, &p.backward}) {
                std::string pts;
                for (size_t i = 0; i < t->bytes.size(); ++i)
                    pts += fmt::format("{}{:.6g} B: {:.4g} µs", i ? ", " : "", t->bytes[i],
                                       t->seconds[i] * 1e6);
                md += fmt::format("| {} | `{}` ({} mode) | {} | {} |\n", l, cell(t->label),
                                  transfer_mode_name(p.measured_mode), pts, cell(t->source));
            }
        }
    }
    md +=
        "\n### Nodes\n\n| node | host | accelerators | links | modes via host | source |\n"
        "|---|---|---|---|---|---|\n";
    for (const std::string& n : list_nodes(dir)) {
        HardwareNode node = load_node(n, dir);
        std::string devs, links, modes;
        for (const NodeDevice& d : node.devices)
            append(devs, ", ", d.id + " (" + d.profile.name + ")");
        for (const NodeLink& l : node.links) {
            std::string m;
            for (TransferMode x : l.modes) append(m, "/", transfer_mode_name(x));
            append(links, "; ", l.a + "↔" + l.b + ": " + l.profile.name + " [" + m + "]");
        }
        for (TransferMode x : node.transfer_modes) append(modes, ", ", transfer_mode_name(x));
        md += fmt::format("| {} | {} | {} | {} | {} | {} |\n", n, node.host.profile.name,
                          devs.empty() ? "—" : devs, links.empty() ? "—" : links,
                          modes.empty() ? "—" : modes, cell(node.source));
    }
    return md;
}

}  // namespace mempipe
