// Dynamic-RAG triggers (FS-RAG, FLARE as in DRAGIN, FLARE original, DRAGIN RIND + QFS), every
// expected value computed by hand in the comments.
#include "mempipe/rag/triggers.h"

#include <gtest/gtest.h>

#include "mempipe/core/error.h"

namespace mempipe::rag {
namespace {

// text, prob, entropy, attention, word start (leading space or first), content word.
TokenSignal tok(std::string text, double prob = 0.99, double entropy = 0.1, double attention = 0.1,
                bool content = false) {
    TokenSignal t;
    t.word_start = !text.empty() && text.front() == ' ';
    t.text = std::move(text);
    t.prob = prob;
    t.entropy = entropy;
    t.attention = attention;
    t.content = content;
    return t;
}

TriggerOptions opts(TriggerMethod m) {
    TriggerOptions o;
    o.method = m;
    return resolve_trigger_options(o);
}

TEST(Triggers, SentencesPunctuationRule) {
    // "Paris is big. It rains!" → [0,4) and [4,7).
    std::vector<TokenSignal> t = {tok("Paris"), tok(" is"),    tok(" big"), tok("."),
                                  tok(" It"),   tok(" rains"), tok("!")};
    auto s = split_sentences(t, SentenceRule::Punctuation);
    ASSERT_EQ(s.size(), 2u);
    EXPECT_EQ(s[0].begin, 0);
    EXPECT_EQ(s[0].end, 4);
    EXPECT_EQ(s[1].begin, 4);
    EXPECT_EQ(s[1].end, 7);
    // "Pi is 3.14 ok": the '.' is followed by "14" (no space) → no boundary; one open sentence.
    std::vector<TokenSignal> pi = {tok("Pi"), tok(" is"), tok(" 3"),
                                   tok("."),  tok("14"),  tok(" ok")};
    s = split_sentences(pi, SentenceRule::Punctuation);
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0].end, 6);
    // A piece carrying its own trailing space after '?' ends the sentence: "Why? No" → [0,1),
    // [1,2).
    std::vector<TokenSignal> q = {tok("Why? "), tok("No")};
    s = split_sentences(q, SentenceRule::Punctuation);
    ASSERT_EQ(s.size(), 2u);
    EXPECT_EQ(s[0].end, 1);
    // Caller rule: boundaries exactly where flagged, whatever the text says.
    t[1].sentence_end = true;
    s = split_sentences(t, SentenceRule::Caller);
    ASSERT_EQ(s.size(), 2u);
    EXPECT_EQ(s[0].end, 2);
    EXPECT_EQ(s[1].end, 7);
    EXPECT_TRUE(split_sentences({}, SentenceRule::Punctuation).empty());
}

TEST(Triggers, MergeWordsSumsAttentionAveragesEntropy) {
    // " Mon" "tre" "al" " is": word 0 = Montreal, attention 0.1+0.2+0.1 = 0.4,
    // entropy (0.5+1.5+1.0)/3 = 1.0; word 1 = "is".
    std::vector<TokenSignal> t = {tok(" Mon", 0.9, 0.5, 0.1, true), tok("tre", 0.9, 1.5, 0.2),
                                  tok("al", 0.9, 1.0, 0.1), tok(" is", 0.9, 0.3, 0.05)};
    auto w = merge_words(t);
    ASSERT_EQ(w.size(), 2u);
    EXPECT_EQ(w[0].text, "Montreal");
    EXPECT_DOUBLE_EQ(w[0].attention, 0.1 + 0.2 + 0.1);
    EXPECT_DOUBLE_EQ(w[0].entropy, (0.5 + 1.5 + 1.0) / 3);
    EXPECT_TRUE(w[0].content);
    EXPECT_EQ(w[0].tokens.begin, 0);
    EXPECT_EQ(w[0].tokens.end, 3);
    EXPECT_EQ(w[1].text, "is");
    EXPECT_FALSE(w[1].content);
}

TEST(Triggers, JoinLastPiecesKeepsLast64) {
    std::vector<std::string> store;
    for (int i = 0; i < 70; ++i) store.push_back(" a" + std::to_string(i));
    std::vector<std::string_view> p(store.begin(), store.end());
    // 70 pieces, keep the last 64 → a6 … a69.
    const std::string q = join_last_pieces(p, 64);
    EXPECT_EQ(q.substr(0, 3), "a6 ");
    EXPECT_EQ(q.substr(q.size() - 4), " a69");
    EXPECT_EQ(join_last_pieces(p, 1), "a69");
    EXPECT_EQ(join_last_pieces({}, 64), "");
}

