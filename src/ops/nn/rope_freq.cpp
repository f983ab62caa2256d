// Rotary inverse frequencies: plain theta^(-2i/d), DeepSeek-V3's YaRN correction and Llama 3.1's
// scaling.
#include <algorithm>
#include <cmath>
#include <numbers>

#include "mempipe/core/error.h"
#include "mempipe/ops/nn.h"

namespace mempipe {

namespace {
void check_rot_dim(int64_t rot_dim, double theta) {
    MEMPIPE_CHECK_ARG(rot_dim >= 0 && rot_dim % 2 == 0,
                      "rope: rot_dim must be even and ≥ 0, got {}", rot_dim);
    MEMPIPE_CHECK_ARG(theta > 1.0, "rope: theta must be > 1, got {}", theta);
}
}  // namespace

// freqs = 1 / theta^(arange(0, d, 2) / d). The exponent 2i/d is formed in f32 as torch does; the
// power and reciprocal are evaluated in f64 and rounded once to f32.
std::vector<float> rope_inv_freq(int64_t rot_dim, double theta) {
    check_rot_dim(rot_dim, theta);
    std::vector<float> f(size_t(rot_dim / 2));
    for (int64_t i = 0; i < rot_dim / 2; ++i) {
        float e = float(2 * i) / float(rot_dim);
        f[size_t(i)] = float(1.0 / std::pow(theta, double(e)));
    }
    return f;
}

// DeepSeek-V3 inference/model.py precompute_freqs_cis:
//   low  = max(floor(corr_dim(beta_fast)), 0), high = min(ceil(corr_dim(beta_slow)), d − 1),
//   corr_dim(r) = d·ln(original_seq_len / (r·2π)) / (2·ln theta);
//   ramp[i] = clamp((i − low)/(high − low), 0, 1) (high += 0.001 when equal), smooth = 1 − ramp,
//   freqs = freqs/factor·(1 − smooth) + freqs·smooth, element-wise in f32 (as the torch code).
std::vector<float> rope_inv_freq_yarn(int64_t rot_dim, double theta, double factor,
                                      double beta_fast, double beta_slow,
                                      int64_t original_seq_len) {
    check_rot_dim(rot_dim, theta);
    MEMPIPE_CHECK_ARG(factor >= 1.0, "rope_inv_freq_yarn: factor must be ≥ 1, got {}", factor);
    MEMPIPE_CHECK_ARG(
        beta_fast > 0 && beta_slow > 0 && beta_fast >= beta_slow,
        "rope_inv_freq_yarn: need beta_fast ≥ beta_slow > 0, got beta_fast {} beta_slow {}",
        beta_fast, beta_slow);
    MEMPIPE_CHECK_ARG(original_seq_len > 0,
                      "rope_inv_freq_yarn: original_seq_len must be > 0, got {}", original_seq_len);
    std::vector<float> f = rope_inv_freq(rot_dim, theta);
    const double d = double(rot_dim);
    auto corr_dim = [&](double rotations) {
        return d * std::log(double(original_seq_len) / (rotations * 2.0 * std::numbers::pi)) /
               (2.0 * std::log(theta));
    };
    double low = std::max(std::floor(corr_dim(beta_fast)), 0.0);
    double high = std::min(std::ceil(corr_dim(beta_slow)), d - 1.0);
    float lo = float(low), hi = float(high);
    if (lo == hi) hi += 0.001f;
    const float fac = float(factor);
    for (size_t i = 0; i < f.size(); ++i) {
        float ramp = std::clamp((float(i) - lo) / (hi - lo), 0.0f, 1.0f);
        float smooth = 1.0f - ramp;
        f[i] = f[i] / fac * (1.0f - smooth) + f[i] * smooth;
    }
    return f;
}

std::vector<float> rope_inv_freq_llama3(int64_t rot_dim, double theta, double factor,
                                        double low_freq_factor, double high_freq_factor,
                                        int64_t original_max_position) {
    check_rot_dim(rot_dim, theta);
    MEMPIPE_CHECK_ARG(factor >= 1.0, "rope_inv_freq_llama3: factor must be ≥ 1, got {}", factor);
    MEMPIPE_CHECK_ARG(low_freq_factor > 0 && high_freq_factor > low_freq_factor,
                      "rope_inv_freq_llama3: need high_freq_factor > low_freq_factor > 0, got "
                      "low {} high {}",
                      low_freq_factor, high_freq_factor);
    MEMPIPE_CHECK_ARG(original_max_position > 0,
                      "rope_inv_freq_llama3: original_max_position must be > 0, got {}",
                      original_max_position);
    std::vector<float> f = rope_inv_freq(rot_dim, theta);
    const float len = float(original_max_position), fac = float(factor);
    const float low = float(low_freq_factor), high = float(high_freq_factor);
    const float low_wavelen = len / low, high_wavelen = len / high;
    for (float& x : f) {
        const float wavelen = 2.0f * std::numbers::pi_v<float> / x;
        if (wavelen > low_wavelen) {
            x = x / fac;
        } else if (!(wavelen < high_wavelen)) {
            const float s = (len / wavelen - low) / (high - low);
            x = (1.0f - s) * x / fac + s * x;
        }
    }
    return f;
}

}  // namespace mempipe
