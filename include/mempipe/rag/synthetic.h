// A synthetic, English-like corpus for scale tests: deterministic, streaming, fast.
//
// The vocabulary is V pronounceable pseudo-words (alternating consonants and vowels, lowercase
// ASCII, 3–10 letters, all distinct, none equal to an English stop word, so every word is exactly
// one token of the bm25s tokenizer). Word r (0-based frequency rank) is drawn with probability ∝ (r
// + 1)^−s (Zipf, s = 1.07 by default); frequent words are shorter, as in English. A document is a
// run of sentences ("Word word … word. Word …."), 6–18 words each; its length in words is
// log-normal with mean 100 and standard deviation 30 (clamped to [1, 1000]). Document i has id
// "s<i>" and an empty title.
//
// Every document is generated from its own random stream (seed, i): the corpus is the same for any
// thread count, next_batch generates a batch in parallel, and nothing is materialised (the corpus
// streams; memory is the vocabulary and sampling tables, ~17 MB for V = 2^20).
// The same seed gives the same vocabulary in make_synthetic_corpus and synthetic_queries.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "mempipe/rag/corpus.h"

namespace mempipe::rag {

struct SyntheticOptions {
    int64_t vocab_size = int64_t(1) << 20;  // V ≥ 1
    double zipf_s = 1.07;                   // > 0
    double mean_words = 100;                // mean document length in words (> 0)
    double stddev_words = 30;               // ≥ 0
};

// A reader over n_docs generated documents (format() = CorpusFormat::Synthetic, bytes_total() = the
// expected text size). n_docs ≥ 0.
std::unique_ptr<CorpusReader> make_synthetic_corpus(int64_t n_docs, uint64_t seed,
                                                    const SyntheticOptions& options = {});

// Parses "synthetic:N[:seed]" (N with an optional binary suffix k/m/g as in the CLI's sizes: 4k =
// 4096; seed default 42) and opens that corpus. A malformed spec is a usage error.
std::unique_ptr<CorpusReader> open_synthetic_corpus(std::string_view spec);
bool is_synthetic_spec(std::string_view path);  // starts with "synthetic:"

// n queries of `words` distinct words each, drawn from the corpus's word distribution restricted to
// ranks ≥ 64 (no function-word-like head: realistic queries are mostly mid-frequency words), words
// joined by single spaces. `stream` selects an independent query set for the same corpus seed.
std::vector<std::string> synthetic_queries(int64_t n, int words, uint64_t seed,
                                           const SyntheticOptions& options = {},
                                           uint64_t stream = 0);

// The vocabulary word of frequency rank r (tests, debugging). r ∈ [0, vocab_size).
std::string synthetic_word(int64_t rank, uint64_t seed, const SyntheticOptions& options = {});

}  // namespace mempipe::rag
