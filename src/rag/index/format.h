// The index file layout (little-endian), shared by the writer (format.cpp) and the verifier
// (verify.cpp):
//   [0, 64)   header: magic[16] "MEMPIPE-BM25\0\0\0\0", uint32 version, uint32 section count,
//             uint64 file bytes, uint32 crc32c of the header + section table (this field taken as
//             0), 28 zero bytes
//   [64, …)   section table: count × {char name[16] (NUL-padded), uint64 offset, uint64 bytes,
//             uint32 crc32c of the bytes, uint32 0}
//   sections  each at a 64-byte-aligned offset, in table order, zero padding in between; the file
//             ends at the last section's last byte.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>

#include "rag/index/impl.h"

namespace mempipe::rag::detail {

inline constexpr char kMagic[16] = {'M', 'E', 'M', 'P', 'I', 'P', 'E', '-',
                                    'B', 'M', '2', '5', 0,   0,   0,   0};
inline constexpr size_t kHeaderBytes = 64;
inline constexpr size_t kEntryBytes = 40;
inline constexpr uint32_t kMaxSections = 64;
inline constexpr uint64_t kAlign = 64;
inline constexpr const char* kRebuild = "re-build the index with `mempipe rag index CORPUS -o DIR`";

template <class T>
T read_le(const uint8_t* p) {
    T v;
    std::memcpy(&v, p, sizeof(T));
    return v;
}

template <class T>
void write_le(uint8_t* p, T v) {
    std::memcpy(p, &v, sizeof(T));
}

inline uint64_t align_up(uint64_t x) {
    return (x + kAlign - 1) / kAlign * kAlign;
}

// Validates the mapped file m.map [m.map_bytes] and points m's views into it; every problem is an
// Error(Runtime) naming `file` and the section.
void bind_mapped_index(InvertedIndex::Impl& m, const std::string& file);

}  // namespace mempipe::rag::detail
