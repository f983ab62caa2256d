// File output that never loses what the user had, JSON output, and NumPy .npy exchange.
//
// `write_file_atomic` writes to `<path>.tmp.<pid>`, fsyncs, then renames over `path`, so a crash or
// a full disk leaves the old file intact. `.npy` files (format 1.0, little-endian, C order) are how
// the benchmarks hand identical inputs to the Python peers.
#pragma once

#include <initializer_list>
#include <vector>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "mempipe/core/dtype.h"

namespace mempipe {

using Json = nlohmann::ordered_json;

void write_file_atomic(const std::string& path, const void* data, size_t bytes);
// One piece of a file written by write_parts_atomic.
struct FilePart {
    const void* data;
    size_t bytes;
};
// Writes the parts back to back to a temporary name in the same directory, fsyncs and renames it
// over `path` (a failure leaves `path` as it was and removes the temporary file).
void write_parts_atomic(const std::string& path, std::initializer_list<FilePart> head,
                        const std::vector<FilePart>& tail = {});
void write_text_atomic(const std::string& path, const std::string& text);
void write_json_atomic(const std::string& path, const Json& j);

struct NpyArray {
    DType dtype = DType::F32;
    std::vector<int64_t> shape;
    std::vector<uint8_t> data;  // raw little-endian elements
};

// dtype ∈ {F32, F16, I8, I32, I64, BF16 (stored as '<u2'), FP8E4M3 (stored as '|u1')}.
void write_npy(const std::string& path, DType dtype, const std::vector<int64_t>& shape,
               const void* data);
NpyArray read_npy(const std::string& path);  // throws Error(Runtime) naming the file on bad input

}  // namespace mempipe
