// RAG methods: single-stage BM25 retrieval as the dynamic-RAG methods issue it (fs-rag, flare,
// dragin) and two-stage hybrid RAG (BM25 + dense → RRF → 64 candidates).
//
// Memory = a corpus of MethodOptions::tokens documents (the synthetic Zipfian corpus of
// include/mempipe/rag/synthetic.h, ~100 words each, seeded). setup() generates the texts (the doc
// store) and builds the BM25 index (lucene k1 = 1.5, b = 0.75, English stop words, no stemming);
// the graph's Setup node rebuilds it the same way (tokenize + invert) so profiles time it.
// The batch is `batch` concurrent requests against the same corpus, each issuing one retrieval per
// step graph. Queries are synthetic (synthetic_queries, mid-frequency words) of the length each
// method's trigger produces (reference/rag.md §3.4): fs-rag a sentence (16 words), flare a sentence
// without its low-confidence tokens (12 words), dragin QFS keywords (25 words, keep_top_k 25),
// two-stage a question (16 words). When a method retrieves (the trigger, include/mempipe/rag/
// triggers.h) depends on LLM signals and is not part of this per-retrieval graph.
//
// Step graph, one retrieval for each of the `batch` requests:
//   Prepare    rag.tokenize_query: query text → term ids (the index's tokenizer and vocabulary).
//   Relevancy  rag.bm25_scores: bm25_scores over the impact index into a [n_docs] f32 array.
//   Retrieval  rag.top_k: top_k over the scores (k = 3).
//   Apply      rag.append_context: the prompt = question + "Context:\n" + "[i] <passage>\n" for the
//              k passages + "Answer in the same format as before.\n" (DRAGIN's template).
// two-stage-rag adds the dense retriever: keys = random unit vectors of dim 1024 (a stand-in for
// bge-large-en-v1.5 embeddings, not computed by an encoder: its cost is not modelled), stored as
// int8 with per-row scales (bit-exact on every backend); the query embedding is random too.
//   Relevancy  rag.dense_top_k: dense_top_k, top 64 (fused scoring + selection).
//   Retrieval  rag.top_k: BM25 top 64; rag.fuse_rrf: RRF (k = 60) of the two lists → 64 candidates.
//   Apply      rag.append_context: the first 10 candidates (whole model: the reranker's top 10).
// With the whole model, two-stage also runs its cross-encoder reranker (bge-reranker-large, one of
// its 24 layers measured and scaled; random weights and random stand-in token ids):
//   Relevancy  rag.rerank: the 64 (question, candidate) pairs' logits.
//   Retrieval  rag.rerank_top_k: their top 10.
// With MethodOptions::whole_model a step is a request: the retrieval nodes repeat `retrievals`
// times (fs-rag 2, the others 1, as src/methods/workloads/rag.cpp), then the generator
// (Llama-2-7B; two-stage Llama-3.1-8B) prefills the prompt (64 question + template tokens + 128 per
// appended passage) and decodes 32 tokens (App. D), one layer measured and scaled by the layer
// count (model_rest.h).
// Results: selection = the retrieved doc indices per request, ascending, width k (64 candidates for
// two-stage); output = their scores in rank order (BM25 / RRF); tokens_selected = the passages'
// token counts appended to the prompts; Reference and Cpu backends give identical results.
#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "mempipe/core/buffer.h"
#include "mempipe/core/error.h"
#include "mempipe/core/rng.h"
#include "mempipe/model/encoder.h"
#include "mempipe/ops/bm25.h"
#include "mempipe/ops/dense_retrieval.h"
#include "mempipe/ops/fusion.h"
#include "mempipe/ops/top_k.h"
#include "mempipe/rag/index.h"
#include "mempipe/rag/search.h"
#include "mempipe/rag/synthetic.h"
#include "model_rest.h"
#include "recipes.h"

