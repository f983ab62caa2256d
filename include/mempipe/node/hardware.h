// Hardware profiles: devices, links and nodes described in JSON (`hardware/`), validated on load.
//
// A device profile (hardware/devices/<name>.json) gives a device's memory tiers (capacity,
// bandwidth, ports), its peak operations per second per dtype, clock, kernel-launch overhead, idle
// and active power, and its efficiency per access pattern; FPGA profiles also give their resource
// counts. A link profile (hardware/links/<name>.json) gives a link's latency, bandwidth and
// efficiencies, or a measured table of transfer time against size. A node (hardware/nodes/
// <name>.json) is a host plus accelerators plus the links between them and the transfer modes the
// node supports. Every number in a profile carries its source: `{"value": 1.6e12, "source":
// "AMD MI210 datasheet"}`; a number without one is a load error. Errors name the file, the JSON
// path and what was expected ("hardware/devices/u55c.json: memory[1].bandwidth_bytes_per_s:
// expected a positive number"). The format is documented in docs/hardware.md.
//
// Everything here is a plain value: loading is a pure function of the files, and the planner calls
// const methods only. `link.h` holds the transfer-time models; `devices/modelled.h` turns a device
// profile into a Device that estimates op costs.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "mempipe/core/dtype.h"
#include "mempipe/ops/cost.h"

namespace mempipe {

// One numeric constant of a profile and where it comes from (for `--sources` and docs).
struct ConstantSource {
    std::string path;  // JSON path inside the file, e.g. "memory[0].bandwidth_bytes_per_s"
    double value = 0;
    std::string source;  // datasheet, paper section, memory_fpga.md section or "measured: <cmd>"
};

enum class HardwareKind { Gpu, Fpga, Cpu };
std::string_view hardware_kind_name(HardwareKind k);

// What a memory tier is for, which decides how the modelled device uses it:
//  Main      — the device's main memory (HBM, DRAM); exactly one per device; data lives here.
//  OnChip    — a scratchpad a design can fill and keep across op executions (FPGA BRAM/URAM);
//              filled before main memory, fastest first.
//  Secondary — further off-chip memory used after main (V80 DDR).
//  Cache     — a transparent cache or a per-kernel scratchpad (L2, LDS, SMEM, L3): listed for
//              information, never holds an op's data between executions in the model.
enum class TierRole { Main, OnChip, Secondary, Cache };
std::string_view tier_role_name(TierRole r);

struct MemoryTier {
    std::string name;  // hbm, hbm2e, dram, ddr, bram, uram, lutram, l1, l2, l3, lds, smem
    TierRole role = TierRole::Main;
    double capacity_bytes = 0;
    double bandwidth_bytes_per_s = 0;  // peak, all ports together
    int ports = 0;                     // independent ports/channels; 0 = not given
    double port_width_bits = 0;        // bits per port per cycle; 0 = not given
};

// Fraction of the roofline time a well-written kernel reaches on this device, by access pattern
// (ops/cost.h): t = roofline / efficiency.
struct Efficiency {
    double regular = 1;
    double irregular = 1;
    double data_dependent = 1;
    double of(AccessPattern p) const;
};

// The software the paper's baseline ran on a device, as opposed to the device's roofline: per
// memory-processing op (a node of step Prepare, Relevancy or Retrieval) a framework overhead —
// dispatch, kernel launches and host synchronisation of the catalogue op, which the real software
// issues as several kernels — replacing `launch_overhead_s`, and that software's efficiency per
// access pattern; ops it has no kernel for are refused. Optional ("software" in the JSON);
// `present` false = roofline only. docs/hardware.md and docs/validation.md give the derivations.
struct SoftwareModel {
    bool present = false;
    std::string description;          // "vLLM / TileLang / HIPified LServe kernels on ROCm 6.3"
    double memory_op_overhead_s = 0;  // per memory-processing op
    Efficiency efficiency;            // for memory-processing ops (defaults: the profile's)
    std::vector<std::string> unsupported_ops;  // catalogue ops the software has no kernel for
    bool supports(std::string_view op) const;
};

struct DeviceProfile {
    std::string name;         // file stem: "mi210"
    std::string description;  // "AMD Instinct MI210 (CDNA2, 64 GB HBM2e, PCIe 4.0 x16)"
    std::string file;         // path it was loaded from
    HardwareKind kind = HardwareKind::Gpu;
    double clock_hz = 0;
    std::vector<MemoryTier> memory;  // in file order
    // Peak dense operations per second by compute type: "f32", "bf16", "f16", "fp8", "int8",
    // "int4" (those the device has).
    std::map<std::string, double> peak_ops_per_s;
    double launch_overhead_s = 0;  // per op (kernel launch / XRT run)
    double idle_power_w = 0;       // board power when powered but idle
    double active_power_w = 0;     // board power running memory-bound kernels
    double max_power_w = 0;        // board power limit (TDP): compute-bound kernels approach it
    Efficiency efficiency;
    // FPGA resource counts ("lut", "ff", "dsp", "bram36", "uram"); empty for GPUs and CPUs.
    std::map<std::string, double> resources;
    // FPGA design parameters ("dsa.ip_lanes", "dsa.hbm_ports", "lserve.hbm_ports", …: the
    // parallelism the authors built, fpga_config.h); empty for GPUs and CPUs.
    std::map<std::string, double> design_params;
    SoftwareModel software;                 // the baseline software's model (absent: roofline only)
    std::vector<ConstantSource> constants;  // every number of the file with its source

