// Shared pieces of the triggers: sentences, words, query truncation, options, the Trigger driver.
#include <cmath>

#include "mempipe/core/error.h"
#include "mempipe/rag/triggers.h"
#include "rag/triggers/trigger_internal.h"

namespace mempipe::rag {
namespace {

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

bool ends_sentence(std::span<const TokenSignal> tokens, size_t i) {
    std::string_view t = tokens[i].text;
    const bool trailing_space = !t.empty() && is_space(t.back());
    while (!t.empty() && is_space(t.back())) t.remove_suffix(1);
    if (t.empty()) return false;
    const char last = t.back();
    if (last != '.' && last != '!' && last != '?') return false;
    if (trailing_space || i + 1 == tokens.size()) return true;
    const std::string_view next = tokens[i + 1].text;
    return !next.empty() && is_space(next.front());
}

}  // namespace

std::vector<Span> split_sentences(std::span<const TokenSignal> tokens, SentenceRule rule) {
    std::vector<Span> out;
    int64_t begin = 0;
    for (size_t i = 0; i < tokens.size(); ++i) {
        const bool end =
            rule == SentenceRule::Caller ? tokens[i].sentence_end : ends_sentence(tokens, i);
        if (end) {
            out.push_back({begin, int64_t(i) + 1});
            begin = int64_t(i) + 1;
        }
    }
    if (begin < int64_t(tokens.size())) out.push_back({begin, int64_t(tokens.size())});
    return out;
}

std::vector<Word> merge_words(std::span<const TokenSignal> tokens) {
    std::vector<Word> words;
    for (size_t i = 0; i < tokens.size(); ++i) {
        if (i == 0 || tokens[i].word_start) {
            Word w;
            w.tokens = {int64_t(i), int64_t(i)};
            w.content = tokens[i].content;
            words.push_back(std::move(w));
        }
        Word& w = words.back();
        w.tokens.end = int64_t(i) + 1;
        w.text += tokens[i].text;
        w.attention += tokens[i].attention;
        w.entropy += tokens[i].entropy;
    }
    for (Word& w : words) {
        w.entropy /= double(w.tokens.size());
        w.text = std::string(trim(w.text));
    }
    return words;
}

std::string join_last_pieces(const std::vector<std::string_view>& pieces, int64_t max_tokens) {
    const size_t first = pieces.size() > size_t(std::max<int64_t>(max_tokens, 0))
                             ? pieces.size() - size_t(max_tokens)
                             : 0;
    std::string out;
    for (size_t i = first; i < pieces.size(); ++i) out += pieces[i];
    return std::string(trim(out));
}

namespace detail {

void append_word_pieces(const std::vector<std::string_view>& word_pieces,
                        std::vector<std::string_view>& out, std::deque<std::string>& storage) {
    bool first = true;
    for (std::string_view p : word_pieces) {
        if (first) {
            // A word starts with exactly one space (DRAGIN joins words with " ").
            std::string& w = storage.emplace_back(1, ' ');
            w += trim(p);
            out.push_back(storage.back());
            first = false;
        } else {
            out.push_back(p);
        }
    }
}

void check_tokens(std::span<const TokenSignal> tokens) {
    for (size_t i = 0; i < tokens.size(); ++i) {
        const TokenSignal& t = tokens[i];
        MEMPIPE_CHECK_ARG(t.prob >= 0 && t.prob <= 1,
                          "token {}: probability must be in [0, 1], got {}", i, t.prob);
        MEMPIPE_CHECK_ARG(std::isfinite(t.entropy) && t.entropy >= 0,
                          "token {}: entropy must be finite and ≥ 0, got {}", i, t.entropy);
        MEMPIPE_CHECK_ARG(std::isfinite(t.attention) && t.attention >= 0,
                          "token {}: attention must be finite and ≥ 0, got {}", i, t.attention);
    }
}

}  // namespace detail

TriggerMethod parse_trigger_method(std::string_view name) {
    if (name == "fs-rag") return TriggerMethod::FsRag;
    if (name == "flare") return TriggerMethod::Flare;
    if (name == "flare-original") return TriggerMethod::FlareOriginal;
    if (name == "dragin") return TriggerMethod::Dragin;
    usage_error("unknown trigger method '{}': choose fs-rag, flare, flare-original or dragin",
                name);
}

std::string_view trigger_method_name(TriggerMethod m) {
    switch (m) {
        case TriggerMethod::FsRag:
            return "fs-rag";
        case TriggerMethod::Flare:
            return "flare";
        case TriggerMethod::FlareOriginal:
            return "flare-original";
        case TriggerMethod::Dragin:
            return "dragin";
    }
    return "?";
}

TriggerOptions resolve_trigger_options(TriggerOptions o) {
    if (std::isnan(o.threshold)) o.threshold = o.method == TriggerMethod::Flare ? 0.1 : 1.0;
    if (o.top_k == 0) o.top_k = o.method == TriggerMethod::FlareOriginal ? 2 : 3;
    MEMPIPE_CHECK_ARG(std::isfinite(o.threshold) && o.threshold >= 0,
                      "trigger threshold must be a finite number ≥ 0, got {}", o.threshold);
    MEMPIPE_CHECK_ARG(o.top_k >= 0, "documents per retrieval must be ≥ 0, got {}", o.top_k);
    MEMPIPE_CHECK_ARG(o.keep_top_k >= 1, "DRAGIN keep_top_k must be ≥ 1, got {}", o.keep_top_k);
    MEMPIPE_CHECK_ARG(o.max_query_tokens >= 1, "max_query_tokens must be ≥ 1, got {}",
                      o.max_query_tokens);
    MEMPIPE_CHECK_ARG(o.filter_prob >= 0 && o.filter_prob <= 1,
                      "FLARE filter probability must be in [0, 1], got {}", o.filter_prob);
    MEMPIPE_CHECK_ARG(o.mask_prob >= 0 && o.mask_prob <= 1,
                      "FLARE mask probability must be in [0, 1], got {}", o.mask_prob);
    MEMPIPE_CHECK_ARG(o.look_ahead >= 1, "FLARE look-ahead must be ≥ 1 token, got {}",
                      o.look_ahead);
    return o;
}

Trigger::Trigger(TriggerOptions options) : options_(resolve_trigger_options(options)) {}

TriggerDecision Trigger::start(const std::vector<std::string>& question_pieces) {
    TriggerDecision d;
    if (options_.method != TriggerMethod::FsRag && options_.method != TriggerMethod::FlareOriginal)
        return d;
    std::vector<std::string_view> pieces(question_pieces.begin(), question_pieces.end());
    d.retrieve = true;
    d.query = join_last_pieces(pieces, options_.max_query_tokens);
    return d;
}

TriggerDecision Trigger::step(std::span<const TokenSignal> tokens, const DraginContext* ctx) {
    detail::check_tokens(tokens);
    switch (options_.method) {
        case TriggerMethod::FsRag:
            return fs_rag_step(tokens, options_);
        case TriggerMethod::Flare:
            return flare_step(tokens, options_);
        case TriggerMethod::FlareOriginal:
            return flare_original_step(tokens, options_);
        case TriggerMethod::Dragin:
            return dragin_step(tokens, options_, ctx);
    }
    return {};
}

}  // namespace mempipe::rag
