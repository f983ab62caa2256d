// Index construction: streaming parallel tokenization into a forward store, then a parallel
// counting-sort inversion (no comparison sort over postings) with the impacts written in place.
//
// 1. Batches of documents are split into one contiguous range per thread (balanced by text bytes).
//    Each thread tokenizes its range with its own Tokenizer into a batch-local vocabulary (term →
//    local id in first-occurrence order) and a forward list per doc: (local id, tf) in first-
//    occurrence order, plus |d|.
// 2. The batch vocabularies are merged into the global one serially, thread range by thread range
//    (= doc order), so term ids are the first-occurrence order over the corpus whatever the thread
//    count. Each thread then copies its forward lists into an exact-sized segment with global ids.
// 3. Inversion: the segments are cut into one contiguous doc range per thread; each counts its
//    postings per term; a prefix sum over (term, range) gives every range its write position per
//    term; each range then writes its postings (doc ids ascending within a term because ranges and
//    docs within them are visited in order) and the impacts, and frees its segments.
// 4. Block maxima, then the vocabulary's hash table.
// Peak memory ≈ 8 B/posting (forward store) + 8 B/posting (docs + impacts) + 8 B·terms·threads.
#include <sys/resource.h>

#include <algorithm>
#include <exception>
#include <limits>

#include <omp.h>

#include "mempipe/core/error.h"
#include "mempipe/core/parallel.h"
#include "mempipe/core/progress.h"
#include "mempipe/core/timer.h"
#include "rag/index/bm25_math.h"
#include "rag/index/chunk_vocab.h"
#include "rag/index/impl.h"
#include "rag/index/vocab.h"

namespace mempipe::rag {
namespace {

constexpr uint32_t kNoDoc = std::numeric_limits<uint32_t>::max();
constexpr uint64_t kMaxDocs = std::numeric_limits<uint32_t>::max() - 1;
constexpr uint64_t kPrefetch = 16;  // postings ahead: hides the scatter's cache misses

uint64_t peak_rss_bytes() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return uint64_t(u.ru_maxrss) * 1024;  // Linux reports KiB
}

// Runs fn(i) for i in [0, n) on up to n threads; the first exception is rethrown on the caller.
template <class Fn>
void run_parallel(int n, Fn&& fn) {
    std::exception_ptr error;
#pragma omp parallel for schedule(static, 1) num_threads(n)
    for (int i = 0; i < n; ++i) {
        try {
            fn(i);
        } catch (...) {
#pragma omp critical(mempipe_index_build_error)
            if (!error) error = std::current_exception();
        }
    }
    if (error) std::rethrow_exception(error);
}

// The forward lists of a contiguous doc range with global term ids.
struct Segment {
    uint32_t first_doc = 0;
    uint32_t n_docs = 0;
    Buffer<uint64_t> doc_end;  // [n_docs] end of each doc's postings
    Buffer<uint32_t> terms;    // [nnz]
    Buffer<uint32_t> tfs;      // [nnz]
    uint64_t nnz() const { return n_docs == 0 ? 0 : doc_end[n_docs - 1]; }
};

// One thread's state: its vocabulary (kept across batches) and the batch's forward lists.
struct Chunk {
    detail::ChunkVocab vocab;
    std::vector<uint32_t> terms, tfs, doc_len, gids;
    std::vector<uint64_t> doc_end;
    uint32_t next_doc = 0;  // global id of the next doc added

    void reset(uint32_t first_doc) {
        terms.clear();
        tfs.clear();
        doc_len.clear();
        doc_end.clear();
        next_doc = first_doc;
    }

    template <class TokenList>
    void add_doc(const TokenList& tokens) {
        MEMPIPE_CHECK_ARG(tokens.size() < kNoDoc, "a document has {} tokens; at most {} supported",
                          tokens.size(), kNoDoc - 1);
        vocab.add_doc(tokens, next_doc++, terms, tfs);
        if (terms.size() >= kNoDoc)
            runtime_error("a batch of documents has over {} postings; lower batch_docs", kNoDoc);
        doc_len.push_back(static_cast<uint32_t>(tokens.size()));
        doc_end.push_back(terms.size());
    }
};

class Builder {
  public:
    Builder(const IndexOptions& options, int threads)
        : options_(options), threads_(threads), chunks_(size_t(threads)) {}

    void add_doc_id(std::string_view id) {
        docid_.insert(docid_.end(), id.begin(), id.end());
        docid_off_.push_back(docid_.size());
    }

