// Encoder weights: seeded random init and loading Hugging Face safetensors (model/encoder.h).
#include <fmt/format.h>

#include <cmath>
#include <cstring>

#include "mempipe/core/error.h"
#include "mempipe/core/simd.h"
#include "mempipe/model/encoder.h"

namespace mempipe::model {
namespace {

constexpr float kInitStd = 0.02f;  // BERT's initializer_range

void check_encoder_config(const ModelConfig& c) {
    MEMPIPE_CHECK_ARG(c.arch == Architecture::Encoder,
                      "model config \"{}\" is not an encoder (BERT / XLM-R)", c.name);
    MEMPIPE_CHECK_ARG(c.hidden > 0 && c.heads > 0 && c.hidden % c.heads == 0,
                      "model config \"{}\": hidden {} must be a positive multiple of heads {}",
                      c.name, c.hidden, c.heads);
    MEMPIPE_CHECK_ARG(c.layers >= 0 && c.intermediate > 0 && c.vocab > 0 && c.max_positions > 0,
                      "model config \"{}\": layers, intermediate, vocab and max_positions must be "
                      "positive",
                      c.name);
    MEMPIPE_CHECK_ARG(c.position_offset >= 0 && c.position_offset < c.max_positions,
                      "model config \"{}\": position_offset {} must be in [0, max_positions {})",
                      c.name, c.position_offset, c.max_positions);
}

Buffer<float> norm_gamma(int64_t n, Rng& rng) {
    return random_vector(n, 0.05f, rng, 1.0f);
}
Buffer<float> small(int64_t n, Rng& rng) {
    return random_vector(n, 0.05f, rng);
}

// Tensor names with the checkpoint's prefix ("", "bert.", "roberta.").
struct Names {
    const SafetensorsFile& file;
    std::string prefix;

