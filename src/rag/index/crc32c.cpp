// CRC-32C: reflected polynomial 0x82F63B78, initial value and final xor 0xFFFFFFFF.
#include "rag/index/crc32c.h"

#include <nmmintrin.h>

#include <array>
#include <cstring>

#include "mempipe/core/simd.h"
#include "mempipe/rag/index.h"

namespace mempipe::rag {
namespace detail {
namespace {

using Table = std::array<std::array<uint32_t, 256>, 8>;

constexpr Table make_table() {
    Table t{};
    for (uint32_t i = 0; i < 256; ++i) {
        uint32_t c = i;
        for (int k = 0; k < 8; ++k) c = (c >> 1) ^ ((c & 1u) ? 0x82F63B78u : 0u);
        t[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; ++i)
        for (int s = 1; s < 8; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xFFu];
    return t;
}

constexpr Table kTable = make_table();

}  // namespace

uint32_t crc32c_scalar(const void* data, size_t bytes, uint32_t crc) {
    const auto* p = static_cast<const uint8_t*>(data);
    uint32_t c = ~crc;
    for (; bytes >= 8; bytes -= 8, p += 8) {
        uint32_t lo, hi;
        std::memcpy(&lo, p, 4);
        std::memcpy(&hi, p + 4, 4);
        lo ^= c;
        c = kTable[7][lo & 0xFF] ^ kTable[6][(lo >> 8) & 0xFF] ^ kTable[5][(lo >> 16) & 0xFF] ^
            kTable[4][lo >> 24] ^ kTable[3][hi & 0xFF] ^ kTable[2][(hi >> 8) & 0xFF] ^
            kTable[1][(hi >> 16) & 0xFF] ^ kTable[0][hi >> 24];
    }
    for (; bytes > 0; --bytes, ++p) c = (c >> 8) ^ kTable[0][(c ^ *p) & 0xFF];
    return ~c;
}

__attribute__((target("sse4.2"))) uint32_t crc32c_sse42(const void* data, size_t bytes,
                                                        uint32_t crc) {
    const auto* p = static_cast<const uint8_t*>(data);
    uint64_t c = ~crc;
    for (; bytes >= 8; bytes -= 8, p += 8) {
        uint64_t v;
        std::memcpy(&v, p, 8);
        c = _mm_crc32_u64(c, v);
    }
    auto c32 = static_cast<uint32_t>(c);
    for (; bytes > 0; --bytes, ++p) c32 = _mm_crc32_u8(c32, *p);
    return ~c32;
}

bool crc32c_hw_available() {
    static const bool has = __builtin_cpu_supports("sse4.2");
    return has;
}

}  // namespace detail

uint32_t index_crc32c(const void* data, size_t bytes, uint32_t crc) {
    // Every CPU with the Avx2 level has SSE4.2; MEMPIPE_SIMD=scalar forces the portable path.
    if (active_simd_level() >= SimdLevel::Avx2 && detail::crc32c_hw_available())
        return detail::crc32c_sse42(data, bytes, crc);
    return detail::crc32c_scalar(data, bytes, crc);
}

}  // namespace mempipe::rag
