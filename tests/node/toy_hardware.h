// Toy hardware profiles for the node tests: a temporary hardware/ directory with a small GPU, a
// small FPGA, a CPU host, links and a node, whose numbers make hand computation easy. Tests edit
// the JSON (nlohmann) before writing it to create malformed variants.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "mempipe/core/io.h"

namespace mempipe::testing {

inline Json sourced(double v) {
    return {{"value", v}, {"source", "toy: chosen for hand computation"}};
}

// GPU: HBM 1 GB at 100 GB/s; f32 1 TFLOP/s, bf16 4 TFLOP/s; launch 10 µs; 10/50/100 W;
// efficiency 0.5 / 0.25 / 0.2.
inline Json toy_gpu() {
    return {{"name", "toygpu"},
            {"description", "toy GPU"},
            {"kind", "gpu"},
            {"clock_hz", sourced(1e9)},
            {"memory",
             {{{"name", "hbm"},
               {"role", "main"},
               {"capacity_bytes", sourced(1e9)},
               {"bandwidth_bytes_per_s", sourced(1e11)}},
              {{"name", "l2"},
               {"role", "cache"},
               {"capacity_bytes", sourced(1e6)},
               {"bandwidth_bytes_per_s", sourced(1e13)}}}},
            {"peak_ops_per_s", {{"f32", sourced(1e12)}, {"bf16", sourced(4e12)}}},
            {"launch_overhead_s", sourced(1e-5)},
            {"idle_power_w", sourced(10)},
            {"active_power_w", sourced(50)},
            {"max_power_w", sourced(100)},
            {"efficiency",
             {{"regular", sourced(0.5)},
              {"irregular", sourced(0.25)},
              {"data_dependent", sourced(0.2)}}}};
}

// FPGA: URAM 1 MB at 1 TB/s (on chip), HBM 1 GB at 100 GB/s; f32 100 GFLOP/s; launch 0;
// 20/30/40 W; efficiency 1 / 1 / 1.
inline Json toy_fpga() {
    return {{"name", "toyfpga"},
            {"description", "toy FPGA"},
            {"kind", "fpga"},
            {"clock_hz", sourced(2.5e8)},
            {"memory",
             {{{"name", "hbm"},
               {"role", "main"},
               {"capacity_bytes", sourced(1e9)},
               {"bandwidth_bytes_per_s", sourced(1e11)},
               {"ports", sourced(4)},
               {"port_width_bits", sourced(256)}},
              {{"name", "uram"},
               {"role", "on_chip"},
               {"capacity_bytes", sourced(1e6)},
               {"bandwidth_bytes_per_s", sourced(1e12)}}}},
            {"peak_ops_per_s", {{"f32", sourced(1e11)}}},
            {"launch_overhead_s", sourced(0)},
            {"idle_power_w", sourced(20)},
            {"active_power_w", sourced(30)},
            {"max_power_w", sourced(40)},
            {"efficiency",
             {{"regular", sourced(1)}, {"irregular", sourced(1)}, {"data_dependent", sourced(1)}}},
            {"resources",
             {{"lut", sourced(1000)},
              {"ff", sourced(2000)},
              {"dsp", sourced(10)},
              {"bram36", sourced(4)},
              {"uram", sourced(2)}}}};
}

inline Json toy_cpu() {
    Json j = toy_gpu();
    j["name"] = "toycpu";
    j["description"] = "toy CPU";
    j["kind"] = "cpu";
    j["memory"] = Json::array({{{"name", "dram"},
                                {"role", "main"},
                                {"capacity_bytes", sourced(1e10)},
                                {"bandwidth_bytes_per_s", sourced(1e10)}}});
    return j;
}

// Link: latency 1 µs, 10 GB/s, DMA 0.5; staged: 10 µs, 0.1.
inline Json toy_link(const std::string& name = "toylink", double bandwidth = 1e10,
                     double latency = 1e-6) {
    return {{"name", name},
            {"description", "toy link"},
            {"kind", "pcie"},
            {"latency_s", sourced(latency)},
            {"bandwidth_bytes_per_s", sourced(bandwidth)},
            {"dma_efficiency", sourced(0.5)},
            {"staged_latency_s", sourced(1e-5)},
            {"staged_efficiency", sourced(0.1)}};
}

// Measured table, bounce mode: forward (1000 B, 10 µs), (2000, 20 µs), (4000, 25 µs); backward
// half of that.
inline Json toy_measured() {
    return {{"name", "toyp2p"},
            {"description", "toy measured P2P"},
            {"kind", "measured"},
            {"mode", "bounce"},
            {"forward",
             {{"label", "gpu→fpga"},
              {"source", "toy"},
              {"points", {{1000, 1e-5}, {2000, 2e-5}, {4000, 2.5e-5}}}}},
            {"backward",
             {{"label", "fpga→gpu"},
              {"source", "toy"},
              {"points", {{1000, 5e-6}, {2000, 1e-5}, {4000, 1.25e-5}}}}}};
}

inline Json toy_node() {
    return {{"name", "toynode"},
            {"description", "toy node"},
            {"source", "toy"},
            {"host", "toycpu"},
            {"devices",
             {{{"id", "gpu"}, {"profile", "toygpu"}}, {{"id", "fpga"}, {"profile", "toyfpga"}}}},
            {"links",
             {{{"between", {"host", "gpu"}}, {"link", "toylink"}},
              {{"between", {"host", "fpga"}}, {"link", "slowlink"}},
              {{"between", {"gpu", "fpga"}}, {"link", "toyp2p"}, {"modes", {"bounce"}}}}},
            {"transfer_modes", {"staged", "bounce"}}};
}

// A temporary hardware/ directory holding the toy profiles; removed on destruction.
class ToyHardware {
  public:
    ToyHardware() {
        char tmpl[] = "/tmp/mempipe_hw_XXXXXX";
        dir_ = mkdtemp(tmpl);
        for (const char* sub : {"devices", "links", "nodes"})
            std::filesystem::create_directories(dir_ + "/" + sub);
        write("devices", "toygpu", toy_gpu());
        write("devices", "toyfpga", toy_fpga());
        write("devices", "toycpu", toy_cpu());
        write("links", "toylink", toy_link());
        write("links", "slowlink", toy_link("slowlink", 5e9, 3e-6));
        write("links", "toyp2p", toy_measured());
        write("nodes", "toynode", toy_node());
    }
    ~ToyHardware() {
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
    ToyHardware(const ToyHardware&) = delete;
    ToyHardware& operator=(const ToyHardware&) = delete;

    const std::string& dir() const { return dir_; }
    std::string path(const std::string& sub, const std::string& name) const {
        return dir_ + "/" + sub + "/" + name + ".json";
    }
    std::string write(const std::string& sub, const std::string& name, const Json& j) const {
        return write_text(sub, name, j.dump(2));
    }
    std::string write_text(const std::string& sub, const std::string& name,
                           const std::string& text) const {
        const std::string p = path(sub, name);
        std::ofstream(p) << text;
        return p;
    }

  private:
    std::string dir_;
};

// The checkout's hardware/ (tests/data/../../hardware).
inline std::string shipped_hardware_dir() {
    return std::filesystem::canonical(std::string(MEMPIPE_TEST_DATA) + "/../../hardware").string();
}

}  // namespace mempipe::testing
