// A typed, shaped, owning tensor and its non-owning view.
//
// Kernels take raw pointers with documented shapes (`q: [heads × dim], row-major`); `Tensor` is
// what graphs, methods and tests hold. Rows are contiguous (row-major, innermost dimension last)
// and data is 64-byte aligned. Shapes are at most 4-D.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <string>

#include "mempipe/core/buffer.h"
#include "mempipe/core/dtype.h"

namespace mempipe {

using Shape = std::array<int64_t, 4>;

struct TensorView {
    void* data = nullptr;
    DType dtype = DType::F32;
    int rank = 0;
    Shape shape{1, 1, 1, 1};

    int64_t numel() const;
    size_t bytes() const { return size_t(numel()) * dtype_size(dtype); }
    template <class T>
    T* as() const {
        return static_cast<T*>(data);
    }
    std::string shape_string() const;  // e.g. "[64×128]"
};

class Tensor {
  public:
    Tensor() = default;
    Tensor(DType dtype, std::initializer_list<int64_t> shape);
    const TensorView& view() const { return view_; }
    DType dtype() const { return view_.dtype; }
    int64_t numel() const { return view_.numel(); }
    size_t bytes() const { return view_.bytes(); }
    int64_t dim(int i) const { return view_.shape[i]; }
    template <class T>
    T* as() {
        return static_cast<T*>(view_.data);
    }
    template <class T>
    const T* as() const {
        return static_cast<const T*>(view_.data);
    }

  private:
    Buffer<std::byte> storage_;
    TensorView view_;
};

}  // namespace mempipe
