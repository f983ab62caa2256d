// A flat dense index: document embeddings held in memory as f32, bf16 or int8 rows, searched
// exhaustively with cpu::dense_top_k (include/mempipe/ops/dense_retrieval.h).
//
// Inputs:
//   * vectors: a NumPy .npy [n × d] ('<f4' f32, '<f2' f16, '<u2' = bf16 bit patterns as
//     core/io.h writes them, '|i1' int8) or a .fvecs file (f32; each row = int32 d then d floats);
//   * int8 .npy vectors need their per-row scales (key ≈ scale·int8): a .npy f32 [n] given as
//     `scales_path`; f32/f16/bf16 input can instead be converted to int8 at load (`dtype = I8`,
//     per-row symmetric quantisation, ref::quant_int8_rows's rule) or to bf16 (RNE);
//   * optional L2 normalisation (before any conversion; int8 input: the scales are divided by the
//     row norm); zero rows stay zero;
//   * doc ids: the row numbers ("0", "1", …) or an ids file with one id per line (exactly n
//     non-empty, unique ids; a trailing newline is fine) so rows can be joined with a BM25 index's
//     doc ids.
// Every malformed input is an Error naming the file and what is wrong (wrong rank, d = 0,
// unsupported dtype, truncated fvecs, inconsistent fvecs dims, ids/scales count mismatch, duplicate
// id). Query vectors are read by read_query_vectors: .npy f32/f16/bf16 [nq × d] (or [d] = one
// query) or .fvecs; they are used as f32.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "mempipe/core/buffer.h"
#include "mempipe/core/dtype.h"
#include "mempipe/ops/dense_retrieval.h"

namespace mempipe::rag {

struct DenseLoadOptions {
    std::optional<DType> dtype;  // F32, BF16 or I8; unset = keep the file's (f16 → f32)
    bool normalize = false;      // L2-normalise every row
    std::string ids_path;        // one id per line; empty = row numbers
    std::string scales_path;     // .npy f32 [n], required for int8 .npy vectors
};

// "f32" | "bf16" | "int8" (also "i8"); usage error otherwise.
DType parse_dense_dtype(std::string_view name);

struct DenseHit {
    int32_t row = 0;  // key row; DenseIndex::doc_id(row) gives the user's id
    float score = 0;
};

// A row-major f32 matrix read from a file.
struct VectorMatrix {
    std::vector<float> data;  // [rows × cols]
    int64_t rows = 0, cols = 0;
};
VectorMatrix read_query_vectors(const std::string& path);

class DenseIndex {
  public:
    static DenseIndex load(const std::string& path, const DenseLoadOptions& options = {});
    // From f32 rows (x: [n × d]); ids empty = row numbers, else n unique ids.
    static DenseIndex from_f32(const float* x, int64_t n, int64_t d,
                               const DenseLoadOptions& options, std::vector<std::string> ids = {});

    int64_t size() const { return n_; }
    int64_t dim() const { return d_; }
    DType dtype() const { return dtype_; }
    DenseKeysView view() const;
    std::string doc_id(int32_t row) const;
    std::optional<int32_t> row_of(std::string_view id) const;
    uint64_t memory_bytes() const;

    // queries: [nq × dim()] f32 → per query its top-k hits (fewer when k > size()). The search
    // uses the current thread count.
    std::vector<std::vector<DenseHit>> search(const float* queries, int64_t nq, int64_t k) const;

  private:
    void set_ids(std::vector<std::string> ids, const std::string& source);

    int64_t n_ = 0, d_ = 0;
    DType dtype_ = DType::F32;
    Buffer<uint8_t> data_;
    std::vector<float> scales_;
    std::vector<std::string> ids_;  // empty = row numbers
    std::unordered_map<std::string, int32_t> row_of_;
};

}  // namespace mempipe::rag
