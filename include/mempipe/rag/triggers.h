// Dynamic-RAG triggers: when does an LLM's generation call for a retrieval, and with what query.
//
// The rules are those of DRAGIN's code (oneal2000/DRAGIN src/generate.py) and FLARE's
// (jzbjyb/FLARE), specified in reference/rag.md §3.3. The library computes no model signal: the
// caller supplies, per generated token, its text piece, probability, entropy, last-layer attention,
// word-start and content-word flags (from its LLM and POS tagger), and the library applies the
// rule.
//
//   * fs-rag (FixLengthRAG, fix-sentence-retrieval): the first retrieval uses the question; every
//     generation step keeps only its first sentence s, and the next step retrieves with s.
//   * flare (DRAGIN's TokenRAG, sentence_solver avg, query_formulation direct): per sentence of the
//     step, score = mean over its tokens of (1 − p); the first sentence with score > θ triggers;
//     query = that sentence without its tokens whose 1 − p > θ. No retrieval before the first step.
//     (DRAGIN's TokenRAG.modifier averages over logprobs[tid:tr+1], one token past the sentence,
//     and skips a token between sentences; those off-by-ones are not reproduced.)
//   * flare-original (jzbjyb/FLARE): first retrieval with the question; each step is a look-ahead
//     of ≤ 64 tokens cut after the first sentence end; retrieval iff ANY token has p ≤ 0.8; query =
//     the look-ahead without tokens of p ≤ 0.4.
//   * dragin (AttnWeightRAG): tokens merge into words (word attention = Σ of its tokens', word
//     entropy = mean); per sentence [tl, tr) of words, value_i = a_i / Σ_sentence a · H_i · (tr −
//     tl); the first sentence with any value > θ triggers; hits on non-content words are then
//     dropped (shapes the query only); query by QFS: the top keep_top_k content words of the
//     context (question
//     + text so far + the step's earlier sentences + the triggering sentence, hit words excluded)
//     ranked by the mean attention the hit words pay them, restored to text order, joined by
//     spaces. The caller supplies the context words and the hit words' attention rows
//     (DragInContext). When it does not, the query is DRAGIN's "current_wo_wrong": the sentence's
//     words without the hit words.
// Every query is cut to its last max_query_tokens (64) LLM tokens, using the caller's token pieces.
//
// Sentences: the caller's sentence_end flags (SentenceRule::Caller), or a simple rule
// (SentenceRule::Punctuation): a sentence ends after a token whose text, without trailing spaces,
// ends in '.', '!' or '?', when the next token starts with whitespace or there is no next token.
// The tokens after the last sentence end form a final (unterminated) sentence.
#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mempipe::rag {

// One generated token as the LLM saw it. Pieces carry their own leading space (Llama's "▁" → " ").
struct TokenSignal {
    std::string text;         // decoded piece, e.g. " Paris" or "ville"
    double prob = 1;          // P(token) ∈ [0, 1]
    double entropy = 0;       // entropy of the next-token distribution, nats, ≥ 0
    double attention = 0;     // last-layer attention it receives: max over queries, mean over heads
    bool word_start = false;  // starts a new word (token 0 always does)
    bool content = false;     // its word has a NOUN/ADJ/VERB/PROPN/NUM token (read at word start)
    bool sentence_end = false;  // a sentence ends after it (SentenceRule::Caller)
};

enum class SentenceRule { Punctuation, Caller };

struct Span {
    int64_t begin = 0, end = 0;  // [begin, end)
    int64_t size() const { return end - begin; }
};

// Sentences of `tokens` as token ranges (never empty ranges; none for no tokens).
std::vector<Span> split_sentences(std::span<const TokenSignal> tokens, SentenceRule rule);

struct Word {
    Span tokens;           // its token range
    std::string text;      // concatenated pieces, surrounding whitespace trimmed
    double attention = 0;  // Σ over its tokens
    double entropy = 0;    // mean over its tokens
    bool content = false;  // the flag of its first token
};
// DRAGIN's merge: a new word starts at token 0 and at every word_start token.
std::vector<Word> merge_words(std::span<const TokenSignal> tokens);

// Joins the pieces (in order) and keeps the last max_tokens of them; the result is trimmed.
std::string join_last_pieces(const std::vector<std::string_view>& pieces, int64_t max_tokens);

enum class TriggerMethod { FsRag, Flare, FlareOriginal, Dragin };
TriggerMethod parse_trigger_method(
    std::string_view name);  // fs-rag | flare | flare-original | dragin
