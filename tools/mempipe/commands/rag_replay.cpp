// mempipe rag replay: replays recorded LLM generations (a JSONL trace, docs/rag-trace.md) through a
// dynamic-RAG trigger (include/mempipe/rag/triggers.h) and runs every retrieval it triggers as a
// real BM25 search on an index, reporting per request the retrievals, their queries, latencies
// and the retrieved doc ids.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <iostream>
#include <limits>
#include <memory>
#include <sstream>

#include <fmt/format.h>

#include "commands/commands.h"
#include "mempipe/core/error.h"
#include "mempipe/core/io.h"
#include "mempipe/core/timer.h"
#include "mempipe/rag/search.h"
#include "mempipe/rag/triggers.h"

namespace mempipe::cli {

namespace {

struct ReplayArgs {
    std::string trace, index, method = "dragin", format = "text", algorithm = "pruned";
    int64_t k = 0;
    double threshold = std::numeric_limits<double>::quiet_NaN();
    int64_t keep_top_k = 25;
    int64_t max_query_tokens = 64;
};

struct TraceStep {
    std::vector<rag::TokenSignal> tokens;
    bool caller_sentences = false;
    bool has_context = false;
    rag::DraginContext context;
};

struct TraceRequest {
    std::string id, question;
    std::vector<std::string> question_pieces;
    std::vector<TraceStep> steps;
};

struct Retrieval {
    int64_t step = -1;  // −1: before the first step
    std::string query;
    std::vector<rag::Hit> hits;
    double seconds = 0;
};

// Errors in the trace name the file, the line and the field.
[[noreturn]] void bad_trace(const std::string& where, const std::string& what) {
    runtime_error("{}: {} (see docs/rag-trace.md for the trace format)", where, what);
}

double number(const Json& j, const char* key, double fallback, const std::string& where) {
    if (!j.contains(key)) return fallback;
    if (!j[key].is_number()) bad_trace(where, fmt::format("\"{}\" must be a number", key));
    return j[key].get<double>();
}

bool flag(const Json& j, const char* key, bool fallback, const std::string& where) {
    if (!j.contains(key)) return fallback;
    if (!j[key].is_boolean()) bad_trace(where, fmt::format("\"{}\" must be true or false", key));
    return j[key].get<bool>();
}

std::vector<std::string> pieces_of(const Json& j, const std::string& where) {
    if (!j.is_array()) bad_trace(where, "token pieces must be an array of strings");
    std::vector<std::string> out;
    for (const auto& p : j) {
        if (!p.is_string()) bad_trace(where, "token pieces must be an array of strings");
        out.push_back(p.get<std::string>());
    }
    return out;
}

// Whitespace words as pieces (" word"), for questions recorded without their LLM tokens.
std::vector<std::string> whitespace_pieces(const std::string& text) {
    std::istringstream in(text);
    std::vector<std::string> out;
    std::string w;
    while (in >> w) {
        if (!out.empty()) w.insert(w.begin(), ' ');
        out.push_back(w);
    }
    return out;
}

TraceStep parse_step(const Json& s, const std::string& where) {
    TraceStep step;
    if (!s.is_object() || !s.contains("tokens") || !s["tokens"].is_array())
        bad_trace(where, "every step must be an object with a \"tokens\" array");
    for (size_t i = 0; i < s["tokens"].size(); ++i) {
        const Json& t = s["tokens"][i];
        const std::string tw = fmt::format("{}, token {}", where, i);
        if (!t.is_object() || !t.contains("text") || !t["text"].is_string())
            bad_trace(tw, "a token must be an object with a \"text\" string");
        rag::TokenSignal sig;
        sig.text = t["text"].get<std::string>();
        sig.prob = number(t, "prob", 1.0, tw);
        sig.entropy = number(t, "entropy", 0.0, tw);
        sig.attention = number(t, "attn", 0.0, tw);
        const bool spaced =
            !sig.text.empty() && std::isspace(static_cast<unsigned char>(sig.text[0]));
        sig.word_start = flag(t, "word_start", i == 0 || spaced, tw);
        sig.content = flag(t, "content", true, tw);
        if (t.contains("sentence_end")) step.caller_sentences = true;
        sig.sentence_end = flag(t, "sentence_end", false, tw);
        if (!(sig.prob >= 0 && sig.prob <= 1))
            bad_trace(tw, fmt::format("\"prob\" must be in [0, 1], got {}", sig.prob));
        if (!(std::isfinite(sig.entropy) && sig.entropy >= 0))
            bad_trace(tw, fmt::format("\"entropy\" must be ≥ 0, got {}", sig.entropy));
        if (!(std::isfinite(sig.attention) && sig.attention >= 0))
            bad_trace(tw, fmt::format("\"attn\" must be ≥ 0, got {}", sig.attention));
        step.tokens.push_back(std::move(sig));
    }
    if (s.contains("dragin")) {
        const Json& d = s["dragin"];
        const std::string dw = where + ", \"dragin\"";
        if (!d.is_object() || !d.contains("context") || !d["context"].is_array() ||
            !d.contains("attention") || !d["attention"].is_array())
            bad_trace(dw, "must be an object with \"context\" and \"attention\" arrays");
        step.has_context = true;
        for (const auto& w : d["context"]) {
            if (!w.is_object() || !w.contains("pieces"))
                bad_trace(dw, "context words must be objects with \"pieces\"");
            step.context.words.push_back(
                {pieces_of(w["pieces"], dw), flag(w, "content", true, dw)});
        }
        for (const auto& row : d["attention"]) {
            if (!row.is_array()) bad_trace(dw, "attention rows must be arrays of numbers");
            std::vector<double> r;
            for (const auto& v : row) {
                if (!v.is_number()) bad_trace(dw, "attention rows must be arrays of numbers");
                r.push_back(v.get<double>());
            }
            step.context.attention.push_back(std::move(r));
        }
    }
    return step;
}

std::vector<TraceRequest> read_trace(const std::string& path) {
    std::ifstream in(path);
    if (!in) runtime_error("cannot open trace '{}': check the path", path);
    std::vector<TraceRequest> out;
    std::string line;
    int64_t lineno = 0;
    while (std::getline(in, line)) {
        ++lineno;
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        const std::string where = fmt::format("{}:{}", path, lineno);
        Json j;
        try {
            j = Json::parse(line);
        } catch (const std::exception& e) {
            bad_trace(where, fmt::format("not valid JSON ({})", e.what()));
        }
        if (!j.is_object() || !j.contains("question") || !j["question"].is_string())
            bad_trace(where, "each line must be an object with a \"question\" string");
        TraceRequest r;
        r.question = j["question"].get<std::string>();
        if (j.contains("id")) {
            if (j["id"].is_string())
                r.id = j["id"].get<std::string>();
            else if (j["id"].is_number_integer())
                r.id = std::to_string(j["id"].get<int64_t>());
            else
                bad_trace(where, "\"id\" must be a string or an integer");
        } else {
            r.id = std::to_string(out.size() + 1);
        }
        r.question_pieces = j.contains("question_tokens") ? pieces_of(j["question_tokens"], where)
                                                          : whitespace_pieces(r.question);
        if (j.contains("steps")) {
            if (!j["steps"].is_array()) bad_trace(where, "\"steps\" must be an array");
            for (size_t s = 0; s < j["steps"].size(); ++s)
                r.steps.push_back(parse_step(j["steps"][s], fmt::format("{}, step {}", where, s)));
        }
        out.push_back(std::move(r));
    }
    return out;
}

void run_replay(const ReplayArgs& a) {
    rag::TriggerOptions to;
    to.method = rag::parse_trigger_method(a.method);
    to.threshold = a.threshold;
    to.top_k = a.k;
    to.keep_top_k = a.keep_top_k;
    to.max_query_tokens = a.max_query_tokens;
    to = rag::resolve_trigger_options(to);
    MEMPIPE_CHECK_ARG(a.format == "text" || a.format == "json",
                      "--format must be text or json, got '{}'", a.format);
    const rag::SearchAlgorithm algorithm = rag::parse_search_algorithm(a.algorithm);
    const std::vector<TraceRequest> requests = read_trace(a.trace);
    const rag::InvertedIndex index = rag::InvertedIndex::load(a.index);

    std::string out;
    std::vector<double> all_latencies;
    int64_t total_retrievals = 0;
    for (const TraceRequest& req : requests) {
        rag::Trigger trigger(to);
        std::vector<Retrieval> rets;
        auto retrieve = [&](int64_t step, const std::string& query) {
            Retrieval r;
            r.step = step;
            r.query = query;
            Timer t;
            r.hits = rag::search(index, query, to.top_k, algorithm);
            r.seconds = t.seconds();
            rets.push_back(std::move(r));
        };
        const rag::TriggerDecision first = trigger.start(req.question_pieces);
        if (first.retrieve) retrieve(-1, first.query);
        for (size_t s = 0; s < req.steps.size(); ++s) {
            const TraceStep& st = req.steps[s];
            rag::TriggerOptions so = to;
            so.sentences =
                st.caller_sentences ? rag::SentenceRule::Caller : rag::SentenceRule::Punctuation;
            rag::Trigger step_trigger(so);
            const rag::TriggerDecision d =
                step_trigger.step(st.tokens, st.has_context ? &st.context : nullptr);
            if (!d.retrieve) continue;
            // fs-rag's retrieval feeds the next step: none after the last one.
            if (trigger.retrieval_feeds_next_step() && s + 1 == req.steps.size()) continue;
            retrieve(int64_t(s), d.query);
        }

        std::vector<double> lat;
        for (const auto& r : rets) lat.push_back(r.seconds * 1e6);
        double sum = 0;
        for (double x : lat) sum += x;
        const double mean = lat.empty() ? 0 : sum / double(lat.size());
        const double p50 = median(lat);
        all_latencies.insert(all_latencies.end(), lat.begin(), lat.end());
        total_retrievals += int64_t(rets.size());
        if (a.format == "json") {
            Json j{{"id", req.id},
                   {"method", a.method},
                   {"steps", req.steps.size()},
                   {"retrievals", rets.size()},
                   {"latency_us", {{"sum", sum}, {"mean", mean}, {"p50", p50}}}};
            Json qs = Json::array();
            for (const auto& r : rets) {
                Json docs = Json::array(), scores = Json::array();
                for (const auto& h : r.hits) {
                    docs.push_back(std::string(index.doc_id(h.doc)));
                    scores.push_back(h.score);
                }
                qs.push_back({{"step", r.step},
                              {"query", r.query},
                              {"docs", docs},
                              {"scores", scores},
                              {"latency_us", r.seconds * 1e6}});
            }
            j["queries"] = qs;
            out += j.dump() + "\n";
        } else {
            out += fmt::format(
                "request {}: {} steps, {} retrievals, latency sum {:.1f} µs, mean "
                "{:.1f} µs, p50 {:.1f} µs\n",
                req.id, req.steps.size(), rets.size(), sum, mean, p50);
            for (const auto& r : rets) {
                std::string ids;
                for (const auto& h : r.hits)
                    ids += std::string(ids.empty() ? "" : " ") + std::string(index.doc_id(h.doc));
                out += fmt::format("  {:>5}  {:8.1f} µs  [{}]  {}\n",
                                   r.step < 0 ? std::string("q") : fmt::format("s{}", r.step),
                                   r.seconds * 1e6, ids, r.query);
            }
        }
    }
    if (a.format == "text") {
        double sum = 0;
        for (double x : all_latencies) sum += x;
        out += fmt::format(
            "{} requests, {} retrievals ({:.2f} per request), {} top-{} on {} docs; "
            "retrieval latency mean {:.1f} µs, p50 {:.1f} µs\n",
            requests.size(), total_retrievals,
            requests.empty() ? 0.0 : double(total_retrievals) / double(requests.size()), a.method,
            to.top_k, index.num_docs(),
            all_latencies.empty() ? 0.0 : sum / double(all_latencies.size()),
            median(all_latencies));
    }
    std::cout << out;
}

}  // namespace

void add_rag_replay_command(CLI::App& rag) {
    auto a = std::make_shared<ReplayArgs>();
    auto* cmd = rag.add_subcommand(
        "replay",
        "Replay a JSONL trace of LLM token signals through a dynamic-RAG trigger (fs-rag, flare, "
        "flare-original, dragin), running each triggered retrieval as a BM25 search\n"
        "  example: mempipe rag replay trace.jsonl --index idx/ --method dragin --format json");
    cmd->add_option("trace", a->trace, "Trace file (JSONL, docs/rag-trace.md)")->required();
    cmd->add_option("--index", a->index, "Index directory (or bm25.index file)")->required();
    cmd->add_option("--method,-m", a->method, "fs-rag | flare | flare-original | dragin")
        ->capture_default_str();
    cmd->add_option("-k,--k", a->k,
                    "Documents per retrieval (0 = the method's: 3, flare-original 2)")
        ->capture_default_str();
    cmd->add_option("--threshold", a->threshold,
                    "θ: flare's mean (1 − p) threshold (default 0.1) or DRAGIN's RIND threshold "
                    "(default 1.0)");
    cmd->add_option("--keep-top-k", a->keep_top_k, "DRAGIN QFS: query keywords kept")
        ->capture_default_str();
    cmd->add_option("--max-query-tokens", a->max_query_tokens,
                    "Queries keep their last N LLM tokens")
        ->capture_default_str();
    cmd->add_option("--algorithm", a->algorithm, "pruned | exhaustive | reference")
        ->capture_default_str();
    cmd->add_option("--format", a->format, "text | json (one JSON object per request)")
        ->capture_default_str();
    cmd->callback([a] { run_replay(*a); });
}

}  // namespace mempipe::cli
