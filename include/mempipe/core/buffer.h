// Owning, 64-byte aligned, uninitialised storage for kernel inputs and outputs.
//
// `Buffer<T>` is move-only. Large buffers (≥ 2 MiB) are advised to use transparent huge pages,
// which this machine's kernel offers in `madvise` mode. Contents are not initialised: fill before
// reading.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>

namespace mempipe {

inline constexpr size_t kBufferAlignment = 64;

void* aligned_alloc_bytes(size_t bytes);  // throws Error(Runtime) on failure; bytes may be 0
void aligned_free_bytes(void* p);

template <class T>
class Buffer {
  public:
    Buffer() = default;
    explicit Buffer(size_t n)
        : data_(static_cast<T*>(aligned_alloc_bytes(n * sizeof(T)))), size_(n) {}
    Buffer(size_t n, T fill) : Buffer(n) {
        for (size_t i = 0; i < n; ++i) data_[i] = fill;
    }
    Buffer(const Buffer&) = delete;
    Buffer& operator=(const Buffer&) = delete;
    Buffer(Buffer&& o) noexcept
        : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)) {}
    Buffer& operator=(Buffer&& o) noexcept {
        if (this != &o) {
            aligned_free_bytes(data_);
            data_ = std::exchange(o.data_, nullptr);
            size_ = std::exchange(o.size_, 0);
        }
        return *this;
    }
    ~Buffer() { aligned_free_bytes(data_); }

    T* data() { return data_; }
    const T* data() const { return data_; }
    size_t size() const { return size_; }
    size_t bytes() const { return size_ * sizeof(T); }
    bool empty() const { return size_ == 0; }
    T& operator[](size_t i) { return data_[i]; }
    const T& operator[](size_t i) const { return data_[i]; }
    T* begin() { return data_; }
    T* end() { return data_ + size_; }
    const T* begin() const { return data_; }
    const T* end() const { return data_ + size_; }
    std::span<T> span() { return {data_, size_}; }
    std::span<const T> span() const { return {data_, size_}; }

  private:
    T* data_ = nullptr;
    size_t size_ = 0;
};

}  // namespace mempipe
