// RAG retrieval accelerators on the dataflow emulator: BM25 scoring + top-k (single-stage RAG:
// FS-RAG, FLARE, DRAGIN) and flat dense inner product + top-k (the first stage of two-stage RAG).
//
// BM25 (paper §6.2 case 2, App. F), timed as the authors' released kernel (HeteroLLM
// kernels/bm25/indexer_bm25.h, read, not copied; docs/fpga.md "Fidelity to the authors' kernels"):
// a document scan over a forward index, not a postings walk. The documents are packed in batches
// of 64 (4 HBM channels × 16 documents per 512-bit word); a batch takes one word per channel per
// row for as many rows as its longest document has (term, tf) entries. Every document is scored
// (df table and query bitmap on chip, the BM25 formula per entry), four accumulators per channel,
// then one word of 16 scores per cycle into the streaming top-k retriever of Fig. 7. The emulator
// scores each document doc-at-a-time with the query's terms in fold order (the reference's fold,
// so results are bit-exact with ref::bm25_top_k); the cycle model times the authors' row schedule.
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
    int64_t lanes = 0;       // BM25: documents per channel word (0: 16, the authors' 16 × 32-bit
                             // entries of a 512-bit word); dense: MAC lanes (0: default_lanes of
                             // the key dtype)
    int64_t hbm_ports = 0;   // BM25: document channels (0: 4, the authors'); dense: HBM
                             // pseudo-channels of the key loader (0: all)
    double topk_lanes = 16;  // scores compared with the list's worst per cycle (docs/fpga.md)
    double sort_lanes = 16;
};

inline constexpr int64_t kFpgaMaxDenseDim = 4096;
inline constexpr int64_t kFpgaMaxDenseQueries = 64;

namespace bm25 {
// Rows of 64-document batches the forward index of `num_docs` documents needs, when a batch takes
// as many rows as its longest document has entries: ceil(num_docs / 64) batches × batch_rows.
struct Shape {
    int64_t num_docs = 0;
    int64_t postings = 0;  // Σ list lengths of the query's terms (not read by the design: the
                           // scan reads every document; kept for reports)
    int64_t k = 0;
    int64_t queries = 1;    // processed one after another (the authors' NUM_QUERY = 1)
    double batch_rows = 0;  // mean over the 64-document batches of the largest entry count
                            // (distinct terms) of a batch's documents; ≥ 1 when num_docs > 0
};
inline constexpr int64_t kBm25BatchDocs = 64;  // 4 channels × 16 documents
std::string unsupported_reason(const Shape& s, const FpgaConfig& c);
FpgaEstimate estimate(const Shape& s, const FpgaConfig& c, const RagParams& p = {});
// Same contract as ref::bm25_top_k (terms: [n_terms]; out_scores, out_docs: [k]); the number of
// real results goes to *count (may be null). The forward index is the postings of every term of
// `index` (a document's entries = the terms whose lists hold it); its observed rows time the run.
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
