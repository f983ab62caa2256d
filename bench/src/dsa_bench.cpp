// bench_dsa_indexer: the DSA lightning indexer + top-2048 (cpu::score_top_k, Faithful and Int8
// paths) vs the PyTorch CPU formulation (bf16 einsum + relu + weighted head sum + × k_scale + topk)
// on identical inputs: 64 heads × 128 dims, keys and query quantised from N(0, 1) rows (the
// near-Gaussian post-Hadamard distribution) by act_quant (ue8m0), N ∈ ctx.sizes. Recall of each
// selection is measured against the exact reference (ref::mqa_relu_logits: int64 dots, f64 head
// sum; ref::top_k), computed here on ctx.threads threads over page-aligned slices.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>
#include <vector>

#include "harness.h"
#include "mempipe/core/buffer.h"
#include "mempipe/core/dtype.h"
#include "mempipe/core/io.h"
#include "mempipe/core/parallel.h"
#include "mempipe/core/rng.h"
#include "mempipe/core/simd.h"
#include "mempipe/ops/dsa.h"
#include "mempipe/ops/nn.h"
#include "mempipe/ops/top_k.h"

namespace mempipe::bench {

namespace {
namespace fs = std::filesystem;
constexpr int64_t kHeads = kDsaHeads;

struct Inputs {
    IndexKeyCache cache;
    std::vector<uint8_t> q8;
    std::vector<float> w;
    explicit Inputs(int64_t n) : cache(n), q8(size_t(kHeads * 128)), w(size_t(kHeads)) {}
};

// Keys and query as the Prepare step produces them: bf16-rounded N(0, 1) rows → act_quant.
void fill_inputs(Inputs& in, int64_t n, uint64_t seed) {
    Rng rng(seed);
    const int64_t chunk = 4096;
    std::vector<float> x(size_t(chunk * 128)), sc(static_cast<size_t>(chunk));
    std::vector<uint8_t> codes(size_t(chunk * 128));
    for (int64_t s0 = 0; s0 < n; s0 += chunk) {
        const int64_t m = std::min(chunk, n - s0);
        for (int64_t i = 0; i < m * 128; ++i) x[size_t(i)] = rng.normal();
        round_bf16(x.data(), m * 128);
        cpu::quant_fp8_block(x.data(), m, 128, codes.data(), sc.data());
        cpu::index_cache_append(in.cache, s0, codes.data(), sc.data(), m);
    }
    std::vector<float> qx(size_t(kHeads * 128)), qs(static_cast<size_t>(kHeads));
    for (float& v : qx) v = rng.normal();
    round_bf16(qx.data(), int64_t(qx.size()));
    cpu::quant_fp8_block(qx.data(), kHeads, 128, in.q8.data(), qs.data());
    for (int64_t h = 0; h < kHeads; ++h)  // weights_proj(x)·64^-0.5·q_scale·128^-0.5
        in.w[size_t(h)] = ((rng.normal() * 0.125f) * qs[size_t(h)]) * float(1.0 / std::sqrt(128.0));
}

// Exact reference selection: ref::mqa_relu_logits on page-aligned slices in parallel, then
// ref::top_k.
std::vector<int32_t> exact_top_k(const Inputs& in, int64_t n, int64_t k) {
    std::vector<float> logits(static_cast<size_t>(n));
    const IndexKeysView all = in.cache.view(n);
    const int64_t slice = 64 * 256;
    parallel_for((n + slice - 1) / slice, 1, [&](int64_t c0, int64_t c1) {
        for (int64_t c = c0; c < c1; ++c) {
            const int64_t s0 = c * slice, len = std::min(slice, n - s0);
            IndexKeysView v{all.pages + (s0 / kIndexPageTokens) * kIndexPageBytes, nullptr, len};
            ref::mqa_relu_logits(in.q8.data(), in.w.data(), v, 1, kHeads, logits.data() + s0);
        }
    });
    std::vector<float> vals(static_cast<size_t>(k));
    std::vector<int32_t> idx(static_cast<size_t>(k));
    ref::top_k(logits.data(), n, k, vals.data(), idx.data());
    return idx;
}

double recall(const std::vector<int32_t>& truth, const int32_t* got, int64_t k) {
    std::set<int32_t> t(truth.begin(), truth.end());
    int64_t hit = 0;
    for (int64_t i = 0; i < k; ++i) hit += int64_t(t.count(got[i]));
    return k > 0 ? double(hit) / double(k) : 1.0;
}

// The peer's inputs: q and k widened exactly to bf16 (bit patterns), weights, k_scale.
void write_peer_inputs(const Inputs& in, int64_t n, const std::string& dir) {
    std::vector<uint16_t> q(in.q8.size());
    for (size_t i = 0; i < q.size(); ++i) q[i] = f32_to_bf16(e4m3_to_f32(in.q8[i]));
    write_npy((fs::path(dir) / "q.npy").string(), DType::BF16, {kHeads, 128}, q.data());
    Buffer<uint16_t> k(size_t(n * 128));
    std::vector<float> ks(static_cast<size_t>(n));
    uint16_t lut[256];
    for (int c = 0; c < 256; ++c)
        lut[c] = (c & 0x7f) == 0x7f ? 0 : f32_to_bf16(e4m3_to_f32(uint8_t(c)));
    for (int64_t s = 0; s < n; ++s) {
        const uint8_t* key = in.cache.key(s);
        for (int d = 0; d < 128; ++d) k[size_t(s * 128 + d)] = lut[key[d]];
        ks[size_t(s)] = in.cache.scale(s);
    }
    write_npy((fs::path(dir) / "k.npy").string(), DType::BF16, {n, 128}, k.data());
    write_npy((fs::path(dir) / "weights.npy").string(), DType::F32, {kHeads}, in.w.data());
    write_npy((fs::path(dir) / "k_scale.npy").string(), DType::F32, {n}, ks.data());
}

void remove_peer_files(const std::string& dir) {
    for (const char* f : {"q.npy", "k.npy", "weights.npy", "k_scale.npy", "peer_indices.npy"}) {
        std::error_code ec;
        fs::remove(fs::path(dir) / f, ec);
    }
}
}  // namespace

std::vector<BenchRow> bench_dsa_indexer(const BenchContext& ctx) {
    std::vector<int64_t> sizes = ctx.sizes;
    if (sizes.empty()) sizes = {4096, 32768, 131072, 1048576};
    const MachineLimits& limits = machine_limits(ctx.threads);
    std::vector<BenchRow> rows;
    for (int64_t n : sizes) {
        if (n <= 0) continue;
        const int64_t k = std::min(kDsaTopK, n);
        Inputs in(n);
        fill_inputs(in, n, ctx.seed + uint64_t(n));
        const IndexKeysView keys = in.cache.view(n);
        std::vector<int32_t> truth = exact_top_k(in, n, k);
        const double flop = 16384.0 * double(n);

        Buffer<int32_t> faithful(static_cast<size_t>(k)), int8(static_cast<size_t>(k));
        BenchRow fr, ir;
        fr.name = "dsa_indexer_topk_bf16";
        ir.name = "dsa_indexer_topk_int8";
        fr.n = ir.n = n;
        fr.ours_s = time_median(
            [&] {
                cpu::score_top_k(in.q8.data(), in.w.data(), keys, 1, kHeads, k, nullptr,
                                 faithful.data(), IndexerPath::Faithful);
            },
            ctx.repeats, 1);
        ir.ours_s = time_median(
            [&] {
                cpu::score_top_k(in.q8.data(), in.w.data(), keys, 1, kHeads, k, nullptr,
                                 int8.data(), IndexerPath::Int8);
            },
            ctx.repeats, 1);
        fr.limit = "bf16 dot " + std::to_string(int(limits.bf16_dot_gflops + 0.5)) + " GFLOP/s";
        ir.limit = "int8 dot " + std::to_string(int(limits.int8_dot_gops + 0.5)) + " GOP/s";
        if (limits.bf16_dot_gflops > 0)
            fr.roofline_fraction = flop / (limits.bf16_dot_gflops * 1e9) / fr.ours_s;
        if (limits.int8_dot_gops > 0)
            ir.roofline_fraction = flop / (limits.int8_dot_gops * 1e9) / ir.ours_s;
        fr.extra["k"] = ir.extra["k"] = k;
        // The kernels run at the active SIMD level (AMX tiles where present: then the vdpbf16ps /
        // vpdpbusd roofline above is not the binding limit, streaming the 132 B/key cache is).
        fr.extra["simd"] = ir.extra["simd"] = std::string(simd_level_name(active_simd_level()));
        if (limits.dram_read_gbs > 0) {
            const double floor_s = 132.0 * double(n) / (limits.dram_read_gbs * 1e9);
            fr.extra["dram_fraction"] = floor_s / fr.ours_s;
            ir.extra["dram_fraction"] = floor_s / ir.ours_s;
        }
        if (active_simd_level() >= SimdLevel::Amx && limits.amx_bf16_gflops > 0) {
            // On AMX the tile-dot peaks, not vdpbf16ps / vpdpbusd, bound the arithmetic.
            fr.extra["amx_bf16_fraction"] = flop / (limits.amx_bf16_gflops * 1e9) / fr.ours_s;
            ir.extra["amx_int8_fraction"] = flop / (limits.amx_int8_gops * 1e9) / ir.ours_s;
        }
        fr.extra["gflops"] = flop / fr.ours_s / 1e9;
        ir.extra["gops"] = flop / ir.ours_s / 1e9;
        fr.extra["recall_vs_exact"] = recall(truth, faithful.data(), k);
        ir.extra["recall_vs_exact"] = recall(truth, int8.data(), k);
        ir.extra["recall_vs_faithful"] =
            recall(std::vector<int32_t>(faithful.begin(), faithful.end()), int8.data(), k);

        if (ctx.run_peers) {
            write_peer_inputs(in, n, ctx.work_dir);
            PeerResult peer = run_peer(ctx, "dsa_indexer.py", {"--k", std::to_string(k)});
            if (peer.ok) {
                fr.peer_s = ir.peer_s = peer.median_s;
                fr.peer = ir.peer = "torch bf16 einsum+relu+weighted sum+topk";
                NpyArray pi = read_npy((fs::path(ctx.work_dir) / "peer_indices.npy").string());
                std::vector<int32_t> theirs;
                const auto* p = reinterpret_cast<const int64_t*>(pi.data.data());
                for (size_t i = 0; i < pi.data.size() / 8; ++i) theirs.push_back(int32_t(p[i]));
                fr.extra["peer_recall_vs_exact"] =
                    recall(truth, theirs.data(), int64_t(theirs.size()));
            } else {
                fr.extra["peer_error"] = ir.extra["peer_error"] = peer.error;
            }
            remove_peer_files(ctx.work_dir);
        }
        rows.push_back(std::move(fr));
        rows.push_back(std::move(ir));
    }
    return rows;
}

}  // namespace mempipe::bench