    // Adds docs [0, n) of a batch: thread range r covers [bounds[r], bounds[r+1]); add(r, i, chunk)
    // tokenizes doc i into the chunk.
    template <class AddDoc>
    void add_batch(const std::vector<size_t>& bounds, AddDoc&& add) {
        const size_t n = bounds.back();
        if (n == 0) return;
        if (n_docs_ + n > kMaxDocs)
            runtime_error(
                "the corpus has more than {} documents (doc ids are 32-bit); split it "
                "into shards",
                kMaxDocs);
        run_parallel(threads_, [&](int r) {
            Chunk& c = chunks_[size_t(r)];
            c.reset(static_cast<uint32_t>(n_docs_ + bounds[size_t(r)]));
            for (size_t i = bounds[size_t(r)]; i < bounds[size_t(r) + 1]; ++i) add(r, i, c);
        });
        // Terms new to a thread, merged thread range by thread range (= corpus order).
        for (Chunk& c : chunks_) {
            c.gids.resize(c.vocab.new_terms());
            for (size_t i = 0; i < c.gids.size(); ++i)
                c.gids[i] = vocab_.intern(c.vocab.new_term(i));
        }
        std::vector<Segment> fresh(static_cast<size_t>(threads_));
        run_parallel(threads_, [&](int r) {
            Chunk& c = chunks_[size_t(r)];
            c.vocab.merge_new(c.gids);
            Segment& s = fresh[size_t(r)];
            s.first_doc = static_cast<uint32_t>(n_docs_ + bounds[size_t(r)]);
            s.n_docs = static_cast<uint32_t>(c.doc_end.size());
            s.doc_end = Buffer<uint64_t>(c.doc_end.size());
            std::copy(c.doc_end.begin(), c.doc_end.end(), s.doc_end.data());
            s.terms = Buffer<uint32_t>(c.terms.size());
            s.tfs = Buffer<uint32_t>(c.tfs.size());
            constexpr uint32_t kNew = detail::ChunkVocab::kNewFlag;
            for (size_t i = 0; i < c.terms.size(); ++i) {
                const uint32_t v = c.terms[i];
                s.terms[i] = (v & kNew) ? c.gids[v & ~kNew] : v;
            }
            std::copy(c.tfs.begin(), c.tfs.end(), s.tfs.data());
        });
        for (int r = 0; r < threads_; ++r) {
            const Chunk& c = chunks_[size_t(r)];
            doc_len_.insert(doc_len_.end(), c.doc_len.begin(), c.doc_len.end());
            for (uint32_t len : c.doc_len) tokens_ += len;
            nnz_ += fresh[size_t(r)].nnz();
            if (fresh[size_t(r)].n_docs > 0) segments_.push_back(std::move(fresh[size_t(r)]));
        }
        n_docs_ += n;
    }

    // Inverts the forward store into `impl` (consumes the builder).
    void finish(InvertedIndex::Impl& impl, BuildStats& stats);

  private:
    void release_chunks() { std::vector<Chunk>().swap(chunks_); }

