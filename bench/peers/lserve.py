"""Peer for bench_lserve: LServe page scores + page selection in PyTorch (2 threads).

Reads DIR/q.npy (float32 [hq, d]) and DIR/stats.npy (bf16 bits as uint16 [hkv, n_logical, 2, d]: kmax,
kmin per logical page). Scores S[h, p] = sum_c max(q_c*kmax_c, q_c*kmin_c), physical page = max of its
4 logical pages (missing slots 0), then top-(width-1) of pages [0, n_pages-1) + the newest page, as in
OMNI's decoding_attention.py. Writes DIR/peer_pages.npy (int32 [hq, width], sorted ascending) and prints
{"median_s": ..., "times_s": [...]} (contract: bench/src/harness.h).

--mode literal:  the formula as written (elementwise products, maximum, sum), in page chunks.
--mode identity: the same value via max(q*a, q*b) = q+*a + q-*b for a >= b, as two batched matmuls.
Statistics are widened to float32 once, outside the timed region.
"""
import argparse
import json
import os
import time

import numpy as np
import torch
import torch.nn.functional as F


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--history", type=int, required=True)
    ap.add_argument("--page", type=int, default=64)
    ap.add_argument("--logical", type=int, default=16)
    ap.add_argument("--budget", type=int, default=4096)
    ap.add_argument("--mode", choices=["literal", "identity"], default="literal")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)

    q = torch.from_numpy(np.load(os.path.join(a.dir, "q.npy")))
    bits = np.load(os.path.join(a.dir, "stats.npy"))
    stats = torch.from_numpy(bits.view(np.int16)).view(torch.bfloat16).float()
    hkv, nl, _, d = stats.shape
    hq = q.shape[0]
    g = hq // hkv
    kmax = stats[:, :, 0, :].contiguous()
    kmin = stats[:, :, 1, :].contiguous()
    lpp = a.page // a.logical
    width = max(3, a.budget // a.page)
    n_pages = a.history // a.page + 1
    qg = q.view(hkv, g, d)
    qp = qg.clamp(min=0)
    qn = qg.clamp(max=0)

    def scores():
        if a.mode == "identity":
            s = torch.bmm(qp, kmax.transpose(1, 2)) + torch.bmm(qn, kmin.transpose(1, 2))
        else:
            s = torch.empty(hkv, g, nl)
            chunk = 2048
            q4 = qg[:, :, None, :]
            for c0 in range(0, nl, chunk):
                c1 = min(nl, c0 + chunk)
                s[:, :, c0:c1] = torch.maximum(q4 * kmax[:, None, c0:c1], q4 * kmin[:, None, c0:c1]).sum(-1)
        s = s.reshape(hq, nl)
        pad = (-nl) % lpp
        if pad:
            s = F.pad(s, (0, pad))
        return s.view(hq, -1, lpp).amax(-1)

    def select():
        if n_pages <= width:
            return torch.arange(n_pages, dtype=torch.int32).expand(hq, n_pages)
        p = scores()
        top = torch.topk(p[:, : n_pages - 1], width - 1, dim=-1, sorted=False).indices
        newest = torch.full((hq, 1), n_pages - 1, dtype=top.dtype)
        return torch.cat([top.sort(dim=-1).values, newest], dim=-1).to(torch.int32)

    select()  # warm-up
    times = []
    for _ in range(a.repeats):
        t = time.perf_counter()
        pages = select()
        times.append(time.perf_counter() - t)
    np.save(os.path.join(a.dir, "peer_pages.npy"), pages.numpy().astype(np.int32))
    print(json.dumps({"median_s": float(np.median(times)), "times_s": times}))


if __name__ == "__main__":
    main()
