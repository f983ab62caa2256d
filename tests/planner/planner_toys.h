// Toy nodes and graphs for the planner tests, with numbers chosen for hand computation.
//
// Devices are GPU-kind profiles (roofline, efficiency 1, no launch overhead) unless a test says
// otherwise: t = max(bytes / bandwidth, flops / f32 peak). Links: 1 µs latency, 10 GB/s, DMA
// efficiency 1, so one hop of B bytes takes 1 µs + B / 1e10 s; accelerators talk through a pinned
// host buffer (bounce: two hops), so a copy between them takes 2 · (1 µs + B / 1e10 s).
#pragma once

#include <string>
#include <vector>

#include "mempipe/graph/graph.h"
#include "mempipe/node/hardware.h"
#include "node/toy_hardware.h"

namespace mempipe::testing {

struct ToyDevice {
    std::string name;
    std::string kind = "gpu";
    double bandwidth = 1e11;                   // bytes/s of its main memory
    double capacity = 64e9;                    // bytes of its main memory
    double f32 = 1e12;                         // peak op/s
    double idle = 10, active = 50, max = 100;  // W
    double data_dependent = 1;                 // efficiency of data-dependent ops
    double launch = 0;
};

inline Json toy_device_json(const ToyDevice& d) {
    Json j = {{"name", d.name},
              {"description", "planner toy " + d.name},
              {"kind", d.kind},
              {"clock_hz", sourced(1e9)},
              {"memory",
               {{{"name", d.kind == "cpu" ? "dram" : "hbm"},
                 {"role", "main"},
                 {"capacity_bytes", sourced(d.capacity)},
                 {"bandwidth_bytes_per_s", sourced(d.bandwidth)}}}},
              {"peak_ops_per_s", {{"f32", sourced(d.f32)}}},
              {"launch_overhead_s", sourced(d.launch)},
              {"idle_power_w", sourced(d.idle)},
              {"active_power_w", sourced(d.active)},
              {"max_power_w", sourced(d.max)},
              {"efficiency",
               {{"regular", sourced(1)},
                {"irregular", sourced(1)},
                {"data_dependent", sourced(d.data_dependent)}}}};
    return j;
}

inline Json planner_link_json(const std::string& name) {
    return {{"name", name},
            {"description", "planner toy link"},
            {"kind", "pcie"},
            {"latency_s", sourced(1e-6)},
            {"bandwidth_bytes_per_s", sourced(1e10)},
            {"dma_efficiency", sourced(1)},
            {"staged_latency_s", sourced(1e-5)},
            {"staged_efficiency", sourced(0.1)}};
}

// Writes devices, the link and a node `name` (host + accelerators with the given ids) into `hw`,
// and loads it. Device profile names are <node>-<id>.
inline HardwareNode toy_node(const ToyHardware& hw, const std::string& name, ToyDevice host,
                             std::vector<std::pair<std::string, ToyDevice>> accels) {
    hw.write("links", "plink", planner_link_json("plink"));
    host.name = name + "-host";
    host.kind = "cpu";
    hw.write("devices", host.name, toy_device_json(host));
    Json devices = Json::array(), links = Json::array();
    for (auto& [id, d] : accels) {
        d.name = name + "-" + id;
        if (d.kind == "fpga") {
            Json j = toy_fpga();
            j["name"] = d.name;
            hw.write("devices", d.name, j);
        } else {
            hw.write("devices", d.name, toy_device_json(d));
        }
        devices.push_back({{"id", id}, {"profile", d.name}});
        links.push_back({{"between", {"host", id}}, {"link", "plink"}});
    }
    hw.write("nodes", name,
             {{"name", name},
              {"description", "planner toy node"},
              {"source", "toy"},
              {"host", host.name},
              {"devices", devices},
              {"links", links},
              {"transfer_modes", {"bounce"}}});
    return load_node(name, hw.dir());
}

// The default toy: a slow host (10 GB/s, 100 GFLOP/s), `a` (100 GB/s, 10 TFLOP/s) and `b`
// (400 GB/s, 1 TFLOP/s): memory-bound ops prefer b, compute-bound ones a.
inline HardwareNode duo_node(const ToyHardware& hw, ToyDevice a = {}, ToyDevice b = {}) {
    ToyDevice host;
    host.bandwidth = 1e10;
    host.capacity = 1e11;
    host.f32 = 1e11;
    host.idle = 5;
    host.active = 20;
    host.max = 40;
    a.f32 = 1e13;
    b.bandwidth = 4e11;
    return toy_node(hw, "duo", host, {{"a", a}, {"b", b}});
}

// Graph node helpers.
inline OpNode mem_op(std::string name, std::string op, double bytes_read,
                     std::vector<int> inputs = {}, double output_bytes = 0) {
    OpNode n;
    n.name = std::move(name);
    n.op = std::move(op);
    n.cost.bytes_read = bytes_read;
    n.inputs = std::move(inputs);
    n.output_bytes = output_bytes;
    return n;
}

inline OpNode flop_op(std::string name, std::string op, double flops, std::vector<int> inputs = {},
                      double output_bytes = 0) {
    OpNode n;
    n.name = std::move(name);
    n.op = std::move(op);
    n.cost.flops = flops;
    n.inputs = std::move(inputs);
    n.output_bytes = output_bytes;
    return n;
}

}  // namespace mempipe::testing
