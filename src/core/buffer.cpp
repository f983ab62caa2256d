#include "mempipe/core/buffer.h"

#include <sys/mman.h>

#include <cstdlib>

#include "mempipe/core/error.h"

namespace mempipe {

void* aligned_alloc_bytes(size_t bytes) {
    if (bytes == 0) return nullptr;
    size_t rounded = (bytes + kBufferAlignment - 1) / kBufferAlignment * kBufferAlignment;
    constexpr size_t kHuge = size_t(2) << 20;
    size_t align = rounded >= kHuge ? kHuge : kBufferAlignment;
    if (align == kHuge) rounded = (rounded + kHuge - 1) / kHuge * kHuge;
    void* p = std::aligned_alloc(align, rounded);
    if (!p) runtime_error("out of memory: could not allocate {} bytes", bytes);
    if (align == kHuge) madvise(p, rounded, MADV_HUGEPAGE);
    return p;
}

void aligned_free_bytes(void* p) {
    std::free(p);
}

}  // namespace mempipe
