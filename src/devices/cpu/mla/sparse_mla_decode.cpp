// cpu::sparse_mla_decode: argument checks (indices in range, unique) and the engine of
// mla_decode*.cpp over the valid indices.
#include <vector>

#include "devices/cpu/mla/mla_decode_kernels.h"
#include "mempipe/ops/mla.h"
#include "ops/mla/mla_common.h"

namespace mempipe::cpu {

void sparse_mla_decode(const float* q_abs, const uint16_t* kv, int64_t n_tokens,
                       const int32_t* indices, int64_t topk, const MlaShape& s, float* out) {
    mla_detail::check_decode("sparse_mla_decode", q_abs, kv, n_tokens, s, out);
    std::vector<int32_t> tokens = mla_detail::valid_indices(indices, topk, n_tokens);
    mla_detail::MlaWork w{q_abs, kv, tokens.data(), int64_t(tokens.size()), s};
    mla_detail::run_mla_decode(w, out);
}

}  // namespace mempipe::cpu
