// `mempipe devices --node …`: the node's devices, links and modes as a table and as JSON; the
// node list; clear usage errors.
#include <gtest/gtest.h>

#include <string>

#include "mempipe/core/io.h"
#include "support/cli_runner.h"
#include "toy_hardware.h"

namespace {

using mempipe::Json;
using mempipe::testing::run_cli;

TEST(DevicesCli, PaperNodeAsJson) {
    auto r = run_cli("devices --node mi210-u55c --json");
    ASSERT_EQ(r.code, 0) << r.output;
    Json j = Json::parse(r.output);
    EXPECT_EQ(j["node"], "mi210-u55c");
    EXPECT_EQ(j["modelled"], true);
    ASSERT_EQ(j["devices"].size(), 3u);
    int hosts = 0, accelerators = 0;
    for (const Json& d : j["devices"]) {
        hosts += d["role"] == "host";
        accelerators += d["role"] == "accelerator";
        EXPECT_GT(d["memory"][0]["bandwidth_bytes_per_s"].get<double>(), 0);
        EXPECT_FALSE(d.contains("sources"));
    }
    EXPECT_EQ(hosts, 1);
    EXPECT_EQ(accelerators, 2);
    EXPECT_EQ(j["devices"][0]["profile"], "epyc-host");
    EXPECT_EQ(j["devices"][1]["id"], "mi210");
    EXPECT_EQ(j["devices"][2]["kind"], "fpga");
    EXPECT_TRUE(j["devices"][2].contains("resources"));
    ASSERT_EQ(j["links"].size(), 3u);
    EXPECT_EQ(j["links"][2]["kind"], "measured");
    EXPECT_EQ(j["transfer_modes"], Json({"staged", "bounce"}));
    EXPECT_FALSE(j["example_routes_modelled"].empty());
}

TEST(DevicesCli, SourcesOnRequest) {
    auto r = run_cli("devices --node mi210-u55c --json --sources");
    ASSERT_EQ(r.code, 0) << r.output;
    Json j = Json::parse(r.output);
    for (const Json& d : j["devices"]) {
        ASSERT_TRUE(d.contains("sources")) << d["id"];
        for (const Json& s : d["sources"]) EXPECT_FALSE(s["source"].get<std::string>().empty());
    }
    auto t = run_cli("devices --node mi210-u55c --sources");
    ASSERT_EQ(t.code, 0) << t.output;
    EXPECT_NE(t.output.find("Sources:"), std::string::npos);
    EXPECT_NE(t.output.find("paper App. G"), std::string::npos) << t.output;
}

TEST(DevicesCli, TableListsDevicesLinksAndModes) {
    auto r = run_cli("devices --node mi210-u55c");
    ASSERT_EQ(r.code, 0) << r.output;
    for (const char* s : {"| mi210 | gpu |", "| u55c | fpga |", "| host | cpu |", "mi210↔u55c",
                          "mi210-u55c-p2p", "staged, bounce", "modelled"})
        EXPECT_NE(r.output.find(s), std::string::npos) << s << "\n" << r.output;
}

TEST(DevicesCli, ListNodes) {
    auto r = run_cli("devices --list-nodes --json");
    ASSERT_EQ(r.code, 0) << r.output;
    Json j = Json::parse(r.output);
    std::vector<std::string> names;
    for (const Json& n : j) names.push_back(n["name"]);
    for (const char* n : {"mi210-u55c", "a100-u55c", "h100-u55c", "h100-v80", "this-machine"})
        EXPECT_NE(std::find(names.begin(), names.end(), n), names.end()) << n;
}

TEST(DevicesCli, UnknownNodeIsAUsageErrorListingTheKnownOnes) {
    auto r = run_cli("devices --node nosuch");
    EXPECT_EQ(r.code, 2) << r.output;
    EXPECT_NE(r.output.find("unknown node 'nosuch'"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("mi210-u55c"), std::string::npos) << r.output;
}

TEST(DevicesCli, HardwareDirOption) {
    mempipe::testing::ToyHardware hw;
    auto r = run_cli("devices --node toynode --json --hardware " + hw.dir());
    ASSERT_EQ(r.code, 0) << r.output;
    EXPECT_EQ(Json::parse(r.output)["devices"].size(), 3u);
    auto bad = run_cli("devices --node toynode --hardware /nonexistent-mempipe-hw");
    EXPECT_EQ(bad.code, 2) << bad.output;
    EXPECT_NE(bad.output.find("not a hardware directory"), std::string::npos) << bad.output;
    // A malformed profile is reported with its file and JSON path (runtime error, exit 1).
    Json g = mempipe::testing::toy_gpu();
    g["memory"][0]["bandwidth_bytes_per_s"]["value"] = -5;
    hw.write("devices", "toygpu", g);
    auto malformed = run_cli("devices --node toynode --hardware " + hw.dir());
    EXPECT_EQ(malformed.code, 1) << malformed.output;
    EXPECT_NE(malformed.output.find("toygpu.json: memory[0].bandwidth_bytes_per_s: expected a "
                                    "positive number"),
              std::string::npos)
        << malformed.output;
}

TEST(DevicesCli, DefaultIsUnchangedAndFlagsNeedANode) {
    auto r = run_cli("devices");
    ASSERT_EQ(r.code, 0) << r.output;
    EXPECT_NE(r.output.find("cpu0"), std::string::npos) << r.output;
    EXPECT_EQ(run_cli("devices --sources").code, 2);
    EXPECT_EQ(run_cli("devices --node mi210-u55c --list-nodes").code, 2);
}

}  // namespace
