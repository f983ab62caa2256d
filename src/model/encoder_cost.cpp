// The cost signature of an encoder forward pass (model/encoder.h).
#include <cmath>

#include "mempipe/core/error.h"
#include "mempipe/model/encoder.h"
#include "mempipe/ops/activation.h"
#include "mempipe/ops/attention.h"
#include "mempipe/ops/linear.h"
#include "mempipe/ops/nn.h"

namespace mempipe::model {

OpCost encoder_forward_cost(const ModelConfig& c, std::span<const int64_t> seq_lens,
                            LinearFormat format, int64_t group, bool with_head) {
    MEMPIPE_CHECK_ARG(c.arch == Architecture::Encoder && c.heads > 0 && c.hidden % c.heads == 0,
                      "encoder_forward_cost: \"{}\" is not an encoder config", c.name);
    const int64_t h = c.hidden, f = c.intermediate, dh = h / c.heads;
    int64_t tokens = 0;
    for (int64_t len : seq_lens) {
        MEMPIPE_CHECK_ARG(len >= 0, "encoder_forward_cost: negative sequence length {}", len);
        tokens += len;
    }
    auto weights = [&](int64_t n, int64_t k) {
        LinearWeights w;
        w.format = format;
        w.n = n;
        w.k = k;
        w.group = group;
        return w;
    };
    auto elementwise = [](double n, double flops_per, double reads_per) {
        OpCost e;
        e.flops = flops_per * n;
        e.bytes_read = 4.0 * reads_per * n;
        e.bytes_written = 4.0 * n;
        return e;
    };
    OpCost total = elementwise(double(tokens) * double(h), 2, 3);  // word + type + position rows
    total.pattern = AccessPattern::Irregular;
    total += norm_cost(tokens, h);
    const LinearWeights hh = weights(h, h), up = weights(f, h), down = weights(h, f);
    for (int64_t l = 0; l < c.layers; ++l) {
        for (int i = 0; i < 4; ++i) total += linear_cost(tokens, hh);
        total += linear_cost(tokens, up);
        total += linear_cost(tokens, down);
        for (int64_t len : seq_lens) {
            if (len == 0) continue;
            total += paged_kv_append_cost(len, c.heads, dh);
            PrefillShape s{len, 0, c.heads, 1.0f / std::sqrt(float(dh)), false};
            total += attention_prefill_cost(s, c.heads, dh);
        }
        total += gelu_cost(tokens * f);
        total += elementwise(2.0 * double(tokens) * double(h), 1, 2);  // two residual adds
        total += norm_cost(tokens, h);
        total += norm_cost(tokens, h);
    }
    if (with_head && c.num_labels > 0) {
        const int64_t n = int64_t(seq_lens.size());
        total += linear_cost(n, weights(h, h));
        total += elementwise(double(n) * double(h), 10, 1);  // tanh
        OpCost out;
        out.flops = 2.0 * double(n) * double(h) * double(c.num_labels);
        out.bytes_read = 4.0 * double(c.num_labels) * double(h + 1) + 4.0 * double(n) * double(h);
        out.bytes_shared = 4.0 * double(c.num_labels) * double(h + 1);
        out.bytes_written = 4.0 * double(n) * double(c.num_labels);
        total += out;
    }
    return total;
}

}  // namespace mempipe::model
