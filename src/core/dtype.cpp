#include "mempipe/core/dtype.h"

#include <bit>
#include <cmath>

namespace mempipe {

size_t dtype_size(DType t) {
    switch (t) {
        case DType::F32:
            return 4;
        case DType::BF16:
            return 2;
        case DType::F16:
            return 2;
        case DType::FP8E4M3:
            return 1;
        case DType::I8:
            return 1;
        case DType::I32:
            return 4;
        case DType::I64:
            return 8;
    }
    return 0;
}

std::string_view dtype_name(DType t) {
    switch (t) {
        case DType::F32:
            return "f32";
        case DType::BF16:
            return "bf16";
        case DType::F16:
            return "f16";
        case DType::FP8E4M3:
            return "fp8_e4m3";
        case DType::I8:
            return "i8";
        case DType::I32:
            return "i32";
        case DType::I64:
            return "i64";
    }
    return "?";
}

float bf16_to_f32(uint16_t bits) {
    return std::bit_cast<float>(uint32_t(bits) << 16);
}

uint16_t f32_to_bf16(float x) {
    uint32_t u = std::bit_cast<uint32_t>(x);
    if ((u & 0x7fffffffu) > 0x7f800000u) return uint16_t((u >> 16) | 0x0040u);  // quiet NaN
    uint32_t rounding = 0x7fffu + ((u >> 16) & 1u);
    return uint16_t((u + rounding) >> 16);
}

float f16_to_f32(uint16_t h) {
    uint32_t sign = uint32_t(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1fu;
    uint32_t man = h & 0x3ffu;
    if (exp == 0) {
        float v = std::ldexp(float(man), -24);
        return sign ? -v : v;
    }
    if (exp == 31) return std::bit_cast<float>(sign | 0x7f800000u | (man << 13));
    return std::bit_cast<float>(sign | ((exp + 112u) << 23) | (man << 13));
}

uint16_t f32_to_f16(float x) {
    uint32_t u = std::bit_cast<uint32_t>(x);
    uint16_t sign = uint16_t((u >> 16) & 0x8000u);
    uint32_t a = u & 0x7fffffffu;
    if (a > 0x7f800000u) return uint16_t(sign | 0x7e00u | ((a >> 13) & 0x3ffu));
    if (a >= 0x477ff000u) return uint16_t(sign | 0x7c00u);  // rounds to >= 65520 → inf
    if (a < 0x38800000u) {                                  // subnormal or zero in f16
        // value / 2^-24, rounded to nearest even integer
        float v = std::bit_cast<float>(a) * 16777216.0f;  // exact (power-of-two scaling)
        float r = std::nearbyint(v);                      // default rounding mode: RNE
        return uint16_t(sign | uint16_t(r));
    }
    uint32_t rounding = 0xfffu + ((a >> 13) & 1u);
    a += rounding;
    return uint16_t(sign | ((a - 0x38000000u) >> 13));
}

float e4m3_to_f32(uint8_t b) {
    uint32_t sign = b & 0x80u;
    uint32_t exp = (b >> 3) & 0xfu;
    uint32_t man = b & 0x7u;
    if (exp == 0xf && man == 0x7) return std::nanf("");
    float v = exp == 0 ? std::ldexp(float(man), -9) : std::ldexp(float(8 + man), int(exp) - 10);
    return sign ? -v : v;
}

int32_t e4m3_to_int9(uint8_t b) {
    uint32_t exp = (b >> 3) & 0xfu;
    uint32_t man = b & 0x7u;
    if (exp == 0xf && man == 0x7) return 0;
    int32_t v = exp == 0 ? int32_t(man) : int32_t((8 + man) << (exp - 1));
    return (b & 0x80u) ? -v : v;
}

uint8_t f32_to_e4m3(float x) {
    if (std::isnan(x)) return 0x7f;
    uint8_t sign = std::signbit(x) ? 0x80 : 0x00;
    float a = std::fabs(x);
    if (a >= kFp8E4M3Max) return uint8_t(sign | 0x7e);  // saturate at 448 (0x7e); inf too
    // Quantum of the binade containing a: normals (a >= 2^-6) have 3 mantissa bits.
    int e;
    std::frexp(a, &e);  // a = m·2^e, m in [0.5,1)
    int quantum_exp = e - 1 - 3;
    if (quantum_exp < -9) quantum_exp = -9;  // subnormal spacing 2^-9
    float q = std::ldexp(a, -quantum_exp);   // exact
    float r = std::nearbyint(q);             // RNE
    float v = std::ldexp(r, quantum_exp);
    if (v >= kFp8E4M3Max) return uint8_t(sign | 0x7e);
    int32_t n = int32_t(std::ldexp(v, 9));  // v·2^9, exact integer
    // encode n·2^-9
    if (n < 8) return uint8_t(sign | n);           // subnormal (exp field 0)
    int msb = 31 - std::countl_zero(uint32_t(n));  // >= 3
    uint32_t exp_field = uint32_t(msb - 3 + 1);
    uint32_t man = (uint32_t(n) >> (msb - 3)) & 0x7u;
    return uint8_t(sign | (exp_field << 3) | man);
}

float ue8m0_scale(float amax) {
    float v = (amax > 1e-4f ? amax : 1e-4f) / kFp8E4M3Max;
    uint32_t bits = std::bit_cast<uint32_t>(v);
    int32_t exp = int32_t((bits >> 23) & 0xffu) - 127 + ((bits & 0x7fffffu) != 0 ? 1 : 0);
    return std::bit_cast<float>(uint32_t(exp + 127) << 23);
}

}  // namespace mempipe
