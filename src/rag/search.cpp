// BM25 search over an InvertedIndex: tokenize like the docs, map tokens to term ids, run the
// selected bm25_top_k backend; batches tokenize and search in parallel over queries.
#include "mempipe/rag/search.h"

#include <omp.h>

#include <algorithm>

#include "mempipe/core/error.h"
#include "mempipe/core/parallel.h"
#include "mempipe/ops/bm25.h"

namespace mempipe::rag {

namespace {

using TopKFn = int64_t (*)(const PostingsView&, const uint32_t*, int64_t, int64_t, float*,
                           int32_t*);

TopKFn backend(SearchAlgorithm algorithm) {
    switch (algorithm) {
        case SearchAlgorithm::Pruned:
            return cpu::bm25_top_k;
        case SearchAlgorithm::Exhaustive:
            return cpu::bm25_top_k_exhaustive;
        case SearchAlgorithm::Reference:
            return ref::bm25_top_k;
    }
    return cpu::bm25_top_k;
}

// k clamped to the number of docs (only real hits are returned; the rest would be padding).
int64_t effective_k(const InvertedIndex& index, int64_t k) {
    MEMPIPE_CHECK_ARG(k >= 0, "search: k={} must be ≥ 0", k);
    return std::min<int64_t>(k, index.num_docs());
}

std::vector<Hit> run(const PostingsView& view, const std::vector<uint32_t>& terms, int64_t k,
                     TopKFn fn, std::vector<float>& scores, std::vector<int32_t>& docs) {
    scores.resize(size_t(k));
    docs.resize(size_t(k));
    const int64_t n = fn(view, terms.data(), int64_t(terms.size()), k, scores.data(), docs.data());
    std::vector<Hit> hits(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i)
        hits[size_t(i)] = {uint32_t(docs[size_t(i)]), scores[size_t(i)]};
    return hits;
}

void terms_of(const InvertedIndex& index, const Tokens& tokens, std::vector<uint32_t>& out) {
    out.clear();
    for (size_t i = 0; i < tokens.size(); ++i)
        if (auto id = index.term_id(tokens[i])) out.push_back(*id);
}

}  // namespace

SearchAlgorithm parse_search_algorithm(std::string_view name) {
    if (name == "pruned") return SearchAlgorithm::Pruned;
    if (name == "exhaustive") return SearchAlgorithm::Exhaustive;
    if (name == "reference" || name == "ref") return SearchAlgorithm::Reference;
    usage_error("unknown search algorithm '{}'; choose pruned, exhaustive or reference", name);
}

std::vector<uint32_t> query_terms(const InvertedIndex& index, Tokenizer& tokenizer,
                                  std::string_view text) {
    Tokens tokens;
    tokenizer.tokenize(text, tokens);
    std::vector<uint32_t> out;
    terms_of(index, tokens, out);
    return out;
}

std::vector<Hit> search(const InvertedIndex& index, const std::vector<uint32_t>& terms, int64_t k,
                        SearchAlgorithm algorithm) {
    std::vector<float> scores;
    std::vector<int32_t> docs;
    return run(index.postings(), terms, effective_k(index, k), backend(algorithm), scores, docs);
}

std::vector<Hit> search(const InvertedIndex& index, std::string_view text, int64_t k,
                        SearchAlgorithm algorithm) {
    Tokenizer tokenizer(index.tokenizer_options());
    return search(index, query_terms(index, tokenizer, text), k, algorithm);
}

std::vector<std::vector<Hit>> search_batch(const InvertedIndex& index,
                                           const std::vector<std::string>& texts, int64_t k,
                                           SearchAlgorithm algorithm) {
    const int64_t kk = effective_k(index, k);
    const int64_t n = int64_t(texts.size());
    std::vector<std::vector<Hit>> results(texts.size());
    if (n == 0) return results;
    const PostingsView view = index.postings();
    const TopKFn fn = backend(algorithm);
    const Tokenizer prototype(index.tokenizer_options());
    const int threads = int(std::min<int64_t>(num_threads(), n));
#pragma omp parallel num_threads(threads)
    {
        Tokenizer tokenizer(prototype);
        Tokens tokens;
        std::vector<uint32_t> terms;
        std::vector<float> scores;
        std::vector<int32_t> docs;
#pragma omp for schedule(dynamic, 1)
        for (int64_t q = 0; q < n; ++q) {
            tokenizer.tokenize(texts[size_t(q)], tokens);
            terms_of(index, tokens, terms);
            results[size_t(q)] = run(view, terms, kk, fn, scores, docs);
        }
    }
    return results;
}

}  // namespace mempipe::rag