    IndexOptions options_;
    int threads_;
    std::vector<Chunk> chunks_;
    std::vector<Segment> segments_;
    detail::TermTable vocab_;
    std::vector<uint32_t> doc_len_;
    std::vector<uint64_t> docid_off_{0};
    std::vector<char> docid_;
    uint64_t n_docs_ = 0, nnz_ = 0, tokens_ = 0;
};

void Builder::finish(InvertedIndex::Impl& impl, BuildStats& stats) {
    release_chunks();
    Timer timer;
    const Bm25Params& p = options_.bm25;
    const uint64_t V = vocab_.size();
    const uint64_t N = n_docs_;
    const double avgdl = N > 0 ? double(tokens_) / double(N) : 0.0;
    const int T = threads_;

    // Contiguous segment ranges, one per thread, balanced by postings.
    std::vector<size_t> seg_bounds(size_t(T) + 1, segments_.size());
    seg_bounds[0] = 0;
    {
        uint64_t acc = 0;
        int r = 1;
        for (size_t s = 0; s < segments_.size() && r < T; ++s) {
            acc += segments_[s].nnz();
            while (r < T && acc * uint64_t(T) >= nnz_ * uint64_t(r))
                seg_bounds[size_t(r++)] = s + 1;
        }
    }

    // Per (range, term) counts, turned into write positions.
    Buffer<uint64_t> pos(size_t(T) * V);
    run_parallel(T, [&](int r) {
        uint64_t* row = pos.data() + size_t(r) * V;
        std::fill(row, row + V, uint64_t(0));
        for (size_t s = seg_bounds[size_t(r)]; s < seg_bounds[size_t(r) + 1]; ++s) {
            const Segment& seg = segments_[s];
            const uint64_t nnz = seg.nnz();
            for (uint64_t i = 0; i < nnz; ++i) {
                if (i + kPrefetch < nnz) __builtin_prefetch(&row[seg.terms[i + kPrefetch]], 1);
                ++row[seg.terms[i]];
            }
        }
    });
    impl.own_offsets = Buffer<uint64_t>(V + 1);
    uint64_t* offsets = impl.own_offsets.data();
    {
        uint64_t running = 0;
        for (uint64_t t = 0; t < V; ++t) {
            offsets[t] = running;
            for (int r = 0; r < T; ++r) {
                uint64_t& c = pos[size_t(r) * V + t];
                const uint64_t count = c;
                c = running;
                running += count;
            }
        }
        offsets[V] = running;
    }

    // idf and S0 per term.
    std::vector<double> idf(V), s0(V, 0.0);
    const bool shifted = bm25_shifted(p.variant);
    const double tfc0 =
        detail::bm25_tfc(p.variant, p.k1, p.delta, 0.0, detail::bm25_norm(p.b, avgdl, avgdl));
    parallel_for(int64_t(V), 4096, [&](int64_t lo, int64_t hi) {
        for (int64_t t = lo; t < hi; ++t) {
            idf[t] = detail::bm25_idf(p.variant, double(offsets[t + 1] - offsets[t]), double(N));
            if (shifted) s0[t] = idf[t] * tfc0;
        }
    });

    // Scatter postings and impacts.
    impl.own_docs = Buffer<uint32_t>(nnz_);
    impl.own_impacts = Buffer<float>(nnz_);
    uint32_t* docs = impl.own_docs.data();
    float* impacts = impl.own_impacts.data();
    run_parallel(T, [&](int r) {
        uint64_t* row = pos.data() + size_t(r) * V;
        for (size_t s = seg_bounds[size_t(r)]; s < seg_bounds[size_t(r) + 1]; ++s) {
            Segment& seg = segments_[s];
            const uint64_t nnz = seg.nnz();
            uint64_t i = 0;
            for (uint32_t k = 0; k < seg.n_docs; ++k) {
                const uint32_t d = seg.first_doc + k;
                const double norm = detail::bm25_norm(p.b, double(doc_len_[d]), avgdl);
                for (const uint64_t end = seg.doc_end[k]; i < end; ++i) {
                    // Two-stage prefetch: the term's write position, then its destinations.
                    if (i + 2 * kPrefetch < nnz)
                        __builtin_prefetch(&row[seg.terms[i + 2 * kPrefetch]], 1);
                    if (i + kPrefetch < nnz) {
                        const uint64_t ahead = row[seg.terms[i + kPrefetch]];
                        __builtin_prefetch(docs + ahead, 1);
                        __builtin_prefetch(impacts + ahead, 1);
                    }
                    const uint32_t t = seg.terms[i];
                    const uint64_t q = row[t]++;
                    docs[q] = d;
                    impacts[q] = detail::bm25_impact(
                        idf[t],
                        detail::bm25_tfc(p.variant, p.k1, p.delta, double(seg.tfs[i]), norm),
                        s0[t]);
                }
            }
            seg = Segment{};
        }
    });
    stats.peak_rss_bytes = std::max(stats.peak_rss_bytes, peak_rss_bytes());
    pos = Buffer<uint64_t>();
    std::vector<Segment>().swap(segments_);
    stats.invert_s = timer.seconds();

    timer.reset();
    if (shifted) {
        impl.own_nonocc.reserve(1);  // a non-null view even with no terms: nonocc ⇔ shifted
        impl.own_nonocc.resize(V);
        for (uint64_t t = 0; t < V; ++t) impl.own_nonocc[t] = static_cast<float>(s0[t]);
    }
    const uint64_t n_blocks = bm25_count_blocks(offsets, int64_t(V));
    impl.own_term_max = Buffer<float>(V);
    impl.own_block_offsets = Buffer<uint64_t>(V + 1);
    impl.own_block_max = Buffer<float>(n_blocks);
    impl.own_block_last = Buffer<uint32_t>(n_blocks);
    bm25_compute_block_maxima(offsets, docs, impacts, int64_t(V), impl.own_term_max.data(),
                              impl.own_block_offsets.data(), impl.own_block_max.data(),
                              impl.own_block_last.data());
    impl.own_vocab_hash = detail::make_vocab_hash(vocab_.hashes(), V);
    vocab_.release(impl.own_vocab_off, impl.own_vocab);
    stats.score_s = timer.seconds();

    impl.bm25 = p;
    impl.tokenizer = options_.tokenizer;
    impl.n_docs = int64_t(N);
    impl.n_terms = int64_t(V);
    impl.nnz = nnz_;
    impl.n_blocks = n_blocks;
    impl.avgdl = avgdl;
    impl.own_doc_len = std::move(doc_len_);
    impl.own_docid_off = std::move(docid_off_);
    impl.own_docid = std::move(docid_);
    timer.reset();
    impl.bind_owned();
    impl.build_pruning_aids();
    stats.score_s += timer.seconds();

    stats.docs = int64_t(N);
    stats.terms = int64_t(V);
    stats.postings = int64_t(nnz_);
    stats.tokens = int64_t(tokens_);
}

int resolve_threads(const IndexOptions& o) {
    MEMPIPE_CHECK_ARG(o.threads >= 0, "index threads must be ≥ 0 (0 = all), got {}", o.threads);
    MEMPIPE_CHECK_ARG(o.batch_docs >= 1, "index batch_docs must be ≥ 1, got {}", o.batch_docs);
    return o.threads > 0 ? o.threads : std::max(1, num_threads());
}

// Splits [0, n) into `parts` contiguous ranges with about equal total weight(i).
template <class Weight>
std::vector<size_t> split_by_weight(size_t n, int parts, Weight&& weight) {
    uint64_t total = 0;
    for (size_t i = 0; i < n; ++i) total += weight(i) + 1;
    std::vector<size_t> bounds(size_t(parts) + 1, n);
    bounds[0] = 0;
    uint64_t acc = 0;
    int r = 1;
    for (size_t i = 0; i < n && r < parts; ++i) {
        acc += weight(i) + 1;
        while (r < parts && acc * uint64_t(parts) >= total * uint64_t(r))
            bounds[size_t(r++)] = i + 1;
    }
    return bounds;
}

}  // namespace

