// Conformance cases for the bm25 query ops: bm25_scores, bm25_top_k (pruned), bm25_top_k_exhaustive
// and bm25_top_k_batch against ref::, and ref:: against an independent naive per-doc evaluation.
//
// Tolerance: none. The contract fixes the float32 fold (fold order: the terms held by fewer than
// num_docs / 16 docs in query order, then the others; duplicates included; then the shift), so
// every backend must reproduce the reference scores and docs bit for bit. Only the golden cases
// from the spec (bm25s's printed values, 6–7 significant digits) use a tolerance.
#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "../../src/devices/cpu/retrieval/bm25_kernels.h"
#include "conformance.h"
#include "mempipe/core/error.h"
#include "mempipe/ops/bm25.h"

namespace mempipe::test {
namespace {

enum class Impacts { Uniform, FewValues, Zero, Mixed, PerTerm };

const char* impacts_name(Impacts d) {
    switch (d) {
        case Impacts::Uniform:
            return "uniform";
        case Impacts::FewValues:
            return "few_values";
        case Impacts::Zero:
            return "zero";
        case Impacts::Mixed:
            return "mixed";
        case Impacts::PerTerm:
            return "per_term";
    }
    return "?";
}

// An in-memory impact index with block-max metadata (bm25_compute_block_maxima) and the pruning
// aids (bm25_compute_presence, bm25_compute_ladders).
struct TestIndex {
    int64_t num_docs = 0, num_terms = 0;
    std::vector<uint64_t> offsets, block_offsets, presence_bits;
    std::vector<uint32_t> docs, block_last, presence_slot, presence_rank, ladder_slot;
    std::vector<float> impacts, term_max, block_max, nonocc, ladder;