TEST(Triggers, FsRagFirstSentenceIsNextQuery) {
    Trigger tr(opts(TriggerMethod::FsRag));
    EXPECT_TRUE(tr.retrieval_feeds_next_step());
    const auto first = tr.start({"Where", " is", " Paris", "?"});
    EXPECT_TRUE(first.retrieve);
    EXPECT_EQ(first.query, "Where is Paris?");
    std::vector<TokenSignal> t = {tok("Paris"), tok(" is"),    tok(" big"), tok("."),
                                  tok(" It"),   tok(" rains"), tok("!")};
    const auto d = tr.step(t);
    EXPECT_TRUE(d.retrieve);
    EXPECT_EQ(d.query, "Paris is big.");
    EXPECT_EQ(d.kept_tokens, 4);  // only the first sentence is kept
    EXPECT_EQ(d.sentence, 0);
    EXPECT_FALSE(tr.step({}).retrieve);  // no new text: nothing to retrieve with
    // 64-token cut on the question: 70 one-token words q0..q69 → starts at q6.
    std::vector<std::string> longq;
    for (int i = 0; i < 70; ++i) longq.push_back(" q" + std::to_string(i));
    EXPECT_EQ(tr.start(longq).query.substr(0, 3), "q6 ");
}

TEST(Triggers, FlareAsInDraginMeanOfOneMinusP) {
    // θ = 0.1. Sentence 0: 1−p = 0.01, 0.05, 0.1, 0.01 → mean 0.0425 ≤ θ: no.
    // Sentence 1: 1−p = 0.1, 0.5, 0.05, 0.01 → mean 0.165 > θ: triggers. Masked: 1−p > 0.1 → only
    // " rains" (1 − 0.9 = 0.0999… is not > 0.1). Query "It often!".
    std::vector<TokenSignal> t = {tok("Paris", 0.99),  tok(" is", 0.95), tok(" big", 0.9),
                                  tok(".", 0.99),      tok(" It", 0.9),  tok(" rains", 0.5),
                                  tok(" often", 0.95), tok("!", 0.99)};
    Trigger tr(opts(TriggerMethod::Flare));
    EXPECT_FALSE(tr.start({"Q"}).retrieve);  // TokenRAG does not retrieve before generating
    const auto d = tr.step(t);
    ASSERT_TRUE(d.retrieve);
    EXPECT_EQ(d.sentence, 1);
    EXPECT_EQ(d.query, "It often!");
    ASSERT_EQ(d.hits, (std::vector<int64_t>{5}));
    EXPECT_EQ(d.kept_tokens, 4);  // sentence 0 stays
    ASSERT_EQ(d.values.size(), 2u);
    EXPECT_NEAR(d.values[0], 0.0425, 1e-12);
    EXPECT_NEAR(d.values[1], 0.165, 1e-12);
    // θ = 0.2: 0.165 ≤ 0.2 → no retrieval, the whole step is kept.
    TriggerOptions o = opts(TriggerMethod::Flare);
    o.threshold = 0.2;
    const auto n = flare_step(t, o);
    EXPECT_FALSE(n.retrieve);
    EXPECT_EQ(n.kept_tokens, 8);
}

TEST(Triggers, FlareOriginalLookAhead) {
    // Look-ahead cut after "." → tokens [0,5). p(Lyon) = 0.3 ≤ 0.8 → retrieve; masked p ≤ 0.4:
    // Lyon → query "The capital is.".
    std::vector<TokenSignal> t = {tok("The", 0.95),  tok(" capital", 0.9), tok(" is", 0.85),
                                  tok(" Lyon", 0.3), tok(".", 0.99),       tok(" More", 0.5)};
    Trigger tr(opts(TriggerMethod::FlareOriginal));
    EXPECT_EQ(tr.options().top_k, 2);
    EXPECT_TRUE(tr.start({"Capital", " of", " France", "?"}).retrieve);
    auto d = tr.step(t);
    ASSERT_TRUE(d.retrieve);
    EXPECT_EQ(d.query, "The capital is.");
    EXPECT_EQ(d.hits, (std::vector<int64_t>{3}));
    EXPECT_EQ(d.span.end, 5);
    EXPECT_EQ(d.kept_tokens, 0);
    // p(Lyon) = 0.81: every p > 0.8 → no retrieval; the look-ahead is accepted.
    t[3].prob = 0.81;
    d = tr.step(t);
    EXPECT_FALSE(d.retrieve);
    EXPECT_EQ(d.kept_tokens, 5);
    // p = 0.8 exactly triggers (≤), and is not masked (0.8 > 0.4): query is the whole sentence.
    t[3].prob = 0.8;
    d = tr.step(t);
    EXPECT_TRUE(d.retrieve);
    EXPECT_EQ(d.query, "The capital is Lyon.");
    // Look-ahead of 3 tokens: "The capital is" (all p > 0.8) → no retrieval even though Lyon is
    // low.
    t[3].prob = 0.3;
    TriggerOptions o = opts(TriggerMethod::FlareOriginal);
    o.look_ahead = 3;
    d = flare_original_step(t, o);
    EXPECT_FALSE(d.retrieve);
    EXPECT_EQ(d.span.end, 3);
}

