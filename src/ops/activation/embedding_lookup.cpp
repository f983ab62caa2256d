// Token-embedding gather: the reference (exact bf16 widening) and the cost signature.
#include "mempipe/core/dtype.h"
#include "mempipe/ops/activation.h"
#include "ops/activation/activation_internal.h"

namespace mempipe {

OpCost embedding_lookup_cost(int64_t m, int64_t dim) {
    OpCost c;
    c.bytes_read = double(m) * double(dim) * 2.0 + 4.0 * double(m);
    c.bytes_written = double(m) * double(dim) * 4.0;
    c.pattern = AccessPattern::Irregular;
    return c;
}

namespace ref {
void embedding_lookup(const uint16_t* table, int64_t vocab, int64_t dim, const int32_t* ids,
                      int64_t m, float* out) {
    activation_detail::check_embedding(table, vocab, dim, ids, m, out);
    for (int64_t r = 0; r < m; ++r) {
        const uint16_t* row = table + int64_t(ids[r]) * dim;
        for (int64_t i = 0; i < dim; ++i) out[r * dim + i] = bf16_to_f32(row[i]);
    }
}
}  // namespace ref

}  // namespace mempipe
