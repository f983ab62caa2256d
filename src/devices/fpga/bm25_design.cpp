// BM25 scoring + top-k on the emulator, timed as the authors' released kernel (HeteroLLM
// kernels/bm25/indexer_bm25.h, read, not copied): df table and query bitmap loaded on chip →
// forward-index document scan (4 channels × 16 documents per 512-bit word, one (term, tf) entry
// per document per row) → BM25 formula and four-way accumulation per channel → one word of 16
// scores per cycle into the streaming top-k (include/mempipe/devices/fpga/rag_designs.h).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

#include "common_stages.h"
#include "mempipe/devices/fpga/rag_designs.h"
#include "ops/retrieval/bm25_internal.h"

namespace mempipe::fpga::bm25 {
namespace {

using detail::Scored;

// The authors' design (kernels/bm25/indexer_bm25.h):
constexpr int64_t kDefaultDocLanes = 16;  // bm25_core: tapa::vec_t<ap_uint<32>, 16> per row
constexpr int64_t kDefaultChannels = 4;  // indexer_top: tapa::mmaps<…, 4> doc_mem, 4 × bm25_core
constexpr double kEntryBytes = 4;        // ap_uint<32>: 16-bit token id + 8-bit tf
constexpr double kVocab = 65536;         // VOCAB_SIZE (line 16): df table loaded every call
constexpr double kQueryBitmapBytes = kVocab / 8;
// bm25_score_acc, per batch and channel, outside its II = 1 row loop: the instruction read (1),
// the row loop's depth (FIFO read 1 + fadd 3), the two levels of pairwise adds of the four partial
// sums (2 × fadd 3) and the score write (1). fadd latency 3: memory_fpga.md B1 (HeteroLLM
// fpga_resource.json). The UG1393 loop rule: a pipelined loop inside a non-pipelined outer loop
// pays its depth on every outer iteration.
constexpr double kBatchOverhead = 1 + (1 + 3) + 2 * 3 + 1;
// bm25_core + bm25_idf / tf_weight / score_mul, chained by FIFOs: FIFO read, BRAM lookups (df,
// bitmap), the BM25 terms (frecip, fmul, logf) and the score product. An estimate of their summed
// latencies; it enters only the fill/drain of the scan.
constexpr double kScoreDepth = 40;

struct Layout {
    double lanes, channels, batch_docs, batches;
};

Layout layout(int64_t num_docs, const RagParams& p) {
    Layout l;
    l.lanes = double(p.lanes > 0 ? p.lanes : kDefaultDocLanes);
    l.channels = double(p.hbm_ports > 0 ? p.hbm_ports : kDefaultChannels);
    l.batch_docs = l.lanes * l.channels;
    l.batches = std::ceil(double(num_docs) / l.batch_docs);
    return l;
}

FpgaEstimate model(const Shape& s, const FpgaConfig& c, const RagParams& p, double total_rows,
                   double insertions) {
    const Layout l = layout(s.num_docs, p);
    const double kk = double(s.k), padded = l.batches * l.batch_docs;
    const int64_t ch = int64_t(l.channels);
    const double index_bytes = total_rows * l.channels * l.lanes * kEntryBytes;
    std::vector<RegionReport> regions;
    {
        // read_df then read_query → bm25_core's two load loops (II = 1, one 64-B word per cycle,
        // one channel each), before the first document row.
        const double words = (kVocab * 4 + kQueryBitmapBytes) / 64;
        StageTiming load{"load_df_query",
                         words,
                         1,
                         1,
                         c.hbm.latency_cycles + 2,
                         0,
                         {{MemTier::Hbm, kVocab * 4 + kQueryBitmapBytes, 1, 0}}};
        const StageTiming st[] = {load};
        regions.push_back(model_region("load_df_query", st, c));
    }
    {
        // One channel word per row per cycle (II = 1) on each of `ch` channels.
        StageTiming loader{"doc_loader",
                           total_rows * l.channels,
                           1,
                           l.channels,
                           c.hbm.latency_cycles + 2,
                           0,
                           {{MemTier::Hbm, index_bytes, ch, 0}}};
        StageTiming score{"bm25_score", total_rows * l.channels, 1, l.channels, kScoreDepth, 0, {}};
        // Each channel's accumulator runs every batch: its rows at II = 1 + the batch overhead.
        StageTiming acc{"score_acc", total_rows, 1, 1, 1, l.batches * kBatchOverhead, {}};
        detail::RetrieverTiming rt{p.topk_lanes, p.sort_lanes};
        StageTiming sel = detail::top_k_scan_timing("top_k", padded, kk, insertions, rt);
        const StageTiming st[] = {loader, score, acc, sel};
        regions.push_back(model_region("score_scan", st, c));
        StageTiming drain =
            detail::top_k_drain_timing("top_k_drain", std::min(kk, double(s.num_docs)), kk, rt);
        drain.mem.push_back({MemTier::Hbm, kk * 4.0, 1, 0});
        const StageTiming st2[] = {drain};
        regions.push_back(model_region("drain", st2, c));
    }
    FpgaEstimate e = finish_estimate("bm25_top_k", std::move(regions), c);
    e.placement.items[2] = double(s.num_docs);
    e.placement.bytes[2] = index_bytes;
    e.placement.fits = index_bytes <= c.hbm.capacity_bytes;
    e.fits = e.placement.fits;
    e.notes.push_back(fmt::format(
        "forward-index scan (the authors' indexer_bm25.h): {:.0f} batches of {:.0f} documents, "
        "{:.1f} rows per batch on average, {:.0f} channels × {:.0f} entries per cycle",
        l.batches, l.batch_docs, l.batches > 0 ? total_rows / l.batches : 0.0, l.channels,
        l.lanes));
    if (s.queries != 1) repeat_estimate(e, double(s.queries), c);
    if (!e.fits) e.seconds = INFINITY;
    return e;
}

// Scores one document per step, doc-at-a-time: the document's query-term impacts in fold order
// (the reference's per-document fold), then + shift; emits the matched documents in id order and
// an end marker (the number of matched documents is data-dependent).
class ForwardScan final : public Stage {
  public:
    ForwardScan(Stream<Scored, 64>& out, const std::vector<uint64_t>& begin,
                const std::vector<float>& impacts, float shift)
        : Stage("forward_scan"), out_(out), begin_(begin), impacts_(impacts), shift_(shift) {}
    StageStatus step() override {
        const int64_t n = int64_t(begin_.size()) - 1;
        if (d_ > n) return StageStatus::Done;
        if (!can_write(out_)) return StageStatus::Blocked;
        if (d_ == n) {
            out_.write({0, -1, true});
        } else if (begin_[size_t(d_)] < begin_[size_t(d_) + 1]) {
            float acc = 0.0f;
            for (uint64_t j = begin_[size_t(d_)]; j < begin_[size_t(d_) + 1]; ++j)
                acc += impacts_[j];
            out_.write({acc + shift_, int32_t(d_), false});
        }
        ++d_;
        return progressed();
    }

