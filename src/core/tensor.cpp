#include "mempipe/core/tensor.h"

#include <fmt/format.h>

#include "mempipe/core/error.h"

namespace mempipe {

int64_t TensorView::numel() const {
    int64_t n = 1;
    for (int i = 0; i < rank; ++i) n *= shape[i];
    return n;
}

std::string TensorView::shape_string() const {
    std::string s = "[";
    for (int i = 0; i < rank; ++i) s += (i ? "×" : "") + std::to_string(shape[i]);
    return s + "]";
}

Tensor::Tensor(DType dtype, std::initializer_list<int64_t> shape) {
    MEMPIPE_CHECK_ARG(shape.size() <= 4, "tensor rank {} exceeds 4", shape.size());
    view_.dtype = dtype;
    view_.rank = int(shape.size());
    int i = 0;
    for (int64_t d : shape) {
        MEMPIPE_CHECK_ARG(d >= 0, "tensor dimension {} is negative ({})", i, d);
        view_.shape[i++] = d;
    }
    storage_ = Buffer<std::byte>(view_.bytes());
    view_.data = storage_.data();
}

}  // namespace mempipe