// Sentence 0 "It rains." (2 words, a = 0.5, 0.5, H = 0.4, 0.4): values 0.5·0.4·2 = 0.4 → no hit.
// Sentence 1: words "Montreal" (a = 0.4, H = 1.0, content), "was" (a = 0.1, H = 0.5),
// "founded" (a = 0.2, H = 2.0, not content here), "late" (a = 0.3, H = 0.2, content); Σa = 1.0,
// n = 4: values 0.4·1.0·4 = 1.6, 0.1·0.5·4 = 0.2, 0.2·2.0·4 = 1.6, 0.3·0.2·4 = 0.24.
// θ = 1.0 → RIND hits {0, 2}; check_real_words drops "founded" → hits {0}.
std::vector<TokenSignal> dragin_tokens() {
    return {tok(" It", 0.9, 0.4, 0.5),         tok(" rains", 0.9, 0.4, 0.5, true),
            tok(".", 0.9, 0.4, 0.0),           tok(" Mon", 0.9, 0.5, 0.1, true),
            tok("tre", 0.9, 1.5, 0.2),         tok("al", 0.9, 1.0, 0.1),
            tok(" was", 0.9, 0.5, 0.1),        tok(" founded", 0.9, 2.0, 0.2),
            tok(" late", 0.9, 0.2, 0.3, true), tok(".", 0.9, 0.2, 0.0)};
}

TEST(Triggers, DraginRindHandComputed) {
    std::vector<TokenSignal> t = dragin_tokens();
    // The "." tokens join the preceding word (no word start): "rains." and "late.".
    Trigger tr(opts(TriggerMethod::Dragin));
    EXPECT_FALSE(tr.start({"Q"}).retrieve);
    const auto d = tr.step(t);
    ASSERT_TRUE(d.retrieve);
    EXPECT_EQ(d.sentence, 1);
    ASSERT_EQ(d.values.size(), 4u);
    EXPECT_NEAR(d.values[0], 1.6, 1e-12);
    EXPECT_NEAR(d.values[1], 0.2, 1e-12);
    EXPECT_NEAR(d.values[2], 1.6, 1e-12);
    EXPECT_NEAR(d.values[3], 0.24, 1e-12);
    EXPECT_EQ(d.hits, (std::vector<int64_t>{2}));  // step word 2 = "Montreal"
    EXPECT_EQ(d.kept_tokens, 3);
    EXPECT_EQ(d.span.begin, 3);
    // No QFS context → current_wo_wrong: the sentence without the hit word.
    EXPECT_EQ(d.query, "was founded late.");
    // θ = 1.6: values must be > θ, 1.6 is not → no retrieval (and 1.6 might round either way,
    // so use 1.61).
    TriggerOptions o = opts(TriggerMethod::Dragin);
    o.threshold = 1.61;
    EXPECT_FALSE(dragin_step(t, o).retrieve);
    // Sentence with Σ attention = 0: values 0, no hit, no NaN.
    for (auto& x : t) x.attention = 0;
    const auto z = dragin_step(t, opts(TriggerMethod::Dragin));
    EXPECT_FALSE(z.retrieve);
    for (double v : z.values) EXPECT_EQ(v, 0.0);
}

// QFS context: Who(n) directed(c) Titanic(c) | sentence: James(c) Cameron(c) directed(c).
DraginContext qfs_context() {
    DraginContext c;
    c.words = {{{" Who"}, false},  {{" direct", "ed"}, true}, {{" Tit", "anic"}, true},
               {{" James"}, true}, {{" Cam", "eron"}, true},  {{" directed"}, true}};
    c.attention = {{0.1, 0.2, 0.3, 0.0, 0.0, 0.0},
                   {0.05, 0.5, 0.2, 0.25, 0.0, 0.0},
                   {0.2, 0.2, 0.2, 0.2, 0.2, 0.0}};
    return c;
}