    const MemoryTier& main_memory() const;
    const MemoryTier* tier(std::string_view name) const;  // nullptr when absent
    // Peak ops/s for an op whose arithmetic runs in `t`, and (in `used`) the compute type that
    // rate belongs to. A type the device lacks runs in the next wider one it has, as real
    // kernels do (an fp8 GEMM on an MI210 upconverts to bf16): fp8 → bf16 → f16 → f32,
    // bf16 ↔ f16 → f32, int8 → f32; I32/I64 integer work runs at the "f32" rate (32-bit integer
    // ALUs issue at the fp32 vector rate on every device profiled here). Every profile has f32.
    double peak_for(DType t, std::string* used = nullptr) const;
    double peak(std::string_view compute_type) const;  // 0 when absent
    // Board energy over `wall_s` seconds of which the device is busy `busy_s` (≤ wall_s):
    // active × busy + idle × (wall − busy) = idle × wall + (active − idle) × busy. Modelled.
    double energy_joules(double busy_s, double wall_s) const;
};

// How a transfer between two devices travels (paper Appendix C, Fig. 15):
//  Staged — runtime memcpy through pageable host DRAM: device → host, then host → device (two
//           copies the CPU drives; the paper's "standard" path).
//  Bounce — P2P via a pinned host buffer: both devices DMA to/from it, two DMA hops that bypass
//           DRAM copies (the paper's configuration).
//  Direct — one DMA between the devices (PCIe peer-to-peer through a switch or root complex, or
//           NVLink). Host ↔ device transfers are Direct DMA over the device's host link.
enum class TransferMode { Staged, Bounce, Direct };
std::string_view transfer_mode_name(TransferMode m);
TransferMode parse_transfer_mode(std::string_view s);  // usage error naming the modes

// A measured transfer-time table for one direction: points sorted by bytes.
struct TransferTable {
    std::string label;                   // "MI210→U55C"
    std::vector<double> bytes, seconds;  // same length ≥ 2, bytes strictly increasing
    std::string source;
};

enum class LinkKind { Pcie, Nvlink, Measured };
std::string_view link_kind_name(LinkKind k);

struct LinkProfile {
    std::string name;  // file stem: "pcie-gen4-x16"
    std::string description;
    std::string file;
    LinkKind kind = LinkKind::Pcie;
    // Pcie / Nvlink: one hop's model.
    double latency_s = 0;              // per DMA hop (descriptor, doorbell, completion)
    double bandwidth_bytes_per_s = 0;  // raw, per direction
    double dma_efficiency = 1;         // fraction of raw bandwidth a DMA engine sustains
    double staged_latency_s = 0;       // per runtime memcpy through pageable host DRAM
    double staged_efficiency = 1;      // fraction of raw bandwidth such a memcpy reaches
    // Measured: the transfer-time tables and the one mode they were measured in.
    TransferMode measured_mode = TransferMode::Bounce;
    TransferTable forward, backward;  // forward = from the node entry's first endpoint
    std::vector<ConstantSource> constants;
};

// A device of a node: its id in the node and its profile.
struct NodeDevice {
    std::string id;  // "mi210", "host"
    DeviceProfile profile;
};

// A link of a node joining two endpoints (device ids; "host" is the host).
struct NodeLink {
    std::string a, b;
    LinkProfile profile;
    std::vector<TransferMode> modes;  // modes this link carries between a and b
};

// The cheapest way to move bytes from one device of a node to another, with what it costs.
struct RouteOption {
    TransferMode mode = TransferMode::Direct;
    double seconds = 0;
    std::string via;  // "pcie-gen4-x16 + pcie-gen3-x16" or the measured link's name
};
struct Route {
    std::string src, dst;
    double bytes = 0;
    bool local = false;  // src == dst: nothing moves
    RouteOption best;
    std::vector<RouteOption> options;  // every available mode, cheapest first
    std::string why;                   // "bounce via mi210-u55c-p2p: 16.3 µs < staged 95 µs"
};

class HardwareNode {
  public:
    std::string name;         // "mi210-u55c"
    std::string description;  // "the paper's node: …"
    std::string file;
    std::string source;               // where the topology comes from
    NodeDevice host;                  // id "host"
    std::vector<NodeDevice> devices;  // accelerators
    std::vector<NodeLink> links;
    std::vector<TransferMode> transfer_modes;  // modes between accelerators through the host

