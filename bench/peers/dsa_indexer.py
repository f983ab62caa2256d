"""Peer for bench_dsa_indexer: the DSA lightning indexer + top-k in PyTorch on the CPU.

The fp8 query and keys are widened exactly to bf16 (every e4m3 value is a bf16 value) by the C++ bench and
stored as their bf16 bit patterns. The peer computes, in bf16 with torch's CPU kernels,
    logits[s] = k_scale[s] * sum_h w[h] * relu(q[h] . k[s])
as the Intel XPU / transformers fallback does (einsum, relu, weighted head sum), then topk(k, sorted).

Reads DIR/q.npy (uint16 [64, 128] bf16 bits), DIR/k.npy (uint16 [N, 128]), DIR/weights.npy (float32 [64]),
DIR/k_scale.npy (float32 [N]); writes DIR/peer_indices.npy (int64 [k]); prints {"median_s", "times_s"}
(contract: bench/src/harness.h).
"""
import argparse
import json
import os
import time

import numpy as np
import torch


def bf16(path):
    return torch.from_numpy(np.load(path).astype(np.int16)).view(torch.bfloat16)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--k", type=int, default=2048)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    q = bf16(os.path.join(a.dir, "q.npy"))  # [H, D]
    k = bf16(os.path.join(a.dir, "k.npy"))  # [N, D]
    w = torch.from_numpy(np.load(os.path.join(a.dir, "weights.npy"))).to(torch.bfloat16)  # [H]
    ks = torch.from_numpy(np.load(os.path.join(a.dir, "k_scale.npy")))  # [N] f32
    topk = min(a.k, k.shape[0])

    def step():
        logits = torch.einsum("sd,hd->sh", k, q)  # [N, H] bf16 (oneDNN)
        score = (torch.relu(logits) @ w).float() * ks  # weighted head sum, x k_scale
        return torch.topk(score, topk, sorted=True).indices

    with torch.inference_mode():
        step()  # warm-up
        times = []
        for _ in range(a.repeats):
            t = time.perf_counter()
            idx = step()
            times.append(time.perf_counter() - t)
    np.save(os.path.join(a.dir, "peer_indices.npy"), idx.numpy().astype(np.int64))
    print(json.dumps({"median_s": float(np.median(times)), "times_s": times}))


if __name__ == "__main__":
    main()
