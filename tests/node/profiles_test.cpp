// Hardware profiles: every shipped profile loads and is self-consistent; malformed files give the
// intended message (file, JSON path, what was expected).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "mempipe/core/error.h"
#include "mempipe/node/hardware.h"
#include "toy_hardware.h"

using namespace mempipe;
using mempipe::testing::ToyHardware;

namespace {

// Runs `fn`, expects an mempipe::Error whose message contains every one of `parts`.
template <class Fn>
void expect_error(Fn fn, std::initializer_list<std::string> parts) {
    try {
        fn();
        ADD_FAILURE() << "no error thrown; expected one containing '" << *parts.begin() << "'";
    } catch (const Error& e) {
        for (const std::string& p : parts)
            EXPECT_NE(std::string(e.what()).find(p), std::string::npos)
                << "message: " << e.what() << "\nmissing: " << p;
    }
}

}  // namespace

TEST(HardwareProfiles, EveryShippedProfileLoads) {
    const std::string dir = mempipe::testing::shipped_hardware_dir();
    const auto devices = list_devices(dir);
    for (const char* d : {"mi210", "a100-80gb", "h100-sxm", "h100-pcie", "h200", "u55c", "v80",
                          "epyc-host", "this-machine"})
        EXPECT_NE(std::find(devices.begin(), devices.end(), d), devices.end()) << d;
    for (const std::string& d : devices) {
        DeviceProfile p = load_device_profile(dir + "/devices/" + d + ".json");
        EXPECT_EQ(p.name, d);
        EXPECT_GT(p.main_memory().bandwidth_bytes_per_s, 0) << d;
        EXPECT_GT(p.peak("f32"), 0) << d;
        EXPECT_LE(p.idle_power_w, p.active_power_w) << d;
        EXPECT_LE(p.active_power_w, p.max_power_w) << d;
        EXPECT_FALSE(p.constants.empty()) << d;
        for (const ConstantSource& c : p.constants) EXPECT_FALSE(c.source.empty()) << d << c.path;
        if (p.kind == HardwareKind::Fpga) {
            EXPECT_EQ(p.resources.size(), 5u) << d;
            // On-chip tiers: the bandwidth is ports × width × the kernel clock, as B's cycle model
            // recomputes it.
            for (const MemoryTier& t : p.memory) {
                if (t.role != TierRole::OnChip) continue;
                ASSERT_GT(t.ports, 0) << d << " " << t.name;
                EXPECT_NEAR(t.bandwidth_bytes_per_s, t.ports * t.port_width_bits / 8 * p.clock_hz,
                            1e-9 * t.bandwidth_bytes_per_s)
                    << d << " " << t.name;
            }
        }
    }
    const auto links = list_links(dir);
    for (const char* l : {"pcie-gen3-x8", "pcie-gen3-x16", "pcie-gen4-x8", "pcie-gen4-x16",
                          "pcie-gen5-x8", "pcie-gen5-x16", "nvlink4", "mi210-u55c-p2p"})
        EXPECT_NE(std::find(links.begin(), links.end(), l), links.end()) << l;
    for (const std::string& l : links)
        EXPECT_EQ(load_link_profile(dir + "/links/" + l + ".json").name, l);
    const auto nodes = list_nodes(dir);
    for (const char* n : {"mi210-u55c", "a100-u55c", "h100-u55c", "h100-v80", "this-machine"})
        EXPECT_NE(std::find(nodes.begin(), nodes.end(), n), nodes.end()) << n;
    for (const std::string& n : nodes) {
        HardwareNode node = load_node(n, dir);
        EXPECT_EQ(node.name, n);
        EXPECT_EQ(node.host.profile.kind, HardwareKind::Cpu);
        for (const NodeDevice& d : node.devices) EXPECT_NE(node.host_link(d.id), nullptr) << n;
    }
}

