// bench_top_k: cpu::top_k (k = 2048) vs torch.topk on the same N(0, 1) fp32 row, N = 1M and 8M (+
// ctx.sizes).
#include <algorithm>
#include <filesystem>
#include <set>
#include <vector>

#include "harness.h"
#include "mempipe/core/buffer.h"
#include "mempipe/core/io.h"
#include "mempipe/core/rng.h"
#include "mempipe/ops/top_k.h"

namespace mempipe::bench {

namespace {
constexpr int64_t kTopK = 2048;
}

std::vector<BenchRow> bench_top_k(const BenchContext& ctx) {
    std::vector<int64_t> sizes = {int64_t(1) << 20, int64_t(1) << 23};
    for (int64_t n : ctx.sizes)
        if (n > 0 && std::find(sizes.begin(), sizes.end(), n) == sizes.end()) sizes.push_back(n);
    std::sort(sizes.begin(), sizes.end());
    const MachineLimits& limits = machine_limits(ctx.threads);
    std::vector<BenchRow> rows;
    for (int64_t n : sizes) {
        int64_t k = std::min(kTopK, n);
        Buffer<float> x(static_cast<size_t>(n));
        Rng rng(ctx.seed + uint64_t(n));
        rng.fill_normal(x.span());
        Buffer<float> values(static_cast<size_t>(k));
        Buffer<int32_t> indices(static_cast<size_t>(k));

        BenchRow row;
        row.name = "top_k";
        row.n = n;
        row.ours_s = time_median([&] { cpu::top_k(x.data(), n, k, values.data(), indices.data()); },
                                 ctx.repeats, 2);
        row.roofline_fraction = limits.dram_read_gbs > 0
                                    ? (double(n) * 4.0 / (limits.dram_read_gbs * 1e9)) / row.ours_s
                                    : 0;
        row.limit = "DRAM read " + std::to_string(int(limits.dram_read_gbs + 0.5)) + " GB/s";
        row.extra["k"] = k;
        row.extra["ours_gbs"] = double(n) * 4.0 / row.ours_s / 1e9;

        std::set<int32_t> ours(indices.begin(), indices.end());
        bool checked = false;
        if (ctx.run_peers) {
            std::string xpath = (std::filesystem::path(ctx.work_dir) / "x.npy").string();
            write_npy(xpath, DType::F32, {n}, x.data());
            PeerResult peer = run_peer(ctx, "top_k.py", {"--k", std::to_string(k)});
            if (peer.ok) {
                row.peer_s = peer.median_s;
                row.peer = "torch.topk(sorted=True)";
                NpyArray pi =
                    read_npy((std::filesystem::path(ctx.work_dir) / "peer_indices.npy").string());
                std::set<int32_t> theirs;
                const auto* p = reinterpret_cast<const int64_t*>(pi.data.data());
                for (size_t i = 0; i < pi.data.size() / 8; ++i) theirs.insert(int32_t(p[i]));
                // Random normal values have no ties at rank k in practice: the sets must agree.
                row.extra["index_sets_equal_peer"] = theirs == ours;
                checked = true;
            } else {
                row.extra["peer_error"] = peer.error;
            }
            std::filesystem::remove(xpath);
        }
        if (!checked) {
            Buffer<float> rv(static_cast<size_t>(k));
            Buffer<int32_t> ri(static_cast<size_t>(k));
            ref::top_k(x.data(), n, k, rv.data(), ri.data());
            row.extra["exact_vs_reference"] = std::equal(ri.begin(), ri.end(), indices.begin());
        }
        rows.push_back(std::move(row));
    }
    return rows;
}

}  // namespace mempipe::bench
