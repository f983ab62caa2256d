// Argument checks shared by the references and the CPU kernels of the activation family.
#pragma once

#include <cstdint>

#include "mempipe/core/error.h"

namespace mempipe::activation_detail {

inline void check_silu_mul(const float* gate, const float* up, const float* out, int64_t n) {
    MEMPIPE_CHECK_ARG(n >= 0, "silu_mul: n must be ≥ 0, got {}", n);
    MEMPIPE_CHECK_ARG(n == 0 || (gate && up && out),
                      "silu_mul: gate, up or out is null with n = {}", n);
}

inline void check_gelu(const float* x, const float* out, int64_t n) {
    MEMPIPE_CHECK_ARG(n >= 0, "gelu: n must be ≥ 0, got {}", n);
    MEMPIPE_CHECK_ARG(n == 0 || (x && out), "gelu: x or out is null with n = {}", n);
}

// Validates sizes, pointers and every id (before anything is written).
inline void check_embedding(const uint16_t* table, int64_t vocab, int64_t dim, const int32_t* ids,
                            int64_t m, const float* out) {
    MEMPIPE_CHECK_ARG(vocab >= 0 && dim >= 0 && m >= 0,
                      "embedding_lookup: sizes must be ≥ 0, got vocab {} dim {} m {}", vocab, dim,
                      m);
    MEMPIPE_CHECK_ARG(m == 0 || ids, "embedding_lookup: ids is null with m = {}", m);
    MEMPIPE_CHECK_ARG(m * dim == 0 || (table && out),
                      "embedding_lookup: table or out is null with m = {} dim = {}", m, dim);
    for (int64_t r = 0; r < m; ++r)
        MEMPIPE_CHECK_ARG(ids[r] >= 0 && ids[r] < vocab,
                          "embedding_lookup: token id {} at position {} is outside the vocabulary "
                          "[0, {}); check the tokenizer matches the model",
                          ids[r], r, vocab);
}

}  // namespace mempipe::activation_detail