std::string_view trigger_method_name(TriggerMethod m);

struct TriggerOptions {
    TriggerMethod method = TriggerMethod::Dragin;
    // θ: flare → hallucination_threshold on 1 − p (default 0.1, Llama2-7b 2Wiki); dragin → RIND
    // threshold (default 1.0, Llama2-7b 2Wiki). NaN = the method's default. Unused otherwise.
    double threshold = std::numeric_limits<double>::quiet_NaN();
    int64_t top_k = 0;              // documents per retrieval; 0 = default (3; flare-original 2)
    int64_t keep_top_k = 25;        // dragin QFS query words (25 or 35 in DRAGIN's configs)
    int64_t max_query_tokens = 64;  // queries keep their last max_query_tokens LLM tokens
    double filter_prob = 0.8;       // flare-original: retrieve iff some token p ≤ filter_prob
    double mask_prob = 0.4;   // flare-original: drop tokens with p ≤ mask_prob from the query
    int64_t look_ahead = 64;  // flare-original: look-ahead tokens per step
    SentenceRule sentences = SentenceRule::Punctuation;
};

// Defaults resolved and values checked (usage error: θ < 0, top_k < 0, keep_top_k < 1,
// max_query_tokens < 1, probabilities outside [0, 1], look_ahead < 1).
TriggerOptions resolve_trigger_options(TriggerOptions options);

struct TriggerDecision {
    bool retrieve = false;
    std::string query;           // the (truncated) query when retrieve
    int64_t sentence = -1;       // triggering (fs-rag: kept) sentence of the step, −1 if none
    Span span;                   // its token range in the step
    std::vector<int64_t> hits;   // flare/flare-original: masked token indices; dragin: hit
                                 // word indices (into merge_words of the step), after filtering
    std::vector<double> values;  // flare: per-sentence score; dragin: RIND value per word of
                                 // the triggering (or last) sentence
    int64_t kept_tokens = 0;     // step tokens that stay in the text before any regeneration
};

// DRAGIN QFS inputs, supplied by the caller when it can run the extra forward pass.
struct ContextWord {
    std::vector<std::string> pieces;  // its LLM token pieces
    bool content = false;             // NOUN/ADJ/VERB/PROPN/NUM
};
struct DraginContext {
    // all_text's words: question + text + the step's earlier sentences + the triggering sentence;
    // the triggering sentence's words are the LAST ones, in order.
    std::vector<ContextWord> words;
    // attention[j][c]: the normalised attention word j of the triggering sentence pays to context
    // word c (DRAGIN keep_real_words `attns`), one row per sentence word: [sentence words × words].
    std::vector<std::vector<double>> attention;
};

// The rules as pure functions of one step's tokens (the options resolved first).
TriggerDecision fs_rag_step(std::span<const TokenSignal> tokens, const TriggerOptions& options);
TriggerDecision flare_step(std::span<const TokenSignal> tokens, const TriggerOptions& options);
TriggerDecision flare_original_step(std::span<const TokenSignal> tokens,
                                    const TriggerOptions& options);
// RIND + the query (QFS when ctx is non-null and has rows, else current_wo_wrong).
TriggerDecision dragin_step(std::span<const TokenSignal> tokens, const TriggerOptions& options,
                            const DraginContext* ctx = nullptr);
// QFS alone: hit_words index the triggering sentence's words (the last rows of ctx.words); keeps
// the top keep_top_k content non-hit words by mean hit attention (ties → earlier word), in text
// order.
std::string dragin_qfs_query(const DraginContext& ctx, std::span<const int64_t> hit_words,
                             int64_t keep_top_k, int64_t max_query_tokens);

// A whole request: start() before generating, step() after each generation step.
class Trigger {
  public:
    explicit Trigger(TriggerOptions options);
    const TriggerOptions& options() const { return options_; }
    // The retrieval before the first step: the question for fs-rag and flare-original, none for
    // flare and dragin. question_pieces: the question's LLM token pieces (for the 64-token cut).
    TriggerDecision start(const std::vector<std::string>& question_pieces);
    // One step's tokens (generated without new documents). For fs-rag the returned retrieval feeds
    // the NEXT step (skip it when generation stops); for the others it regenerates this step.
    TriggerDecision step(std::span<const TokenSignal> tokens, const DraginContext* ctx = nullptr);
    bool retrieval_feeds_next_step() const { return options_.method == TriggerMethod::FsRag; }

  private:
    TriggerOptions options_;
};

}  // namespace mempipe::rag
