// Owning weight storage: conversion from safetensors tensors and seeded random init
// (model/weights.h).
#include "mempipe/model/weights.h"

#include <cstring>

#include "mempipe/core/dtype.h"
#include "mempipe/core/error.h"

namespace mempipe::model {
namespace {

void check_float_tensor(const StTensor& t) {
    if (t.dtype != StDType::F32 && t.dtype != StDType::F16 && t.dtype != StDType::BF16)
        runtime_error("tensor \"{}\" has dtype {}; expected F32, F16 or BF16", t.name,
                      st_dtype_name(t.dtype));
}

}  // namespace

int64_t default_linear_group(LinearFormat format) {
    return format == LinearFormat::Int4 ? 128 : 0;
}

LinearStorage LinearStorage::from_f32(const float* w, int64_t n, int64_t k, LinearFormat format,
                                      int64_t group) {
    MEMPIPE_CHECK_ARG(n >= 0 && k >= 0, "LinearStorage: shape [{} × {}] must be non-negative", n,
                      k);
    MEMPIPE_CHECK_ARG(n * k == 0 || w != nullptr, "LinearStorage: weights are null");
    LinearStorage s;
    switch (format) {
        case LinearFormat::Bf16: {
            MEMPIPE_CHECK_ARG(group == 0, "LinearStorage: bf16 weights take group 0, got {}",
                              group);
            s.data_ = Buffer<uint8_t>(size_t(n * k) * 2);
            auto* d = reinterpret_cast<uint16_t*>(s.data_.data());
            for (int64_t i = 0; i < n * k; ++i) d[i] = f32_to_bf16(w[i]);
            s.w_ = LinearWeights::bf16(d, n, k);
            break;
        }
        case LinearFormat::Int8: {
            MEMPIPE_CHECK_ARG(group == 0 || group == 32 || group == 64 || group == 128,
                              "LinearStorage: int8 group must be 0, 32, 64 or 128, got {}", group);
            s.w_ = LinearWeights::int8(nullptr, nullptr, n, k, group);
            s.data_ = Buffer<uint8_t>(size_t(n * k));
            s.scales_ = Buffer<float>(size_t(n * s.w_.groups()));
            auto* q = reinterpret_cast<int8_t*>(s.data_.data());
            linear_quantize_int8(w, n, k, group, q, s.scales_.data());
            s.w_ = LinearWeights::int8(q, s.scales_.data(), n, k, group);
            break;
        }
        case LinearFormat::Int4: {
            MEMPIPE_CHECK_ARG(group == 32 || group == 64 || group == 128,
                              "LinearStorage: int4 group must be 32, 64 or 128, got {}", group);
            s.w_ = LinearWeights::int4(nullptr, nullptr, nullptr, n, k, group);
            s.data_ = Buffer<uint8_t>(size_t(n * ((k + 1) / 2)));
            s.scales_ = Buffer<float>(size_t(n * s.w_.groups()));
            linear_quantize_int4(w, n, k, group, true, s.data_.data(), s.scales_.data(), nullptr);
            s.w_ = LinearWeights::int4(s.data_.data(), s.scales_.data(), nullptr, n, k, group);
            break;
        }
    }
    return s;
}

void LinearStorage::pack() {
    if (w_.format != LinearFormat::Bf16 || packed_) return;
    packed_ = std::make_unique<LinearPacked>(cpu::linear_pack(w_));
    w_.packed = packed_.get();
}

LinearStorage LinearStorage::from_tensor(const StTensor& t, LinearFormat format, int64_t group) {
    check_float_tensor(t);
    if (t.shape.size() != 2)
        runtime_error("tensor \"{}\" has shape {}; a linear weight must be 2-D [out × in]", t.name,
                      t.shape_string());
    if (format == LinearFormat::Bf16 && t.dtype == StDType::BF16) {
        LinearStorage s;
        s.data_ = Buffer<uint8_t>(t.bytes);
        if (t.bytes) std::memcpy(s.data_.data(), t.data, t.bytes);
        s.w_ = LinearWeights::bf16(reinterpret_cast<const uint16_t*>(s.data_.data()), t.shape[0],
                                   t.shape[1]);
        return s;
    }
    Buffer<float> f = tensor_to_f32(t);
    return from_f32(f.data(), t.shape[0], t.shape[1], format, group);
}

LinearStorage LinearStorage::random(int64_t n, int64_t k, float stddev, Rng& rng,
                                    LinearFormat format, int64_t group) {
    MEMPIPE_CHECK_ARG(n >= 0 && k >= 0, "LinearStorage: shape [{} × {}] must be non-negative", n,
                      k);
    Buffer<float> f = random_vector(n * k, stddev, rng);
    return from_f32(f.data(), n, k, format, group);
}

Buffer<float> tensor_to_f32(const StTensor& t) {
    check_float_tensor(t);
    const int64_t n = t.numel();
    Buffer<float> out{size_t(n)};
    const auto* b = static_cast<const unsigned char*>(t.data);
    for (int64_t i = 0; i < n; ++i) {
        if (t.dtype == StDType::F32) {
            std::memcpy(&out[size_t(i)], b + 4 * i, 4);
        } else {
            uint16_t h;
            std::memcpy(&h, b + 2 * i, 2);
            out[size_t(i)] = t.dtype == StDType::BF16 ? bf16_to_f32(h) : f16_to_f32(h);
        }
    }
    return out;
}

Buffer<uint16_t> tensor_to_bf16(const StTensor& t) {
    check_float_tensor(t);
    const int64_t n = t.numel();
    Buffer<uint16_t> out{size_t(n)};
    if (t.dtype == StDType::BF16) {
        if (t.bytes) std::memcpy(out.data(), t.data, t.bytes);
        return out;
    }
    Buffer<float> f = tensor_to_f32(t);
    for (int64_t i = 0; i < n; ++i) out[size_t(i)] = f32_to_bf16(f[size_t(i)]);
    return out;
}

Buffer<float> random_vector(int64_t n, float stddev, Rng& rng, float mean) {
    MEMPIPE_CHECK_ARG(n >= 0, "random_vector: n = {} must be non-negative", n);
    Buffer<float> out{size_t(n)};
    rng.fill_normal(out.span(), stddev);
    if (mean != 0.0f)
        for (float& x : out) x += mean;
    return out;
}

}  // namespace mempipe::model
