// Shared pieces of the SeerAttention-R gate ops: argument checks, selection width and cost
// signatures.
#include <algorithm>

#include "mempipe/core/error.h"
#include "seer_internal.h"

namespace mempipe {

namespace seer_detail {

void check_shape(const SeerGateShape& s, const char* op) {
    MEMPIPE_CHECK_ARG(s.hkv >= 1 && s.hq >= 1 && s.hq % s.hkv == 0,
                      "{}: hq ({}) must be a positive multiple of hkv ({})", op, s.hq, s.hkv);
    MEMPIPE_CHECK_ARG(s.d >= 1, "{}: head dim d must be ≥ 1, got {}", op, s.d);
    MEMPIPE_CHECK_ARG(
        s.d_gate >= 2 && s.d_gate % 2 == 0,
        "{}: gate hidden size d_gate must be even and ≥ 2 (it is the rotary dim), got {}", op,
        s.d_gate);
    MEMPIPE_CHECK_ARG(s.block >= 1, "{}: block size must be ≥ 1, got {}", op, s.block);
    MEMPIPE_CHECK_ARG(!s.qk_norm || (std::isfinite(s.norm_eps) && s.norm_eps > 0),
                      "{}: norm_eps must be a positive finite number, got {}", op, s.norm_eps);
}

void check_weights(const SeerGateShape& s, const SeerGateWeights& w, const float* inv_freq,
                   bool need_wq, bool need_wk, const char* op) {
    (void)inv_freq;  // nullptr is legal: no RoPE
    MEMPIPE_CHECK_ARG(!need_wq || w.wq,
                      "{}: SeerGateWeights::wq (Wq [hkv × g × d × d_gate] bf16) is null", op);
    MEMPIPE_CHECK_ARG(!need_wk || w.wk,
                      "{}: SeerGateWeights::wk (Wk [hkv × 3·d × d_gate] bf16) is null", op);
    MEMPIPE_CHECK_ARG(!s.qk_norm || !need_wq || w.q_norm,
                      "{}: shape.qk_norm is set but SeerGateWeights::q_norm ([d_gate] f32) is null",
                      op);
    MEMPIPE_CHECK_ARG(!s.qk_norm || !need_wk || w.k_norm,
                      "{}: shape.qk_norm is set but SeerGateWeights::k_norm ([d_gate] f32) is null",
                      op);
}

void check_select(const float* scores, int64_t hkv, int64_t n_blocks, const SeerSelectParams& p,
                  int64_t width, const int32_t* out, const char* op) {
    MEMPIPE_CHECK_ARG(hkv >= 0 && n_blocks >= 0, "{}: hkv ({}) and n_blocks ({}) must be ≥ 0", op,
                      hkv, n_blocks);
    MEMPIPE_CHECK_ARG(n_blocks <= int64_t(INT32_MAX),
                      "{}: n_blocks {} does not fit int32 block indices", op, n_blocks);
    MEMPIPE_CHECK_ARG(p.mode != SeerSelectMode::TokenBudget || p.budget_blocks >= 0,
                      "{}: budget_blocks must be ≥ 0, got {}", op, p.budget_blocks);
    MEMPIPE_CHECK_ARG(p.mode != SeerSelectMode::Threshold || !std::isnan(p.threshold),
                      "{}: threshold must not be NaN", op);
    int64_t need = seer_select_width(n_blocks, p);
    MEMPIPE_CHECK_ARG(width >= need,
                      "{}: output width {} is too small: {} blocks with this selection need {} "
                      "(seer_select_width)",
                      op, width, n_blocks, need);
    MEMPIPE_CHECK_ARG(hkv == 0 || width == 0 || out, "{}: out ([hkv × width] int32) is null", op);
    MEMPIPE_CHECK_ARG(hkv == 0 || n_blocks == 0 || scores,
                      "{}: scores ([hkv × n_blocks] f32) is null", op);
}

}  // namespace seer_detail

int64_t seer_select_width(int64_t n_blocks, const SeerSelectParams& p) {
    if (n_blocks <= 0) return 0;
    if (p.mode == SeerSelectMode::Threshold) return n_blocks;
    return std::min(n_blocks, std::max<int64_t>(p.budget_blocks, 0) + 2);
}

OpCost seer_compress_cost(const SeerGateShape& s, int64_t n_blocks) {
    OpCost c;
    double nb = double(std::max<int64_t>(n_blocks, 0));
    double pool = 3.0 * double(s.block * s.hkv * s.d);
    double lin = 2.0 * double(s.hkv * 3 * s.d * s.d_gate);
    double tail = double(s.hkv * s.d_gate) * (s.qk_norm ? 10.0 : 6.0);
    c.flops = nb * (pool + lin + tail);
    c.bytes_read = nb * double(s.block * s.hkv * s.d) * 2 + double(s.hkv * 3 * s.d * s.d_gate) * 2;
    c.bytes_written = nb * double(s.hkv * s.d_gate) * 2;
    c.bytes_shared = double(s.hkv * 3 * s.d * s.d_gate) * 2;  // the K gate's weights
    c.pattern = AccessPattern::Regular;
    return c;
}

OpCost seer_gate_scores_cost(const SeerGateShape& s, int64_t n_blocks) {
    OpCost c;
    double nb = double(std::max<int64_t>(n_blocks, 0));
    c.flops = 2.0 * double(s.hq * s.d * s.d_gate) + nb * double(s.hkv) * double(2 * s.d_gate + 4);
    c.bytes_read = nb * double(s.hkv * s.d_gate) * 2 + double(s.hq * s.d * s.d_gate) * 2 +
                   double(s.hq * s.d) * 4;
    c.bytes_written = nb * double(s.hkv) * 4;
    c.bytes_shared = double(s.hq * s.d * s.d_gate) * 2;  // the Q gate's weights
    c.pattern = AccessPattern::Regular;
    return c;
}

OpCost seer_select_blocks_cost(int64_t hkv, int64_t n_blocks, const SeerSelectParams& p) {
    OpCost c;
    int64_t width = seer_select_width(n_blocks, p);
    bool all = p.mode == SeerSelectMode::TokenBudget && n_blocks <= p.budget_blocks;
    c.flops = all ? 0.0 : double(hkv) * double(n_blocks);
    c.bytes_read = all ? 0.0 : double(hkv) * double(n_blocks) * 4;
    c.bytes_written = double(hkv) * double(width) * 4;
    c.pattern = AccessPattern::DataDependent;
    return c;
}

OpCost seer_gate_select_cost(const SeerGateShape& s, int64_t n_blocks, const SeerSelectParams& p) {
    OpCost c = seer_gate_scores_cost(s, n_blocks);
    OpCost sel = seer_select_blocks_cost(s.hkv, n_blocks, p);
    c.flops += sel.flops;
    c.bytes_written += sel.bytes_written;
    c.pattern = AccessPattern::DataDependent;
    return c;
}

}  // namespace mempipe
