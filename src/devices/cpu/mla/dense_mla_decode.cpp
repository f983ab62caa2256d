// cpu::dense_mla_decode: argument checks and the engine of mla_decode*.cpp over rows 0..n−1.
#include "devices/cpu/mla/mla_decode_kernels.h"
#include "mempipe/ops/mla.h"
#include "ops/mla/mla_common.h"

namespace mempipe::cpu {

void dense_mla_decode(const float* q_abs, const uint16_t* kv, int64_t n_tokens, const MlaShape& s,
                      float* out) {
    mla_detail::check_decode("dense_mla_decode", q_abs, kv, n_tokens, s, out);
    mla_detail::MlaWork w{q_abs, kv, nullptr, n_tokens, s};
    mla_detail::run_mla_decode(w, out);
}

}  // namespace mempipe::cpu
