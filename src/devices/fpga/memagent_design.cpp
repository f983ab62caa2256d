// The MemAgent decode engine (Fig. 18) on the emulator: a linear engine (int4 weights streamed
// from HBM), an attention engine (fp32 over the bf16 KV cache in HBM) and special-function units,
// scheduled one after another per layer; plus its cycle model.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <memory>
#include <vector>

#include "common_stages.h"
#include "memagent_internal.h"
#include "mempipe/core/dtype.h"
#include "mempipe/ops/nn.h"

namespace mempipe::fpga::memagent {
namespace {

constexpr int64_t kMaxIn = 32768;     // emulation row buffer of the linear engine
constexpr int64_t kMaxGroups = 2048;  // scales per row
constexpr int64_t kMaxHeadDim = 256;
constexpr double kFmaLatency = 3;  // memory_fpga.md B1: fmadd latency 3
constexpr double kExpLatency = 7;  // memory_fpga.md B1: fexp latency 7

// ---- cycle model -------------------------------------------------------------------------------

StageTiming linear_timing(const char* name, double in, double out, double batch, double group,
                          double lanes, const FpgaConfig& c, int64_t ports) {
    const double bytes = in * out * (0.5 + 4.0 / group);
    StageTiming t{
        name,
        batch * in * out,
        1,
        lanes,
        kFmaLatency * (1 + std::ceil(std::log2(std::max(in, 2.0)))) + c.hbm.latency_cycles,
        0,
        {{MemTier::Hbm, bytes, ports, 0}}};
    return t;
}
StageTiming sfu_timing(const char* name, double elements, double lanes, double depth) {
    return {name, elements, 1, lanes, depth, 0, {}};
}

FpgaEstimate model(const Shape& s, const FpgaConfig& c, const EngineParams& p) {
    const double B = double(s.batch), d = double(s.d), hd = double(s.head_dim);
    const double qd = double(s.hq) * hd, kd = double(s.hkv) * hd, ffn = double(s.ffn);
    const double L = double(s.context + 1), G = double(s.group);
    const double ll = double(p.linear_lanes > 0 ? p.linear_lanes : c.default_lanes(MacType::Int4));
    const double al = double(p.attn_lanes > 0 ? p.attn_lanes : c.default_lanes(MacType::Fp32));
    const double sl = p.sfu_lanes;
    const int64_t ports = p.hbm_ports;
    std::vector<RegionReport> layer;
    auto region = [&](const char* name, std::initializer_list<StageTiming> st) {
        std::vector<StageTiming> v(st);
        layer.push_back(model_region(name, v, c));
    };
    region("attn_norm", {sfu_timing("rms_norm", 2 * B * d, sl, 12)});
    region("qkv_proj", {linear_timing("qkv_int4", d, qd + 2 * kd, B, G, ll, c, ports)});
    region("rope", {sfu_timing("rope", B * (qd + kd), sl, 8)});
    // Attention: q·K then p·V over the B sequences' own caches (bf16, from HBM). A loader moves
    // as many head_dim rows per cycle as its HBM ports deliver; exp runs once per score (the
    // probabilities stay in the on-chip buffer for p·V).
    const double kv_bytes = B * L * kd * 2.0, row_bytes = hd * 2.0;
    const double rows_per_cycle =
        std::max(1.0, std::floor(c.hbm.bytes_per_cycle(ports) / row_bytes));
    region("attention_qk",
           {StageTiming{"k_loader",
                        B * L * double(s.hkv),
                        1,
                        rows_per_cycle,
                        c.hbm.latency_cycles + 2,
                        0,
                        {{MemTier::Hbm, kv_bytes, ports, 0}}},
            StageTiming{"qk", B * L * qd, 1, al, kFmaLatency * (1 + std::log2(hd)), 0, {}}});
    region("softmax", {sfu_timing("exp_sum", B * L * double(s.hq), sl, kExpLatency + kFmaLatency)});
    region("attention_pv", {StageTiming{"v_loader",
                                        B * L * double(s.hkv),
                                        1,
                                        rows_per_cycle,
                                        c.hbm.latency_cycles + 2,
                                        0,
                                        {{MemTier::Hbm, kv_bytes + B * 2 * kd * 2.0, ports, 0}}},
                            StageTiming{"pv", B * L * qd, 1, al, kFmaLatency + 2, 0, {}}});
    region("o_proj", {linear_timing("o_int4", qd, d, B, G, ll, c, ports)});
    region("ffn_norm", {sfu_timing("residual_rms_norm", 3 * B * d, sl, 12)});
    region("gate_up", {linear_timing("gate_up_int4", d, 2 * ffn, B, G, ll, c, ports)});
    region("swiglu", {sfu_timing("swiglu", B * ffn, sl, kExpLatency + 6)});
    region("down_proj", {linear_timing("down_int4", ffn, d, B, G, ll, c, ports)});
    region("residual", {sfu_timing("residual", B * d, sl, 2)});
    // Layers repeat the same regions.
    for (RegionReport& r : layer) {
        r.steady_cycles *= double(s.layers);
        r.fill_drain_cycles *= double(s.layers);
        r.cycles *= double(s.layers);
        for (StageReport& st : r.stages) st.interval *= double(s.layers);
        r.name = fmt::format("{} ×{}", r.name, s.layers);
    }
    const std::vector<StageTiming> head = {
        sfu_timing("final_norm", 2 * B * d, sl, 12),
        linear_timing("lm_head_int4", d, double(s.vocab), B, G, ll, c, ports)};
    layer.push_back(model_region("lm_head", head, c));
    const std::vector<StageTiming> am = {sfu_timing("argmax", B * double(s.vocab), sl, 4)};
    layer.push_back(model_region("argmax", am, c));
    FpgaEstimate e = finish_estimate("memagent_decode", std::move(layer), c);
    const double need = weight_bytes(s) + B * double(s.layers) * L * 2.0 * kd * 2.0;
    e.fits = need <= c.hbm.capacity_bytes;
    e.placement.items[2] = 1;
    e.placement.bytes[2] = need;
    if (!e.fits) e.seconds = INFINITY;
    e.notes.push_back(
        fmt::format("{:.2f} GB int4 weights + {:.2f} GB bf16 KV in HBM; linear "
                    "{:.0f} int4 lanes, attention {:.0f} fp32 lanes, batch {:.0f}",
                    weight_bytes(s) / 1e9, (need - weight_bytes(s)) / 1e9, ll, al, B));
    return e;
}

// ---- functional engines ------------------------------------------------------------------------

struct WRow {
    std::array<int8_t, kMaxIn> w;
    std::array<float, kMaxGroups> s;
};
struct KvRow {
    std::array<uint16_t, kMaxHeadDim> v;
};

// The linear engine: rows of W streamed from HBM, one output per row (f64 fold, i ascending).
void linear_engine(const Int4Linear& m, const float* x, int64_t in, int64_t out, int64_t group,
                   float* y) {
    auto w = std::make_unique<Stream<WRow, 2>>("int4_rows");
    const int64_t groups = in / group;
    fpga::detail::Source loader("weight_loader", *w, out, [&](int64_t o, WRow& t) {
        std::copy_n(m.w + o * in, in, t.w.begin());
        std::copy_n(m.scales + o * groups, groups, t.s.begin());
    });
    int64_t o_in = 0;
    fpga::detail::Sink mac("int4_mac", *w, out, [&](const WRow& t) {
        double acc = 0;
        for (int64_t i = 0; i < in; ++i)
            acc += double(t.w[size_t(i)]) * double(t.s[size_t(i / group)]) * double(x[i]);
        if (m.bias) acc += double(m.bias[o_in]);
        y[o_in++] = float(acc);
    });
    Stage* st[] = {&loader, &mac};
    run_dataflow("memagent_linear", st);
}

// The attention engine for one query head over KV head j of a layer's cache.
void attention_engine(const float* qh, const uint16_t* kc, const uint16_t* vc, int64_t kd,
                      int64_t j, int64_t hd, int64_t pos, std::vector<double>& sc, float* o) {
    Stream<KvRow, 8> krows("k_rows"), vrows("v_rows");
    const double inv_sqrt = 1.0 / std::sqrt(double(hd));
    fpga::detail::Source kl("k_loader", krows, pos + 1, [&](int64_t t, KvRow& r) {
        std::copy_n(kc + t * kd + j * hd, hd, r.v.begin());
    });
    double mx = -INFINITY;
    int64_t t_in = 0;
    fpga::detail::Sink qk("qk", krows, pos + 1, [&](const KvRow& r) {
        double acc = 0;
        for (int64_t e = 0; e < hd; ++e) acc += double(qh[e]) * double(bf16_to_f32(r.v[size_t(e)]));
        sc[size_t(t_in)] = acc * inv_sqrt;
        if (sc[size_t(t_in)] > mx) mx = sc[size_t(t_in)];
        ++t_in;
    });
    Stage* r1[] = {&kl, &qk};
    run_dataflow("memagent_attention_qk", r1);
    double sum = 0;
    for (int64_t t = 0; t <= pos; ++t) sum += std::exp(sc[size_t(t)] - mx);
    std::array<double, kMaxHeadDim> acc{};
    fpga::detail::Source vl("v_loader", vrows, pos + 1, [&](int64_t t, KvRow& r) {
        std::copy_n(vc + t * kd + j * hd, hd, r.v.begin());
    });
    int64_t v_in = 0;
    fpga::detail::Sink pv("pv", vrows, pos + 1, [&](const KvRow& r) {
        const double pt = std::exp(sc[size_t(v_in)] - mx) / sum;
        for (int64_t e = 0; e < hd; ++e) acc[size_t(e)] += pt * double(bf16_to_f32(r.v[size_t(e)]));
        ++v_in;
    });
    Stage* r2[] = {&vl, &pv};
    run_dataflow("memagent_attention_pv", r2);
    for (int64_t e = 0; e < hd; ++e) o[e] = float(acc[size_t(e)]);
}

}  // namespace

std::string unsupported_reason(const Shape& s, const FpgaConfig& c) {
    if (s.d <= 0 || s.layers <= 0 || s.hq <= 0 || s.hkv <= 0 || s.head_dim <= 0 || s.ffn <= 0 ||
        s.vocab <= 0 || s.group <= 0 || s.hq % s.hkv != 0 || s.context < 0 || s.batch < 0)
        return "invalid decoder shape";
    if (!model(s, c, {}).fits)
        return fmt::format("weights + KV of batch {} at {} tokens exceed the HBM capacity", s.batch,
                           s.context + 1);
    return {};
}

FpgaEstimate estimate(const Shape& s, const FpgaConfig& c, const EngineParams& p) {
    check_fpga_config(c);
    detail::check_shape(s, "fpga memagent estimate");
    return model(s, c, p);
}

FpgaEstimate estimate_generation(const Shape& s, int64_t new_tokens, const FpgaConfig& c,
                                 const EngineParams& p) {
    check_fpga_config(c);
    detail::check_shape(s, "fpga memagent estimate_generation");
    MEMPIPE_CHECK_ARG(new_tokens >= 0, "fpga memagent: new_tokens must be ≥ 0, got {}", new_tokens);
    Shape st = s;
    FpgaEstimate total = model(s, c, p);
    if (new_tokens == 0) {
        total.regions.clear();
        return finish_estimate("memagent_generation", {}, c, 0);
    }
    for (int64_t i = 1; i < new_tokens; ++i) {
        st.context = s.context + i;
        FpgaEstimate e = model(st, c, p);
        for (size_t r = 0; r < total.regions.size(); ++r) {
            total.regions[r].steady_cycles += e.regions[r].steady_cycles;
            total.regions[r].fill_drain_cycles += e.regions[r].fill_drain_cycles;
            total.regions[r].cycles += e.regions[r].cycles;
            for (size_t k = 0; k < e.regions[r].stages.size(); ++k)
                total.regions[r].stages[k].interval += e.regions[r].stages[k].interval;
        }
        total.fits = total.fits && e.fits;
    }
    FpgaEstimate out = finish_estimate(
        fmt::format("memagent_generation ({} tokens from {})", new_tokens, s.context),
        std::move(total.regions), c, new_tokens);
    out.fits = total.fits;
    out.placement = model(st, c, p).placement;
    out.notes = total.notes;
    if (!out.fits) out.seconds = INFINITY;
    return out;
}

FpgaEstimate run(const Shape& s, const Weights& w, KvCache& kv, int64_t pos, const float* x,
                 float* logits, int32_t* token, const FpgaConfig& c, const EngineParams& p) {
    check_fpga_config(c);
    detail::check_step(s, w, kv, pos, x, "fpga memagent");
    MEMPIPE_CHECK_ARG(s.batch == 1, "fpga memagent: run decodes one sequence (batch 1), got {}",
                      s.batch);
    MEMPIPE_CHECK_ARG(s.d <= kMaxIn && s.ffn <= kMaxIn && s.hq * s.head_dim <= kMaxIn &&
                          std::max(s.d, s.ffn) / s.group <= kMaxGroups && s.head_dim <= kMaxHeadDim,
                      "fpga memagent: the functional emulation supports d, ffn, hq·head_dim ≤ {}, "
                      "≤ {} scale groups per row and head_dim ≤ {}; use estimate() for larger "
                      "models",
                      kMaxIn, kMaxGroups, kMaxHeadDim);
    const int64_t d = s.d, hd = s.head_dim, qd = detail::q_dim(s), kd = detail::kv_dim(s);
    const int64_t g = s.hq / s.hkv;
    const std::vector<float> inv_freq = rope_inv_freq(hd, s.rope_theta);
    // The global buffer (Fig. 18): activations and partial results on chip.
    std::vector<float> h(x, x + d), a(size_t(d) * 1), q(size_t(qd) * 1), k(size_t(kd) * 1),
        v(size_t(kd) * 1), o(size_t(qd) * 1), t(size_t(d) * 1), gt(size_t(s.ffn) * 1),
        up(size_t(s.ffn) * 1);
    std::vector<double> sc(size_t(pos + 1));
    for (int64_t l = 0; l < s.layers; ++l) {
        const LayerWeights& L = w.layers[l];
        uint16_t* kc = kv.k + l * kv.capacity * kd;
        uint16_t* vc = kv.v + l * kv.capacity * kd;
        mempipe::ref::rms_norm(h.data(), L.attn_norm, a.data(), 1, d, s.eps);  // SFU
        linear_engine(L.q, a.data(), d, qd, s.group, q.data());
        linear_engine(L.k, a.data(), d, kd, s.group, k.data());
        linear_engine(L.v, a.data(), d, kd, s.group, v.data());
        mempipe::ref::rope(q.data(), s.hq, hd, hd, pos, inv_freq.data(), RopeStyle::NeoX);
        mempipe::ref::rope(k.data(), s.hkv, hd, hd, pos, inv_freq.data(), RopeStyle::NeoX);
        for (int64_t e = 0; e < kd; ++e) {  // the new K/V entry written to the HBM cache
            kc[pos * kd + e] = f32_to_bf16(k[size_t(e)]);
            vc[pos * kd + e] = f32_to_bf16(v[size_t(e)]);
        }
        for (int64_t hh = 0; hh < s.hq; ++hh)
            attention_engine(q.data() + hh * hd, kc, vc, kd, hh / g, hd, pos, sc,
                             o.data() + hh * hd);
        linear_engine(L.o, o.data(), qd, d, s.group, t.data());
        for (int64_t e = 0; e < d; ++e) h[size_t(e)] = h[size_t(e)] + t[size_t(e)];
        mempipe::ref::rms_norm(h.data(), L.ffn_norm, a.data(), 1, d, s.eps);
        linear_engine(L.gate, a.data(), d, s.ffn, s.group, gt.data());
        linear_engine(L.up, a.data(), d, s.ffn, s.group, up.data());
        for (int64_t e = 0; e < s.ffn; ++e) {  // SwiGLU SFU
            const double gg = double(gt[size_t(e)]);
            gt[size_t(e)] = float(gg / (1.0 + std::exp(-gg)) * double(up[size_t(e)]));
        }
        linear_engine(L.down, gt.data(), s.ffn, d, s.group, t.data());
        for (int64_t e = 0; e < d; ++e) h[size_t(e)] = h[size_t(e)] + t[size_t(e)];
    }
    mempipe::ref::rms_norm(h.data(), w.final_norm, a.data(), 1, d, s.eps);
    std::vector<float> lg(size_t(s.vocab) * 1);
    linear_engine(w.lm_head, a.data(), d, s.vocab, s.group, lg.data());
    int32_t best = 0;
    for (int64_t e = 1; e < s.vocab; ++e)
        if (lg[size_t(e)] > lg[size_t(best)]) best = int32_t(e);
    if (logits) std::copy(lg.begin(), lg.end(), logits);
    if (token) *token = best;
    Shape at = s;
    at.context = pos;
    return model(at, c, p);
}

}  // namespace mempipe::fpga::memagent
