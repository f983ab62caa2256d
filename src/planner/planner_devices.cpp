// The planner's devices: the Device each node device is costed on, its memory pools, and the
// routes of copies between devices (src/planner/planner_model.h).
#include <fmt/format.h>

#include <algorithm>

#include "mempipe/core/error.h"
#include "mempipe/devices/fpga/fpga_config.h"
#include "mempipe/devices/fpga/fpga_device.h"
#include "mempipe/devices/modelled.h"
#include "planner/plan_text.h"
#include "planner/planner_model.h"

namespace mempipe {

std::unique_ptr<Device> make_planner_device(const NodeDevice& d) {
    if (d.profile.kind == HardwareKind::Fpga)
        return std::make_unique<fpga::FpgaDevice>(fpga::fpga_config_from_profile(d.profile), d.id);
    return std::make_unique<ModelledDevice>(d.profile, d.id);
}

}  // namespace mempipe

namespace mempipe::planner_detail {

using plan_text::join;

void Model::build_slots() {
    const std::vector<std::string> ids = node_.device_ids();
    for (const std::string& d : options_.devices)
        if (std::find(ids.begin(), ids.end(), d) == ids.end())
            usage_error("place: node '{}' has no device '{}' to place on; its devices: {}",
                        node_.name, d, join(ids, ", "));
    for (const std::string& id : ids) {
        const NodeDevice& nd = node_.device(id);
        Slot s;
        s.id = id;
        s.profile = &nd.profile;
        s.device = make_planner_device(nd);
        s.fpga = nd.profile.kind == HardwareKind::Fpga;
        s.placeable = options_.devices.empty() ||
                      std::find(options_.devices.begin(), options_.devices.end(), id) !=
                          options_.devices.end();
        s.powered = s.placeable || id == node_.host.id;
        if (s.fpga) {
            const auto& cfg = static_cast<const fpga::FpgaDevice&>(*s.device).config();
            s.pool_capacity = {cfg.usable_onchip_bytes(), cfg.hbm.capacity_bytes};
            s.pool_name = {"on-chip", "hbm"};
            s.pool_tier = {-1, -1};
        } else {
            const DeviceProfile& p = nd.profile;
            for (TierRole role : {TierRole::OnChip, TierRole::Main, TierRole::Secondary}) {
                std::vector<int> idx;
                for (size_t i = 0; i < p.memory.size(); ++i)
                    if (p.memory[i].role == role) idx.push_back(int(i));
                std::stable_sort(idx.begin(), idx.end(), [&](int a, int b) {
                    return p.memory[size_t(a)].bandwidth_bytes_per_s >
                           p.memory[size_t(b)].bandwidth_bytes_per_s;
                });
                for (int i : idx) {
                    s.pool_capacity.push_back(p.memory[size_t(i)].capacity_bytes);
                    s.pool_name.push_back(p.memory[size_t(i)].name);
                    s.pool_tier.push_back(i);
                }
            }
        }
        MEMPIPE_CHECK_ARG(s.pool_capacity.size() <= size_t(kMaxPools),
                          "place: device '{}' has more than {} memory tiers", id, kMaxPools);
        slots_.push_back(std::move(s));
    }
}

const CopyRoute& Model::route(int producer, int src, int dst) const {
    const size_t S = slots_.size();
    auto& slot = routes_[(size_t(producer) * S + size_t(src)) * S + size_t(dst)];
    if (slot) return *slot;
    const std::string& a = slots_[size_t(src)].id;
    const std::string& b = slots_[size_t(dst)].id;
    const Route r = node_.route(a, b, cands_[size_t(producer)].output_bytes);
    auto cr = std::make_unique<CopyRoute>();
    cr->seconds = r.best.seconds;
    cr->mode = std::string(transfer_mode_name(r.best.mode));
    cr->via = r.best.via;
    cr->why = r.why;
    auto link_index = [&](const NodeLink* l) { return int(l - node_.links.data()); };
    bool nvlink = false;
    auto use = [&](const NodeLink* l, bool forward) {
        cr->resources.push_back(resource(link_index(l), forward));
        nvlink |= l->profile.kind == LinkKind::Nvlink;
    };
    const std::string& host = node_.host.id;
    if (a == host || b == host) {
        const NodeLink* l = node_.host_link(a == host ? b : a);
        use(l, l->a == a);
    } else if (r.best.via.find(" + ") != std::string::npos) {
        const NodeLink* ls = node_.host_link(a);
        const NodeLink* ld = node_.host_link(b);
        use(ls, ls->a == a);
        use(ld, ld->a == host);
    } else {
        for (const NodeLink& l : node_.links)
            if ((l.a == a && l.b == b) || (l.a == b && l.b == a)) {
                use(&l, l.a == a);
                break;
            }
    }
    cr->label = nvlink ? "NVLink" : "PCIe";
    slot = std::move(cr);
    return *slot;
}

}  // namespace mempipe::planner_detail