TEST(Triggers, DraginQfsHandComputed) {
    const DraginContext c = qfs_context();
    // Hits {0, 1} = James, Cameron: forward = mean of rows 0,1 = [0.075, 0.35, 0.25, 0.125, 0, 0].
    // Candidates: content, not hit → directed(1) 0.35, Titanic(2) 0.25, directed(5) 0.
    const std::vector<int64_t> h01 = {0, 1};
    EXPECT_EQ(dragin_qfs_query(c, h01, 2, 64), "directed Titanic");
    EXPECT_EQ(dragin_qfs_query(c, h01, 3, 64), "directed Titanic directed");
    EXPECT_EQ(dragin_qfs_query(c, h01, 1, 64), "directed");
    // 64-token cut on pieces: [" direct","ed"," Tit","anic"," directed"] keep 3 → "Titanic
    // directed".
    EXPECT_EQ(dragin_qfs_query(c, h01, 3, 3), "Titanic directed");
    // Hit {2} (row 2 is flat 0.2 except the last): ties among Who? no (not content); directed(1),
    // Titanic(2), James(3), Cameron(4) all 0.2, directed(5) is the hit. keep 2 → the two earliest.
    const std::vector<int64_t> h2 = {2};
    EXPECT_EQ(dragin_qfs_query(c, h2, 2, 64), "directed Titanic");
    // Bad shapes are usage errors.
    DraginContext bad = c;
    bad.attention[1].pop_back();
    EXPECT_THROW(dragin_qfs_query(bad, h01, 2, 64), Error);
    const std::vector<int64_t> h9 = {9};
    EXPECT_THROW(dragin_qfs_query(c, h9, 2, 64), Error);
}

TEST(Triggers, DraginStepUsesQfsRowsOfHitWords) {
    // The triggering sentence (Montreal was founded late.) has 4 words → 4 rows over the context
    // [Who(n), city(c), Montreal, was, founded, late]. The hit after filtering is word 0
    // (Montreal): its row ranks city 0.6, late 0.3, founded 0.1 (was, Who: not content) → keep 2 →
    // "city late".
    DraginContext c;
    c.words = {{{" Who"}, false}, {{" city"}, true},    {{" Mon", "tre", "al"}, true},
               {{" was"}, false}, {{" founded"}, true}, {{" late", "."}, true}};
    c.attention = {
        {0.0, 0.6, 0.0, 0.0, 0.1, 0.3}, {1, 0, 0, 0, 0, 0}, {1, 0, 0, 0, 0, 0}, {1, 0, 0, 0, 0, 0}};
    TriggerOptions o = opts(TriggerMethod::Dragin);
    o.keep_top_k = 2;
    const auto d = dragin_step(dragin_tokens(), o, &c);
    ASSERT_TRUE(d.retrieve);
    EXPECT_EQ(d.query, "city late.");
    c.attention.pop_back();  // 3 rows for a 4-word sentence
    EXPECT_THROW(dragin_step(dragin_tokens(), o, &c), Error);
}

TEST(Triggers, OptionsAndValidation) {
    EXPECT_EQ(parse_trigger_method("flare-original"), TriggerMethod::FlareOriginal);
    EXPECT_EQ(trigger_method_name(TriggerMethod::Dragin), "dragin");
    EXPECT_THROW(parse_trigger_method("flair"), Error);
    EXPECT_DOUBLE_EQ(opts(TriggerMethod::Flare).threshold, 0.1);
    EXPECT_DOUBLE_EQ(opts(TriggerMethod::Dragin).threshold, 1.0);
    EXPECT_EQ(opts(TriggerMethod::Dragin).top_k, 3);
    TriggerOptions o;
    o.threshold = -1;
    EXPECT_THROW(resolve_trigger_options(o), Error);
    o = {};
    o.max_query_tokens = 0;
    EXPECT_THROW(resolve_trigger_options(o), Error);
    Trigger tr(opts(TriggerMethod::Flare));
    std::vector<TokenSignal> bad = {tok("x", 1.5)};
    EXPECT_THROW(tr.step(bad), Error);
    bad = {tok("x", 0.5, -1.0)};
    EXPECT_THROW(tr.step(bad), Error);
}

}  // namespace
}  // namespace mempipe::rag
