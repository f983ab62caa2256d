// Bounded FIFO streams between the stages of an emulated FPGA dataflow design.
//
// `Stream<T, Depth>` is the `hls::stream<T>` of a Vitis HLS / TAPA kernel with its depth pragma
// made part of the type: a fixed-capacity ring buffer (no heap), written by exactly one stage and
// read by exactly one other. Unlike the C-simulation model of hls::stream (an unbounded std::deque
// whose full() is always false), a full stream here really is full: a producer that outruns its
// consumer blocks, so a design whose FIFOs are too shallow deadlocks in emulation exactly as it
// would in hardware, and the scheduler (stage.h) reports it. Stages test `empty()` / `full()` (the
// non-blocking HLS idiom) before they read or write; `read()` on an empty or `write()` on a full
// stream is a programming error of the stage and throws.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "mempipe/core/error.h"

namespace mempipe::fpga {

// What every stream reports to the scheduler and to the deadlock diagnostics.
class StreamBase {
  public:
    StreamBase(std::string_view name, int64_t capacity) : name_(name), capacity_(capacity) {}
    StreamBase(const StreamBase&) = delete;
    StreamBase& operator=(const StreamBase&) = delete;
    virtual ~StreamBase() = default;
    const std::string& name() const { return name_; }
    int64_t capacity() const { return capacity_; }
    int64_t size() const { return count_; }
    bool empty() const { return count_ == 0; }
    bool full() const { return count_ == capacity_; }
    int64_t free_slots() const { return capacity_ - count_; }
    int64_t max_occupancy() const { return max_count_; }  // high-water mark, for sizing FIFOs
    int64_t total_writes() const { return writes_; }

  protected:
    void pushed() {
        ++count_;
        ++writes_;
        if (count_ > max_count_) max_count_ = count_;
    }
    void popped() { --count_; }
    [[noreturn]] void misuse(const char* what) const {
        runtime_error("fpga stream '{}': {} (capacity {}, holding {}); a stage must test {} first",
                      name_, what, capacity_, count_,
                      std::string_view(what).starts_with("read") ? "empty()" : "full()");
    }

  private:
    std::string name_;
    int64_t capacity_;
    int64_t count_ = 0, max_count_ = 0, writes_ = 0;
};

template <class T, int64_t Depth>
class Stream final : public StreamBase {
    static_assert(Depth >= 1, "a stream needs a depth of at least 1");

  public:
    using value_type = T;
    explicit Stream(std::string_view name) : StreamBase(name, Depth) {}
    // Non-blocking forms (hls::stream::write_nb / read_nb): false when full / empty.
    bool write_nb(const T& v) {
        if (full()) return false;
        buf_[size_t((head_ + size()) % Depth)] = v;
        pushed();
        return true;
    }
    bool read_nb(T& v) {
        if (empty()) return false;
        v = buf_[size_t(head_)];
        head_ = (head_ + 1) % Depth;
        popped();
        return true;
    }
    void write(const T& v) {
        if (!write_nb(v)) misuse("write to a full stream");
    }
    T read() {
        T v;
        if (!read_nb(v)) misuse("read from an empty stream");
        return v;
    }
    const T& peek() const {
        if (empty()) misuse("read (peek) from an empty stream");
        return buf_[size_t(head_)];
    }

  private:
    std::array<T, size_t(Depth)> buf_{};
    int64_t head_ = 0;
};

}  // namespace mempipe::fpga
