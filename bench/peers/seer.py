"""Peer for bench_seer: the SeerAttention-R AttnGate decode step (Relevancy + Retrieval) in PyTorch.

The same math as SEER seer_attn/decode_sparse/attn_gate_inf.py `AttnGate.forward` (decode branch):
head-pooling linear (einsum 'bskgi,kgio->bsko'), NeoX RoPE at the current position, einsum with k_comp,
scale 1/sqrt(d_gate), softmax over blocks, then top-k (sorted=False) scattered into a block mask, or
mask = s > threshold, plus mask[..., -1] = True and (the decode kernel's first_block_unmasked) mask[..., 0].
Timing stops at the boolean mask [1, hkv, n_blocks], the released gate's output.

Three variants are timed on the same inputs, k_comp stored as bf16 like ours:
  "bf16"      tensors in bf16, as the released model runs the gate;
  "f32"       k_comp widened to f32 inside the timed region (the cache stays bf16), f32 math;
  "f32_cache" k_comp held as an f32 tensor made once outside the timed region, i.e. a k_comp cache
              of twice the size: a different memory format, reported for reference only.
The faster of "bf16" and "f32" is the peer (median_s); all three are in "variants".

Reads from DIR: q_nope.npy f32 [hq, d], wq.npy bf16-as-u2 [hkv, g, d, d_gate], k_comp.npy bf16-as-u2
[n_blocks, hkv, d_gate], inv_freq.npy f32 [d_gate/2]. Writes DIR/peer_indices_f32.npy and
DIR/peer_indices_bf16.npy: int32 [hkv, n_blocks], the selected blocks per KV head ascending, -1 padded.
Prints {"median_s": ..., "times_s": [...], "variant": ..., "variants": {...}} (bench/src/harness.h) and
writes the same object to DIR/peer_info.json.
"""
import argparse
import json
import math
import os
import time

import numpy as np
import torch


def load_bf16(path):
    return torch.from_numpy(np.load(path).view(np.int16)).view(torch.bfloat16)


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def gate(q_nope, wq, k_comp, cos, sin, mode, budget, threshold, widen=False):
    if widen:
        k_comp = k_comp.float()
    hkv, g, d, dg = wq.shape
    q = q_nope.view(1, 1, hkv, g, d)
    qg = torch.einsum("bskgi,kgio->bsko", q, wq)  # [1, 1, hkv, dg]
    qg = qg * cos + rotate_half(qg) * sin
    attn = torch.einsum("bhd,bshd->bhs", qg.squeeze(1), k_comp) * (1.0 / math.sqrt(dg))
    attn = torch.softmax(attn, dim=-1)
    n = attn.shape[-1]
    if mode == "budget":
        if n <= budget:
            mask = torch.ones_like(attn, dtype=torch.bool)
        else:
            _, idx = torch.topk(attn, k=budget, dim=-1, sorted=False)
            mask = torch.zeros_like(attn, dtype=torch.bool)
            mask.scatter_(-1, idx, True)
    else:
        mask = attn > threshold
    mask[:, :, -1] = True
    mask[:, :, 0] = True
    return mask


def to_lists(mask):
    m = mask[0].numpy()
    out = np.full(m.shape, -1, dtype=np.int32)
    for h in range(m.shape[0]):
        sel = np.nonzero(m[h])[0]
        out[h, : len(sel)] = sel
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--position", type=int, required=True)
    ap.add_argument("--mode", choices=["budget", "threshold"], required=True)
    ap.add_argument("--budget", type=int, default=64)
    ap.add_argument("--threshold", type=float, default=1e-3)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)

    q_f32 = torch.from_numpy(np.load(os.path.join(a.dir, "q_nope.npy")))
    wq_bf16 = load_bf16(os.path.join(a.dir, "wq.npy"))
    kc_bf16 = load_bf16(os.path.join(a.dir, "k_comp.npy")).unsqueeze(0)  # [1, n_blocks, hkv, dg]
    inv_freq = torch.from_numpy(np.load(os.path.join(a.dir, "inv_freq.npy")))
    freqs = torch.tensor([float(a.position)], dtype=torch.float32)[:, None] * inv_freq[None, :]
    emb = torch.cat((freqs, freqs), dim=-1)  # [1, dg]
    cos32, sin32 = emb.cos(), emb.sin()

    wq_f32 = wq_bf16.float()
    variants = {
        "bf16": (q_f32.to(torch.bfloat16), wq_bf16, kc_bf16, cos32.to(torch.bfloat16), sin32.to(torch.bfloat16),
                 False),
        "f32": (q_f32, wq_f32, kc_bf16, cos32, sin32, True),
        "f32_cache": (q_f32, wq_f32, kc_bf16.float(), cos32, sin32, False),
    }
    results = {}
    with torch.inference_mode():
        for name, (q, wq, kc, cos, sin, widen) in variants.items():
            gate(q, wq, kc, cos, sin, a.mode, a.budget, a.threshold, widen)  # warm-up
            times = []
            for _ in range(a.repeats):
                t = time.perf_counter()
                mask = gate(q, wq, kc, cos, sin, a.mode, a.budget, a.threshold, widen)
                times.append(time.perf_counter() - t)
            if name != "f32_cache":
                np.save(os.path.join(a.dir, "peer_indices_%s.npy" % name), to_lists(mask))
            results[name] = {"median_s": float(np.median(times)), "times_s": times}
    best = min(("bf16", "f32"), key=lambda k: results[k]["median_s"])
    summary = {"median_s": results[best]["median_s"], "times_s": results[best]["times_s"],
               "variant": best, "variants": results, "torch": torch.__version__}
    with open(os.path.join(a.dir, "peer_info.json"), "w") as f:
        json.dump(summary, f)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
