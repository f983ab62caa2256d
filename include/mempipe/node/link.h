// Transfer-time models: how long moving `bytes` over a link takes in each transfer mode.
//
// One DMA hop over a PCIe/NVLink link costs `latency + bytes / (bandwidth × dma_efficiency)`; a
// runtime memcpy through pageable host DRAM costs `staged_latency + bytes / (bandwidth ×
// staged_efficiency)` (the runtime call, pinning and the CPU copy). The modes (paper
// Appendix C, Fig. 15; hardware.h):
//   Direct — one DMA hop;
//   Bounce — two DMA hops through a pinned host buffer, one after the other (the first hop must
//            land before the second starts: the sum, not the max);
//   Staged — two memcpy hops through pageable host DRAM, one after the other.
// A measured link (LinkKind::Measured, e.g. the MI210↔U55C host-jump P2P table of memory_fpga.md
// B3 / paper Fig. 16) answers only for the mode it was measured in: its time is interpolated
// piecewise-linearly in the table. Below the first point the first point's time is used (a
// transfer never costs less than the smallest measured one: the fixed per-transfer cost
// dominates); above the last point the time grows along the last segment's slope (the last
// segment's incremental bandwidth, i.e. the large-transfer plateau).
#pragma once

#include "mempipe/node/hardware.h"

namespace mempipe {

enum class Direction { Forward, Backward };  // for measured tables: from endpoint a to b, or back

// Seconds for one hop of `bytes` over a Pcie/Nvlink link, as a DMA (`staged` false) or a runtime
// memcpy through pageable DRAM (`staged` true). bytes ≥ 0; 0 bytes cost the latency.
double hop_seconds(const LinkProfile& link, double bytes, bool staged);

// Seconds to move `bytes` in `mode` when both hops use the same link (Staged and Bounce: two hops
// over `link`; Direct: one), or the interpolated table of a Measured link (its own mode only: a
// usage error for another mode).
double transfer_seconds(const LinkProfile& link, double bytes, TransferMode mode,
                        Direction dir = Direction::Forward);

// Seconds to move `bytes` from a device on link `from` to a device on link `to` through the
// host: Staged and Bounce are two hops (one over each link), Direct is one DMA whose latency is
// paid on both links and whose rate is the slower link's.
double transfer_seconds(const LinkProfile& from, const LinkProfile& to, double bytes,
                        TransferMode mode);

// Piecewise-linear interpolation in a measured table (see the header comment for the ends).
double interpolate_table(const TransferTable& table, double bytes);

}  // namespace mempipe
