// Shared DSA helpers: argument checks, the Int8-path requantisation rules, the final top-k
// selection.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "mempipe/core/dtype.h"
#include "ops/dsa/dsa_internal.h"

namespace mempipe::dsa_detail {

void check_quant(const float* x, int64_t rows, int64_t cols, const uint8_t* codes,
                 const float* scales) {
    MEMPIPE_CHECK_ARG(rows >= 0 && cols >= 0,
                      "quant_fp8_block: sizes must be ≥ 0, got rows {} cols {}", rows, cols);
    MEMPIPE_CHECK_ARG(cols % kDsaHeadDim == 0,
                      "quant_fp8_block: cols must be a multiple of 128 (the block), got {}", cols);
    MEMPIPE_CHECK_ARG(rows * cols == 0 || (x && codes && scales),
                      "quant_fp8_block: x, codes or scales is null");
}

void check_keys(const char* op, const IndexKeysView& keys) {
    MEMPIPE_CHECK_ARG(keys.len >= 0, "{}: keys.len must be ≥ 0, got {}", op, keys.len);
    MEMPIPE_CHECK_ARG(keys.len == 0 || keys.pages, "{}: keys.pages is null with len {}", op,
                      keys.len);
    MEMPIPE_CHECK_ARG(keys.len <= int64_t(std::numeric_limits<int32_t>::max()),
                      "{}: keys.len {} exceeds the int32 index range", op, keys.len);
    if (keys.block_table)
        for (int64_t p = 0; p < (keys.len + kIndexPageTokens - 1) / kIndexPageTokens; ++p)
            MEMPIPE_CHECK_ARG(keys.block_table[p] >= 0, "{}: block_table[{}] = {} is negative", op,
                              p, keys.block_table[p]);
}

void check_logits(const char* op, const uint8_t* q8, const float* weights,
                  const IndexKeysView& keys, int64_t batch, int64_t heads) {
    check_keys(op, keys);
    MEMPIPE_CHECK_ARG(batch >= 0, "{}: batch must be ≥ 0, got {}", op, batch);
    MEMPIPE_CHECK_ARG(heads >= 1 && heads <= 1024, "{}: heads must be in [1, 1024], got {}", op,
                      heads);
    MEMPIPE_CHECK_ARG(batch == 0 || (q8 && weights), "{}: q8 or weights is null", op);
}

void check_prepare(const char* op, const IndexerWeights& w, int64_t batch) {
    MEMPIPE_CHECK_ARG(batch >= 0, "{}: batch must be ≥ 0, got {}", op, batch);
    MEMPIPE_CHECK_ARG(w.dim > 0 && w.q_lora > 0 && w.heads > 0,
                      "{}: dim, q_lora and heads must be > 0", op);
    MEMPIPE_CHECK_ARG(w.inv_freq != nullptr,
                      "{}: IndexerWeights.inv_freq is null (use rope_inv_freq_yarn(64, ...))", op);
}

int key_exponent(const uint8_t* k8) {
    int e = 0;
    for (int d = 0; d < kDsaHeadDim; ++d) e = std::max(e, (k8[d] & 0x7f) >> 3);
    return e;
}

int32_t key_int8(uint8_t code, int e_max) {
    int64_t v = e4m3_to_int9(code);  // exact integer, |v| ≤ 229376
    int sh = e_max - 4;
    if (sh <= 0) return int32_t(v << -sh);
    // RNE(v / 2^sh)
    int64_t a = v < 0 ? -v : v;
    int64_t q = a >> sh, r = a - (q << sh), half = int64_t(1) << (sh - 1);
    if (r > half || (r == half && (q & 1))) ++q;
    return int32_t(v < 0 ? -q : q);
}

int32_t query_int8(const uint8_t* q8, int8_t* q_i) {
    int e = key_exponent(q8);
    for (int d = 0; d < kDsaHeadDim; ++d) q_i[d] = int8_t(key_int8(q8[d], e));
    return e;
}

float int8_head_weight(float w, int32_t e_max) {
    return std::ldexp(w, e_max - 13);
}

IndexKeysView gather_keys(const IndexKeysView& keys, const int32_t* idx, int64_t m,
                          Buffer<uint8_t>& out) {
    const int64_t pages = (m + kIndexPageTokens - 1) / kIndexPageTokens;
    out = Buffer<uint8_t>(size_t(pages * kIndexPageBytes));
    for (int64_t i = 0; i < m; ++i) {
        uint8_t* pg = out.data() + (i / kIndexPageTokens) * kIndexPageBytes;
        std::memcpy(pg + (i % kIndexPageTokens) * kDsaHeadDim, key_ptr(keys, idx[i]),
                    size_t(kDsaHeadDim));
        float s = key_scale(keys, idx[i]);
        std::memcpy(pg + kIndexPageTokens * kDsaHeadDim + (i % kIndexPageTokens) * 4, &s, sizeof s);
    }
    return {out.data(), nullptr, m};
}

}  // namespace mempipe::dsa_detail