namespace mempipe {

namespace {

using rag::Document;

constexpr int64_t kDenseDim = 1024, kCandidates = 64, kTwoStageContext = 10;
constexpr double kAvgBytesPerDoc = 660;  // synthetic docs: ~100 words of ~5.5 letters + spaces
// The request around the retrievals (MethodOptions::whole_model), as the workloads model it
// (src/methods/workloads/rag.cpp, App. D): the prompt's prefill, then 32 generated tokens.
constexpr int64_t kGenerated = 32;       // App. D: "the maximum token generated is 32"
constexpr int64_t kPassageTokens = 128;  // a ~100-word passage in Llama tokens (≈ 1.3 per word)
constexpr int64_t kQuestionTokens = 64;  // question + template
// The two-stage reranker (whole model): bge-reranker-large scores (question, candidate) pairs;
// the question in XLM-R tokens, a passage at kPassageTokens, "<s> q </s></s> p </s>".
constexpr const char* kReranker = "bge-reranker-large";
constexpr int64_t kRerankQueryTokens = 24;

// The corpus texts, flat (the doc store the Apply step reads passages from).
struct DocStore {
    std::string chars;
    std::vector<uint64_t> offsets{0};
    int64_t size() const { return int64_t(offsets.size()) - 1; }
    std::string_view text(int64_t i) const {
        return std::string_view(chars).substr(offsets[size_t(i)],
                                              offsets[size_t(i) + 1] - offsets[size_t(i)]);
    }
};

class StoreReader final : public rag::CorpusReader {
  public:
    explicit StoreReader(const DocStore& s) : s_(s) {}
    bool next(Document& d) override {
        if (i_ >= s_.size()) return false;
        d.id = std::to_string(i_);
        d.id.insert(d.id.begin(), 's');
        d.title.clear();
        d.text.assign(s_.text(i_));
        ++i_;
        return true;
    }
    int64_t skipped() const override { return 0; }
    rag::CorpusFormat format() const override { return rag::CorpusFormat::Synthetic; }
    uint64_t bytes_total() const override { return s_.chars.size(); }

  private:
    const DocStore& s_;
    int64_t i_ = 0;
};

struct RagConfig {
    const char* name;
    const char* description;
    int query_words;
    int64_t k;
    bool two_stage;
    int retrievals;     // per request (src/methods/workloads/rag.cpp: rag.md §3.3–3.4)
    const char* model;  // the generator (model/config.h)
};

struct Request {
    std::string question;
    std::vector<uint32_t> terms;
    std::vector<float> scores;           // [n_docs]
    std::vector<float> top_values;       // [k] (two-stage: BM25 top 64)
    std::vector<int32_t> top_docs;       // [k]
    std::vector<float> dense_values;     // [64]
    std::vector<int32_t> dense_docs;     // [64]
    std::vector<float> fused_values;     // [64]
    std::vector<int32_t> fused_docs;     // [64]
    std::vector<float> query_embedding;  // [1024]
    std::vector<int32_t> rerank_query;   // the question's reranker token ids
    std::vector<float> rerank_scores;    // [64]: the cross-encoder's logit per candidate
    std::vector<float> rerank_values;    // [10]
    std::vector<int32_t> rerank_pos;     // [10]: positions in fused_docs
    std::string prompt;
};

class RagMethod final : public Method {
  public:
    explicit RagMethod(RagConfig c) : c_(c) {}
    std::string_view name() const override { return c_.name; }
    std::string_view description() const override { return c_.description; }

    double state_bytes(const MethodOptions& o) const override {
        const double n = double(o.tokens);
        // doc store + index (~100 postings × 8 B + vocabulary) + score arrays + dense keys.
        double b = n * kAvgBytesPerDoc + n * 100 * 8.0 + n * 4.0 * double(o.batch);
        if (c_.two_stage) b += n * double(kDenseDim + 4);
        if (o.whole_model)
            b += ModelRest::state_bytes(rest_shape(), o.batch, prompt_tokens(),
                                        prompt_tokens() + kGenerated);
        if (o.whole_model && c_.two_stage) {  // one reranker layer + its f32 embedding tables
            const auto& r = model::model_config(kReranker);
            b += double(r.vocab + r.max_positions + r.type_vocab) * double(r.hidden) * 4.0 +
                 double(4 * r.hidden * r.hidden + 2 * r.hidden * r.intermediate) * 2.0;
        }
        return b;
    }

