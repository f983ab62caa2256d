// FLARE, twice: as re-implemented in DRAGIN (TokenRAG: mean of 1 − p per sentence against θ) and as
// in the original jzbjyb/FLARE (look-ahead, any p ≤ 0.8 triggers, tokens with p ≤ 0.4 masked).
#include "mempipe/rag/triggers.h"

namespace mempipe::rag {

TriggerDecision flare_step(std::span<const TokenSignal> tokens, const TriggerOptions& options) {
    TriggerDecision d;
    d.kept_tokens = int64_t(tokens.size());
    const std::vector<Span> sentences = split_sentences(tokens, options.sentences);
    for (size_t sid = 0; sid < sentences.size(); ++sid) {
        const Span s = sentences[sid];
        double sum = 0;
        for (int64_t i = s.begin; i < s.end; ++i) sum += 1.0 - tokens[size_t(i)].prob;
        const double score = sum / double(s.size());
        d.values.push_back(score);
        if (!(score > options.threshold)) continue;
        std::vector<std::string_view> pieces;
        for (int64_t i = s.begin; i < s.end; ++i) {
            if (1.0 - tokens[size_t(i)].prob > options.threshold)
                d.hits.push_back(i);
            else
                pieces.push_back(tokens[size_t(i)].text);
        }
        d.retrieve = true;
        d.query = join_last_pieces(pieces, options.max_query_tokens);
        d.sentence = int64_t(sid);
        d.span = s;
        d.kept_tokens = s.begin;  // the earlier sentences stay; this one is regenerated
        return d;
    }
    return d;
}

TriggerDecision flare_original_step(std::span<const TokenSignal> tokens,
                                    const TriggerOptions& options) {
    TriggerDecision d;
    const size_t n = std::min(tokens.size(), size_t(options.look_ahead));
    const std::vector<Span> sentences = split_sentences(tokens.first(n), options.sentences);
    if (sentences.empty()) return d;
    const Span s = sentences.front();  // the look-ahead, cut after its first sentence
    d.sentence = 0;
    d.span = s;
    bool low = false;
    for (int64_t i = s.begin; i < s.end; ++i) low |= tokens[size_t(i)].prob <= options.filter_prob;
    if (!low) {
        d.kept_tokens = s.end;  // confident: the look-ahead is accepted as is
        return d;
    }
    std::vector<std::string_view> pieces;
    for (int64_t i = s.begin; i < s.end; ++i) {
        if (tokens[size_t(i)].prob <= options.mask_prob)
            d.hits.push_back(i);
        else
            pieces.push_back(tokens[size_t(i)].text);
    }
    d.retrieve = true;
    d.query = join_last_pieces(pieces, options.max_query_tokens);
    d.kept_tokens = 0;  // regenerated with the retrieved documents
    return d;
}

}  // namespace mempipe::rag
