// Compressed-contextual-memory workloads at the paper's settings (App. D): memory-as-context
// (HMT / Titans-style recall), MemAgent (synthesized memory) and LaCT (test-time training,
// profiled only as in the paper, §4).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "mempipe/core/error.h"
#include "mempipe/devices/fpga/fpga_device.h"
#include "mempipe/ops/attention.h"
#include "mempipe/ops/nn.h"
#include "workload_common.h"

namespace mempipe::workloads {

namespace {
constexpr int64_t kGenerated = 32;  // App. D: output sequence length 32 (memory-as-context and
                                    // MemAgent)
}  // namespace

// Memory as context: per 1024-token segment (App. D), the memory key K_n = M_n·Wk of the previous
// segment's memory embedding (Prepare, GPU: a GEMV), the fused recall q = x·Wq, softmax(q·Kᵀ),
// Σ a·M over the cached memory (Relevancy + Retrieval, mac_recall: one op, the FPGA's Fig. 17
// design), the backbone forward over the augmented segment (Apply + model), and the request's 32
// generated tokens. A graph execution ("tick") is one backbone layer of one generated token of
// one segment's share: a request of S segments is S × 32 × L ticks, so the per-segment memory
// steps run every 32·L ticks, a backbone prefill layer every 32 (S·L per request), a decode layer
// every S (32·L) and the LM head every S·L (32 tokens).
Built build_hmt(const WorkloadOptions& o) {
    const ModelConfig& m = pick_model(o.model, "llama-2-7b", "hmt");
    constexpr int64_t kSegment = 1024;  // App. D: segment length 1024
    // HMT's cached memory embeddings: --mem_recall_context default 100 (memory_fpga.md A1); the
    // cross-attention width h = d (--mem_recall_hidden_dim default 4096 = Llama-2-7B's d).
    constexpr int64_t kMemory = 100;
    const int64_t B = o.batch, L = m.layers;
    const double Bd = double(B);
    const int64_t segments = std::max<int64_t>(1, (o.tokens + kSegment - 1) / kSegment);
    MEMPIPE_CHECK_ARG(segments * kGenerated * L <= int64_t(1) << 30,
                      "hmt: {} tokens is {} segments; at most {} are supported", o.tokens, segments,
                      (int64_t(1) << 30) / (kGenerated * L));
    // The memory grows by one embedding per segment up to kMemory: the mean size over a request.
    double sum = 0;
    for (int64_t s = 0; s < segments; ++s) sum += double(std::min(s, kMemory));
    const int64_t n_mem = std::max<int64_t>(1, std::llround(sum / double(segments)));
    fpga::mac::Shape shape{B, m.d, m.d, n_mem};
    const int per_segment = int(kGenerated * L);
    const double layer_w = (m.weight_bytes() - 4.0 * double(m.vocab * m.d)) / double(L);

    Builder b;
    int key = b.add({"hmt.memory_key",
                     "linear",
                     PipelineStep::Prepare,
                     weights_linear(B, m.d, shape.h),
                     {},
                     Bd * double(shape.h + m.d) * 4.0,
                     2.0 * double(m.d * shape.h),
                     per_segment});
    int recall =
        b.add({"hmt.recall",
               "mac_recall",
               PipelineStep::Relevancy,
               fpga::mac::recall_cost(shape),
               {key},
               Bd * double(m.d) * 4.0,
               2.0 * double(shape.h * m.d) + Bd * double(kMemory) * double(shape.h + m.d) * 4.0,
               per_segment,
               Phase::Step,
               std::any(fpga::DesignShape(shape))});
    int backbone = b.add({"model.backbone",
                          "prefill",
                          PipelineStep::Model,
                          prefill_layer_cost(m, kSegment, 0, B),
                          {recall},
                          Bd * double(kSegment * m.d) * 4.0,
                          layer_w,
                          int(kGenerated)});
    add_generation_tail(b, m, kSegment + kGenerated / 2, B, backbone, layer_w, int(segments),
                        int(segments * L));

    return Built{
        b.take(), "request", Bd / double(segments * kGenerated * L),
        fmt::format(
            "memory as context (HMT with a Titans-style linear query, paper §6.1, App. D) on {}: "
            "{} segments of 1024 tokens, memory of ≤ {} embeddings (mean {}), {} generated tokens; "
            "batch {}",
            m.name, segments, kMemory, n_mem, kGenerated, B),
        m.name};
}

// MemAgent (App. D; memory_fpga.md A2): per 5000-token chunk the model prefills template +
// problem + the 1024-token memory + the chunk (GPU, Apply), then decodes the new 1024-token memory
// (Prepare: the FPGA's decode engine in the paper's prefill-decode disaggregation, Fig. 6 (b));
// finally it prefills problem + memory and decodes a 32-token answer. A graph execution ("tick")
// is one prefill layer's share of one memory token: a request of C chunks is C × 1024 × L ticks,
// so the memory decode (the whole model: the FPGA engine's unit) runs every L ticks (C·1024 per
// request), a chunk-prefill layer every 1024 (C·L), an answer-prefill layer every C·1024 (L) and
// an answer token every C·32·L (32).
Built build_memagent(const WorkloadOptions& o) {
    const ModelConfig& m = pick_model(o.model, "qwen2.5-7b", "memagent");
    constexpr int64_t kChunk = 5000, kMemoryTokens = 1024;  // App. D
    // MemAgent's TEMPLATE (~150 tokens) + a HotpotQA-style problem (~50): memory_fpga.md A2
    // ("prefill ≈ 6.2–7.2K tokens").
    constexpr int64_t kPromptOverhead = 200;
    const int64_t B = o.batch, L = m.layers;
    const double Bd = double(B);
    const int64_t chunks = std::max<int64_t>(1, (o.tokens + kChunk - 1) / kChunk);
    MEMPIPE_CHECK_ARG(chunks * kMemoryTokens * L <= int64_t(1) << 30,
                      "memagent: {} tokens is {} chunks; at most {} are supported", o.tokens,
                      chunks, (int64_t(1) << 30) / (kMemoryTokens * L));
    const int64_t prefill_tokens = kPromptOverhead + kMemoryTokens + kChunk;
    const int64_t mean_context = prefill_tokens + kMemoryTokens / 2;
    fpga::memagent::Shape shape;
    shape.d = m.d;
    shape.layers = m.layers;
    shape.hq = m.hq;
    shape.hkv = m.hkv;
    shape.head_dim = m.head_dim;
    shape.ffn = m.ffn;
    shape.vocab = m.vocab;
    shape.qkv_bias = m.qkv_bias;
    shape.context = mean_context;
    shape.batch = B;
    const double kv = kv_bytes_per_token(m);
    const double layer_w = (m.weight_bytes() - 4.0 * double(m.vocab * m.d)) / double(L);

    Builder b;
    // The chunk prefill, one layer: its output is that layer's KV cache, which the decoder reads.
    int p = b.add({"memagent.prefill",
                   "prefill",
                   PipelineStep::Apply,
                   prefill_layer_cost(m, prefill_tokens, 0, B),
                   {},
                   Bd * double(prefill_tokens) * kv / double(L),
                   layer_w,
                   int(kMemoryTokens)});
    // The GPU runs the bf16 model (the cost signature); the FPGA engine its int4 linears (shape).
    // Its resident state is what the FPGA engine holds, int4 weights with their group scales
    // (App. E: linear projections in INT4) and the KV cache of the chunk and the memory: the
    // device whose capacity binds (16 GB of HBM). On the GPU the bf16 weights are held by the
    // answer's decode (the same model), so they are not counted twice.
    int dec = b.add(
        {"memagent.decode",
         "memagent_decode",
         PipelineStep::Prepare,
         decode_token_cost(m, mean_context, B),
         {p},
         Bd * 4.0,
         fpga::memagent::weight_bytes(shape) + Bd * double(prefill_tokens + kMemoryTokens) * kv,
         int(L),
         Phase::Step,
         std::any(fpga::DesignShape(shape))});
    int ap = b.add({"memagent.answer_prefill",
                    "prefill",
                    PipelineStep::Model,
                    prefill_layer_cost(m, kPromptOverhead + kMemoryTokens, 0, B),
                    {dec},
                    Bd * double(kPromptOverhead + kMemoryTokens) * kv / double(L),
                    layer_w,
                    int(chunks * kMemoryTokens)});
    b.add({"memagent.answer_decode",
           "decode",
           PipelineStep::Model,
           decode_token_cost(m, kPromptOverhead + kMemoryTokens + kGenerated / 2, B),
           {ap},
           Bd * 4.0,
           m.weight_bytes(),
           int(chunks * kGenerated * L)});

    return Built{
        b.take(), "request", Bd / double(chunks * kMemoryTokens * L),
        fmt::format(
            "MemAgent on {} (paper App. D): {} chunks of 5000 tokens, each a {}-token prefill and "
            "a 1024-token memory decode (mean context {}), then a {}-token answer; batch {}",
            m.name, chunks, prefill_tokens, mean_context, kGenerated, B),
        m.name};
}

// LaCT (memory_fpga.md A3): per layer a sliding-window attention (window 2048) and a SwiGLU
// fast-weight memory per head (4 heads × 384): apply f_W(q) every token (Apply), and per 2048-token
// chunk the loss forward with the keys (Relevancy) and the backward + Muon update (Prepare). The
// paper profiles it only (§4: its bottleneck is compute-bound); the FPGA has no design for it.
Built build_lact(const WorkloadOptions& o) {
    const ModelConfig& m = pick_model(o.model, "lact-760m", "lact");
    constexpr int64_t kHeads = 4, kDh = 384, kChunk = 2048, kWindow = 2048;
    constexpr double kMuonMatmuls = 15;  // 5 Newton–Schulz iterations × 3 matmuls = 30·d³ FLOPs
    const int64_t B = o.batch, L = o.tokens + 1;
    const double Bd = double(B);
    const double fast = double(kHeads) * 3.0 * kDh * kDh * 4.0;  // fp32 fast weights per sequence

    Builder b;
    LayerFront f = add_layer_front(b, m, B);
    int swa = b.add({"attn.sliding_window",
                     "streaming_attention",
                     PipelineStep::Model,
                     repeated(streaming_attention_cost(m.attention(L), 0, kWindow, m.hkv), Bd),
                     {f.rope},
                     Bd * double(m.hq * m.head_dim) * 4.0,
                     Bd * double(std::min(L, kWindow)) * kv_bytes_per_token(m) / double(m.layers)});
    int apply = b.add({"lact.apply",
                       "linear",
                       PipelineStep::Apply,
                       repeated(linear_cost(1, kDh, kDh), 3.0 * kHeads * Bd),
                       {f.rope},
                       Bd * double(m.d) * 4.0,
                       Bd * fast});
    Builder::Node loss{"lact.loss",
                       "linear",
                       PipelineStep::Relevancy,
                       repeated(linear_cost(kChunk, kDh, kDh), 2.0 * kHeads * Bd),
                       {apply},
                       Bd * double(kChunk * kDh) * 4.0};
    loss.period = int(kChunk);
    int l = b.add(std::move(loss));
    OpCost update = repeated(linear_cost(kChunk, kDh, kDh), 4.0 * kHeads * Bd);
    update += repeated(linear_cost(kDh, kDh, kDh), kMuonMatmuls * 3.0 * kHeads * Bd);
    Builder::Node upd{"lact.update", "linear", PipelineStep::Prepare, update, {l}, Bd * fast};
    upd.period = int(kChunk);
    int u = b.add(std::move(upd));
    b.add({"lact.merge",
           "add",
           PipelineStep::Model,
           OpCost{Bd * m.d, Bd * m.d * 8.0, Bd * m.d * 4.0, AccessPattern::Regular},
           {swa, u},
           Bd * double(m.d) * 4.0});
    add_layer_back(b, m, B, int(b.graph().size()) - 1);

    return Built{
        b.take(), "token", Bd / double(m.layers),
        fmt::format(
            "LaCT ({}; profiled only, paper §4): SWA window 2048 + 4 × 384 SwiGLU fast weights, "
            "update every 2048 tokens (Muon); {} cached tokens; batch {}",
            m.name, L - 1, B),
        m.name};
}

}  // namespace mempipe::workloads