    void setup(const MethodOptions& o) override {
        MEMPIPE_CHECK_ARG(o.tokens >= 1,
                          "{}: --tokens (the number of corpus documents) must be ≥ 1, got {}",
                          name(), o.tokens);
        MEMPIPE_CHECK_ARG(o.tokens < (int64_t(1) << 31),
                          "{}: {} documents exceed the int32 doc-id range", name(), o.tokens);
        MEMPIPE_CHECK_ARG(o.batch >= 1, "{}: batch must be ≥ 1, got {}", name(), o.batch);
        o_ = o;
        if (o.whole_model)
            rest_.setup(rest_shape(), o.batch, o.seed, prompt_tokens(),
                        prompt_tokens() + kGenerated);
        store_ = DocStore{};
        auto corpus = rag::make_synthetic_corpus(o.tokens, o.seed);
        std::vector<Document> batch;
        while (corpus->next_batch(batch, 1 << 14) > 0)
            for (const Document& d : batch) {
                store_.chars += d.text;
                store_.offsets.push_back(store_.chars.size());
            }
        build_index();
        const auto questions =
            rag::synthetic_queries(o.batch, c_.query_words, o.seed, {}, /*stream=*/1);
        reqs_.assign(size_t(o.batch), Request{});
        for (int b = 0; b < o.batch; ++b) {
            Request& r = reqs_[size_t(b)];
            r.question = questions[size_t(b)];
            r.scores.assign(size_t(o.tokens), 0.0f);
            r.top_values.assign(size_t(bm25_k()), 0.0f);
            r.top_docs.assign(size_t(bm25_k()), -1);
        }
        if (c_.two_stage) setup_dense();
        reranker_.reset();
        if (c_.two_stage && o.whole_model) setup_reranker();
    }

