"""Plain CUDA kernels (compiled by CuPy through NVRTC) for gpu_profile_bench.py.

They show what the hardware does with a simple, well-formed kernel, beside PyTorch's own:
  gather_rows   one 16-byte vector per thread, consecutive threads along a row (whole sectors)
  radix_topk    exact top-k in two full reads: a 4096-bin histogram of each score's top 12 bits
                (shared atomics, optionally warp-aggregated), then one filter pass that emits the scores above
                the k-th's bin and collects that bin's; torch.topk finishes on the few collected
                (the two-pass idea of RAFT's AIR top-k, without its adaptive later passes)
"""
import numpy as np

try:
    import cupy as cp
except ImportError:  # the bench reports the own-kernel rows as missing
    cp = None
import torch

_SOURCE = r"""
extern "C" __global__ void gather_rows(const uint4* __restrict__ table,
                                       const long long* __restrict__ idx,
                                       uint4* __restrict__ out, int row_vecs, long long total) {
    const long long stride = (long long)gridDim.x * blockDim.x;
    for (long long t = blockIdx.x * (long long)blockDim.x + threadIdx.x; t < total; t += stride) {
        const long long row = t / row_vecs;
        out[t] = table[idx[row] * row_vecs + (t - row * row_vecs)];
    }
}

__device__ __forceinline__ unsigned top12(float f) {  // order-preserving key, top 12 bits
    const unsigned b = __float_as_uint(f);
    return ((b & 0x80000000u) ? ~b : (b | 0x80000000u)) >> 20;
}

template <bool kAggregate>
__device__ __forceinline__ void count(unsigned* h, unsigned bin) {
    if (!kAggregate) {
        atomicAdd(&h[bin], 1u);
        return;
    }
    const unsigned peers = __match_any_sync(__activemask(), bin);
    if ((threadIdx.x & 31) == __ffs(peers) - 1) atomicAdd(&h[bin], __popc(peers));
}

template <bool kAggregate>
__device__ void histogram(const float4* __restrict__ s, long long n4, unsigned* __restrict__ hist) {
    __shared__ unsigned h[4096];
    for (int i = threadIdx.x; i < 4096; i += blockDim.x) h[i] = 0;
    __syncthreads();
    const long long stride = (long long)gridDim.x * blockDim.x;
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n4; i += stride) {
        const float4 v = s[i];
        count<kAggregate>(h, top12(v.x));
        count<kAggregate>(h, top12(v.y));
        count<kAggregate>(h, top12(v.z));
        count<kAggregate>(h, top12(v.w));
    }
    __syncthreads();
    for (int i = threadIdx.x; i < 4096; i += blockDim.x)
        if (h[i]) atomicAdd(&hist[i], h[i]);
}

extern "C" __global__ void histogram_top12(const float4* s, long long n4, unsigned* hist) {
    histogram<false>(s, n4, hist);
}

extern "C" __global__ void histogram_top12_aggregated(const float4* s, long long n4,
                                                      unsigned* hist) {
    histogram<true>(s, n4, hist);
}

// One warp: the bin holding the k-th largest key, scanning 32 bins per step from the top; also
// clears the filter's two counters.
extern "C" __global__ void find_bin(const unsigned* __restrict__ hist, long long k,
                                    long long* __restrict__ bin,
                                    unsigned long long* __restrict__ counts) {
    const int lane = threadIdx.x;
    long long below = 0;  // keys in the bins above this step's
    for (int top = 4095; top >= 0; top -= 32) {
        long long x = hist[top - lane];
        for (int d = 1; d < 32; d <<= 1) {
            const long long y = __shfl_up_sync(0xffffffffu, x, d);
            if (lane >= d) x += y;
        }
        const unsigned hit = __ballot_sync(0xffffffffu, below + x >= k);
        if (hit || top == 31) {
            if (lane == 0) {
                *bin = hit ? top - (__ffs(hit) - 1) : 0;
                counts[0] = counts[1] = 0;
            }
            return;
        }
        below += __shfl_sync(0xffffffffu, x, 31);
    }
}

extern "C" __global__ void filter_top12(const float4* __restrict__ s, long long n4,
                                        const long long* __restrict__ bin,
                                        unsigned long long* __restrict__ counts,
                                        long long* __restrict__ above, float* __restrict__ tie_val,
                                        long long* __restrict__ tie_idx, long long tie_cap) {
    const unsigned b = (unsigned)*bin;
    const long long stride = (long long)gridDim.x * blockDim.x;
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n4; i += stride) {
        const float4 v = s[i];
        const float e[4] = {v.x, v.y, v.z, v.w};
        for (int j = 0; j < 4; ++j) {
            const unsigned t = top12(e[j]);
            if (t > b) {
                above[atomicAdd(&counts[0], 1ull)] = 4 * i + j;
            } else if (t == b) {
                const unsigned long long p = atomicAdd(&counts[1], 1ull);
                if (p < (unsigned long long)tie_cap) { tie_val[p] = e[j]; tie_idx[p] = 4 * i + j; }
            }
        }
    }
}
"""