TEST(HardwareProfiles, PaperNodeHasTheMeasuredP2PTable) {
    HardwareNode n = load_node("mi210-u55c", mempipe::testing::shipped_hardware_dir());
    ASSERT_EQ(n.devices.size(), 2u);
    EXPECT_EQ(n.device("mi210").profile.kind, HardwareKind::Gpu);
    EXPECT_EQ(n.device("u55c").profile.kind, HardwareKind::Fpga);
    EXPECT_EQ(n.device("host").profile.name, "epyc-host");
    // memory_fpga.md B3: 1 KB GPU→FPGA 4.7 µs, FPGA→GPU 3.1 µs; 64 MB 15.6 ms / 9.65 ms.
    EXPECT_NEAR(n.route("mi210", "u55c", 1024).best.seconds, 4.67e-6, 0.01e-6);
    EXPECT_NEAR(n.route("u55c", "mi210", 1024).best.seconds, 3.14e-6, 0.01e-6);
    EXPECT_NEAR(n.route("mi210", "u55c", 64.0 * 1024 * 1024).best.seconds, 15.6e-3, 0.05e-3);
    EXPECT_NEAR(n.route("u55c", "mi210", 64.0 * 1024 * 1024).best.seconds, 9.65e-3, 0.01e-3);
    EXPECT_EQ(n.route("mi210", "u55c", 1024).best.mode, TransferMode::Bounce);
}

TEST(HardwareProfiles, ToyProfilesLoad) {
    ToyHardware hw;
    DeviceProfile g = load_device_profile(hw.path("devices", "toygpu"));
    EXPECT_EQ(g.kind, HardwareKind::Gpu);
    EXPECT_EQ(g.main_memory().name, "hbm");
    EXPECT_EQ(g.peak_for(DType::BF16), 4e12);
    std::string used;
    EXPECT_EQ(g.peak_for(DType::FP8E4M3, &used), 4e12);  // no fp8: the bf16 rate
    EXPECT_EQ(used, "bf16");
    EXPECT_EQ(g.peak_for(DType::I8, &used), 1e12);  // no int8: the f32 rate
    EXPECT_EQ(used, "f32");
    EXPECT_EQ(g.peak_for(DType::I32), 1e12);  // integer work at the f32 rate
    EXPECT_EQ(g.efficiency.of(AccessPattern::DataDependent), 0.2);
    HardwareNode n = load_node("toynode", hw.dir());
    EXPECT_EQ(n.device_ids(), (std::vector<std::string>{"host", "gpu", "fpga"}));
    EXPECT_EQ(n.links.size(), 3u);
    HardwareNode by_path = load_node(hw.path("nodes", "toynode"), hw.dir());
    EXPECT_EQ(by_path.name, "toynode");
}

TEST(HardwareProfiles, MissingSourceIsAnError) {
    ToyHardware hw;
    Json j = mempipe::testing::toy_gpu();
    j["memory"][0]["bandwidth_bytes_per_s"] = 1e11;
    const std::string p = hw.write("devices", "toygpu", j);
    expect_error([&] { load_device_profile(p); },
                 {p + ": memory[0].bandwidth_bytes_per_s: missing \"source\""});
    j = mempipe::testing::toy_gpu();
    j["clock_hz"] = {{"value", 1e9}};
    hw.write("devices", "toygpu", j);
    expect_error([&] { load_device_profile(p); }, {"clock_hz: missing \"source\""});
    j["clock_hz"] = {{"value", 1e9}, {"source", ""}};
    hw.write("devices", "toygpu", j);
    expect_error([&] { load_device_profile(p); }, {"clock_hz.source: expected a non-empty string"});
}

TEST(HardwareProfiles, NegativeOrZeroNumbersAreErrors) {
    ToyHardware hw;
    Json j = mempipe::testing::toy_gpu();
    j["memory"][1]["bandwidth_bytes_per_s"]["value"] = -1;
    const std::string p = hw.write("devices", "toygpu", j);
    expect_error([&] { load_device_profile(p); },
                 {p + ": memory[1].bandwidth_bytes_per_s: expected a positive number, got -1"});
    j = mempipe::testing::toy_gpu();
    j["efficiency"]["irregular"]["value"] = 1.5;
    hw.write("devices", "toygpu", j);
    expect_error([&] { load_device_profile(p); },
                 {"efficiency.irregular: expected a fraction in (0, 1], got 1.5"});
    j = mempipe::testing::toy_gpu();
    j["active_power_w"]["value"] = 5;  // below idle
    hw.write("devices", "toygpu", j);
    expect_error([&] { load_device_profile(p); }, {"active_power_w: expected >= idle_power_w"});
}

