// RAG retrieval accelerators on the dataflow emulator: BM25 scoring + top-k (single-stage RAG:
// FS-RAG, FLARE, DRAGIN) and flat dense inner product + top-k (the first stage of two-stage RAG).
//
// BM25 (paper §6.2 case 2, App. F): a postings loader streams each query term's (doc, impact) list
// from HBM in query order; an accumulator bank adds impacts into a per-doc f32 score array (lower
// doc ids on chip, the rest in HBM, where every update is a random read-modify-write); a scan
// emits the matched docs in id order into the streaming top-k retriever of Fig. 7. The fold is the
// reference's (term-at-a-time in query order, then + shift), so results are bit-exact with
// ref::bm25_top_k.
// Dense: the key loader streams the rows of the key matrix from the three-tier store (Fig. 7's
// loader), an inner-product engine scores every query of the batch against each row (keys are read
// once per batch), one retriever per query. Bit-exact with ref::dense_top_k (f64 folds for
// F32/BF16, exact int dot products for I8).
// All times are modelled (cycle_model.h).
#pragma once

#include <cstdint>
#include <string>

#include "mempipe/devices/fpga/cycle_model.h"
#include "mempipe/devices/fpga/fpga_config.h"
#include "mempipe/ops/bm25.h"
#include "mempipe/ops/dense_retrieval.h"

namespace mempipe::fpga {

struct RagParams {
    int64_t lanes = 0;       // BM25: postings accumulated per cycle (0: 8, one 512-bit beat);
                             // dense: MAC lanes (0: default_lanes of the key dtype)
    int64_t hbm_ports = 0;   // HBM pseudo-channels of the loader (0: all)
    double scan_lanes = 16;  // BM25: docs the scan reads per cycle (one 512-bit word of scores)
    double topk_lanes = 16;  // scores compared with the list's worst per cycle (docs/fpga.md)
    double sort_lanes = 16;
};

inline constexpr int64_t kFpgaMaxDenseDim = 4096;
inline constexpr int64_t kFpgaMaxDenseQueries = 64;

namespace bm25 {
struct Shape {
    int64_t num_docs = 0;
    int64_t postings = 0;  // Σ list lengths of the query's terms
    int64_t k = 0;
    int64_t queries = 1;  // processed one after another
};
std::string unsupported_reason(const Shape& s, const FpgaConfig& c);
FpgaEstimate estimate(const Shape& s, const FpgaConfig& c, const RagParams& p = {});
// Same contract as ref::bm25_top_k (terms: [n_terms]; out_scores, out_docs: [k]); the number of
// real results goes to *count (may be null).
FpgaEstimate run(const PostingsView& index, const uint32_t* terms, int64_t n_terms, int64_t k,
                 float* out_scores, int32_t* out_docs, int64_t* count, const FpgaConfig& c,
                 const RagParams& p = {});
}  // namespace bm25

namespace dense {
struct Shape {
    int64_t nq = 1;
    int64_t n = 0;
    int64_t d = 0;
    DType dtype = DType::F32;
    int64_t k = 0;
};
std::string unsupported_reason(const Shape& s, const FpgaConfig& c);
FpgaEstimate estimate(const Shape& s, const FpgaConfig& c, const RagParams& p = {});
// Same contract as ref::dense_top_k (queries: [nq × d] f32; out_values (may be null) /
// out_indices: [nq × k]).
FpgaEstimate run(const float* queries, int64_t nq, const DenseKeysView& keys, int64_t k,
                 float* out_values, int32_t* out_indices, const FpgaConfig& c,
                 const RagParams& p = {});
}  // namespace dense

}  // namespace mempipe::fpga