  private:
    Stream<Scored, 64>& out_;
    const std::vector<uint64_t>& begin_;
    const std::vector<float>& impacts_;
    float shift_;
    int64_t d_ = 0;
};

}  // namespace

std::string unsupported_reason(const Shape& s, const FpgaConfig& c) {
    if (s.num_docs < 0 || s.postings < 0 || s.k < 0 || s.queries < 0 || !(s.batch_rows >= 0))
        return "negative sizes";
    if (s.num_docs > 0 && !(s.batch_rows >= 1))
        return fmt::format(
            "batch_rows = {} (the forward index's rows per 64-document batch) must be ≥ 1",
            s.batch_rows);
    if (s.k > kFpgaMaxTopK)
        return fmt::format("k {} > {} (the retriever's list capacity)", s.k, kFpgaMaxTopK);
    const double rows = std::ceil(double(s.num_docs) / double(kBm25BatchDocs)) * s.batch_rows;
    if (rows * double(kBm25BatchDocs) * kEntryBytes > c.hbm.capacity_bytes)
        return "the forward index exceeds the HBM capacity";
    return {};
}

FpgaEstimate estimate(const Shape& s, const FpgaConfig& c, const RagParams& p) {
    check_fpga_config(c);
    std::string why = unsupported_reason(s, c);
    MEMPIPE_CHECK_ARG(why.empty() || why.find("HBM") != std::string::npos, "fpga bm25 estimate: {}",
                      why);
    const Layout l = layout(s.num_docs, p);
    // Every document's score enters the retriever (in id order: random order is assumed for the
    // expected insertions).
    const double n = double(s.num_docs), kk = double(s.k);
    return model(s, c, p, l.batches * s.batch_rows,
                 expected_top_k_insertions(n, kk) - std::min(n, kk));
}

FpgaEstimate run(const PostingsView& index, const uint32_t* terms, int64_t n_terms, int64_t k,
                 float* out_scores, int32_t* out_docs, int64_t* count, const FpgaConfig& c,
                 const RagParams& p) {
    check_fpga_config(c);
    bm25_detail::check_query("fpga bm25", index, terms, n_terms, false);
    bm25_detail::check_outputs("fpga bm25", k, out_scores, out_docs);
    std::vector<uint32_t> reordered;  // the host sends the query in fold order
    terms = bm25_detail::fold_order(index, terms, n_terms, reordered);
    const size_t nd = size_t(index.num_docs);
    // The forward index (built once with the index, like the authors' bm25_loader_xrt.py packing):
    // entries per document over every term of the index, and the rows of each batch.
    std::vector<uint64_t> entries(nd, 0);
    const uint64_t nnz = index.num_terms > 0 ? index.offsets[index.num_terms] : 0;
    for (uint64_t j = 0; j < nnz; ++j) {
        MEMPIPE_CHECK_ARG(index.docs[j] < uint64_t(index.num_docs),
                          "fpga bm25: posting {} names doc {} of a {}-document index", j,
                          index.docs[j], index.num_docs);
        ++entries[index.docs[j]];
    }
    const Layout l = layout(index.num_docs, p);
    const size_t bd = size_t(l.batch_docs);
    double total_rows = 0;
    for (size_t b = 0; b < size_t(l.batches); ++b) {
        uint64_t rows = 1;  // bm25_loader_xrt.py: an empty batch still takes one row
        for (size_t d = b * bd; d < std::min(nd, (b + 1) * bd); ++d)
            rows = std::max(rows, entries[d]);
        total_rows += double(rows);
    }
    // The query's entries per document, in fold order (the reference's).
    std::vector<uint64_t> begin(nd + 1, 0);
    int64_t postings = 0;
    for (int64_t i = 0; i < n_terms; ++i) {
        const uint32_t t = terms[i];
        for (uint64_t j = index.offsets[t]; j < index.offsets[t + 1]; ++j) {
            MEMPIPE_CHECK_ARG(std::isfinite(index.impacts[j]) && index.impacts[j] >= 0.0f,
                              "fpga bm25: impact {} of term {} is not finite and ≥ 0",
                              index.impacts[j], t);
            MEMPIPE_CHECK_ARG(j == index.offsets[t] || index.docs[j - 1] < index.docs[j],
                              "fpga bm25: doc ids of term {} are not strictly ascending", t);
            ++begin[size_t(index.docs[j]) + 1];
        }
        postings += int64_t(index.offsets[t + 1] - index.offsets[t]);
    }
    for (size_t d = 0; d < nd; ++d) begin[d + 1] += begin[d];
    std::vector<float> impacts(static_cast<size_t>(postings));
    {
        std::vector<uint64_t> fill(begin.begin(), begin.end() - 1);
        for (int64_t i = 0; i < n_terms; ++i)
            for (uint64_t j = index.offsets[terms[i]]; j < index.offsets[terms[i] + 1]; ++j)
                impacts[fill[index.docs[j]]++] = index.impacts[j];
    }
    Shape shape{index.num_docs, postings, k, 1, l.batches > 0 ? total_rows / l.batches : 0.0};
    std::string why = unsupported_reason(shape, c);
    MEMPIPE_CHECK_ARG(why.empty(), "fpga bm25: this design cannot run the shape: {}", why);

    auto scores = std::make_unique<Stream<Scored, 64>>("scores");
    const float shift = bm25_detail::query_shift(index, terms, n_terms);
    ForwardScan scan(*scores, begin, impacts, shift);
    auto topk = std::make_unique<detail::TopKRetriever<Stream<Scored, 64>, kFpgaMaxTopK>>(
        "top_k", *scores, -1, k, out_scores, out_docs);
    Stage* r[] = {&scan, topk.get()};
    run_dataflow("bm25_scan_select", r);
    if (count) *count = topk->count();
    // The authors' retriever sees every document's score; unmatched documents score the shift
    // and insert only while the list fills (they never beat a matched document's score).
    const double n = double(index.num_docs), kk = double(k);
    const double fill = std::min(n, kk);
    return model(shape, c, p, total_rows,
                 std::max(0.0, double(topk->insertions()) - std::min(double(topk->count()), fill)));
}

}  // namespace mempipe::fpga::bm25
