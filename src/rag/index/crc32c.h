// CRC-32C (Castagnoli, the iSCSI/ext4 checksum) of the index file's sections: a portable
// slicing-by-8 version and an SSE4.2 version, chosen once per call.
#pragma once

#include <cstddef>
#include <cstdint>

namespace mempipe::rag::detail {

// Both continue a running checksum: crc32c(b, crc32c(a)) == crc32c(a ++ b); start from 0.
uint32_t crc32c_scalar(const void* data, size_t bytes, uint32_t crc);
uint32_t crc32c_sse42(const void* data, size_t bytes, uint32_t crc);  // needs SSE4.2
bool crc32c_hw_available();

}  // namespace mempipe::rag::detail