TEST(HardwareProfiles, UnknownTierRoleFieldAndKindAreErrors) {
    ToyHardware hw;
    Json j = mempipe::testing::toy_gpu();
    j["memory"][0]["name"] = "hmb";
    const std::string p = hw.write("devices", "toygpu", j);
    expect_error([&] { load_device_profile(p); },
                 {"memory[0].name: unknown tier 'hmb'; expected one of: hbm,"});
    j = mempipe::testing::toy_gpu();
    j["memory"][0]["role"] = "cache";  // no main tier left
    hw.write("devices", "toygpu", j);
    expect_error([&] { load_device_profile(p); },
                 {"memory: expected exactly one tier with \"role\": \"main\", found 0"});
    j = mempipe::testing::toy_gpu();
    j["bandwith"] = mempipe::testing::sourced(1);
    hw.write("devices", "toygpu", j);
    expect_error([&] { load_device_profile(p); }, {"bandwith: unknown field; expected one of:"});
    j = mempipe::testing::toy_gpu();
    j["kind"] = "tpu";
    hw.write("devices", "toygpu", j);
    expect_error([&] { load_device_profile(p); }, {"kind: unknown kind 'tpu'"});
    j = mempipe::testing::toy_gpu();
    j["peak_ops_per_s"]["fp4"] = mempipe::testing::sourced(1);
    hw.write("devices", "toygpu", j);
    expect_error([&] { load_device_profile(p); }, {"peak_ops_per_s.fp4: unknown compute type"});
    j = mempipe::testing::toy_gpu();
    j["resources"] = mempipe::testing::toy_fpga()["resources"];
    hw.write("devices", "toygpu", j);
    expect_error([&] { load_device_profile(p); }, {"resources: only FPGA profiles have resources"});
    j = mempipe::testing::toy_fpga();
    j["resources"].erase("uram");
    const std::string pf = hw.write("devices", "toyfpga", j);
    expect_error([&] { load_device_profile(pf); }, {"resources: missing \"uram\""});
}

TEST(HardwareProfiles, WrongTypesAndMissingFieldsAreErrors) {
    ToyHardware hw;
    Json j = mempipe::testing::toy_gpu();
    j["clock_hz"] = "fast";
    const std::string p = hw.write("devices", "toygpu", j);
    expect_error([&] { load_device_profile(p); },
                 {"clock_hz: expected {\"value\": a positive number, \"source\": \"…\"}"});
    j = mempipe::testing::toy_gpu();
    j["memory"][0]["capacity_bytes"]["value"] = "1 GB";
    hw.write("devices", "toygpu", j);
    expect_error([&] { load_device_profile(p); },
                 {"memory[0].capacity_bytes: expected a positive number, got \"1 GB\""});
    j = mempipe::testing::toy_gpu();
    j["memory"] = Json::object();
    hw.write("devices", "toygpu", j);
    expect_error([&] { load_device_profile(p); }, {"memory: expected an array"});
    j = mempipe::testing::toy_gpu();
    j.erase("launch_overhead_s");
    hw.write("devices", "toygpu", j);
    expect_error([&] { load_device_profile(p); }, {"launch_overhead_s: missing (required)"});
    j = mempipe::testing::toy_gpu();
    j["name"] = "other";
    hw.write("devices", "toygpu", j);
    expect_error([&] { load_device_profile(p); }, {"name: 'other' differs from the file name"});
}

TEST(HardwareProfiles, SyntaxErrorNamesTheLine) {
    ToyHardware hw;
    const std::string p = hw.write_text("devices", "toygpu",
                                        "{\n  \"name\": \"toygpu\",\n  \"kind\": \"gpu\"\n"
                                        "  \"clock_hz\": 1\n}\n");
    expect_error([&] { load_device_profile(p); }, {p + ": invalid JSON:", "line 4"});
    expect_error([&] { load_device_profile(hw.path("devices", "absent")); },
                 {"absent.json: cannot open the file"});
}

