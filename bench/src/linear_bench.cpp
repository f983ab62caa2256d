// bench linear: cpu::linear vs PyTorch CPU on identical, cold weights (see linear_bench.h).
#include "linear_bench.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "harness.h"
#include "mempipe/core/buffer.h"
#include "mempipe/core/dtype.h"
#include "mempipe/core/error.h"
#include "mempipe/core/parallel.h"
#include "mempipe/core/rng.h"
#include "mempipe/core/simd.h"
#include "mempipe/ops/linear.h"
#include "report.h"
#include "roofline.h"

namespace mempipe::bench {

namespace {

namespace fs = std::filesystem;

struct CaseDef {
    const char* name;
    LinearFormat format;
    bool gemm;
    // Weights packed once before timing (cpu::linear_pack; the peer: oneDNN's prepacked linear),
    // as an inference engine holds them; the other cases pass W as stored.
    bool packed = false;
};
constexpr CaseDef kCases[] = {
    {"gemv_bf16", LinearFormat::Bf16, false},
    {"gemv_int8", LinearFormat::Int8, false},
    {"gemv_int4", LinearFormat::Int4, false},
    {"gemm_bf16", LinearFormat::Bf16, true},
    {"gemm_bf16_packed", LinearFormat::Bf16, true, true},
    {"gemm_int8", LinearFormat::Int8, true},
};
constexpr int64_t kInt4Group = 128;

struct Shape {
    int64_t m, k, n;
};

void progress(const std::string& s) {
    std::fprintf(stderr, "[bench linear] %s\n", s.c_str());
    std::fflush(stderr);
}

void out(const std::string& s) {
    std::fputs(s.c_str(), stdout);
    std::fflush(stdout);
}

// `copies` identical copies of one weight matrix (data and scales), 4 KiB apart, so that a call
// on copy c finds nothing of it in the caches after the calls on the other copies.
class WeightSet {
  public:
    WeightSet(LinearFormat format, int64_t n, int64_t k, Rng& rng, size_t cold_bytes) {
        proto_.format = format;
        proto_.n = n;
        proto_.k = k;
        proto_.group = format == LinearFormat::Int4 ? kInt4Group : 0;
        data_stride_ = round4k(size_t(n * proto_.row_bytes()));
        scale_stride_ = format == LinearFormat::Bf16 ? 0 : round4k(size_t(n * proto_.groups()) * 4);
        const size_t one = data_stride_ + scale_stride_;
        copies_ = int(std::clamp<size_t>((cold_bytes + one - 1) / one, 1, 256));
        data_ = Buffer<uint8_t>(data_stride_ * size_t(copies_));
        scales_ = Buffer<uint8_t>(std::max<size_t>(1, scale_stride_ * size_t(copies_)));
        uint8_t* d = data_.data();
        const size_t elems = size_t(n * k);
        if (format == LinearFormat::Bf16) {
            auto* w = reinterpret_cast<uint16_t*>(d);
            for (size_t i = 0; i < elems; ++i) w[i] = f32_to_bf16(rng.uniform(-0.05f, 0.05f));
        } else {
            for (size_t i = 0; i < size_t(n * proto_.row_bytes()); i += 8) {
                const uint64_t r = rng.next_u64();
                std::memcpy(d + i, &r, std::min<size_t>(8, size_t(n * proto_.row_bytes()) - i));
            }
            if (format == LinearFormat::Int8) {  // codes in [−127, 127]
                for (size_t i = 0; i < elems; ++i)
                    if (d[i] == 0x80) d[i] = 0x81;
            }
            float* s = reinterpret_cast<float*>(scales_.data());
            for (int64_t i = 0; i < n * proto_.groups(); ++i) s[i] = rng.uniform(0.0005f, 0.002f);
        }
        for (int c = 1; c < copies_; ++c) {
            std::memcpy(d + size_t(c) * data_stride_, d, data_stride_);
            if (scale_stride_)
                std::memcpy(scales_.data() + size_t(c) * scale_stride_, scales_.data(),
                            scale_stride_);
        }
    }
    int copies() const { return copies_; }
    LinearWeights view(int c) const {
        LinearWeights w = proto_;
        w.data = data_.data() + size_t(c) * data_stride_;
        if (scale_stride_)
            w.scales = reinterpret_cast<const float*>(scales_.data() + size_t(c) * scale_stride_);
        return w;
    }

