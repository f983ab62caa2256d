// BM25 search over an InvertedIndex: text → term ids → top-k hits, one query or a batch in
// parallel.
//
// Query semantics are bm25s's: the query is tokenized exactly as the documents were (the tokenizer
// options are stored in the index); duplicate tokens count again; tokens not in the vocabulary are
// dropped. An empty query, or one made only of stop words or unknown words, matches nothing and
// returns no hits (bm25s returns arbitrary zero-score docs instead). Ranking: score descending,
// ties → lower internal doc id (= corpus order); at most k hits, fewer when fewer docs match.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mempipe/rag/index.h"

namespace mempipe::rag {

struct Hit {
    uint32_t doc = 0;  // internal doc id (corpus order); InvertedIndex::doc_id gives the user's id
    float score = 0;
};

enum class SearchAlgorithm {
    Pruned,      // block-max MaxScore (cpu::bm25_top_k), the default
    Exhaustive,  // term-at-a-time over every posting (cpu::bm25_top_k_exhaustive)
    Reference,   // the scalar oracle (ref::bm25_top_k)
};
SearchAlgorithm parse_search_algorithm(std::string_view name);  // pruned | exhaustive | reference

// Term ids of `text` in query order (duplicates kept, unknown tokens dropped).
std::vector<uint32_t> query_terms(const InvertedIndex& index, Tokenizer& tokenizer,
                                  std::string_view text);

std::vector<Hit> search(const InvertedIndex& index, const std::vector<uint32_t>& terms, int64_t k,
                        SearchAlgorithm algorithm = SearchAlgorithm::Pruned);
std::vector<Hit> search(const InvertedIndex& index, std::string_view text, int64_t k,
                        SearchAlgorithm algorithm = SearchAlgorithm::Pruned);

// Tokenizes (in parallel) and answers every query; result[i] belongs to texts[i]. Uses the current
// thread count (set_num_threads).
std::vector<std::vector<Hit>> search_batch(const InvertedIndex& index,
                                           const std::vector<std::string>& texts, int64_t k,
                                           SearchAlgorithm algorithm = SearchAlgorithm::Pruned);

}  // namespace mempipe::rag
