#!/usr/bin/env python3
"""Measures the constants of a GPU hardware profile (hardware/devices/*.json) on a real GPU.

The modelled devices time an op as  max(t_memory, t_compute) / efficiency[pattern] + launch
(docs/hardware.md). This script measures, with PyTorch on the GPU it runs on:

  launch          per-kernel cost of a chain of dependent 1-element kernels: replayed from a CUDA
                  graph (the device's own launch gap; what `launch_overhead_s` holds), eager
                  PyTorch (adds host dispatch), and one launch + synchronize round trip
  regular         torch.sum over fp32 arrays (a streaming read); bytes = the array
  irregular       torch.index_select of random whole rows (256, 512, 1152 B, as the catalogue's
                  gathers) from an 8 GiB table; bytes = rows read + rows written
  data_dependent  top-2048 of normally distributed fp32 scores; bytes = the scores
  power           NVML's energy counter at idle and while the streaming read runs for a few s

The gather and the top-k are measured twice: with PyTorch's kernels (one software stack) and
with the plain CUDA kernels of gpu_profile_kernels.py (what the hardware does with a simple,
well-formed kernel; the profile's efficiencies are the device's, so they come from these).
For each pattern the times over four sizes are fitted (least squares) to t = t0 + bytes / rate;
efficiency = rate / the profile's peak bandwidth (--peak-bw). Every timing is the median of
--reps CUDA-event timings with the L2 flushed before each. Then checks: ops of other shapes and
kinds (bf16 GEMV, decode attention, top-64 and top-2048 of 21M scores) timed and predicted by the
fitted model, to show how far the model is from the measurement on ops it was not fitted to.

  python3 scripts/gpu_profile_bench.py --peak-bw 3.35e12 --out gpu_profile.json

Needs a CUDA GPU and torch, and cupy for the plain kernels (without it only PyTorch's are
measured). Not part of the build or the tests: run it where a GPU is (the device tool's machines
have all three).
"""
import argparse
import json
import os
import statistics
import sys
import time

try:
    import torch
    import torch.nn.functional as F
except ImportError:
    sys.exit("gpu_profile_bench: needs torch with CUDA (python3 -m pip install torch)")

from gpu_profile_kernels import Kernels

GIB = 1 << 30


class Timer:
    def __init__(self, reps):
        self.reps = reps
        self.flush = torch.empty(256 << 20, dtype=torch.uint8, device="cuda")  # > the L2

    def __call__(self, fn, warmup=3):
        for _ in range(warmup):
            fn()
        torch.cuda.synchronize()
        times = []
        for _ in range(self.reps):
            self.flush.zero_()
            start = torch.cuda.Event(enable_timing=True)
            end = torch.cuda.Event(enable_timing=True)
            start.record()
            fn()
            end.record()
            end.synchronize()
            times.append(start.elapsed_time(end) * 1e-3)
        return statistics.median(times)

    def pipelined(self, fn, calls=10):
        """Seconds per call of fn launched `calls` times back to back (host launches overlap the
        device's work): the device time of work whose host side is Python."""
        return self(lambda: [fn() for _ in range(calls)]) / calls


def fit(points):
    """Least squares t = t0 + bytes / rate over (bytes, seconds) points -> (t0, rate)."""
    n = len(points)
    mx = sum(b for b, _ in points) / n
    my = sum(t for _, t in points) / n
    sxx = sum((b - mx) ** 2 for b, _ in points)
    sxy = sum((b - mx) * (t - my) for b, t in points)
    slope = sxy / sxx
    return my - slope * mx, 1.0 / slope


def launch(reps):
    x = torch.zeros(1, device="cuda")
    chain = 1000

    def eager():
        for _ in range(chain):
            x.add_(1)

    timer = Timer(reps)
    eager_s = timer(eager) / chain
    stream = torch.cuda.Stream()
    with torch.cuda.stream(stream):
        eager()  # warm the allocator and kernels on the capture stream
    torch.cuda.synchronize()
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph, stream=stream):
        eager()
    graph_s = timer(graph.replay) / chain
    trips = []
    for _ in range(200):
        t = time.perf_counter()
        x.add_(1)
        torch.cuda.synchronize()
        trips.append(time.perf_counter() - t)
    return {"graph_s": graph_s, "eager_s": eager_s, "round_trip_s": statistics.median(trips)}


def segmented_topk(s, k, seg=1 << 16):
    """Exact top-k in two rounds of torch.topk: per 64K segment, then over the survivors."""
    n = s.numel() // seg * seg
    vals, idx = torch.topk(s[:n].view(-1, seg), min(k, seg), dim=1)
    idx += torch.arange(0, n, seg, device=s.device).unsqueeze(1)
    vals, idx = vals.flatten(), idx.flatten()
    if n < s.numel():
        tail_v, tail_i = torch.topk(s[n:], min(k, s.numel() - n))
        vals, idx = torch.cat([vals, tail_v]), torch.cat([idx, tail_i + n])
    top_v, pos = torch.topk(vals, k)
    return top_v, idx[pos]


