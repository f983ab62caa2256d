// bench_lserve: LServe Relevancy + Retrieval (cpu::page_scores + cpu::page_select) on Llama-3.1-8B
// shapes (hq 32, hkv 8, d 128, logical page 16, page 64, budget 4096; every KV head scored) vs the
// same math in PyTorch, at N = 128K and 1M history tokens (+ ctx.sizes ≥ 128K).
#include <algorithm>
#include <filesystem>
#include <set>
#include <vector>

#include "harness.h"
#include "mempipe/core/buffer.h"
#include "mempipe/core/dtype.h"
#include "mempipe/core/io.h"
#include "mempipe/core/parallel.h"
#include "mempipe/core/rng.h"
#include "mempipe/ops/lserve.h"
#include "methods/recipes.h"

namespace mempipe::bench {

namespace {

// Page statistics [rows × 2 × d] with kmax ≥ kmin: two uniform bf16 fields, ordered per element.
void synth_stats(uint16_t* stats, int64_t rows, int64_t d, uint64_t seed) {
    const int64_t half = rows * d;
    Buffer<uint16_t> a(static_cast<size_t>(half)), b(static_cast<size_t>(half));
    synth_fill_bf16(a.data(), half, seed, 2.0f);
    synth_fill_bf16(b.data(), half, seed + 1, 2.0f);
    parallel_for(rows, 1024, [&](int64_t rb, int64_t re) {
        for (int64_t r = rb; r < re; ++r)
            for (int64_t c = 0; c < d; ++c) {
                float x = bf16_to_f32(a[size_t(r * d + c)]), y = bf16_to_f32(b[size_t(r * d + c)]);
                stats[(r * 2) * d + c] = f32_to_bf16(std::max(x, y));
                stats[(r * 2 + 1) * d + c] = f32_to_bf16(std::min(x, y));
            }
    });
}

std::vector<std::set<int32_t>> page_sets(const int32_t* lists, int64_t hq, int64_t w) {
    std::vector<std::set<int32_t>> out(static_cast<size_t>(hq));
    for (int64_t h = 0; h < hq; ++h)
        for (int64_t i = 0; i < w; ++i)
            if (lists[h * w + i] >= 0) out[size_t(h)].insert(lists[h * w + i]);
    return out;
}

}  // namespace

std::vector<BenchRow> bench_lserve(const BenchContext& ctx) {
    std::vector<int64_t> sizes = {int64_t(1) << 17, int64_t(1) << 20};
    for (int64_t n : ctx.sizes)
        if (n >= (int64_t(1) << 17) && std::find(sizes.begin(), sizes.end(), n) == sizes.end())
            sizes.push_back(n);
    std::sort(sizes.begin(), sizes.end());
    const MachineLimits& limits = machine_limits(ctx.threads);
    const LservePageShape s;  // Llama-3.1-8B defaults
    std::vector<BenchRow> rows;
    for (int64_t history : sizes) {
        const int64_t n_logical = lserve_logical_pages(history, s);
        const int64_t n_phys = (n_logical + s.logical_per_page() - 1) / s.logical_per_page();
        const int64_t stats_elems = s.hkv * n_logical * 2 * s.d;
        Buffer<uint16_t> stats(static_cast<size_t>(stats_elems));
        synth_stats(stats.data(), s.hkv * n_logical, s.d, ctx.seed + uint64_t(history));
        Buffer<float> q(static_cast<size_t>(s.hq * s.d));
        Rng rng(ctx.seed ^ uint64_t(history));
        rng.fill_normal(q.span());
        Buffer<float> scores(static_cast<size_t>(s.hq * n_phys));
        Buffer<int32_t> pages(static_cast<size_t>(s.hq * s.width()));

        BenchRow row;
        row.name = "lserve_page_scores_select";
        row.n = history;
        row.ours_s = time_median(
            [&] {
                cpu::page_scores(q.data(), stats.data(), n_logical, n_logical, s, nullptr,
                                 scores.data());
                cpu::page_select(scores.data(), n_phys, history, s, nullptr, pages.data());
            },
            ctx.repeats, 1);
        const double stat_bytes = double(stats_elems) * 2.0;
        row.roofline_fraction =
            limits.dram_read_gbs > 0 ? (stat_bytes / (limits.dram_read_gbs * 1e9)) / row.ours_s : 0;
        row.limit = "DRAM read " + std::to_string(int(limits.dram_read_gbs + 0.5)) +
                    " GB/s (bf16 page stats)";
        row.extra["stats_mb"] = stat_bytes / 1e6;
        row.extra["ours_gbs"] = stat_bytes / row.ours_s / 1e9;
        row.extra["heads"] = "hq 32 / hkv 8, all KV heads scored";

        if (ctx.run_peers) {
            namespace fs = std::filesystem;
            const std::string qpath = (fs::path(ctx.work_dir) / "q.npy").string();
            const std::string spath = (fs::path(ctx.work_dir) / "stats.npy").string();
            write_npy(qpath, DType::F32, {s.hq, s.d}, q.data());
            write_npy(spath, DType::BF16, {s.hkv, n_logical, 2, s.d}, stats.data());
            const std::vector<std::string> args = {
                "--history", std::to_string(history),        "--page",   std::to_string(s.page),
                "--logical", std::to_string(s.logical_page), "--budget", std::to_string(s.budget)};
            auto sets_match = [&](Json& extra, const char* key) {
                NpyArray pp = read_npy((fs::path(ctx.work_dir) / "peer_pages.npy").string());
                const auto* p = reinterpret_cast<const int32_t*>(pp.data.data());
                auto theirs = page_sets(p, s.hq, int64_t(pp.data.size() / 4) / s.hq);
                auto ours = page_sets(pages.data(), s.hq, s.width());
                int64_t same = 0;
                for (int64_t h = 0; h < s.hq; ++h) same += theirs[size_t(h)] == ours[size_t(h)];
                extra[key] = std::to_string(same) + "/" + std::to_string(s.hq);
            };
            std::vector<std::string> literal = args;
            literal.insert(literal.end(), {"--mode", "literal"});
            PeerResult peer = run_peer(ctx, "lserve.py", literal);
            if (peer.ok) {
                row.peer_s = peer.median_s;
                row.peer = "torch maximum(q*kmax, q*kmin).sum + amax + topk";
                sets_match(row.extra, "heads_same_pages_as_peer");
            } else {
                row.extra["peer_error"] = peer.error;
            }
            std::vector<std::string> identity = args;
            identity.insert(identity.end(), {"--mode", "identity"});
            PeerResult fast = run_peer(ctx, "lserve.py", identity);
            if (fast.ok) {
                row.extra["peer_identity_bmm_s"] = fast.median_s;
                row.extra["speedup_vs_identity_bmm"] = fast.median_s / row.ours_s;
                sets_match(row.extra, "heads_same_pages_as_identity_bmm");
            }
            fs::remove(qpath);
            fs::remove(spath);
        }
        rows.push_back(std::move(row));
    }
    return rows;
}

}  // namespace mempipe::bench