TEST(HardwareProfiles, BadLinksAreErrors) {
    ToyHardware hw;
    Json l = mempipe::testing::toy_link();
    l["dma_efficiency"]["value"] = 0;
    const std::string p = hw.write("links", "toylink", l);
    expect_error([&] { load_link_profile(p); },
                 {"dma_efficiency: expected a fraction in (0, 1], got 0"});
    Json m = mempipe::testing::toy_measured();
    m["forward"]["points"] = {{1000, 1e-5}, {1000, 2e-5}};
    const std::string pm = hw.write("links", "toyp2p", m);
    expect_error([&] { load_link_profile(pm); },
                 {"forward.points[1][0]: expected sizes in strictly increasing order"});
    m = mempipe::testing::toy_measured();
    m["mode"] = "teleport";
    hw.write("links", "toyp2p", m);
    expect_error([&] { load_link_profile(pm); }, {"mode: unknown transfer mode 'teleport'"});
}

TEST(HardwareProfiles, BadNodesAreErrors) {
    ToyHardware hw;
    Json n = mempipe::testing::toy_node();
    n["links"][0]["between"][1] = "gpu9";
    const std::string p = hw.write("nodes", "toynode", n);
    expect_error(
        [&] { load_node("toynode", hw.dir()); },
        {p + ": links[0].between[1]: unknown device 'gpu9'; this node has: host, gpu, fpga"});
    n = mempipe::testing::toy_node();
    n["devices"][0]["profile"] = "nosuch";
    hw.write("nodes", "toynode", n);
    expect_error(
        [&] { load_node("toynode", hw.dir()); },
        {"devices[0].profile: unknown devices profile 'nosuch'", "known: toycpu, toyfpga"});
    n = mempipe::testing::toy_node();
    n["links"].erase(1);  // the FPGA loses its host link
    hw.write("nodes", "toynode", n);
    expect_error([&] { load_node("toynode", hw.dir()); },
                 {"links: device 'fpga' has no link to the host"});
    n = mempipe::testing::toy_node();
    n["links"][2]["modes"] = {"staged"};  // the table was measured in bounce mode
    hw.write("nodes", "toynode", n);
    expect_error([&] { load_node("toynode", hw.dir()); },
                 {"links[2].modes[0]: link 'toyp2p' was measured in bounce mode only"});
    n = mempipe::testing::toy_node();
    n["host"] = "toygpu";
    hw.write("nodes", "toynode", n);
    expect_error([&] { load_node("toynode", hw.dir()); }, {"host: the host must be a cpu profile"});
    n = mempipe::testing::toy_node();
    n["devices"][1]["id"] = "gpu";
    hw.write("nodes", "toynode", n);
    expect_error([&] { load_node("toynode", hw.dir()); }, {"devices[1].id: duplicate device id"});
}

TEST(HardwareProfiles, UnknownNodeIsAUsageErrorNamingTheKnownOnes) {
    ToyHardware hw;
    try {
        load_node("nosuch", hw.dir());
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Usage);
        EXPECT_NE(std::string(e.what()).find("unknown node 'nosuch'; known nodes"),
                  std::string::npos)
            << e.what();
        EXPECT_NE(std::string(e.what()).find("toynode"), std::string::npos) << e.what();
    }
}

TEST(HardwareProfiles, FindHardwareDir) {
    unsetenv("MEMPIPE_HARDWARE");
    ToyHardware hw;
    EXPECT_EQ(find_hardware_dir(hw.dir()), hw.dir());
    EXPECT_THROW(find_hardware_dir("/nonexistent-mempipe-dir"), Error);
    // From the test binary inside the build tree, the checkout's hardware/ is found.
    EXPECT_EQ(std::filesystem::canonical(find_hardware_dir()).string(),
              mempipe::testing::shipped_hardware_dir());
}

TEST(HardwareProfiles, DocsTableMatchesTheProfiles) {
    // docs/hardware.md embeds the constants table between markers; regenerate it with
    // `mempipe devices --constants-table` when a profile changes.
    const std::string dir = mempipe::testing::shipped_hardware_dir();
    std::ifstream in(dir + "/../docs/hardware.md");
    ASSERT_TRUE(in) << "docs/hardware.md not found";
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string doc = ss.str();
    const std::string begin = "<!-- constants:begin -->\n", end = "<!-- constants:end -->";
    const size_t b = doc.find(begin), e = doc.find(end);
    ASSERT_NE(b, std::string::npos);
    ASSERT_NE(e, std::string::npos);
    EXPECT_EQ(doc.substr(b + begin.size(), e - b - begin.size()), hardware_constants_markdown(dir))
        << "docs/hardware.md is out of date: replace the table between the markers with the "
           "output of `mempipe devices --constants-table`";
}