def pattern_points(timer, name, kernels):
    points, sizes = [], []
    if name == "regular":
        for mb in (64, 256, 1024, 4096):
            a = torch.rand(mb << 18, device="cuda")  # fp32: mb MiB
            points.append((a.numel() * 4, timer(lambda: torch.sum(a))))
            sizes.append(f"{mb} MiB")
            del a
    elif name.startswith("data_dependent_own"):  # the radix passes' device time
        if not kernels:
            return [], []
        aggregate = name.endswith("aggregated")
        for n in (1 << 24, 1 << 25, 1 << 26, 1 << 27):
            s = torch.randn(n, device="cuda")
            points.append((n * 4, timer.pipelined(
                lambda: kernels.radix_passes(s, 2048, aggregate=aggregate))))
            sizes.append(f"{n >> 20}M scores")
            del s
    else:  # torch.topk, or two rounds of it
        pick = torch.topk if name == "data_dependent" else segmented_topk
        for n in (1 << 20, 1 << 22, 1 << 24, 1 << 26):
            s = torch.randn(n, device="cuda")  # logit-like scores
            points.append((n * 4, timer(lambda: pick(s, 2048))))
            sizes.append(f"{n >> 20}M scores")
            del s
    return points, sizes


def gather_points(timer, row_bytes, table, own):
    rows = table[: table.numel() // row_bytes * row_bytes].view(-1, row_bytes)
    points = []
    for mb in (16, 64, 256, 1024):
        m = (mb << 20) // row_bytes
        idx = torch.randint(rows.shape[0], (m,), device="cuda")
        if own:
            out = torch.empty(m, row_bytes, dtype=torch.uint8, device="cuda")
            fn = lambda: own.gather_rows(rows, idx, out)  # noqa: E731
        else:  # PyTorch's gather of bf16 rows, as a KV or key gather would be
            bf_rows = rows.view(torch.bfloat16)
            fn = lambda: torch.index_select(bf_rows, 0, idx)  # noqa: E731
        points.append((2 * m * row_bytes, timer(fn)))
    return points


def power(seconds=6.0, idle_only=False):
    try:
        import pynvml
    except ImportError:
        return {"error": "pynvml (nvidia-ml-py) is not installed"}
    try:
        pynvml.nvmlInit()
        h = pynvml.nvmlDeviceGetHandleByIndex(torch.cuda.current_device())

        def average_w(work):
            torch.cuda.synchronize()
            e0, t0 = pynvml.nvmlDeviceGetTotalEnergyConsumption(h), time.perf_counter()
            while time.perf_counter() - t0 < seconds:
                work()
            torch.cuda.synchronize()
            e1, t1 = pynvml.nvmlDeviceGetTotalEnergyConsumption(h), time.perf_counter()
            return (e1 - e0) * 1e-3 / (t1 - t0)  # mJ -> J

        idle = average_w(lambda: time.sleep(0.05))
        if idle_only:
            return {"idle_w": idle}
        a = torch.rand(1 << 30, device="cuda")  # 4 GiB
        stream = average_w(lambda: [torch.sum(a) for _ in range(20)])
        limit = pynvml.nvmlDeviceGetEnforcedPowerLimit(h) * 1e-3
        return {"idle_w": idle, "streaming_read_w": stream, "enforced_limit_w": limit}
    except Exception as err:  # NVML missing in a VM, counters unsupported, ...
        return {"error": f"{type(err).__name__}: {err}"}


def checks(timer, model, kernels, aggregate):
    """Ops the fits did not see, timed and modelled: {op, pattern, bytes, measured_s, ...}."""
    out = []
    bf = torch.bfloat16

    def add(name, pattern, nbytes, fn):
        t = timer(fn)
        p = model["launch_s"] + nbytes / (model[pattern] * model["peak_bw"])
        out.append({"op": name, "pattern": pattern, "bytes": nbytes, "measured_s": t,
                    "modelled_s": p, "modelled_over_measured": p / t})

    for rows, cols in ((4096, 14336), (14336, 4096), (4096, 4096)):
        w = torch.randn(rows, cols, device="cuda", dtype=bf)
        v = torch.randn(cols, device="cuda", dtype=bf)
        add(f"gemv bf16 {rows}x{cols} (torch.mv)", "regular", rows * cols * 2,
            lambda: torch.mv(w, v))
        del w, v
    for n in (32768, 131072):
        q = torch.randn(1, 32, 1, 128, device="cuda", dtype=bf)
        k = torch.randn(1, 32, n, 128, device="cuda", dtype=bf)
        v = torch.randn(1, 32, n, 128, device="cuda", dtype=bf)
        add(f"decode attention 32 heads x {n // 1024}K (sdpa)", "regular", 2 * k.numel() * 2,
            lambda: F.scaled_dot_product_attention(q, k, v))
        del q, k, v
    s = torch.randn(21015324, device="cuda")
    for k in (64, 2048):
        add(f"top-{k} of 21.0M scores (torch.topk)", "data_dependent", s.numel() * 4,
            lambda: torch.topk(s, k))
        if kernels:
            got = s[kernels.radix_topk(s, k, aggregate=aggregate)].sort().values
            assert torch.equal(got, torch.topk(s, k).values.sort().values), "radix top-k differs"
            add(f"top-{k} of 21.0M scores (own radix)", "data_dependent", s.numel() * 4,
                lambda: kernels.radix_topk(s, k, aggregate=aggregate))
    del s
    return out


def fitted(points, sizes, peak):
    t0, rate = fit(points)
    return {"t0_s": t0, "rate": rate, "efficiency": rate / peak,
            "points": [{"size": z, "bytes": b, "seconds": t} for z, (b, t) in zip(sizes, points)]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--peak-bw", type=float, required=True,
                    help="the profile's main-memory bandwidth in bytes/s (h100-sxm: 3.35e12)")
    ap.add_argument("--reps", type=int, default=21, help="timings per point (median)")
    ap.add_argument("--out", help="write the results as JSON here")
    args = ap.parse_args()
    if not torch.cuda.is_available():
        sys.exit("gpu_profile_bench: no CUDA GPU visible to torch")
    props = torch.cuda.get_device_properties(0)
    result = {"gpu": props.name, "sms": props.multi_processor_count,
              "memory_bytes": props.total_memory, "torch": torch.__version__,
              "cuda": torch.version.cuda, "peak_bw": args.peak_bw}
    print(f"{props.name}, {props.multi_processor_count} SMs, torch {torch.__version__}",
          flush=True)
    try:
        kernels = Kernels()
    except Exception as err:  # no cupy, or NVRTC failed: report PyTorch's kernels only
        print(f"own kernels unavailable: {type(err).__name__}: {err}", flush=True)
        kernels = None
    result["power_before_load"] = power(idle_only=True)
    print("power before load:", result["power_before_load"], flush=True)
    timer = Timer(args.reps)
    result["launch"] = launch(args.reps)
    print("launch:", {k: f"{v * 1e6:.2f} us" for k, v in result["launch"].items()}, flush=True)

    fits = {}
    for name in ("regular", "data_dependent", "data_dependent_segmented", "data_dependent_own",
                 "data_dependent_own_aggregated"):
        points, sizes = pattern_points(timer, name, kernels)
        if points:
            fits[name] = fitted(points, sizes, args.peak_bw)
    table = torch.empty(8 * GIB, dtype=torch.uint8, device="cuda")
    table.random_()
    for own in (None, kernels) if kernels else (None,):
        by_row = {rb: fitted(gather_points(timer, rb, table, own), [f"{rb} B rows"] * 4,
                             args.peak_bw) for rb in (256, 512, 1152)}
        median = sorted(g["efficiency"] for g in by_row.values())[1]
        fits["irregular_own" if own else "irregular"] = {
            "efficiency": median, "rule": "median of the three row sizes", "by_row_bytes": by_row}
    del table
    torch.cuda.empty_cache()
    result["fits"] = fits
    for name, f in fits.items():
        extra = f" t0 {f['t0_s'] * 1e6:.1f} us" if "t0_s" in f else ""
        print(f"{name}: efficiency {f['efficiency']:.3f}{extra}", flush=True)
        for rb, g in f.get("by_row_bytes", {}).items():
            print(f"  {rb} B rows: efficiency {g['efficiency']:.3f} t0 {g['t0_s'] * 1e6:.1f} us")

    # The profile's rule: the device's capability, i.e. the own kernels where they ran.
    own_topk = [n for n in ("data_dependent_own", "data_dependent_own_aggregated") if n in fits]
    pick = {"regular": "regular",
            "irregular": "irregular_own" if "irregular_own" in fits else "irregular",
            "data_dependent": max(own_topk, key=lambda n: fits[n]["efficiency"])
            if own_topk else "data_dependent"}
    model = {"launch_s": result["launch"]["graph_s"], "peak_bw": args.peak_bw,
             **{k: fits[v]["efficiency"] for k, v in pick.items()}}
    result["model"] = {**model, "from": pick}
    aggregate = pick["data_dependent"] == "data_dependent_own_aggregated"
    result["checks"] = checks(timer, model, kernels, aggregate)
    for c in result["checks"]:
        print(f"check {c['op']}: measured {c['measured_s'] * 1e6:.1f} us, modelled "
              f"{c['modelled_s'] * 1e6:.1f} us ({c['modelled_over_measured']:.2f}x)", flush=True)
    result["power"] = power()  # idle_w here is right after load, clocks still up
    print("power after load:", result["power"], flush=True)
    if args.out:
        with open(args.out + ".tmp", "w") as f:
            json.dump(result, f, indent=1)
        os.replace(args.out + ".tmp", args.out)


if __name__ == "__main__":
    main()
