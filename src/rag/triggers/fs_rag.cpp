// FS-RAG (DRAGIN FixLengthRAG, fix-sentence-retrieval): keep the step's first sentence; it is the
// next step's query.
#include "mempipe/rag/triggers.h"

namespace mempipe::rag {

TriggerDecision fs_rag_step(std::span<const TokenSignal> tokens, const TriggerOptions& options) {
    TriggerDecision d;
    const std::vector<Span> sentences = split_sentences(tokens, options.sentences);
    if (sentences.empty()) return d;  // no new text: the generation loop stops
    const Span s = sentences.front();
    std::vector<std::string_view> pieces;
    for (int64_t i = s.begin; i < s.end; ++i) pieces.push_back(tokens[size_t(i)].text);
    d.retrieve = true;
    d.query = join_last_pieces(pieces, options.max_query_tokens);
    d.sentence = 0;
    d.span = s;
    d.kept_tokens = s.end;
    return d;
}

}  // namespace mempipe::rag
