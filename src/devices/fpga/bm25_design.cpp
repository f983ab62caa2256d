// BM25 scoring + top-k on the emulator: postings loader → accumulator bank (tiered per-doc f32
// scores) → matched-doc scan → streaming top-k (include/mempipe/devices/fpga/rag_designs.h).
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

constexpr double kPostingBytes = 8;        // u32 doc id + f32 impact
constexpr double kAccBytes = 4 + 1.0 / 8;  // f32 score + matched bit per doc
constexpr double kAddLatency = 3;          // memory_fpga.md B1: fadd latency 3
constexpr int64_t kDefaultLanes = 8;       // 8 postings = one 512-bit HBM beat per cycle

struct PostTok {
    uint32_t doc;
    float impact;
};

// Scans docs in id order and emits the matched ones, then an end marker (data-dependent length).
class MatchedScan final : public Stage {
  public:
    MatchedScan(Stream<Scored, 64>& out, const std::vector<float>& acc,
                const std::vector<uint8_t>& matched, float shift)
        : Stage("matched_scan"), out_(out), acc_(acc), matched_(matched), shift_(shift) {}
    StageStatus step() override {
        const int64_t n = int64_t(acc_.size());
        if (d_ > n) return StageStatus::Done;
        if (!can_write(out_)) return StageStatus::Blocked;
        if (d_ == n) {
            out_.write({0, -1, true});
        } else if (matched_[size_t(d_)]) {
            out_.write({acc_[size_t(d_)] + shift_, int32_t(d_), false});
            ++emitted_;
        }
        ++d_;
        return progressed();
    }
    int64_t emitted() const { return emitted_; }

  private:
    Stream<Scored, 64>& out_;
    const std::vector<float>& acc_;
    const std::vector<uint8_t>& matched_;
    float shift_;
    int64_t d_ = 0, emitted_ = 0;
};

FpgaEstimate model(const Shape& s, const FpgaConfig& c, const RagParams& p, double hbm_postings,
                   double matched, double insertions) {
    const double docs = double(s.num_docs), post = double(s.postings), kk = double(s.k);
    const double lanes = double(p.lanes > 0 ? p.lanes : kDefaultLanes);
    TierPlacement acc = place_in_tiers(docs, kAccBytes, kk * 8.0, c);
    const double onchip_post = post - hbm_postings;
    std::vector<RegionReport> regions;
    {
        StageTiming loader{"postings_loader",
                           post,
                           1,
                           lanes,
                           c.hbm.latency_cycles + 2,
                           0,
                           {{MemTier::Hbm, post * kPostingBytes, p.hbm_ports, 0}}};
        StageTiming accum{"accumulate", post, 1, lanes, kAddLatency + 2, 0, {}};
        if (onchip_post > 0)
            accum.mem.push_back(
                {acc.items[0] > 0 ? MemTier::Bram : MemTier::Uram, 0, 0, 2 * onchip_post});
        if (hbm_postings > 0)  // read-modify-write of a 4-byte score: two random HBM accesses
            accum.mem.push_back({MemTier::Hbm, 0, p.hbm_ports, 2 * hbm_postings});
        const StageTiming st[] = {loader, accum};
        regions.push_back(model_region("accumulate", st, c));
    }
    {
        // The scan reads and clears every score (ready for the next query).
        StageTiming scan{"matched_scan", docs, 1, p.scan_lanes, 2, 0, {}};
        for (const MemAccess& a : tier_accesses(acc, p.hbm_ports))
            scan.mem.push_back({a.tier, 2 * a.bytes, a.ports, 0});
        detail::RetrieverTiming rt{p.topk_lanes, p.sort_lanes};
        StageTiming sel = detail::top_k_scan_timing("top_k", matched, kk, insertions, rt);
        const StageTiming st[] = {scan, sel};
        regions.push_back(model_region("scan_select", st, c));
        StageTiming drain =
            detail::top_k_drain_timing("top_k_drain", std::min(kk, matched), kk, rt);
        drain.mem.push_back({MemTier::Hbm, kk * 8.0, 1, 0});
        const StageTiming st2[] = {drain};
        regions.push_back(model_region("drain", st2, c));
    }
    FpgaEstimate e = finish_estimate("bm25_top_k", std::move(regions), c);
    e.placement = acc;
    e.fits = acc.fits;
    e.notes.push_back(
        fmt::format("{:.0f} postings at {:.0f} per cycle; {:.0f} score updates hit "
                    "HBM (random read-modify-write)",
                    post, lanes, hbm_postings));
    if (s.queries != 1) repeat_estimate(e, double(s.queries), c);
    if (!e.fits) e.seconds = INFINITY;
    return e;
}

}  // namespace