class Kernels:
    def __init__(self):
        if cp is None:
            raise RuntimeError("cupy is not installed")
        mod = cp.RawModule(code=_SOURCE, options=("-std=c++17",))
        self.gather = mod.get_function("gather_rows")
        self.histograms = {False: mod.get_function("histogram_top12"),
                           True: mod.get_function("histogram_top12_aggregated")}
        self.filter = mod.get_function("filter_top12")
        self.find_bin = mod.get_function("find_bin")
        self.buffers = {}
        self.blocks = 16 * torch.cuda.get_device_properties(0).multi_processor_count

    def gather_rows(self, rows, idx, out):
        """out[i] = rows[idx[i]] for uint8 rows whose length is a multiple of 16."""
        assert rows.dtype == torch.uint8 and rows.shape[1] % 16 == 0
        row_vecs = rows.shape[1] // 16
        total = idx.numel() * row_vecs
        grid = min((total + 255) // 256, self.blocks)
        self.gather((grid,), (256,), (cp.asarray(rows), cp.asarray(idx), cp.asarray(out),
                                      np.int32(row_vecs), np.int64(total)))
        return out

    def radix_passes(self, scores, k, tie_cap=1 << 16, aggregate=False):
        """The device work of radix_topk, launched with no host synchronisation: histogram,
        the k-th's bin, filter. Returns the buffers radix_finish reads."""
        n = scores.numel()
        assert n % 4 == 0 and scores.dtype == torch.float32 and k <= n
        key = (k, tie_cap)
        if key not in self.buffers:
            self.buffers[key] = (cp.empty(4096, dtype=cp.uint32), cp.empty(1, dtype=cp.int64),
                                 cp.empty(2, dtype=cp.uint64), cp.empty(k, dtype=cp.int64),
                                 cp.empty(tie_cap, dtype=cp.float32),
                                 cp.empty(tie_cap, dtype=cp.int64))
        hist, bin_, counts, above, tie_val, tie_idx = self.buffers[key]
        s = cp.asarray(scores)
        grid = (min((n // 4 + 255) // 256, self.blocks),)
        hist.fill(0)
        self.histograms[aggregate](grid, (256,), (s, np.int64(n // 4), hist))
        self.find_bin((1,), (32,), (hist, np.int64(k), bin_, counts))
        self.filter(grid, (256,), (s, np.int64(n // 4), bin_, counts, above, tie_val, tie_idx,
                                   np.int64(tie_cap)))
        return counts, above, tie_val, tie_idx

    def radix_topk(self, scores, k, tie_cap=1 << 16, aggregate=False):
        """Indices of the k largest fp32 scores (any order among equals); len % 4 == 0."""
        n = scores.numel()
        counts, above, tie_val, tie_idx = self.radix_passes(scores, k, tie_cap, aggregate)
        n_above, n_tie = (int(c) for c in counts.get())
        if n_tie > tie_cap:  # the k-th's bin is too crowded for one pass: finish on the bin
            keys = torch.as_tensor(scores)
            mask = torch.zeros(n, dtype=torch.bool, device=scores.device)
            mask[torch.as_tensor(above[:n_above])] = True
            rest = torch.where(mask, torch.tensor(-float("inf"), device=scores.device), keys)
            extra = torch.topk(rest, k - n_above).indices
        else:
            vals = torch.as_tensor(tie_val[:n_tie])
            extra = torch.as_tensor(tie_idx[:n_tie])[torch.topk(vals, k - n_above).indices]
        return torch.cat([torch.as_tensor(above[:n_above]), extra])