    Graph step_graph() override {
        MEMPIPE_CHECK_ARG(!reqs_.empty(), "{}: call setup() before step_graph()", name());
        const bool ref = o_.backend == Backend::Reference;
        const int64_t n = o_.tokens, B = o_.batch;
        Graph g;
        auto add = [&](const char* node_name, const char* op, PipelineStep step, Phase phase,
                       OpCost cost, std::vector<int> in, std::function<void()> fn) {
            OpNode nd;
            nd.name = node_name;
            nd.op = op;
            nd.step = step;
            nd.phase = phase;
            // A request runs its retrievals `retrievals` times (MethodOptions::whole_model).
            if (phase == Phase::Step && o_.whole_model) nd.repeat = double(c_.retrievals);
            nd.cost = cost;
            nd.inputs = std::move(in);
            nd.run = std::move(fn);
            return g.add(std::move(nd));
        };

        // Setup: tokenize + invert the corpus. Cost: the text is read once and classified byte by
        // byte; every posting is written (doc id + impact, 8 B) after a counting-sort pass that
        // reads and writes it once more; scoring is a handful of FLOPs per posting.
        OpCost index_cost;
        const double postings = double(index_.num_postings());
        index_cost.flops = double(store_.chars.size()) + postings * 8.0;
        index_cost.bytes_read = double(store_.chars.size()) + postings * 8.0;
        index_cost.bytes_written = postings * 16.0 + double(index_.num_terms()) * 16.0;
        index_cost.pattern = AccessPattern::Irregular;
        add("rag.index", "invert", PipelineStep::Prepare, Phase::Setup, index_cost, {},
            [this] { build_index(); });

        // Step: run tokenization once now to know the postings each query reads (cost sizing).
        tokenize_queries();
        int64_t query_bytes = 0, query_terms = 0, query_postings = 0;
        const PostingsView pv = index_.postings();
        for (const Request& r : reqs_) {
            query_bytes += int64_t(r.question.size());
            query_terms += int64_t(r.terms.size());
            for (uint32_t t : r.terms) query_postings += int64_t(pv.offsets[t + 1] - pv.offsets[t]);
        }
        OpCost tok_cost;
        tok_cost.flops = double(query_bytes);
        tok_cost.bytes_read = double(query_bytes) + double(query_terms) * 64.0;  // + hash probes
        tok_cost.bytes_written = double(query_terms) * 4.0;
        tok_cost.pattern = AccessPattern::Irregular;
        const int tok = add("rag.tokenize_query", "tokenize", PipelineStep::Prepare, Phase::Step,
                            tok_cost, {}, [this] { tokenize_queries(); });

        // Every request scores its own [n] array: the postings of all queries + B array passes.
        OpCost score_cost = bm25_scores_cost(n, query_postings);
        if (B > 1) score_cost += repeated(bm25_scores_cost(n, 0), double(B - 1));
        const int scores =
            add("rag.bm25_scores", "bm25_scores", PipelineStep::Relevancy, Phase::Step, score_cost,
                {tok}, [this, ref] {
                    const PostingsView v = index_.postings();
                    for (Request& r : reqs_) {
                        if (ref)
                            ref::bm25_scores(v, r.terms.data(), int64_t(r.terms.size()),
                                             r.scores.data());
                        else
                            cpu::bm25_scores(v, r.terms.data(), int64_t(r.terms.size()),
                                             r.scores.data());
                    }
                });
        const int64_t k = bm25_k();
        const int top = add(
            "rag.top_k", "top_k", PipelineStep::Retrieval, Phase::Step,
            repeated(top_k_cost(n, k), double(B)), {scores}, [this, ref, n, k] {
                for (Request& r : reqs_) {
                    if (ref)
                        ref::top_k(r.scores.data(), n, k, r.top_values.data(), r.top_docs.data());
                    else
                        cpu::top_k(r.scores.data(), n, k, r.top_values.data(), r.top_docs.data());
                }
            });
        int selected = top;
        if (c_.two_stage) {
            const int dense =
                add("rag.dense_top_k", "dense_top_k", PipelineStep::Relevancy, Phase::Step,
                    dense_top_k_cost(B, n, kDenseDim, DType::I8, kCandidates), {}, [this, ref] {
                        const DenseKeysView keys{DType::I8, keys_.data(), key_scales_.data(),
                                                 o_.tokens, kDenseDim};
                        for (Request& r : reqs_) {
                            if (ref)
                                ref::dense_top_k(r.query_embedding.data(), 1, keys, kCandidates,
                                                 r.dense_values.data(), r.dense_docs.data());
                            else
                                cpu::dense_top_k(r.query_embedding.data(), 1, keys, kCandidates,
                                                 r.dense_values.data(), r.dense_docs.data());
                        }
                    });
            selected =
                add("rag.fuse_rrf", "fuse_rrf", PipelineStep::Retrieval, Phase::Step,
                    repeated(fuse_rrf_cost(2 * kCandidates, kCandidates), double(B)), {top, dense},
                    [this, ref] {
                        for (Request& r : reqs_) {
                            const int32_t* lists[2] = {r.top_docs.data(), r.dense_docs.data()};
                            const int64_t lengths[2] = {kCandidates, kCandidates};
                            if (ref)
                                ref::fuse_rrf(lists, lengths, 2, kRrfK, kCandidates,
                                              r.fused_values.data(), r.fused_docs.data());
                            else
                                cpu::fuse_rrf(lists, lengths, 2, kRrfK, kCandidates,
                                              r.fused_values.data(), r.fused_docs.data());
                        }
                    });
        }

        if (c_.two_stage && o_.whole_model) {
            // The cross-encoder over the 64 candidates (one of its layers measured, scaled by the
            // layer count: the embedding lookup and the classifier head are scaled with it, a
            // small overestimate), then the top 10 of its scores.
            const double layers = double(model::model_config(kReranker).layers);
            OpNode rr;
            rr.name = "rag.rerank";
            rr.op = "cross_encoder";
            rr.step = PipelineStep::Relevancy;
            rr.repeat = layers * double(c_.retrievals);
            std::vector<int64_t> lens(size_t(B * kCandidates),
                                      kRerankQueryTokens + kPassageTokens + 4);
            rr.cost = model::encoder_forward_cost(reranker_->encoder().config(), lens,
                                                  LinearFormat::Bf16, 0, true);
            rr.inputs = {selected};
            rr.run = [this, ref] { rerank(ref); };
            const int rerank_node = g.add(std::move(rr));
            selected =
                add("rag.rerank_top_k", "top_k", PipelineStep::Retrieval, Phase::Step,
                    repeated(top_k_cost(kCandidates, kTwoStageContext), double(B)), {rerank_node},
                    [this, ref] {
                        for (Request& r : reqs_) {
                            if (ref)
                                ref::top_k(r.rerank_scores.data(), kCandidates, kTwoStageContext,
                                           r.rerank_values.data(), r.rerank_pos.data());
                            else
                                cpu::top_k(r.rerank_scores.data(), kCandidates, kTwoStageContext,
                                           r.rerank_values.data(), r.rerank_pos.data());
                        }
                    });
        }

        // Apply: size the prompt assembly with the passages this step really appends.
        for (const OpNode& nd : g.nodes())
            if (nd.phase == Phase::Step) nd.run();
        double passage_bytes = 0, prompt_bytes = 0;
        for (const Request& r : reqs_) {
            for (int32_t d : context_docs(r)) passage_bytes += double(store_.text(d).size());
            prompt_bytes += double(r.question.size()) + 64.0;
        }
        OpCost apply_cost;
        apply_cost.bytes_read = passage_bytes;
        apply_cost.bytes_written = passage_bytes + prompt_bytes;
        apply_cost.pattern = AccessPattern::Irregular;
        const int apply = add("rag.append_context", "append_context", PipelineStep::Apply,
                              Phase::Step, apply_cost, {selected}, [this] { assemble_prompts(); });
        assemble_prompts();
        memory_bytes_ = g.amortised_cost(Phase::Step).bytes_read /
                        (o_.whole_model ? double(c_.retrievals) : 1.0);
        if (o_.whole_model) {  // the request: prefill the prompt, then decode kGenerated tokens
            const int64_t P = prompt_tokens();
            const int pre = rest_.add_nodes(g, o_.backend, apply, {"prefill", P, 1, P});
            rest_.add_nodes(g, o_.backend, pre,
                            {"decode", 1, double(kGenerated), P + kGenerated / 2});
        }
        return g;
    }