    // The device with this id (host included); usage error naming the ids when absent.
    const NodeDevice& device(std::string_view id) const;
    std::vector<std::string> device_ids() const;  // host first
    // The link joining `id` to the host; nullptr for the host itself or when absent.
    const NodeLink* host_link(std::string_view id) const;
    // Cheapest mode to move `bytes` from `src` to `dst` (ids), and the alternatives. A usage
    // error when an id is unknown or no mode joins them.
    Route route(std::string_view src, std::string_view dst, double bytes) const;
};

// --- loading -----------------------------------------------------------------------------------
DeviceProfile load_device_profile(const std::string& path);
LinkProfile load_link_profile(const std::string& path);
// `name_or_path`: a node name (looked up as <hardware_dir>/nodes/<name>.json) or a path to a node
// file (contains '/' or ends in .json). Device and link profiles named by the node are read from
// <hardware_dir>/devices and <hardware_dir>/links. Usage error naming the known nodes when the
// name is unknown; runtime error naming file, path and expectation when a file is malformed.
HardwareNode load_node(const std::string& name_or_path, const std::string& hardware_dir);

// Names (file stems, sorted) of the profiles in <hardware_dir>/{devices,links,nodes}.
std::vector<std::string> list_devices(const std::string& hardware_dir);
std::vector<std::string> list_links(const std::string& hardware_dir);
std::vector<std::string> list_nodes(const std::string& hardware_dir);

// Where the profiles are: `explicit_dir` if non-empty, else $MEMPIPE_HARDWARE, else the first
// `hardware/` (holding nodes/) found walking up from the executable (a build tree inside the
// checkout), else <prefix>/share/mempipe/hardware next to an installed executable, else walking
// up from the working directory. Usage error saying what was searched when none is found.
std::string find_hardware_dir(const std::string& explicit_dir = "");

// The node with every device's software model removed: each device costed at its roofline (the
// "GPU, roofline model" column of docs/validation.md).
HardwareNode roofline_only(HardwareNode node);

// The markdown table of every constant of every profile under `hardware_dir` (file, path, value,
// source), as docs/hardware.md embeds it; a test keeps the two equal.
std::string hardware_constants_markdown(const std::string& hardware_dir);

}  // namespace mempipe
