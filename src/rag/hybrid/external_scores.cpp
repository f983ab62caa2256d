// ExternalScores: stage-2 scores read from a TSV, JSONL or TREC run file.
#include <nlohmann/json.hpp>

#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

#include "mempipe/core/error.h"
#include "mempipe/rag/hybrid.h"

namespace mempipe::rag {

namespace {

bool parse_float(const std::string& s, float& out) {
    if (s.empty()) return false;
    char* end = nullptr;
    out = std::strtof(s.c_str(), &end);
    return end == s.c_str() + s.size();
}

std::string json_id(const nlohmann::json& j, const char* key, const std::string& where) {
    if (!j.contains(key)) runtime_error("{}: missing \"{}\"", where, key);
    const auto& v = j[key];
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
    runtime_error("{}: \"{}\" must be a string or an integer", where, key);
}

bool ends_with(const std::string& s, std::string_view suffix) {
    return s.size() >= suffix.size() &&
           s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

MissingScore parse_missing_score(std::string_view name) {
    if (name == "error") return MissingScore::Error;
    if (name == "neg-inf" || name == "-inf") return MissingScore::NegInf;
    usage_error("unknown missing-score policy '{}' (choose error or neg-inf)", name);
}

ExternalScores ExternalScores::load(const std::string& path, MissingScore missing) {
    std::ifstream f(path);
    if (!f) runtime_error("cannot open stage-2 scores file '{}'", path);
    ExternalScores s;
    s.path_ = path;
    s.missing_ = missing;
    std::string line;
    int64_t no = 0;
    bool jsonl = ends_with(path, ".jsonl");
    while (std::getline(f, line)) {
        ++no;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.find_first_not_of(" \t") == std::string::npos) continue;
        const std::string where = fmt::format("'{}' line {}", path, no);
        if (no == 1 && line[line.find_first_not_of(" \t")] == '{') jsonl = true;
        std::string q, d;
        float v = 0;
        if (jsonl) {
            nlohmann::json j;
            try {
                j = nlohmann::json::parse(line);
            } catch (const std::exception& e) {
                runtime_error("{}: not valid JSON ({})", where, e.what());
            }
            if (!j.is_object()) runtime_error("{}: expected a JSON object", where);
            q = json_id(j, "query_id", where);
            d = json_id(j, "doc_id", where);
            if (!j.contains("score") || !j["score"].is_number())
                runtime_error("{}: \"score\" must be a number", where);
            v = j["score"].get<float>();
        } else if (line.find('\t') != std::string::npos) {
            std::vector<std::string> f3;
            std::stringstream ss(line);
            std::string tok;
            while (std::getline(ss, tok, '\t')) f3.push_back(tok);
            if (f3.size() != 3)
                runtime_error(
                    "{}: expected 3 tab-separated fields (query_id, doc_id, score), got {}", where,
                    f3.size());
            if (!parse_float(f3[2], v)) {
                if (no == 1) continue;  // header
                runtime_error("{}: score '{}' is not a number", where, f3[2]);
            }
            q = f3[0];
            d = f3[1];
        } else {
            std::vector<std::string> f6;
            std::stringstream ss(line);
            std::string tok;
            while (ss >> tok) f6.push_back(tok);
            if (f6.size() != 6)
                runtime_error(
                    "{}: expected a TSV line (query_id<TAB>doc_id<TAB>score), a JSON object "
                    "or a TREC run line (qid Q0 docid rank score tag)",
                    where);
            if (!parse_float(f6[4], v))
                runtime_error("{}: score '{}' is not a number", where, f6[4]);
            q = f6[0];
            d = f6[2];
        }
        if (!std::isfinite(v)) runtime_error("{}: score {} is not finite", where, v);
        if (!s.scores_[q].emplace(d, v).second)
            runtime_error("{}: duplicate score for query '{}', doc '{}'", where, q, d);
        ++s.pairs_;
    }
    return s;
}

std::vector<float> ExternalScores::score(std::string_view query_id, std::string_view,
                                         const std::vector<std::string>& doc_ids) {
    std::vector<float> out;
    auto q = scores_.find(std::string(query_id));
    for (const std::string& d : doc_ids) {
        if (q != scores_.end()) {
            auto it = q->second.find(d);
            if (it != q->second.end()) {
                out.push_back(it->second);
                continue;
            }
        }
        if (missing_ == MissingScore::Error)
            runtime_error(
                "'{}' has no stage-2 score for query '{}', doc '{}' (score every candidate, "
                "or rank unscored candidates last with --stage2-missing neg-inf)",
                path_, query_id, d);
        out.push_back(-std::numeric_limits<float>::infinity());
    }
    return out;
}

}  // namespace mempipe::rag