    StepResult result() const override {
        StepResult res;
        const int64_t w = c_.two_stage ? kCandidates : bm25_k();
        res.selection_groups = o_.batch;
        res.selection_width = w;
        for (const Request& r : reqs_) {
            const std::vector<int32_t>& docs = c_.two_stage ? r.fused_docs : r.top_docs;
            const std::vector<float>& vals = c_.two_stage ? r.fused_values : r.top_values;
            std::vector<int32_t> sorted(docs.begin(), docs.end());
            std::sort(sorted.begin(), sorted.end(), [](int32_t a, int32_t b) {
                return (a < 0) != (b < 0) ? a >= 0 : a < b;  // ascending, −1 padding last
            });
            res.selection.insert(res.selection.end(), sorted.begin(), sorted.end());
            res.output.insert(res.output.end(), vals.begin(), vals.end());
            for (int32_t d : context_docs(r)) res.tokens_selected += index_.doc_length(uint32_t(d));
        }
        res.memory_bytes_read = memory_bytes_;
        return res;
    }

  private:
    int64_t bm25_k() const { return c_.two_stage ? kCandidates : c_.k; }
    ModelRestShape rest_shape() const { return gqa_model_rest(model::model_config(c_.model)); }
    int64_t prompt_tokens() const {
        const int64_t passages = c_.two_stage ? kTwoStageContext : c_.k;
        return kQuestionTokens + passages * kPassageTokens;
    }

    void build_index() {
        StoreReader reader(store_);
        index_ = rag::InvertedIndex::build(reader, rag::IndexOptions{});
    }

    void tokenize_queries() {
        for (Request& r : reqs_) r.terms = rag::query_terms(index_, tokenizer_, r.question);
    }

