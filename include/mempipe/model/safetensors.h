// Reading and writing safetensors files (the Hugging Face weight format), so the model substrate
// can load published weights and the tests can generate their own.
//
// Layout (https://huggingface.co/docs/safetensors): an 8-byte little-endian header length N, N
// bytes of UTF-8 JSON, then the data buffer. The JSON maps each tensor name to
//   {"dtype": "BF16", "shape": [rows, cols], "data_offsets": [begin, end]}
// with offsets relative to the start of the data buffer; an optional "__metadata__" entry maps
// strings to strings. `SafetensorsFile::open` maps the file read-only and validates everything
// before handing out a view: N fits in the file, the header is a JSON object, every dtype is one of
// F32, F16, BF16, I8, U8, I32, I64, F64, every shape entry is a non-negative integer, end − begin =
// prod(shape) · itemsize, every range lies inside the data buffer, and ranges do not overlap.
// Every error is an Error(Runtime) that names the file, the tensor and what is wrong.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace mempipe::model {

enum class StDType : uint8_t { F32, F16, BF16, I8, U8, I32, I64, F64 };

std::string_view st_dtype_name(StDType t);  // "F32", "BF16", ... (the file's spelling)
size_t st_dtype_size(StDType t);

// One tensor of an open file: a read-only view into the mapping (valid while the file is open).
struct StTensor {
    std::string name;
    StDType dtype = StDType::F32;
    std::vector<int64_t> shape;  // empty = a scalar (one element)
    const void* data = nullptr;  // bytes: numel() · st_dtype_size(dtype); may be unaligned
    size_t bytes = 0;

    int64_t numel() const;
    std::string shape_string() const;  // "[384×1536]"
    template <class T>
    const T* as() const {
        return static_cast<const T*>(data);
    }
};

class SafetensorsFile {
  public:
    // Maps `path` read-only and validates its header (see above).
    static SafetensorsFile open(const std::string& path);

    SafetensorsFile(SafetensorsFile&&) noexcept;
    SafetensorsFile& operator=(SafetensorsFile&&) noexcept;
    ~SafetensorsFile();

    const std::string& path() const;
    std::vector<std::string> names() const;  // every tensor, in order of name
    bool contains(std::string_view name) const;
    // The tensor called `name`; a missing one is an Error(Runtime) naming the file and the tensor.
    const StTensor& tensor(std::string_view name) const;
    // As `tensor`, also checking its rank and sizes (−1 = any) and that the dtype is one of the
    // float types (F32, F16, BF16); errors name the file, the tensor and both shapes.
    const StTensor& float_tensor(std::string_view name, std::vector<int64_t> expected_shape) const;
    const std::map<std::string, std::string>& metadata() const;

  private:
    struct State;
    explicit SafetensorsFile(std::unique_ptr<State> s);
    std::unique_ptr<State> s_;
};

// A tensor to write: `data` holds prod(shape) elements of `dtype` (little-endian).
struct StTensorWrite {
    std::string name;
    StDType dtype = StDType::F32;
    std::vector<int64_t> shape;
    const void* data = nullptr;
};

// Writes a safetensors file (tensors in the given order, header padded with spaces to a multiple
// of 8 bytes) to a temporary name, fsyncs and renames it over `path`. Names must be unique, not
// empty and not "__metadata__" (usage errors).
void write_safetensors(const std::string& path, const std::vector<StTensorWrite>& tensors,
                       const std::map<std::string, std::string>& metadata = {});

}  // namespace mempipe::model
