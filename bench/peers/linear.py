"""Peer for `mempipe bench linear`: y = x · Wᵀ in PyTorch on the CPU, on the weights the C++ bench uses.

Reads DIR/x.npy (float32 [m, k]) and DIR/w.npy: bf16 bit patterns (uint16 [n, k]) for --format bf16,
int8 codes (int8 [n, k]) with DIR/scales.npy (float32 [n, 1]) for int8, or int4 nibble pairs (int8 bytes
[n, ceil(k/2)], element t = low nibble of byte t/2 when t is even, high nibble when odd; value
scale · (q − 8)) with DIR/scales.npy (float32 [n, k/group]) for int4. It builds --copies copies of
the weights and uses the next copy for every call, as the C++ side does, so each call reads its
weights from DRAM. Runs a warm-up pass over the copies and --repeats timed calls with torch.set_num_threads(--threads).
  bf16: torch.nn.functional.linear(x.bfloat16(), W); with --prepack, each copy of W reordered once
        (before timing) into oneDNN's blocked layout by torch.ops.mkldnn._reorder_linear_weight and
        multiplied by torch.ops.mkldnn._linear_pointwise (what torch.compile's CPU freezing emits)
  int8: torch.ao.nn.quantized.dynamic.Linear with per-channel qint8 weights = our codes and scales
        (x quantised dynamically by torch)
  int4: torch.ops.aten._weight_int4pack_mm_for_cpu(x.bfloat16(), packed, group, scales_and_zeros)
        with scales rounded to bf16 and zero 0 (torch dequantises (q − 8) · scale + zero).
Writes DIR/peer_y.npy (float32 [m, n]); prints {"median_s", "times_s"} (contract: bench/src/harness.h).
"""
import argparse
import json
import os
import time
import warnings

import numpy as np
import torch
import torch.nn.functional as F


def load(d, name):
    return np.load(os.path.join(d, name))


def build(a, x):
    w = load(a.dir, "w.npy")
    if a.format == "bf16":
        wt = torch.from_numpy(w.astype(np.int16)).view(torch.bfloat16)
        xb = x.to(torch.bfloat16)
        if a.prepack:
            m = xb.shape[0]
            ps = [torch.ops.mkldnn._reorder_linear_weight(wt.clone(), m) for _ in range(a.copies)]
            return lambda c: torch.ops.mkldnn._linear_pointwise(xb, ps[c], None, "none", [], "")
        ws = [wt.clone() for _ in range(a.copies)]
        return lambda c: F.linear(xb, ws[c])
    scales = load(a.dir, "scales.npy")
    n = w.shape[0]
    if a.format == "int8":
        from torch.ao.nn.quantized.dynamic import Linear as DynamicLinear

        codes = torch.from_numpy(w)
        s = torch.from_numpy(scales[:, 0].astype(np.float64))
        zp = torch.zeros(n, dtype=torch.int64)
        layers = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for _ in range(a.copies):
                q = torch._make_per_channel_quantized_tensor(codes.clone(), s, zp, 0)
                lin = DynamicLinear(x.shape[1], n, dtype=torch.qint8)
                lin.set_weight_bias(q, None)
                layers.append(lin)
        return lambda c: layers[c](x)
    # int4
    k = x.shape[1]
    b = w.view(np.uint8).astype(np.int32)
    q = np.empty((n, b.shape[1] * 2), dtype=np.int32)
    q[:, 0::2] = b & 15
    q[:, 1::2] = b >> 4
    q = torch.from_numpy(np.ascontiguousarray(q[:, :k]))
    packed = torch.ops.aten._convert_weight_to_int4pack_for_cpu(q, 1)
    ps = [packed.clone() for _ in range(a.copies)]
    sz = torch.zeros(scales.shape[1], n, 2, dtype=torch.bfloat16)
    sz[:, :, 0] = torch.from_numpy(scales.T.copy()).to(torch.bfloat16)
    xb = x.to(torch.bfloat16)
    return lambda c: torch.ops.aten._weight_int4pack_mm_for_cpu(xb, ps[c], a.group, sz)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--format", choices=["bf16", "int8", "int4"], required=True)
    ap.add_argument("--copies", type=int, default=1)
    ap.add_argument("--group", type=int, default=128)
    ap.add_argument("--prepack", action="store_true", help="bf16: oneDNN prepacked weights")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    x = torch.from_numpy(load(a.dir, "x.npy"))
    with torch.inference_mode():
        fn = build(a, x)
        for c in range(a.copies):  # warm-up: one pass over every copy, as the C++ side does
            y = fn(c)
        times = []
        c = 0
        for _ in range(a.repeats):
            t = time.perf_counter()
            y = fn(c)
            times.append(time.perf_counter() - t)
            c = (c + 1) % a.copies
    np.save(os.path.join(a.dir, "peer_y.npy"), y.float().numpy())
    print(json.dumps({"median_s": float(np.median(times)), "times_s": times}))


if __name__ == "__main__":
    main()