    const StTensor& get(const std::string& name, std::vector<int64_t> shape) const {
        return file.float_tensor(prefix + name, std::move(shape));
    }
    Buffer<float> vec(const std::string& name, int64_t n) const {
        return tensor_to_f32(get(name, {n}));
    }
    Buffer<float> mat(const std::string& name, int64_t r, int64_t c) const {
        return tensor_to_f32(get(name, {r, c}));
    }
    LinearStorage lin(const std::string& name, int64_t n, int64_t k, LinearFormat f,
                      int64_t group) const {
        return LinearStorage::from_tensor(get(name, {n, k}), f, group);
    }
};

}  // namespace

EncoderWeights make_random_encoder(const ModelConfig& c, LinearFormat format, int64_t group,
                                   uint64_t seed) {
    check_encoder_config(c);
    Rng rng(seed);
    EncoderWeights w;
    w.config = c;
    const int64_t h = c.hidden, f = c.intermediate;
    w.word = random_vector(c.vocab * h, kInitStd * 25, rng);
    w.position = random_vector(c.max_positions * h, kInitStd * 10, rng);
    w.token_type = random_vector(c.type_vocab * h, kInitStd * 10, rng);
    w.emb_norm_gamma = norm_gamma(h, rng);
    w.emb_norm_beta = small(h, rng);
    // Matrices scaled by 1/√k so every projection keeps O(1) activations (a 0.02 init makes the
    // attention nearly uniform and the MLP negligible, which would test little).
    const float sh = 1.0f / std::sqrt(float(h)), sf = 1.0f / std::sqrt(float(f));
    for (int64_t l = 0; l < c.layers; ++l) {
        EncoderLayerWeights L;
        L.q = LinearStorage::random(h, h, 2 * sh, rng, format, group);
        L.k = LinearStorage::random(h, h, 2 * sh, rng, format, group);
        L.v = LinearStorage::random(h, h, sh, rng, format, group);
        L.o = LinearStorage::random(h, h, sh, rng, format, group);
        L.up = LinearStorage::random(f, h, sh, rng, format, group);
        L.down = LinearStorage::random(h, f, sf, rng, format, group);
        L.q_bias = small(h, rng);
        L.k_bias = small(h, rng);
        L.v_bias = small(h, rng);
        L.o_bias = small(h, rng);
        L.up_bias = small(f, rng);
        L.down_bias = small(h, rng);
        L.attn_norm_gamma = norm_gamma(h, rng);
        L.attn_norm_beta = small(h, rng);
        L.out_norm_gamma = norm_gamma(h, rng);
        L.out_norm_beta = small(h, rng);
        w.layers.push_back(std::move(L));
    }
    if (c.num_labels > 0) {
        w.cls_dense = LinearStorage::random(h, h, sh, rng, format, group);
        w.cls_dense_bias = small(h, rng);
        w.cls_out = random_vector(c.num_labels * h, sh, rng);
        w.cls_out_bias = small(c.num_labels, rng);
    }
    return w;
}

void pack_for_prefill(EncoderWeights& w) {
    if (active_simd_level() < SimdLevel::Amx) return;
    for (EncoderLayerWeights& L : w.layers)
        for (LinearStorage* l : {&L.q, &L.k, &L.v, &L.o, &L.up, &L.down}) l->pack();
    if (w.config.num_labels > 0) w.cls_dense.pack();
}

EncoderWeights load_encoder(const SafetensorsFile& file, const ModelConfig& c, LinearFormat format,
                            int64_t group) {
    check_encoder_config(c);
    Names n{file, ""};
    for (const char* p : {"", "bert.", "roberta.", "model."})
        if (file.contains(std::string(p) + "embeddings.word_embeddings.weight")) {
            n.prefix = p;
            break;
        }
    EncoderWeights w;
    w.config = c;
    const int64_t h = c.hidden, f = c.intermediate;
    w.word = n.mat("embeddings.word_embeddings.weight", c.vocab, h);
    w.position = n.mat("embeddings.position_embeddings.weight", c.max_positions, h);
    if (c.type_vocab > 0)
        w.token_type = n.mat("embeddings.token_type_embeddings.weight", c.type_vocab, h);
    w.emb_norm_gamma = n.vec("embeddings.LayerNorm.weight", h);
    w.emb_norm_beta = n.vec("embeddings.LayerNorm.bias", h);
    for (int64_t l = 0; l < c.layers; ++l) {
        const std::string p = fmt::format("encoder.layer.{}.", l);
        EncoderLayerWeights L;
        L.q = n.lin(p + "attention.self.query.weight", h, h, format, group);
        L.k = n.lin(p + "attention.self.key.weight", h, h, format, group);
        L.v = n.lin(p + "attention.self.value.weight", h, h, format, group);
        L.o = n.lin(p + "attention.output.dense.weight", h, h, format, group);
        L.up = n.lin(p + "intermediate.dense.weight", f, h, format, group);
        L.down = n.lin(p + "output.dense.weight", h, f, format, group);
        L.q_bias = n.vec(p + "attention.self.query.bias", h);
        L.k_bias = n.vec(p + "attention.self.key.bias", h);
        L.v_bias = n.vec(p + "attention.self.value.bias", h);
        L.o_bias = n.vec(p + "attention.output.dense.bias", h);
        L.up_bias = n.vec(p + "intermediate.dense.bias", f);
        L.down_bias = n.vec(p + "output.dense.bias", h);
        L.attn_norm_gamma = n.vec(p + "attention.output.LayerNorm.weight", h);
        L.attn_norm_beta = n.vec(p + "attention.output.LayerNorm.bias", h);
        L.out_norm_gamma = n.vec(p + "output.LayerNorm.weight", h);
        L.out_norm_beta = n.vec(p + "output.LayerNorm.bias", h);
        w.layers.push_back(std::move(L));
    }
    if (c.num_labels > 0) {
        // The classification head sits outside the base model's prefix.
        Names head{file, ""};
        w.cls_dense = head.lin("classifier.dense.weight", h, h, format, group);
        w.cls_dense_bias = head.vec("classifier.dense.bias", h);
        w.cls_out = head.mat("classifier.out_proj.weight", c.num_labels, h);
        w.cls_out_bias = head.vec("classifier.out_proj.bias", c.num_labels);
    }
    return w;
}

}  // namespace mempipe::model