    // The passages appended to the prompt: the top k (two-stage: the first 10 candidates).
    std::vector<int32_t> context_docs(const Request& r) const {
        std::vector<int32_t> out;
        if (c_.two_stage && reranker_) {  // the reranker's top 10 of the candidates
            for (int32_t pos : r.rerank_pos)
                if (pos >= 0 && r.fused_docs[size_t(pos)] >= 0)
                    out.push_back(r.fused_docs[size_t(pos)]);
            return out;
        }
        const std::vector<int32_t>& docs = c_.two_stage ? r.fused_docs : r.top_docs;
        const size_t n = c_.two_stage ? size_t(kTwoStageContext) : docs.size();
        for (size_t i = 0; i < std::min(n, docs.size()); ++i)
            if (docs[i] >= 0) out.push_back(docs[i]);
        return out;
    }

    void assemble_prompts() {
        for (Request& r : reqs_) {
            r.prompt.clear();
            r.prompt += r.question;
            r.prompt += "\nContext:\n";
            int i = 0;
            for (int32_t d : context_docs(r)) {
                r.prompt += '[';
                r.prompt += std::to_string(++i);
                r.prompt += "] ";
                r.prompt += store_.text(d);
                r.prompt += '\n';
            }
            r.prompt += "Answer in the same format as before.\n";
        }
    }

    // A one-layer bge-reranker-large with random bf16 weights (the step times one layer); token ids
    // are random stand-ins (no XLM-R tokenizer): the question's per request, a passage's derived
    // from its doc id.
    void setup_reranker() {
        model::ModelConfig cfg = model::model_config(kReranker);
        cfg.layers = 1;
        model::EncoderWeights weights =
            model::make_random_encoder(cfg, LinearFormat::Bf16, 0, o_.seed ^ 0x726572616e6bull);
        if (o_.backend == Backend::Cpu) model::pack_for_prefill(weights);
        reranker_ = std::make_unique<model::CrossEncoder>(model::Encoder(std::move(weights)));
        for (int b = 0; b < o_.batch; ++b) {
            Request& r = reqs_[size_t(b)];
            r.rerank_query = random_ids(kRerankQueryTokens, o_.seed * 31 + uint64_t(b));
            r.rerank_scores.assign(size_t(kCandidates), 0.0f);
            r.rerank_values.assign(size_t(kTwoStageContext), 0.0f);
            r.rerank_pos.assign(size_t(kTwoStageContext), -1);
        }
    }

    std::vector<int32_t> random_ids(int64_t n, uint64_t seed) const {
        const int64_t vocab = reranker_->encoder().config().vocab;
        Rng rng(seed);
        std::vector<int32_t> ids(static_cast<size_t>(n));
        for (auto& id : ids) id = int32_t(3 + rng.next_u64() % uint64_t(vocab - 3));
        return ids;
    }

    void rerank(bool ref) {
        const model::PairFormat format{0, 2, true, false, 512};
        for (Request& r : reqs_) {
            std::vector<model::PairInput> pairs;
            std::vector<size_t> slot;
            for (size_t i = 0; i < r.fused_docs.size(); ++i) {
                if (r.fused_docs[i] < 0) continue;
                const auto passage =
                    random_ids(kPassageTokens, uint64_t(r.fused_docs[i]) * 2654435761u + 17);
                pairs.push_back(model::make_pair_input(r.rerank_query, passage, format));
                slot.push_back(i);
            }
            std::vector<model::EncoderInput> views;
            for (const auto& p : pairs) views.push_back(p.view());
            const std::vector<float> sc =
                reranker_->score(views, ref ? Backend::Reference : Backend::Cpu);
            std::fill(r.rerank_scores.begin(), r.rerank_scores.end(),
                      -std::numeric_limits<float>::infinity());
            for (size_t j = 0; j < slot.size(); ++j) r.rerank_scores[slot[j]] = sc[j];
        }
    }

