"""Peer for bench_top_k: torch.topk(x, k, sorted=True) on the same fp32 row.

Reads DIR/x.npy (float32 [n]); writes DIR/peer_indices.npy (int64 [k]) and prints
{"median_s": ..., "times_s": [...]} (contract: bench/src/harness.h).
"""
import argparse
import json
import os
import time

import numpy as np
import torch


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--k", type=int, required=True)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    x = torch.from_numpy(np.load(os.path.join(a.dir, "x.npy")))
    k = min(a.k, x.numel())
    torch.topk(x, k, sorted=True)  # warm-up
    times = []
    for _ in range(a.repeats):
        t = time.perf_counter()
        values, indices = torch.topk(x, k, sorted=True)
        times.append(time.perf_counter() - t)
    np.save(os.path.join(a.dir, "peer_indices.npy"), indices.numpy().astype(np.int64))
    print(json.dumps({"median_s": float(np.median(times)), "times_s": times}))


if __name__ == "__main__":
    main()
