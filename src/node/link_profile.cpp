// Link profiles (hardware/links/<name>.json) and the transfer-time models of node/link.h.
#include <algorithm>
#include <filesystem>

#include "mempipe/core/error.h"
#include "mempipe/node/link.h"
#include "node/json_reader.h"

namespace mempipe {

using node_detail::JsonReader;
using node_detail::Range;

namespace {

TransferTable parse_table(const JsonReader& r) {
    r.allow_only({"label", "source", "points"});
    TransferTable t;
    t.label = r.at("label").string();
    t.source = r.at("source").string();
    JsonReader pts = r.at("points");
    const size_t n = pts.array_size();
    if (n < 2) pts.fail("expected at least 2 points [bytes, seconds]");
    for (size_t i = 0; i < n; ++i) {
        JsonReader p = pts.at(i);
        if (p.array_size() != 2) p.fail("expected a point [bytes, seconds]");
        const double b = p.at(0).number(Range::Positive);
        const double s = p.at(1).number(Range::Positive);
        if (!t.bytes.empty() && b <= t.bytes.back())
            p.at(0).fail("expected sizes in strictly increasing order");
        t.bytes.push_back(b);
        t.seconds.push_back(s);
    }
    return t;
}

}  // namespace

std::string_view link_kind_name(LinkKind k) {
    switch (k) {
        case LinkKind::Pcie:
            return "pcie";
        case LinkKind::Nvlink:
            return "nvlink";
        case LinkKind::Measured:
            return "measured";
    }
    return "?";
}

std::string_view transfer_mode_name(TransferMode m) {
    switch (m) {
        case TransferMode::Staged:
            return "staged";
        case TransferMode::Bounce:
            return "bounce";
        case TransferMode::Direct:
            return "direct";
    }
    return "?";
}

TransferMode parse_transfer_mode(std::string_view s) {
    if (s == "staged") return TransferMode::Staged;
    if (s == "bounce") return TransferMode::Bounce;
    if (s == "direct") return TransferMode::Direct;
    usage_error("unknown transfer mode '{}'; expected one of: staged, bounce, direct", s);
}

LinkProfile load_link_profile(const std::string& path) {
    const Json doc = node_detail::parse_json_file(path);
    JsonReader r(doc, path);
    LinkProfile l;
    l.file = path;
    JsonReader name = r.at("name");
    l.name = name.string();
    const std::string stem = std::filesystem::path(path).stem().string();
    if (l.name != stem)
        name.fail("'" + l.name + "' differs from the file name '" + stem +
                  "'; a profile's name must be its file name without .json");
    l.description = r.at("description").string();
    JsonReader kind = r.at("kind");
    const std::string k = kind.string();
    if (k == "measured") {
        r.allow_only({"name", "description", "kind", "mode", "forward", "backward", "notes"});
        l.kind = LinkKind::Measured;
        JsonReader mode = r.at("mode");
        const std::string m = mode.string();
        if (m != "staged" && m != "bounce" && m != "direct")
            mode.fail("unknown transfer mode '" + m + "'; expected one of: staged, bounce, direct");
        l.measured_mode = parse_transfer_mode(m);
        l.forward = parse_table(r.at("forward"));
        l.backward = parse_table(r.at("backward"));
    } else if (k == "pcie" || k == "nvlink") {
        r.allow_only({"name", "description", "kind", "latency_s", "bandwidth_bytes_per_s",
                      "dma_efficiency", "staged_latency_s", "staged_efficiency", "notes"});
        l.kind = k == "pcie" ? LinkKind::Pcie : LinkKind::Nvlink;
        l.latency_s = r.at("latency_s").sourced(Range::NonNegative, l.constants);
        l.bandwidth_bytes_per_s =
            r.at("bandwidth_bytes_per_s").sourced(Range::Positive, l.constants);
        l.dma_efficiency = r.at("dma_efficiency").sourced(Range::Fraction, l.constants);
        // A staged copy goes through pageable host memory over PCIe; NVLink has no staged path.
        if (l.kind == LinkKind::Pcie || r.has("staged_efficiency")) {
            l.staged_latency_s = r.at("staged_latency_s").sourced(Range::NonNegative, l.constants);
            l.staged_efficiency = r.at("staged_efficiency").sourced(Range::Fraction, l.constants);
        } else {
            l.staged_latency_s = l.latency_s;
            l.staged_efficiency = l.dma_efficiency;
        }
    } else {
        kind.fail("unknown link kind '" + k + "'; expected one of: pcie, nvlink, measured");
    }
    if (r.has("notes")) r.at("notes").string();
    return l;
}

double interpolate_table(const TransferTable& t, double bytes) {
    MEMPIPE_CHECK_ARG(t.bytes.size() >= 2 && t.bytes.size() == t.seconds.size(),
                      "interpolate_table: table '{}' needs >= 2 points", t.label);
    MEMPIPE_CHECK_ARG(bytes >= 0, "interpolate_table: bytes must be >= 0, got {}", bytes);
    const auto& x = t.bytes;
    const auto& y = t.seconds;
    if (bytes <= x.front()) return y.front();
    const size_t n = x.size();
    size_t hi = size_t(std::upper_bound(x.begin(), x.end(), bytes) - x.begin());
    if (hi >= n) hi = n - 1;  // beyond the last point: extend the last segment
    const size_t lo = hi - 1;
    const double slope = (y[hi] - y[lo]) / (x[hi] - x[lo]);
    return y[lo] + (bytes - x[lo]) * slope;
}

double hop_seconds(const LinkProfile& link, double bytes, bool staged) {
    MEMPIPE_CHECK_ARG(link.kind != LinkKind::Measured,
                      "hop_seconds: '{}' is a measured table, not a hop model", link.name);
    MEMPIPE_CHECK_ARG(bytes >= 0, "hop_seconds: bytes must be >= 0, got {}", bytes);
    if (staged)
        return link.staged_latency_s +
               bytes / (link.bandwidth_bytes_per_s * link.staged_efficiency);
    return link.latency_s + bytes / (link.bandwidth_bytes_per_s * link.dma_efficiency);
}

double transfer_seconds(const LinkProfile& link, double bytes, TransferMode mode, Direction dir) {
    MEMPIPE_CHECK_ARG(bytes >= 0, "transfer_seconds: bytes must be >= 0, got {}", bytes);
    if (link.kind == LinkKind::Measured) {
        MEMPIPE_CHECK_ARG(mode == link.measured_mode,
                          "link '{}' was measured in {} mode only, not {}", link.name,
                          transfer_mode_name(link.measured_mode), transfer_mode_name(mode));
        return interpolate_table(dir == Direction::Forward ? link.forward : link.backward, bytes);
    }
    if (mode == TransferMode::Direct) return hop_seconds(link, bytes, false);
    return transfer_seconds(link, link, bytes, mode);
}

double transfer_seconds(const LinkProfile& from, const LinkProfile& to, double bytes,
                        TransferMode mode) {
    MEMPIPE_CHECK_ARG(bytes >= 0, "transfer_seconds: bytes must be >= 0, got {}", bytes);
    switch (mode) {
        case TransferMode::Staged:
            return hop_seconds(from, bytes, true) + hop_seconds(to, bytes, true);
        case TransferMode::Bounce:
            return hop_seconds(from, bytes, false) + hop_seconds(to, bytes, false);
        case TransferMode::Direct: {
            const double rate = std::min(from.bandwidth_bytes_per_s * from.dma_efficiency,
                                         to.bandwidth_bytes_per_s * to.dma_efficiency);
            return from.latency_s + to.latency_s + bytes / rate;
        }
    }
    return 0;
}

}  // namespace mempipe