  private:
    static size_t round4k(size_t b) { return (b + 4095) / 4096 * 4096; }
    LinearWeights proto_;
    size_t data_stride_ = 0, scale_stride_ = 0;
    int copies_ = 1;
    Buffer<uint8_t> data_, scales_;
};

void write_peer_inputs(const std::string& dir, const LinearWeights& w, const float* x, int64_t m) {
    const fs::path d(dir);
    write_npy((d / "x.npy").string(), DType::F32, {m, w.k}, x);
    if (w.format == LinearFormat::Bf16) {
        write_npy((d / "w.npy").string(), DType::BF16, {w.n, w.k}, w.data);
        return;
    }
    write_npy((d / "w.npy").string(), DType::I8, {w.n, w.row_bytes()}, w.data);
    write_npy((d / "scales.npy").string(), DType::F32, {w.n, w.groups()}, w.scales);
}

void remove_peer_files(const std::string& dir) {
    for (const char* f : {"x.npy", "w.npy", "scales.npy", "peer_y.npy"}) {
        std::error_code ec;
        fs::remove(fs::path(dir) / f, ec);
    }
}

// max |ours − peer| / max |ours| over the output, or −1 when the peer's output is unusable.
double max_rel_diff(const std::vector<float>& ours, const std::string& dir) {
    NpyArray a = read_npy((fs::path(dir) / "peer_y.npy").string());
    if (a.dtype != DType::F32 || a.data.size() != ours.size() * 4) return -1;
    const auto* p = reinterpret_cast<const float*>(a.data.data());
    double dmax = 0, ymax = 0;
    for (size_t i = 0; i < ours.size(); ++i) {
        dmax = std::max(dmax, double(std::fabs(ours[i] - p[i])));
        ymax = std::max(ymax, double(std::fabs(ours[i])));
    }
    return ymax > 0 ? dmax / ymax : dmax;
}

class Scratch {
  public:
    explicit Scratch(std::string given) : path_(std::move(given)) {
        std::error_code ec;
        if (!path_.empty()) {
            fs::create_directories(path_, ec);
            if (ec) runtime_error("cannot create bench work dir {}: {}", path_, ec.message());
            return;
        }
        std::string tmpl = (fs::temp_directory_path(ec) / "mempipe-linear-XXXXXX").string();
        if (!mkdtemp(tmpl.data())) runtime_error("cannot create a temporary bench work dir");
        path_ = tmpl;
        owned_ = true;
    }
    ~Scratch() {
        std::error_code ec;
        if (owned_) fs::remove_all(path_, ec);
    }
    Scratch(const Scratch&) = delete;
    Scratch& operator=(const Scratch&) = delete;
    const std::string& path() const { return path_; }

