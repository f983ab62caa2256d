// DRAGIN (AttnWeightRAG): RIND decides, QFS formulates the query.
#include <algorithm>
#include <numeric>

#include "mempipe/core/error.h"
#include "mempipe/rag/triggers.h"
#include "rag/triggers/trigger_internal.h"

namespace mempipe::rag {

std::string dragin_qfs_query(const DraginContext& ctx, std::span<const int64_t> hit_words,
                             int64_t keep_top_k, int64_t max_query_tokens) {
    const size_t n_ctx = ctx.words.size();
    const size_t n_sent = ctx.attention.size();
    MEMPIPE_CHECK_ARG(n_sent <= n_ctx,
                      "DRAGIN QFS: {} attention rows (one per sentence word) but only {} context "
                      "words; the sentence's words must be the last context words",
                      n_sent, n_ctx);
    for (size_t j = 0; j < n_sent; ++j)
        MEMPIPE_CHECK_ARG(ctx.attention[j].size() == n_ctx,
                          "DRAGIN QFS: attention row {} has {} values, expected one per context "
                          "word ({})",
                          j, ctx.attention[j].size(), n_ctx);
    const size_t curr_st = n_ctx - n_sent;
    std::vector<bool> is_hit(n_ctx, false);
    std::vector<double> forward(n_ctx, 0.0);
    for (int64_t h : hit_words) {
        MEMPIPE_CHECK_ARG(h >= 0 && size_t(h) < n_sent,
                          "DRAGIN QFS: hit word {} is outside the sentence's {} words", h, n_sent);
        is_hit[curr_st + size_t(h)] = true;
        for (size_t c = 0; c < n_ctx; ++c) forward[c] += ctx.attention[size_t(h)][c];
    }
    if (!hit_words.empty())
        for (double& f : forward) f /= double(hit_words.size());

    std::vector<size_t> cand;
    for (size_t c = 0; c < n_ctx; ++c)
        if (!is_hit[c] && ctx.words[c].content) cand.push_back(c);
    // Python's sorted(..., reverse=True) is stable: ties keep text order.
    std::stable_sort(cand.begin(), cand.end(),
                     [&](size_t a, size_t b) { return forward[a] > forward[b]; });
    cand.resize(std::min(cand.size(), size_t(keep_top_k)));
    std::sort(cand.begin(), cand.end());

    std::vector<std::string_view> pieces;
    std::deque<std::string> storage;
    for (size_t c : cand) {
        std::vector<std::string_view> wp(ctx.words[c].pieces.begin(), ctx.words[c].pieces.end());
        detail::append_word_pieces(wp, pieces, storage);
    }
    return join_last_pieces(pieces, max_query_tokens);
}

TriggerDecision dragin_step(std::span<const TokenSignal> tokens, const TriggerOptions& options,
                            const DraginContext* ctx) {
    TriggerDecision d;
    d.kept_tokens = int64_t(tokens.size());
    const std::vector<Word> words = merge_words(tokens);
    const std::vector<Span> sentences = split_sentences(tokens, options.sentences);
    size_t w = 0;
    for (size_t sid = 0; sid < sentences.size(); ++sid) {
        // Words of this sentence: those whose first token lies in it.
        const size_t tl = w;
        while (w < words.size() && words[w].tokens.begin < sentences[sid].end) ++w;
        const size_t tr = w;
        if (tr == tl) continue;
        double sum = 0;
        for (size_t i = tl; i < tr; ++i) sum += words[i].attention;
        std::vector<double> values(tr - tl, 0.0);
        std::vector<int64_t> hits;
        for (size_t i = tl; i < tr; ++i) {
            // DRAGIN divides by Σ attention; an all-zero sentence (0/0 there) has no hit here.
            values[i - tl] =
                sum > 0 ? words[i].attention / sum * words[i].entropy * double(tr - tl) : 0.0;
            if (values[i - tl] > options.threshold) hits.push_back(int64_t(i - tl));
        }
        d.values = values;
        if (hits.empty()) continue;

        // check_real_words: hits on non-content words do not shape the query. If none is left,
        // the QFS attention is averaged over the unfiltered hits (DRAGIN would divide by 0).
        std::vector<int64_t> content_hits;
        for (int64_t h : hits)
            if (words[tl + size_t(h)].content) content_hits.push_back(h);
        const std::vector<int64_t>& qfs_hits = content_hits.empty() ? hits : content_hits;

        d.retrieve = true;
        d.sentence = int64_t(sid);
        d.span = {words[tl].tokens.begin, sentences[sid].end};
        d.kept_tokens = words[tl].tokens.begin;
        for (int64_t h : content_hits) d.hits.push_back(int64_t(tl) + h);
        if (ctx && !ctx->attention.empty()) {
            MEMPIPE_CHECK_ARG(ctx->attention.size() == tr - tl,
                              "DRAGIN QFS: the triggering sentence has {} words but the context "
                              "gives {} attention rows",
                              tr - tl, ctx->attention.size());
            d.query =
                dragin_qfs_query(*ctx, qfs_hits, options.keep_top_k, options.max_query_tokens);
        } else {
            // current_wo_wrong: the sentence's words without the hit words.
            std::vector<std::string_view> pieces;
            std::deque<std::string> storage;
            for (size_t i = tl; i < tr; ++i) {
                if (std::find(qfs_hits.begin(), qfs_hits.end(), int64_t(i - tl)) != qfs_hits.end())
                    continue;
                std::vector<std::string_view> wp;
                for (int64_t t = words[i].tokens.begin; t < words[i].tokens.end; ++t)
                    wp.push_back(tokens[size_t(t)].text);
                detail::append_word_pieces(wp, pieces, storage);
            }
            d.query = join_last_pieces(pieces, options.max_query_tokens);
        }
        return d;
    }
    return d;
}

}  // namespace mempipe::rag