std::string unsupported_reason(const Shape& s, const FpgaConfig& c) {
    if (s.num_docs < 0 || s.postings < 0 || s.k < 0 || s.queries < 0) return "negative sizes";
    if (s.k > kFpgaMaxTopK)
        return fmt::format("k {} > {} (the retriever's list capacity)", s.k, kFpgaMaxTopK);
    if (!place_in_tiers(double(s.num_docs), kAccBytes, 0, c).fits ||
        double(s.postings) * kPostingBytes > c.hbm.capacity_bytes)
        return "the score array or the postings exceed the HBM capacity";
    return {};
}

FpgaEstimate estimate(const Shape& s, const FpgaConfig& c, const RagParams& p) {
    check_fpga_config(c);
    std::string why = unsupported_reason(s, c);
    MEMPIPE_CHECK_ARG(why.empty() || why.find("HBM") != std::string::npos, "fpga bm25 estimate: {}",
                      why);
    const double docs = double(s.num_docs), post = double(s.postings), kk = double(s.k);
    TierPlacement acc = place_in_tiers(docs, kAccBytes, kk * 8.0, c);
    // Postings hit docs uniformly (an assumption of the estimate; run() counts them).
    const double hbm_post = docs > 0 ? post * acc.items[2] / docs : 0;
    const double matched = std::min(docs, post);
    return model(s, c, p, hbm_post, matched,
                 expected_top_k_insertions(matched, kk) - std::min(matched, kk));
}

FpgaEstimate run(const PostingsView& index, const uint32_t* terms, int64_t n_terms, int64_t k,
                 float* out_scores, int32_t* out_docs, int64_t* count, const FpgaConfig& c,
                 const RagParams& p) {
    check_fpga_config(c);
    bm25_detail::check_query("fpga bm25", index, terms, n_terms, false);
    bm25_detail::check_outputs("fpga bm25", k, out_scores, out_docs);
    int64_t postings = 0;
    for (int64_t i = 0; i < n_terms; ++i)
        postings += int64_t(index.offsets[terms[i] + 1] - index.offsets[terms[i]]);
    Shape shape{index.num_docs, postings, k, 1};
    std::string why = unsupported_reason(shape, c);
    MEMPIPE_CHECK_ARG(why.empty(), "fpga bm25: this design cannot run the shape: {}", why);
    TierPlacement acc_pl = place_in_tiers(double(index.num_docs), kAccBytes, double(k) * 8.0, c);
    const double onchip_docs = acc_pl.onchip_items();

    struct Design {
        Stream<PostTok, 64> postings{"postings"};
        Stream<Scored, 64> scores{"matched_scores"};
        std::vector<float> acc;  // the per-doc score array (tiered: on chip, then HBM)
        std::vector<uint8_t> matched;
    };
    auto D = std::make_unique<Design>();
    D->acc.assign(size_t(index.num_docs), 0.0f);
    D->matched.assign(size_t(index.num_docs), 0);
    Design* P = D.get();
    // The postings loader walks the query terms in order (a term cursor in the loop state).
    int64_t term = 0;
    uint64_t pos = n_terms > 0 ? index.offsets[terms[0]] : 0;
    double hbm_updates = 0;
    detail::Source loader("postings_loader", P->postings, postings, [&](int64_t, PostTok& t) {
        while (pos == index.offsets[terms[term] + 1]) pos = index.offsets[terms[++term]];
        const uint32_t tt = terms[term];
        MEMPIPE_CHECK_ARG(std::isfinite(index.impacts[pos]) && index.impacts[pos] >= 0.0f,
                          "fpga bm25: impact {} of term {} is not finite and ≥ 0",
                          index.impacts[pos], tt);
        MEMPIPE_CHECK_ARG(pos == index.offsets[tt] || index.docs[pos - 1] < index.docs[pos],
                          "fpga bm25: doc ids of term {} are not strictly ascending", tt);
        t = {index.docs[pos], index.impacts[pos]};
        ++pos;
    });
    detail::Sink accum("accumulate", P->postings, postings, [&](const PostTok& t) {
        P->acc[t.doc] += t.impact;
        P->matched[t.doc] = 1;
        if (double(t.doc) >= onchip_docs) hbm_updates += 1;
    });
    Stage* r1[] = {&loader, &accum};
    run_dataflow("bm25_accumulate", r1);

    const float shift = bm25_detail::query_shift(index, terms, n_terms);
    MatchedScan scan(P->scores, P->acc, P->matched, shift);
    auto topk = std::make_unique<detail::TopKRetriever<Stream<Scored, 64>, kFpgaMaxTopK>>(
        "top_k", P->scores, -1, k, out_scores, out_docs);
    Stage* r2[] = {&scan, topk.get()};
    run_dataflow("bm25_select", r2);
    if (count) *count = topk->count();
    return model(shape, c, p, hbm_updates, double(scan.emitted()), double(topk->insertions()));
}

}  // namespace mempipe::fpga::bm25