  private:
    std::string path_;
    bool owned_ = false;
};

// The 1-minute load average (/proc/loadavg), or −1: above the thread count, other processes
// shared the cores while we measured.
double load_average() {
    double v = -1;
    if (FILE* f = std::fopen("/proc/loadavg", "r")) {
        if (std::fscanf(f, "%lf", &v) != 1) v = -1;
        std::fclose(f);
    }
    return v;
}

std::string shape_text(const Shape& s) {
    return std::to_string(s.m) + "×" + std::to_string(s.k) + "→" + std::to_string(s.n);
}

const std::vector<std::string> kColumns = {
    "case",       "m×k→n",      "thr",   "ours",          "weights GB/s", "GFLOP/s",
    "% of limit", "% AMX peak", "torch", "ours vs torch", "peer",         "max rel diff"};

}  // namespace

std::vector<std::string> linear_bench_case_names() {
    std::vector<std::string> v;
    for (const auto& c : kCases) v.push_back(c.name);
    return v;
}

Json run_linear_bench(const LinearBenchOptions& o, bool markdown_to_stdout) {
    MEMPIPE_CHECK_ARG(!o.threads.empty(), "bench linear: give at least one thread count");
    for (int t : o.threads)
        MEMPIPE_CHECK_ARG(t >= 1, "bench linear: thread counts must be >= 1, got {}", t);
    MEMPIPE_CHECK_ARG(o.repeats >= 1 && o.repeats <= 1000,
                      "bench linear: --repeats must be in [1, 1000], got {}", o.repeats);
    MEMPIPE_CHECK_ARG(o.prefill_tokens >= kLinearGemmMinRows,
                      "bench linear: --prefill-tokens must be >= {}, got {}", kLinearGemmMinRows,
                      o.prefill_tokens);
    std::vector<const CaseDef*> selected;
    for (const auto& name : o.cases) {
        std::string want = name;
        std::replace(want.begin(), want.end(), '-', '_');
        const CaseDef* found = nullptr;
        for (const auto& c : kCases)
            if (want == c.name) found = &c;
        MEMPIPE_CHECK_ARG(found, "bench linear: unknown case '{}'; choose from {}", name,
                          fmt::join(linear_bench_case_names(), ", "));
        selected.push_back(found);
    }
    if (selected.empty())
        for (const auto& c : kCases) selected.push_back(&c);

    Scratch scratch(o.work_dir);
    BenchContext ctx;
    ctx.work_dir = scratch.path();
    ctx.repeats = o.repeats;
    ctx.run_peers = o.run_peers;
    std::string peers_note = o.run_peers ? "" : "peers disabled";
    if (o.run_peers) {
        std::string root = find_repo_root();
        if (root.empty() || access((root + "/.venv/bin/python").c_str(), X_OK) != 0) {
            peers_note = root.empty() ? "mempipe checkout not found: set MEMPIPE_ROOT"
                                      : "no .venv: run scripts/bootstrap --bench";
            ctx.run_peers = false;
        }
    }
    if (!peers_note.empty()) progress("peers: n/a (" + peers_note + ")");

    Json j;
    j["machine"] = build_info(*std::max_element(o.threads.begin(), o.threads.end()));
    j["load_average"]["start"] = load_average();
    j["limits"] = Json::object();
    for (int t : o.threads) {
        progress("measuring this machine's limits with " + std::to_string(t) + " thread(s)");
        const MachineLimits& l = machine_limits(t);
        j["limits"][std::to_string(t)] = machine_limits_json(l);
        j["limits"][std::to_string(t)]["amx_bf16_gflops"] = l.amx_bf16_gflops;
        j["limits"][std::to_string(t)]["amx_int8_gops"] = l.amx_int8_gops;
    }
    j["rows"] = Json::array();
    j["errors"] = Json::array();
    j["peers_note"] = peers_note;
    const std::string simd(simd_level_name(active_simd_level()));
    const size_t cold_bytes = dram_array_bytes(size_t(512) << 20);
    if (markdown_to_stdout) out(markdown_header(kColumns));

    Rng rng(o.seed);
    for (const CaseDef* cd : selected) {
        std::vector<Shape> shapes;
        if (cd->gemm) {
            shapes = {{o.prefill_tokens, 4096, 4096}};
        } else {
            shapes = {{1, 4096, 4096}, {1, 4096, 14336}, {1, 14336, 4096}};
        }
        for (const Shape& sh : shapes) {
            try {
                progress(std::string(cd->name) + " " + shape_text(sh) + ": preparing weights");
                const WeightSet ws(cd->format, sh.n, sh.k, rng, cold_bytes);
                std::vector<LinearPacked> packs;  // one per copy, made before any timing
                if (cd->packed)
                    for (int c = 0; c < ws.copies(); ++c)
                        packs.push_back(cpu::linear_pack(ws.view(c)));
                auto weights = [&](int c) {
                    LinearWeights w = ws.view(c);
                    if (cd->packed) w.packed = &packs[size_t(c)];
                    return w;
                };
                std::vector<float> x(size_t(sh.m * sh.k)), y(size_t(sh.m * sh.n));
                for (float& v : x) v = rng.normal();
                const LinearWeights w0 = ws.view(0);
                const double wbytes = w0.bytes(), flops = 2.0 * double(sh.m * sh.k * sh.n);
                if (ctx.run_peers) write_peer_inputs(ctx.work_dir, w0, x.data(), sh.m);
                for (int t : o.threads) {
                    set_num_threads(t);
                    int c = 0;
                    const double s = time_median(
                        [&] {
                            cpu::linear(x.data(), weights(c), nullptr, y.data(), sh.m);
                            c = (c + 1) % ws.copies();
                        },
                        o.repeats, ws.copies());  // warm-up: one pass over every copy
                    const MachineLimits& l = machine_limits(t);
                    Json r;
                    r["case"] = cd->name;
                    r["format"] = std::string(linear_format_name(cd->format));
                    r["m"] = sh.m;
                    r["k"] = sh.k;
                    r["n"] = sh.n;
                    r["threads"] = t;
                    r["simd"] = simd;
                    r["copies"] = ws.copies();
                    r["packed"] = cd->packed;
                    r["weight_bytes"] = wbytes;
                    r["ours_s"] = s;
                    r["ours_gbs"] = wbytes / s / 1e9;
                    r["ours_gflops"] = flops / s / 1e9;
                    std::string limit;
                    double frac = 0, amx = 0;
                    if (!cd->gemm) {
                        frac = l.dram_read_gbs > 0 ? wbytes / (l.dram_read_gbs * 1e9) / s : 0;
                        limit = "DRAM read " + format_rate(l.dram_read_gbs) + " GB/s";
                    } else if (cd->format == LinearFormat::Bf16) {
                        frac = l.bf16_dot_gflops > 0 ? flops / (l.bf16_dot_gflops * 1e9) / s : 0;
                        limit = "bf16 dot " + format_rate(l.bf16_dot_gflops) + " GFLOP/s";
                        amx = l.amx_bf16_gflops > 0 ? flops / (l.amx_bf16_gflops * 1e9) / s : 0;
                    } else {
                        frac = l.int8_dot_gops > 0 ? flops / (l.int8_dot_gops * 1e9) / s : 0;
                        limit = "int8 dot " + format_rate(l.int8_dot_gops) + " GOP/s";
                        amx = l.amx_int8_gops > 0 ? flops / (l.amx_int8_gops * 1e9) / s : 0;
                    }
                    r["limit"] = limit;
                    r["roofline_fraction"] = frac;
                    r["amx_fraction"] = amx > 0 ? Json(amx) : Json(nullptr);
                    r["peer"] = "";
                    r["peer_s"] = nullptr;
                    r["speedup"] = nullptr;
                    r["peer_max_rel_diff"] = nullptr;
                    if (ctx.run_peers) {
                        ctx.threads = t;
                        std::vector<std::string> args = {
                            "--format", std::string(linear_format_name(cd->format)),
                            "--copies", std::to_string(ws.copies()),
                            "--group",  std::to_string(kInt4Group)};
                        if (cd->packed) args.push_back("--prepack");
                        PeerResult p = run_peer(ctx, "linear.py", args);
                        if (p.ok) {
                            r["peer_s"] = p.median_s;
                            r["speedup"] = p.median_s / s;
                            r["peer_max_rel_diff"] = max_rel_diff(y, ctx.work_dir);
                        } else {
                            r["peer_error"] = p.error;
                        }
                    }
                    r["peer"] = cd->packed ? "torch oneDNN prepacked linear bf16"
                                : cd->format == LinearFormat::Bf16 ? "torch F.linear bf16"
                                : cd->format == LinearFormat::Int8
                                    ? "torch quantized.dynamic.Linear qint8"
                                    : "torch _weight_int4pack_mm_for_cpu g128";
                    auto num = [](const Json& v, auto fmt) {
                        return v.is_number() ? fmt(v.get<double>()) : std::string("n/a");
                    };
                    const std::string amx_cell = amx > 0 ? format_percent(amx) : std::string("–");
                    if (markdown_to_stdout)
                        out(markdown_row(
                            {cd->name, shape_text(sh), std::to_string(t), format_seconds(s),
                             format_rate(wbytes / s / 1e9), format_rate(flops / s / 1e9),
                             format_percent(frac) + " (" + limit + ")", amx_cell,
                             num(r["peer_s"], format_seconds), num(r["speedup"], format_speedup),
                             r["peer"].get<std::string>(),
                             num(r["peer_max_rel_diff"], [](double d) {
                                 char b[32];
                                 std::snprintf(b, sizeof b, "%.1e", d);
                                 return std::string(b);
                             })}));
                    if (r.contains("peer_error"))
                        progress("peer failed: " + r["peer_error"].get<std::string>());
                    j["rows"].push_back(r);
                }
            } catch (const std::exception& e) {
                progress(std::string(cd->name) + " failed: " + e.what());
                j["errors"].push_back({{"case", cd->name}, {"error", e.what()}});
            }
            if (ctx.run_peers) remove_peer_files(ctx.work_dir);
        }
    }
    j["load_average"]["end"] = load_average();
    if (markdown_to_stdout) {
        char load[96];
        std::snprintf(load, sizeof load, "1-minute load average %.2f at start, %.2f at end",
                      j["load_average"]["start"].get<double>(),
                      j["load_average"]["end"].get<double>());
        std::string note = "\nMedians of " + std::to_string(o.repeats) +
                           " calls, each on a cold copy of the weights; SIMD level " + simd +
                           "; limits measured in this process at each thread count; " + load +
                           " (above the thread count the cores were shared).\n";
        if (!peers_note.empty()) note += "Peers: n/a (" + peers_note + ").\n";
        out(note);
    }
    return j;
}

}  // namespace mempipe::bench