    void setup_dense() {
        const int64_t n = o_.tokens;
        std::vector<float> f(size_t(n * kDenseDim));
        synth_fill_f32(f.data(), n * kDenseDim, o_.seed ^ 0x64656e7365ull, 1.0f);
        keys_ = Buffer<int8_t>(size_t(n * kDenseDim));
        key_scales_ = Buffer<float>(size_t(n));
        // Rows need not be unit length for int8 (the per-row scale absorbs it), but cosine ranking
        // wants unit rows: normalise first.
        for (int64_t i = 0; i < n; ++i) {
            double s = 0;
            for (int64_t j = 0; j < kDenseDim; ++j)
                s += double(f[size_t(i * kDenseDim + j)]) * f[size_t(i * kDenseDim + j)];
            const float inv = s > 0 ? float(1.0 / std::sqrt(s)) : 0.0f;
            for (int64_t j = 0; j < kDenseDim; ++j) f[size_t(i * kDenseDim + j)] *= inv;
        }
        if (o_.backend == Backend::Reference)
            ref::quant_int8_rows(f.data(), n, kDenseDim, keys_.data(), key_scales_.data());
        else
            cpu::quant_int8_rows(f.data(), n, kDenseDim, keys_.data(), key_scales_.data());
        for (int b = 0; b < o_.batch; ++b) {
            Request& r = reqs_[size_t(b)];
            r.query_embedding.resize(size_t(kDenseDim));
            synth_fill_f32(r.query_embedding.data(), kDenseDim, o_.seed * 7919 + uint64_t(b) + 1,
                           1.0f);
            r.dense_values.assign(size_t(kCandidates), 0.0f);
            r.dense_docs.assign(size_t(kCandidates), -1);
            r.fused_values.assign(size_t(kCandidates), 0.0f);
            r.fused_docs.assign(size_t(kCandidates), -1);
        }
    }

    RagConfig c_;
    MethodOptions o_;
    DocStore store_;
    rag::InvertedIndex index_;
    rag::Tokenizer tokenizer_;
    std::vector<Request> reqs_;
    Buffer<int8_t> keys_;
    Buffer<float> key_scales_;
    double memory_bytes_ = 0;
    ModelRest rest_;
    std::unique_ptr<model::CrossEncoder> reranker_;  // two-stage with the whole model
};

}  // namespace

std::unique_ptr<Method> make_rag_method(RagKind kind) {
    switch (kind) {
        case RagKind::FsRag:
            return std::make_unique<RagMethod>(RagConfig{
                "fs-rag",
                "fixed-sentence RAG (DRAGIN FixLengthRAG): one BM25 retrieval per generated "
                "sentence, query = the sentence (16 words), k = 3; --tokens = number of corpus "
                "documents (synthetic Zipfian, ~100 words each); batch = concurrent requests; "
                "with the whole model a step is a request: 2 retrievals, Llama-2-7B prefill of "
                "the prompt and 32 generated tokens",
                16, 3, false, 2, "llama-2-7b"});
        case RagKind::Flare:
            return std::make_unique<RagMethod>(RagConfig{
                "flare",
                "FLARE (as in DRAGIN): a BM25 retrieval when a sentence's mean (1 − p) > θ, query "
                "= the sentence without its low-confidence tokens (12 words), k = 3; --tokens = "
                "number of corpus documents; whole model: 1 retrieval + Llama-2-7B prefill and "
                "32 generated tokens per request",
                12, 3, false, 1, "llama-2-7b"});
        case RagKind::Dragin:
            return std::make_unique<RagMethod>(RagConfig{
                "dragin",
                "DRAGIN: a BM25 retrieval when RIND fires, query = QFS top-25 keywords, k = 3; "
                "--tokens = number of corpus documents; whole model: 1 retrieval + Llama-2-7B "
                "prefill and 32 generated tokens per request",
                25, 3, false, 1, "llama-2-7b"});
        case RagKind::TwoStage:
            return std::make_unique<RagMethod>(RagConfig{
                "two-stage-rag",
                "two-stage hybrid RAG: BM25 top-64 + dense top-64 (random int8 1024-d "
                "embeddings) → RRF (k = 60) → 64 candidates, first 10 appended; --tokens = "
                "number of corpus documents; whole model: the bge-reranker-large cross-encoder "
                "over the 64 candidates → top 10, Llama-3.1-8B prefill and 32 generated tokens "
                "per request",
                16, kCandidates, true, 1, "llama-3.1-8b"});
    }
    usage_error("unknown RAG method kind");
}

}  // namespace mempipe
