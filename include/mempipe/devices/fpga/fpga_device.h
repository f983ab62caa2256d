// The FPGA device: the dataflow emulator behind the Device interface (devices/device.h).
//
// A node is costed in one of three ways (the first that applies):
//   * bound: `bind(node_name, {shape, run})` attaches the design's shape (and, to execute, a
//     closure that calls the design's `run` on the node's data). `estimate` then evaluates the
//     design's cycle model, `supports` asks the design whether the shape fits (list capacities,
//     HBM capacity), and `run` executes the emulation (outputs bit-exact with the op's reference).
//   * shaped: the node carries its design shape in `OpNode::shape` (a DesignShape, or one of its
//     alternatives such as dsa::Shape): `estimate` and `supports` use the design's cycle model as
//     for a bound node (cost-only graphs, the planner); such a node cannot run (no data).
//   * unbound, for ops with a design (`has_design`): a streaming estimate from the cost signature
//     alone — the op's reads placed over BRAM, URAM and HBM (lower bytes first), compute at the
//     engine's lanes for the cost's dtype, the slower of the two, plus the launch overhead. Such a
//     node cannot run (there is no shape to run the design on): `run` throws.
// Every time returned is modelled (DeviceInfo and CostEstimate::why say so).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "mempipe/devices/device.h"
#include "mempipe/devices/fpga/fpga_config.h"
#include "mempipe/devices/fpga/fused_designs.h"
#include "mempipe/devices/fpga/memagent.h"
#include "mempipe/devices/fpga/memory_context.h"
#include "mempipe/devices/fpga/rag_designs.h"

namespace mempipe::fpga {

using DesignShape = std::variant<dsa::Shape, seer::Shape, lserve::Shape, bm25::Shape, dense::Shape,
                                 mac::Shape, memagent::Shape>;

// The design a shape selects, by name ("dsa_indexer", "seer_gate_select", …).
std::string_view design_name(const DesignShape& s);
// The design's estimate / unsupported reason ("" = supported) with default design parameters.
FpgaEstimate estimate_design(const DesignShape& s, const FpgaConfig& c);
std::string unsupported_design_reason(const DesignShape& s, const FpgaConfig& c);

// The design shape a node carries in OpNode::shape (a DesignShape or one of its alternatives);
// nullopt when it carries none (or something else).
std::optional<DesignShape> node_design_shape(const OpNode& node);

struct FpgaBinding {
    DesignShape shape;
    std::function<void()> run;  // executes the design on the node's data (may be empty)
};

class FpgaDevice final : public Device {
  public:
    explicit FpgaDevice(FpgaConfig config = u55c_config(), std::string id = "fpga0");

    DeviceInfo info() const override;
    bool supports(const OpNode& node) const override;
    CostEstimate estimate(const OpNode& node) const override;
    void run(const OpNode& node) override;

    // Attaches a design invocation to the node named `node_name` (replaces an earlier one).
    void bind(const std::string& node_name, FpgaBinding binding);
    void unbind_all() { bindings_.clear(); }
    // Catalogue ops the device has a design for (bound or cost-estimated).
    static bool has_design(std::string_view op);
    // The cost-signature estimate used for unbound nodes.
    CostEstimate estimate_cost(const OpCost& cost) const;
    // The design's estimate for a shape (bound and shaped nodes): not fitting when the design
    // cannot take the shape, with the reason.
    CostEstimate estimate_shape(const DesignShape& shape) const;

    const FpgaConfig& config() const { return config_; }
    const std::string& id() const { return id_; }

  private:
    FpgaConfig config_;
    std::string id_;
    std::map<std::string, FpgaBinding, std::less<>> bindings_;
};

}  // namespace mempipe::fpga
