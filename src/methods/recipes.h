// Factories of the method recipes (one file each in src/methods/) and helpers they share.
#pragma once

#include <cstdint>
#include <memory>

#include "mempipe/methods/method.h"

namespace mempipe {

std::unique_ptr<Method> make_dsa_method();        // dsa.cpp
std::unique_ptr<Method> make_dense_mla_method();  // dsa.cpp: baseline, same layer, dense MLA
enum class SeerSelection { TokenBudget, Threshold };
std::unique_ptr<Method> make_seer_method(SeerSelection mode);  // seer.cpp
std::unique_ptr<Method> make_lserve_method();                  // lserve.cpp
enum class GqaModel { Qwen3_8B, Llama31_8B };
std::unique_ptr<Method> make_dense_gqa_method(GqaModel model);  // dense_gqa.cpp: baseline
enum class RagKind { FsRag, Flare, Dragin, TwoStage };
std::unique_ptr<Method> make_rag_method(RagKind kind);  // rag_methods.cpp: memory = a corpus

// Fills `out` with values uniform in [-scale, scale) rounded to bf16, deterministically from
// `seed` and independent of the thread count (fast: used for million-token synthetic caches).
void synth_fill_bf16(uint16_t* out, int64_t n, uint64_t seed, float scale);
void synth_fill_f32(float* out, int64_t n, uint64_t seed, float scale);

}  // namespace mempipe