InvertedIndex InvertedIndex::build(CorpusReader& corpus, const IndexOptions& options,
                                   BuildStats* stats_out) {
    check_bm25_params(options.bm25);
    const int threads = resolve_threads(options);
    Timer total;
    BuildStats stats;
    Builder builder(options, threads);
    std::vector<Tokenizer> tokenizers(size_t(threads), Tokenizer(options.tokenizer));
    std::vector<Tokens> tokens(static_cast<size_t>(threads));
    std::vector<Document> batch;
    ProgressBar bar("indexing", corpus.bytes_total(), options.progress, ProgressUnit::Bytes);
    uint64_t bytes_done = 0;
    for (;;) {
        Timer t;
        const size_t n = corpus.next_batch(batch, options.batch_docs);
        stats.read_s += t.seconds();
        if (n == 0) break;
        t.reset();
        for (size_t i = 0; i < n; ++i) {
            builder.add_doc_id(batch[i].id);
            bytes_done += batch[i].text.size();
        }
        const auto bounds =
            split_by_weight(n, threads, [&](size_t i) { return uint64_t(batch[i].text.size()); });
        builder.add_batch(bounds, [&](int r, size_t i, Chunk& chunk) {
            tokenizers[size_t(r)].tokenize(batch[i].text, tokens[size_t(r)]);
            chunk.add_doc(tokens[size_t(r)]);
        });
        stats.tokenize_s += t.seconds();
        bar.update(bytes_done);
    }
    bar.finish();
    stats.skipped = corpus.skipped();
    std::vector<Document>().swap(batch);
    InvertedIndex index;
    builder.finish(*index.impl_, stats);
    stats.total_s = total.seconds();
    stats.peak_rss_bytes = std::max(stats.peak_rss_bytes, peak_rss_bytes());
    if (stats_out != nullptr) *stats_out = stats;
    return index;
}

InvertedIndex InvertedIndex::build_from_tokens(const std::vector<std::vector<std::string>>& docs,
                                               const std::vector<std::string>& doc_ids,
                                               const IndexOptions& options) {
    check_bm25_params(options.bm25);
    MEMPIPE_CHECK_ARG(doc_ids.empty() || doc_ids.size() == docs.size(),
                      "build_from_tokens: {} doc ids for {} docs; pass one id per doc or none",
                      doc_ids.size(), docs.size());
    const int threads = resolve_threads(options);
    Builder builder(options, threads);
    BuildStats stats;
    for (size_t begin = 0; begin < docs.size(); begin += options.batch_docs) {
        const size_t n = std::min(options.batch_docs, docs.size() - begin);
        for (size_t i = begin; i < begin + n; ++i) {
            if (doc_ids.empty())
                builder.add_doc_id(std::to_string(i));
            else
                builder.add_doc_id(doc_ids[i]);
        }
        const auto bounds =
            split_by_weight(n, threads, [&](size_t i) { return uint64_t(docs[begin + i].size()); });
        builder.add_batch(bounds,
                          [&](int, size_t i, Chunk& chunk) { chunk.add_doc(docs[begin + i]); });
    }
    InvertedIndex index;
    builder.finish(*index.impl_, stats);
    return index;
}

}  // namespace mempipe::rag
