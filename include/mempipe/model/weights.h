// Owning weight storage for the model substrate: linear layers in the formats of ops/linear.h
// (bf16, int8, int4 with group-wise scales) and vectors/tables (norms, biases, embeddings) in f32
// or bf16, built from safetensors tensors (F32, F16 or BF16) or from a seeded random generator.
//
// Conversions: F16/BF16 are widened exactly to f32; f32 → bf16 rounds to nearest even; the integer
// formats quantise the f32 values with linear_quantize_int8 / linear_quantize_int4 (symmetric).
#pragma once

#include <cstdint>
#include <memory>

#include "mempipe/core/backend.h"
#include "mempipe/core/buffer.h"
#include "mempipe/core/rng.h"
#include "mempipe/model/safetensors.h"
#include "mempipe/ops/linear.h"

namespace mempipe::model {

// Which op implementations a model forward pass uses (core/backend.h).
using mempipe::Backend;

// A weight matrix W [n × k] (out × in) with its own storage. `weights()` is the non-owning view the
// linear kernels take; it stays valid when the object is moved.
class LinearStorage {
  public:
    LinearStorage() = default;
    // Stores f32 weights w: [n × k] row-major in `format` (group as in LinearWeights: Bf16 0,
    // Int8 0/32/64/128, Int4 32/64/128). Usage errors for a bad format/group combination.
    static LinearStorage from_f32(const float* w, int64_t n, int64_t k, LinearFormat format,
                                  int64_t group = 0);
    // From a 2-D F32/F16/BF16 tensor [n × k]; errors name the file's tensor.
    static LinearStorage from_tensor(const StTensor& t, LinearFormat format, int64_t group = 0);
    // N(0, stddev²) entries from `rng` (the same seed gives the same weights in every format).
    static LinearStorage random(int64_t n, int64_t k, float stddev, Rng& rng, LinearFormat format,
                                int64_t group = 0);

    const LinearWeights& weights() const { return w_; }
    int64_t n() const { return w_.n; }
    int64_t k() const { return w_.k; }
    // Bf16: adds a copy packed for the CPU's prefill GEMM (cpu::linear_pack; weights() then carries
    // it), for layers that run many prefill calls; doubles the layer's memory. Other formats:
    // no-op.
    void pack();
    bool packed() const { return w_.packed != nullptr; }

  private:
    Buffer<uint8_t> data_;
    Buffer<float> scales_;
    std::unique_ptr<LinearPacked> packed_;  // on the heap: w_.packed survives a move
    LinearWeights w_;
};

// The group to use for `format` when the caller has no preference: 0 for Bf16 and Int8 (per row),
// 128 for Int4.
int64_t default_linear_group(LinearFormat format);

// Every element of a F32/F16/BF16 tensor widened to f32 (shape as in the file, row-major).
Buffer<float> tensor_to_f32(const StTensor& t);
// Every element of a F32/F16/BF16 tensor as bf16 bit patterns (f32 rounded to nearest even).
Buffer<uint16_t> tensor_to_bf16(const StTensor& t);

// n values N(0, stddev²) + mean from `rng`.
Buffer<float> random_vector(int64_t n, float stddev, Rng& rng, float mean = 0.0f);

}  // namespace mempipe::model