    void finish(bool with_nonocc, Rng& rng) {
        term_max.resize(size_t(num_terms));
        block_offsets.resize(size_t(num_terms) + 1);
        const uint64_t blocks = bm25_count_blocks(offsets.data(), num_terms);
        block_max.resize(blocks);
        block_last.resize(blocks);
        bm25_compute_block_maxima(offsets.data(), docs.data(), impacts.data(), num_terms,
                                  term_max.data(), block_offsets.data(), block_max.data(),
                                  block_last.data());
        if (with_nonocc) {
            nonocc.resize(size_t(num_terms));
            for (float& v : nonocc) v = rng.uniform(0.0f, 2.0f);
        }
        presence_slot.resize(size_t(num_terms));
        const uint64_t maps =
            bm25_compute_presence(offsets.data(), docs.data(), num_terms, num_docs,
                                  presence_slot.data(), nullptr, nullptr);
        presence_bits.resize(maps * bm25_presence_words(num_docs));
        presence_rank.resize(maps * bm25_presence_words(num_docs));
        bm25_compute_presence(offsets.data(), docs.data(), num_terms, num_docs,
                              presence_slot.data(), presence_bits.data(), presence_rank.data());
        ladder_slot.resize(size_t(num_terms));
        const uint64_t ladders =
            bm25_compute_ladders(offsets.data(), impacts.data(), block_offsets.data(),
                                 block_max.data(), num_terms, ladder_slot.data(), nullptr);
        ladder.resize(ladders * kBm25LadderLevels);
        bm25_compute_ladders(offsets.data(), impacts.data(), block_offsets.data(), block_max.data(),
                             num_terms, ladder_slot.data(), ladder.data());
    }
    PostingsView view() const {
        PostingsView v;
        v.num_docs = num_docs;
        v.num_terms = num_terms;
        v.offsets = offsets.data();
        v.docs = docs.data();
        v.impacts = impacts.data();
        v.term_max = term_max.data();
        v.block_offsets = block_offsets.data();
        v.block_max = block_max.data();
        v.block_last = block_last.data();
        v.nonocc = nonocc.empty() ? nullptr : nonocc.data();
        if (!presence_slot.empty()) {
            v.presence_slot = presence_slot.data();
            v.presence_bits = presence_bits.data();
            v.presence_rank = presence_rank.data();
            v.ladder_slot = ladder_slot.data();
            v.ladder = ladder.data();
        }
        return v;
    }
    // The same index without presence maps (nothing is probed) or without ladders (θ starts at
    // −inf).
    PostingsView view_without(bool maps, bool ladders) const {
        PostingsView v = view();
        if (!maps) v.presence_slot = nullptr, v.presence_bits = nullptr, v.presence_rank = nullptr;
        if (!ladders) v.ladder_slot = nullptr, v.ladder = nullptr;
        return v;
    }
};

float draw_impact(Impacts dist, Rng& rng, uint32_t term) {
    switch (dist) {
        case Impacts::Uniform:
            return rng.uniform(0.0f, 3.0f);
        // Quantised to a few values: many exact score ties straddle rank k.
        case Impacts::FewValues:
            return std::array<float, 4>{0.0f, 0.5f, 1.0f, 1.5f}[rng.next_u32() % 4];
        case Impacts::Zero:
            return 0.0f;
        // Term-dependent scale (rare terms high), some zeros, some tiny values.
        case Impacts::Mixed: {
            uint32_t r = rng.next_u32() % 16;
            if (r == 0) return 0.0f;
            if (r == 1) return 1e-30f;
            return rng.uniform(0.1f, 1.0f) * float(1 + term % 7);
        }
        // One value per term (an idf with no tf/length part): every doc's score equals its
        // block-max bound exactly, so a bound that is not conservative drops true results.
        case Impacts::PerTerm:
            return 0.37f + 0.61f * float((term * 2654435761u) % 1000) / 1000.0f;
    }
    return 0.0f;
}

// Random lists: most terms short, every 5th term dense (p up to 0.9), every 11th empty; the lists
// of term 0 and 1 always exist (dense and sparse) so every query can touch something.
TestIndex random_index(int64_t num_docs, int64_t num_terms, Impacts dist, bool with_nonocc,
                       Rng& rng) {
    TestIndex ix;
    ix.num_docs = num_docs;
    ix.num_terms = num_terms;
    ix.offsets.push_back(0);
    for (int64_t t = 0; t < num_terms; ++t) {
        double p;
        if (t % 11 == 10)
            p = 0.0;
        else if (t % 5 == 0)
            p = 0.3 + 0.6 * rng.uniform();
        else
            p = 0.3 * rng.uniform() * rng.uniform();
        for (int64_t d = 0; d < num_docs; ++d)
            if (rng.uniform() < p) {
                ix.docs.push_back(uint32_t(d));
                ix.impacts.push_back(draw_impact(dist, rng, uint32_t(t)));
            }
        ix.offsets.push_back(ix.docs.size());
    }
    ix.finish(with_nonocc, rng);
    return ix;
}

std::vector<uint32_t> random_query(int64_t num_terms, int64_t len, Rng& rng) {
    std::vector<uint32_t> q;
    for (int64_t i = 0; i < len; ++i) {
        // Duplicates on purpose: a third of the positions repeat an earlier term.
        if (!q.empty() && rng.next_u32() % 3 == 0)
            q.push_back(q[rng.next_u32() % q.size()]);
        else
            q.push_back(uint32_t(rng.next_u32() % uint64_t(num_terms)));
    }
    return q;
}

// Independent oracle: per doc, a binary search in every query term's list, the float32 fold in
// fold order, then a full sort. Returns the (score, doc) list of all matching docs in rank order.
struct Naive {
    std::vector<float> dense;  // [num_docs] bm25_scores semantics
    std::vector<std::pair<float, int32_t>> ranked;
};
Naive naive(const TestIndex& ix, const std::vector<uint32_t>& query) {
    // Fold order (ops/bm25.h): rare terms (df < max(1, num_docs / 16)) first, each group in query
    // order.
    const uint64_t frequent_df = std::max<uint64_t>(1, uint64_t(ix.num_docs) / 16);
    std::vector<uint32_t> q;
    for (int pass = 0; pass < 2; ++pass)
        for (uint32_t t : query)
            if ((ix.offsets[t + 1] - ix.offsets[t] >= frequent_df) == (pass == 1)) q.push_back(t);
    Naive out;
    float shift = 0.0f;
    if (!ix.nonocc.empty())
        for (uint32_t t : q) shift += ix.nonocc[t];
    for (int64_t d = 0; d < ix.num_docs; ++d) {
        float s = 0.0f;
        bool matched = false;
        for (uint32_t t : q) {
            auto first = ix.docs.begin() + int64_t(ix.offsets[t]);
            auto last = ix.docs.begin() + int64_t(ix.offsets[t + 1]);
            auto it = std::lower_bound(first, last, uint32_t(d));
            if (it != last && *it == uint32_t(d)) {
                s += ix.impacts[size_t(it - ix.docs.begin())];
                matched = true;
            }
        }
        out.dense.push_back(s + shift);
        if (matched) out.ranked.push_back({s + shift, int32_t(d)});
    }
    std::sort(out.ranked.begin(), out.ranked.end(), [](const auto& a, const auto& b) {
        return a.first > b.first || (a.first == b.first && a.second < b.second);
    });
    return out;
}

using TopKFn = int64_t (*)(const PostingsView&, const uint32_t*, int64_t, int64_t, float*,
                           int32_t*);

// Runs one top-k backend into guarded, misaligned outputs and compares bit for bit with the
// expected (ref) result.
void check_top_k(const std::string& what, const std::function<int64_t(float*, int32_t*)>& run,
                 int64_t k, size_t misalign, const std::vector<float>& ref_scores,
                 const std::vector<int32_t>& ref_docs, int64_t ref_count) {
    Guarded<float> scores(size_t(k), misalign * sizeof(float));
    Guarded<int32_t> docs(size_t(k), misalign * sizeof(int32_t));
    const int64_t count = run(scores.data(), docs.data());
    EXPECT_EQ(count, ref_count) << what;
    expect_equal(ref_scores.data(), scores.data(), size_t(k), what + " scores");
    expect_equal(ref_docs.data(), docs.data(), size_t(k), what + " docs");
    scores.check_guards(what + " scores");
    docs.check_guards(what + " docs");
}

void run_query_k(const TestIndex& ix, const std::vector<uint32_t>& q, const Naive& expect,
                 int64_t k, size_t misalign, const std::string& tag) {
    const PostingsView v = ix.view();
    const int64_t n = int64_t(q.size());

    // ref::bm25_top_k against the naive oracle.
    std::vector<float> ref_scores(static_cast<size_t>(k));
    std::vector<int32_t> ref_docs(static_cast<size_t>(k));
    const int64_t ref_count =
        ref::bm25_top_k(v, q.data(), n, k, ref_scores.data(), ref_docs.data());
    const int64_t want = std::min<int64_t>(k, int64_t(expect.ranked.size()));
    ASSERT_EQ(ref_count, want) << tag;
    for (int64_t j = 0; j < k; ++j) {
        const bool real = j < want;
        const float s =
            real ? expect.ranked[size_t(j)].first : -std::numeric_limits<float>::infinity();
        const int32_t d = real ? expect.ranked[size_t(j)].second : -1;
        ASSERT_EQ(ref_docs[size_t(j)], d) << tag << " ref vs naive, rank " << j;
        ASSERT_EQ(std::memcmp(&ref_scores[size_t(j)], &s, 4), 0)
            << tag << " ref vs naive, rank " << j;
    }
    for (int64_t j = 0; j < ref_count; ++j)
        ASSERT_TRUE(std::isfinite(ref_scores[size_t(j)])) << tag;

    check_top_k(
        tag + " exhaustive",
        [&](float* s, int32_t* d) { return cpu::bm25_top_k_exhaustive(v, q.data(), n, k, s, d); },
        k, misalign, ref_scores, ref_docs, ref_count);
    // The exhaustive kernel from the ladder floor itself, from a guess above every score (the run
    // finds nothing and runs again from the floor), and with no ladders (no floor).
    for (int variant = 0; variant < 3; ++variant) {
        const PostingsView va = ix.view_without(true, variant < 2);
        const float speculate = variant == 1 ? 1e30f : 1.0f;
        check_top_k(
            tag + " exhaustive " +
                (variant == 2 ? "no ladders" : fmt::format("speculate={}", speculate)),
            [&](float* s, int32_t* d) {
                return cpu::bm25_detail::top_k_exhaustive(
                    va, q.data(), n, k, s, d, cpu::bm25_detail::pick_simd_kernels(), speculate);
            },
            k, misalign, ref_scores, ref_docs, ref_count);
    }
    check_top_k(
        tag + " pruned",
        [&](float* s, int32_t* d) { return cpu::bm25_top_k(v, q.data(), n, k, s, d); }, k, misalign,
        ref_scores, ref_docs, ref_count);
    // The pruned kernel itself (no exhaustive hand-off) with windows from 64 docs to its default,
    // with and without presence maps and ladders, so that window bounds, skips, probing, survivor
    // folds and the starting floor all run on small indexes. With ladders it also starts from the
    // ladder floor itself (speculate 1) and from a guess above every score (1e30: the run finds
    // nothing and runs again from the floor).
    for (uint32_t window : {64u, 192u, 4096u, cpu::bm25_detail::kPrunedWindow})
        for (int aids = 0; aids < 4; ++aids) {
            const bool maps = aids & 1, ladders = aids & 2;
            const PostingsView va = ix.view_without(maps, ladders);
            for (float speculate : {cpu::bm25_detail::kSpeculate, 1.0f, 1e30f}) {
                if (!ladders && speculate != cpu::bm25_detail::kSpeculate) continue;
                cpu::bm25_detail::PrunedTuning tuning;
                tuning.window = window;
                tuning.allow_exhaustive = false;
                tuning.simd = cpu::bm25_detail::pick_simd_kernels();
                tuning.speculate = speculate;
                check_top_k(
                    tag + " pruned_forced window=" + std::to_string(window) +
                        (maps ? " maps" : "") + (ladders ? " ladders" : "") +
                        " speculate=" + fmt::format("{}", speculate),
                    [&](float* s, int32_t* d) {
                        return cpu::bm25_detail::top_k_pruned(va, q.data(), n, k, s, d, tuning);
                    },
                    k, misalign, ref_scores, ref_docs, ref_count);
            }
        }
}

// One query at several k (the naive oracle runs once), plus bm25_scores.
void run_query_case(const TestIndex& ix, const std::vector<uint32_t>& q,
                    const std::vector<int64_t>& ks, size_t misalign, const std::string& tag) {
    const PostingsView v = ix.view();
    const int64_t n = int64_t(q.size());
    const Naive expect = naive(ix, q);
    for (int64_t k : ks) {
        run_query_k(ix, q, expect, k, misalign, tag + " k=" + std::to_string(k));
        if (::testing::Test::HasFatalFailure()) return;
    }

    // bm25_scores: ref vs naive vs cpu, every doc.
    Guarded<float> dense_ref(size_t(ix.num_docs)), dense_cpu(size_t(ix.num_docs), misalign * 4);
    ref::bm25_scores(v, q.data(), n, dense_ref.data());
    cpu::bm25_scores(v, q.data(), n, dense_cpu.data());
    expect_equal(expect.dense.data(), dense_ref.data(), size_t(ix.num_docs), tag + " ref scores");
    expect_equal(dense_ref.data(), dense_cpu.data(), size_t(ix.num_docs), tag + " cpu scores");
    expect_finite(dense_cpu.data(), size_t(ix.num_docs), tag + " cpu scores");
    dense_cpu.check_guards(tag + " cpu scores");
}

struct Shape {
    int64_t docs, terms;
};

void add_cases(std::vector<OpCase>& cases) {
    // Random indexes × impact distributions × nonocc, many queries each (seeded by the driver).
    const std::vector<Shape> shapes = {{1, 3},    {2, 5},     {17, 12},   {64, 9},    {65, 9},
                                       {129, 23}, {1000, 40}, {5003, 30}, {20011, 12}};
    for (Shape sh : shapes)
        for (Impacts dist : {Impacts::Uniform, Impacts::FewValues, Impacts::Zero, Impacts::Mixed,
                             Impacts::PerTerm})
            for (bool nonocc : {false, true}) {
                if (dist == Impacts::Zero && nonocc && sh.docs > 1000) continue;
                std::string params =
                    "docs=" + std::to_string(sh.docs) + ",terms=" + std::to_string(sh.terms) +
                    ",impacts=" + impacts_name(dist) + ",nonocc=" + (nonocc ? "1" : "0");
                cases.push_back({"bm25_top_k", params, [=](CaseContext& ctx) {
                                     TestIndex ix =
                                         random_index(sh.docs, sh.terms, dist, nonocc, ctx.rng);
                                     const int queries = sh.docs > 5000 ? 3 : 8;
                                     for (int qi = 0; qi < queries; ++qi) {
                                         const int64_t len = 1 + int64_t(ctx.rng.next_u32() % 9);
                                         std::vector<uint32_t> q =
                                             random_query(sh.terms, len, ctx.rng);
                                         run_query_case(ix, q, {1, 7, 64, sh.docs, sh.docs + 5},
                                                        size_t(qi % 3), "q" + std::to_string(qi));
                                         if (::testing::Test::HasFatalFailure()) return;
                                     }
                                 }});
            }

    // Edge queries: empty query, only empty-list terms, k = 0, single-doc corpus.
    cases.push_back(
        {"bm25_top_k", "edges", [](CaseContext& ctx) {
             TestIndex ix = random_index(300, 22, Impacts::Uniform, true, ctx.rng);
             const PostingsView v = ix.view();
             for (int64_t k : {int64_t(0), int64_t(1), int64_t(5), int64_t(400)}) {
                 // Empty query and a query of empty lists (term 10 and 21 are empty): nothing
                 // matches.
                 for (std::vector<uint32_t> q :
                      {std::vector<uint32_t>{}, std::vector<uint32_t>{10, 21, 10}}) {
                     std::vector<float> pad_s(size_t(k), -std::numeric_limits<float>::infinity());
                     std::vector<int32_t> pad_d(size_t(k), -1);
                     const uint32_t* qp = q.empty() ? nullptr : q.data();
                     auto tag = "k=" + std::to_string(k) + " len=" + std::to_string(q.size());
                     check_top_k(
                         tag + " ref",
                         [&](float* s, int32_t* d) {
                             return ref::bm25_top_k(v, qp, int64_t(q.size()), k, s, d);
                         },
                         k, 1, pad_s, pad_d, 0);
                     check_top_k(
                         tag + " exhaustive",
                         [&](float* s, int32_t* d) {
                             return cpu::bm25_top_k_exhaustive(v, qp, int64_t(q.size()), k, s, d);
                         },
                         k, 1, pad_s, pad_d, 0);
                     check_top_k(
                         tag + " pruned",
                         [&](float* s, int32_t* d) {
                             return cpu::bm25_top_k(v, qp, int64_t(q.size()), k, s, d);
                         },
                         k, 1, pad_s, pad_d, 0);
                 }
             }
             run_query_case(ix, {0, 1, 0, 2}, {0, 1, 5, 400}, 0, "dup");
             TestIndex one = random_index(1, 4, Impacts::FewValues, false, ctx.rng);
             run_query_case(one, {0, 0, 1, 3}, {0, 1, 3}, 0, "one-doc");
         }});

    // Long lists spanning many blocks with a few rare high-impact terms: the shape pruning is for
    // (common low-idf terms, rare high-idf ones).
    cases.push_back({"bm25_top_k", "zipf_blocks", [](CaseContext& ctx) {
                         const int64_t num_docs = 60000, num_terms = 40;
                         TestIndex ix;
                         ix.num_docs = num_docs;
                         ix.num_terms = num_terms;
                         ix.offsets.push_back(0);
                         for (int64_t t = 0; t < num_terms; ++t) {
                             const double p = 0.5 / double(1 + t);  // df ∝ 1/rank
                             const float idf = std::log(1.0f + 1.0f / float(p));
                             for (int64_t d = 0; d < num_docs; ++d)
                                 if (ctx.rng.uniform() < p) {
                                     ix.docs.push_back(uint32_t(d));
                                     // Quantised tf-part: ties are frequent.
                                     ix.impacts.push_back(idf * float(1 + ctx.rng.next_u32() % 4) *
                                                          0.25f);
                                 }
                             ix.offsets.push_back(ix.docs.size());
                         }
                         ix.finish(false, ctx.rng);
                         for (int qi = 0; qi < 6; ++qi) {
                             std::vector<uint32_t> q;
                             for (int i = 0; i < 8; ++i)
                                 q.push_back(uint32_t(ctx.rng.next_u32() % num_terms));
                             run_query_case(ix, q, {1, 10, 64, 1000}, 0, "q" + std::to_string(qi));
                         }
                     }});

    // Dense lists (several postings per doc over the query), every one with a presence map: the
    // default cpu::bm25_top_k prunes them (probing) rather than handing the query to the
    // exhaustive kernel.
    cases.push_back({"bm25_top_k", "dense_lists", [](CaseContext& ctx) {
                         const int64_t num_docs = 2500, num_terms = 10;
                         TestIndex ix;
                         ix.num_docs = num_docs;
                         ix.num_terms = num_terms;
                         ix.offsets.push_back(0);
                         for (int64_t t = 0; t < num_terms; ++t) {
                             const double p = 0.55 + 0.04 * double(t);
                             for (int64_t d = 0; d < num_docs; ++d)
                                 if (ctx.rng.uniform() < p) {
                                     ix.docs.push_back(uint32_t(d));
                                     ix.impacts.push_back(
                                         draw_impact(Impacts::Mixed, ctx.rng, uint32_t(t)));
                                 }
                             ix.offsets.push_back(ix.docs.size());
                         }
                         ix.finish(false, ctx.rng);
                         for (int qi = 0; qi < 4; ++qi) {
                             std::vector<uint32_t> q;
                             for (uint32_t t = 0; t < 10; ++t)
                                 if (ctx.rng.next_u32() % 4 != 0) q.push_back(t);
                             q.push_back(q.front());
                             run_query_case(ix, q, {1, 10, 64}, 0, "q" + std::to_string(qi));
                         }
                     }});

    // Presence maps and ladders against their definitions (ops/bm25.h): every doc of every term
    // probed through its map, every ladder entry against a full sort of the term's impacts.
    cases.push_back(
        {"bm25_pruning_aids", "random", [](CaseContext& ctx) {
             for (int64_t docs : {1, 63, 64, 65, 1000, 4099, 60000}) {
                 TestIndex ix = random_index(docs, 23, Impacts::FewValues, false, ctx.rng);
                 const uint64_t words = bm25_presence_words(docs);
                 const uint64_t min_df = bm25_presence_min_df(docs);
                 for (int64_t t = 0; t < ix.num_terms; ++t) {
                     const uint64_t b = ix.offsets[size_t(t)];
                     const uint64_t e = ix.offsets[size_t(t) + 1];
                     const std::string tag =
                         "docs=" + std::to_string(docs) + " term " + std::to_string(t);
                     const uint32_t slot = ix.presence_slot[size_t(t)];
                     ASSERT_EQ(slot != kBm25NoPresence, e - b >= min_df) << tag;
                     if (slot != kBm25NoPresence) {
                         const uint64_t* bits = ix.presence_bits.data() + slot * words;
                         const uint32_t* rank = ix.presence_rank.data() + slot * words;
                         uint64_t p = b;
                         for (int64_t d = 0; d < docs; ++d) {
                             const uint64_t w = bits[d / 64];
                             const bool in = (w >> (d % 64)) & 1;
                             const bool want = p < e && ix.docs[p] == uint32_t(d);
                             ASSERT_EQ(in, want) << tag << " doc " << d;
                             if (!in) continue;
                             const uint64_t below = w & ((uint64_t(1) << (d % 64)) - 1);
                             ASSERT_EQ(b + rank[d / 64] + uint64_t(std::popcount(below)), p)
                                 << tag << " doc " << d;
                             ++p;
                         }
                     }
                     const uint32_t ls = ix.ladder_slot[size_t(t)];
                     ASSERT_EQ(ls != kBm25NoPresence, e - b >= kBm25LadderMinDf) << tag;
                     if (ls == kBm25NoPresence) continue;
                     std::vector<float> sorted(ix.impacts.begin() + int64_t(b),
                                               ix.impacts.begin() + int64_t(e));
                     std::sort(sorted.begin(), sorted.end(), std::greater<float>());
                     // Exact up to rank kBm25LadderBlocks (or for lists of at most that many
                     // blocks), a lower bound beyond.
                     const bool subset = bm25_num_blocks(e - b) > kBm25LadderBlocks;
                     for (int j = 0; j < kBm25LadderLevels; ++j) {
                         const uint64_t r = uint64_t(1) << j;
                         const float want = r <= e - b ? sorted[r - 1] : 0.0f;
                         const float got = ix.ladder[ls * kBm25LadderLevels + uint64_t(j)];
                         if (subset && r > kBm25LadderBlocks)
                             ASSERT_LE(got, want) << tag << " level " << j;
                         else
                             ASSERT_EQ(got, want) << tag << " level " << j;
                     }
                 }
             }
         }});

    // Batch: every query's slice equals the single-query ref; out_counts; a zero-length query.
    cases.push_back({"bm25_top_k_batch", "random", [](CaseContext& ctx) {
                         TestIndex ix = random_index(3000, 30, Impacts::FewValues, false, ctx.rng);
                         const PostingsView v = ix.view();
                         std::vector<uint32_t> terms;
                         std::vector<uint64_t> offs{0};
                         const int64_t nq = 37;
                         for (int64_t i = 0; i < nq; ++i) {
                             std::vector<uint32_t> q =
                                 random_query(30, i % 5 == 0 ? 0 : 1 + i % 8, ctx.rng);
                             terms.insert(terms.end(), q.begin(), q.end());
                             offs.push_back(terms.size());
                         }
                         for (int64_t k : {int64_t(0), int64_t(1), int64_t(10), int64_t(5000)}) {
                             Guarded<float> s(size_t(nq * k), 4);
                             Guarded<int32_t> d(size_t(nq * k), 4);
                             Guarded<int64_t> c(size_t(nq), 8);
                             cpu::bm25_top_k_batch(v, terms.data(), offs.data(), nq, k, s.data(),
                                                   d.data(), c.data());
                             for (int64_t i = 0; i < nq; ++i) {
                                 std::vector<float> rs(static_cast<size_t>(k));
                                 std::vector<int32_t> rd(static_cast<size_t>(k));
                                 const int64_t rc =
                                     ref::bm25_top_k(v, terms.data() + offs[size_t(i)],
                                                     int64_t(offs[size_t(i) + 1] - offs[size_t(i)]),
                                                     k, rs.data(), rd.data());
                                 EXPECT_EQ(c[size_t(i)], rc) << "query " << i;
                                 expect_equal(rs.data(), s.data() + i * k, size_t(k),
                                              "batch scores q" + std::to_string(i));
                                 expect_equal(rd.data(), d.data() + i * k, size_t(k),
                                              "batch docs q" + std::to_string(i));
                             }
                             s.check_guards("batch scores");
                             d.check_guards("batch docs");
                             c.check_guards("batch counts");
                         }
                     }});

    // Golden (spec §1.2): bm25s on the 4-doc corpus, query "does the fish purr like a cat?" →
    // fish, purr, cat (df = 1 each). lucene: doc 0 = 2·idf/(1 + 1.5·0.85), doc 3 = idf·0.4.
    // bm25l with the non-occurrence shift: all four docs scored, only docs 0 and 3 match.
    cases.push_back(
        {"bm25_top_k", "golden_bm25s", [](CaseContext&) {
             for (bool bm25l : {false, true}) {
                 TestIndex ix;
                 ix.num_docs = 4;
                 ix.num_terms = 3;  // 0 = cat (doc 0), 1 = purr (doc 0), 2 = fish (doc 3)
                 const double k1 = 1.5, b = 0.75, delta = 0.5, avgdl = 5.0;
                 const double idf = bm25l ? std::log(5.0 / 1.5) : std::log(1.0 + 3.5 / 1.5);
                 auto tfc = [&](double tf, double len) {
                     const double l = 1 - b + b * len / avgdl;
                     if (!bm25l) return tf / (tf + k1 * l);
                     const double c = tf / l;
                     return (k1 + 1) * (c + delta) / (k1 + c + delta);
                 };
                 const double s0 = bm25l ? idf * tfc(0, avgdl) : 0.0;
                 ix.offsets = {0, 1, 2, 3};
                 ix.docs = {0, 0, 3};
                 ix.impacts = {float(idf * tfc(1, 4) - s0), float(idf * tfc(1, 4) - s0),
                               float(idf * tfc(1, 5) - s0)};
                 Rng unused;
                 ix.finish(false, unused);
                 if (bm25l) ix.nonocc.assign(3, float(s0));
                 const PostingsView v = ix.view();
                 const std::vector<uint32_t> q = {2, 1, 0};
                 const std::vector<float> golden =
                     bm25l ? std::vector<float>{3.929634f, 2.257449f, 2.257449f, 3.009932f}
                           : std::vector<float>{1.058438f, 0.0f, 0.0f, 0.481589f};
                 float dense[4];
                 cpu::bm25_scores(v, q.data(), 3, dense);
                 // bm25s prints 7 significant digits and computes in float32 numpy: 2e-6 relative.
                 expect_close(golden.data(), dense, 4, 2e-6, 1e-6,
                              bm25l ? "bm25l scores" : "lucene scores");
                 float s[3];
                 int32_t d[3];
                 EXPECT_EQ(cpu::bm25_top_k(v, q.data(), 3, 3, s, d), 2);
                 EXPECT_EQ(d[0], 0);
                 EXPECT_EQ(d[1], 3);
                 EXPECT_EQ(d[2], -1);
                 EXPECT_NEAR(s[0], golden[0], 2e-6 * golden[0]);
                 EXPECT_NEAR(s[1], golden[3], 2e-6 * golden[3]);
             }
         }});

    // Float rounding against the bounds: doc 100 has 1.0 (term 0) plus eight times 0.75 ulp(1)
    // (term 1, repeated in the query). Each fold step rounds up, so its score is 1 + 8 ulp, while
    // the exact sum of its impacts (its block-max bound) is only 1 + 6 ulp. Doc 0 scores 1 + 7 ulp
    // (term 2, as do docs 1..39) and sets θ first; a bound that is not inflated for rounding would
    // skip doc 100's window and return doc 0.
    cases.push_back({"bm25_top_k", "rounding_bound", [](CaseContext& ctx) {
                         TestIndex ix;
                         ix.num_docs = 200;
                         ix.num_terms = 3;
                         const float ulp = std::ldexp(1.0f, -23);
                         // Term 2 holds docs 0..39, so θ is known before doc 100 for k ≤ 40.
                         ix.offsets = {0, 1, 2, 42};
                         ix.docs = {100, 100};
                         ix.impacts = {1.0f, 0.75f * ulp};
                         for (uint32_t d = 0; d < 40; ++d) {
                             ix.docs.push_back(d);
                             ix.impacts.push_back(1.0f + 7 * ulp);
                         }
                         ix.finish(false, ctx.rng);
                         const std::vector<uint32_t> q = {0, 1, 1, 1, 1, 1, 1, 1, 1, 2};
                         run_query_case(ix, q, {1, 2, 3, 17}, 0, "rounding");
                         float s;
                         int32_t d;
                         EXPECT_EQ(
                             ref::bm25_top_k(ix.view(), q.data(), int64_t(q.size()), 1, &s, &d), 1);
                         EXPECT_EQ(d, 100);
                         EXPECT_EQ(s, 1.0f + 8 * ulp);
                     }});

    // The heap's keys: integer order = ranks_before on adversarial scores (±0, negatives,
    // subnormals, ±inf, equal scores), and the round trip; then the heap (its result order that of
    // the active SIMD level) against a full sort for every cap of a random stream with many ties,
    // and the level's rank_keys against a sort for sizes around its 8-key blocks.
    cases.push_back(
        {"bm25_top_k", "heap_keys", [](CaseContext& ctx) {
             using cpu::bm25_detail::Hit;
             const float special[] = {0.0f,    -0.0f,    1.0f,     -1.0f,     1e-45f, -1e-45f,
                                      3.4e38f, -3.4e38f, INFINITY, -INFINITY, 2.5f,   2.5f};
             std::vector<Hit> hits;
             for (float f : special)
                 for (uint32_t d : {0u, 1u, 7u, 0xFFFFFFFEu}) hits.push_back({f, d});
             for (int i = 0; i < 200; ++i)
                 hits.push_back({float(ctx.rng.uniform_int(-3, 3)) * 0.5f,
                                 uint32_t(ctx.rng.uniform_int(0, 20))});
             for (const Hit& a : hits) {
                 const Hit back = cpu::bm25_detail::key_hit(cpu::bm25_detail::hit_key(a));
                 ASSERT_TRUE(back.score == a.score && back.doc == a.doc);
                 for (const Hit& b : hits)
                     ASSERT_EQ(cpu::bm25_detail::hit_key(a) > cpu::bm25_detail::hit_key(b),
                               cpu::bm25_detail::ranks_before(a, b))
                         << a.score << "/" << a.doc << " vs " << b.score << "/" << b.doc;
             }
             std::vector<Hit> stream;
             for (uint32_t d = 0; d < 3000; ++d)
                 stream.push_back({float(ctx.rng.uniform_int(0, 40)), d});
             std::vector<Hit> sorted = stream;
             std::sort(sorted.begin(), sorted.end(), cpu::bm25_detail::ranks_before);
             const cpu::bm25_detail::RankKeysFn rank_keys =
                 cpu::bm25_detail::pick_simd_kernels().rank_keys;
             for (size_t n : {1, 2, 7, 8, 9, 15, 63, 64, 65, 200, 255, 256}) {
                 std::vector<uint64_t> keys;
                 for (size_t i = 0; i < n; ++i)
                     keys.push_back(cpu::bm25_detail::hit_key(
                         stream[size_t(ctx.rng.uniform_int(0, int64_t(stream.size()) - 1))]));
                 std::sort(keys.begin(), keys.end());
                 keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
                 std::vector<uint64_t> expect = keys;
                 std::sort(expect.begin(), expect.end(), std::greater<uint64_t>());
                 for (size_t i = keys.size(); i > 1; --i)  // Fisher–Yates
                     std::swap(keys[i - 1], keys[size_t(ctx.rng.uniform_int(0, int64_t(i) - 1))]);
                 std::vector<Hit> out(keys.size(), Hit{-1.0f, ~0u});
                 rank_keys(keys.data(), keys.size(), out.data());
                 for (size_t i = 0; i < out.size(); ++i)
                     ASSERT_EQ(cpu::bm25_detail::hit_key(out[i]), expect[i])
                         << "n " << keys.size() << " rank " << i;
             }
             for (int64_t cap : {1, 2, 3, 7, 64, 100, 255, 256, 257, 1000}) {
                 cpu::bm25_detail::TopKHeap heap;
                 heap.reset(cap);
                 for (const Hit& h : stream)
                     if (h.score > heap.threshold()) heap.offer(h.score, h.doc);
                 std::vector<float> sc(static_cast<size_t>(cap));
                 std::vector<int32_t> dc(static_cast<size_t>(cap));
                 ASSERT_EQ(heap.write(cap, sc.data(), dc.data(), rank_keys), cap);
                 for (int64_t i = 0; i < cap; ++i)
                     ASSERT_TRUE(sc[size_t(i)] == sorted[size_t(i)].score &&
                                 uint32_t(dc[size_t(i)]) == sorted[size_t(i)].doc)
                         << "cap " << cap << " rank " << i;
             }
         }});
    cases.push_back(
        {"bm25_top_k", "bad_arguments", [](CaseContext& ctx) {
             TestIndex ix = random_index(50, 6, Impacts::Uniform, false, ctx.rng);
             PostingsView v = ix.view();
             float s[4];
             int32_t d[4];
             const uint32_t bad[] = {0, 6};
             const uint32_t good[] = {0, 1};
             EXPECT_THROW(cpu::bm25_top_k(v, bad, 2, 4, s, d), Error);
             EXPECT_THROW(ref::bm25_top_k(v, bad, 2, 4, s, d), Error);
             EXPECT_THROW(cpu::bm25_top_k_exhaustive(v, good, 2, -1, s, d), Error);
             EXPECT_THROW(cpu::bm25_top_k(v, good, 2, 4, nullptr, d), Error);
             EXPECT_THROW(cpu::bm25_top_k(v, nullptr, 2, 4, s, d), Error);
             EXPECT_THROW(cpu::bm25_scores(v, bad, 2, s), Error);
             PostingsView no_blocks = v;
             no_blocks.block_max = nullptr;
             EXPECT_THROW(cpu::bm25_top_k(no_blocks, good, 2, 4, s, d), Error);
             EXPECT_NO_THROW(cpu::bm25_top_k_exhaustive(no_blocks, good, 2, 4, s, d));
             PostingsView short_docs = v;
             short_docs.num_docs = 10;  // lists reach doc ids ≥ 10
             EXPECT_THROW(cpu::bm25_top_k_exhaustive(short_docs, good, 2, 4, s, d), Error);
             const uint64_t offs[] = {0, 2, 1};
             EXPECT_THROW(cpu::bm25_top_k_batch(v, good, offs, 2, 4, s, d, nullptr), Error);
         }});

    // The router's rule at its boundaries (bm25_kernels.h): dense unmapped lists (less dense when
    // the query's mapped lists are long); a loose candidate filter (probed maxima ≥ half the start
    // above the shift) whose probes would cost more than the exhaustive scan; neither when the
    // filter is tight, the probes are cheap (few unmapped postings: a frequent term with rare
    // ones) or no floor is known.
    cases.push_back({"bm25_top_k", "router", [](CaseContext&) {
                         using cpu::bm25_detail::prefer_exhaustive;
                         const int64_t N = 1000000;
                         const float inf = std::numeric_limits<float>::infinity();
                         EXPECT_TRUE(prefer_exhaustive({100000, 0, 0, 0}, N, 64, 10, 0));
                         EXPECT_FALSE(prefer_exhaustive({99999, 0, 0, 0}, N, 64, 10, 0));
                         EXPECT_TRUE(prefer_exhaustive({20000, 0, 0, 0}, N, 1000, 10, 0));
                         EXPECT_FALSE(prefer_exhaustive({19999, 0, 0, 0}, N, 1000, 10, 0));
                         // Mapped postings (scanned by the exhaustive kernel, probed by the pruned
                         // one) raise the dense threshold at k ≤ 256: 10 × 102000 ≥ N + 2 × 10000.
                         EXPECT_FALSE(prefer_exhaustive({100000, 10000, 1, 0}, N, 64, 10, 0));
                         EXPECT_TRUE(prefer_exhaustive({102000, 10000, 1, 0}, N, 64, 10, 0));
                         EXPECT_TRUE(prefer_exhaustive({20000, 10000, 1, 0}, N, 1000, 10, 0));
                         // Two probed terms: 20000 × 2 × 8 ≥ 220000 postings in all.
                         EXPECT_TRUE(prefer_exhaustive({20000, 200000, 2, 5.0}, N, 64, 12, 2));
                         EXPECT_FALSE(prefer_exhaustive({20000, 200000, 2, 4.99}, N, 64, 12, 2));
                         EXPECT_FALSE(prefer_exhaustive({13000, 200000, 2, 9.0}, N, 64, 12, 2));
                         EXPECT_FALSE(prefer_exhaustive({100, 60000, 1, 9.0}, N, 64, 10, 0));
                         EXPECT_FALSE(prefer_exhaustive({20000, 200000, 2, 9.0}, N, 64, -inf, 0));
                     }});
}

static CaseRegistrar reg(add_cases);

}  // namespace
}  // namespace mempipe::test
